/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table's rows: one row per option, and nothing else anywhere per option. Included
 * twice, without a guard: by options.h for the OptionId enum (the first argument) and by options.c
 * for the table itself. A row is
 *
 *   OPTION(id, section, key, type, flags, default, help, fields...)
 *
 * where the fields are designated initializers of OptionDef: .choices for an enum, what reads the
 * option for reload plans (.restart, .reboot_reason, .note; OXENSTORED_ONLY(key) for what only
 * oxenstored reads, from the key its oxenstored.conf line has), .oxenstored_key for a key the C
 * store reads too, and .same_as for a default that is a copy of another option's value. Every
 * option names at least one consumer: test-plan fails otherwise. The section, key and defaults
 * follow the NixOS module virtualisation.xen.*, so that a NixOS configuration translates key by
 * key. After a change, regenerate conf/, man/ and the golden files (see tests/update-golden). */

OPTION(OPT_ENABLE, "xen", "enable", OPTION_BOOL, 0, "true",
       "Run the Xen Domain 0 stack (NixOS default false; running xen-dom0d implies true).",
       .note = "starts the stack when enabled; disabling leaves the running stack alone")
OPTION(OPT_DEBUG, "xen", "debug", OPTION_BOOL, 0, "false",
       "Enable Xen debugging features (xenstored test-eagain); requires trace.",
       .note = "acts through xen.trace and store.settings.testEAGAIN")
OPTION(OPT_TRACE, "xen", "trace", OPTION_BOOL, OPTION_COMPUTED, "same as xen.debug",
       "Verbose logging: Xen loglvl=all guest_loglvl=all, xenstored and xenconsoled tracing.",
       .same_as = &option_table[OPT_DEBUG],
       .restart = RESTART(COMP_XENCONSOLED),
       .reboot_reason = "Xen log levels on the hypervisor command line and the store's tracing")
OPTION(OPT_PACKAGE, "xen", "package", OPTION_PATH, 0, DEFAULT_XEN_PREFIX,
       "Prefix of the Xen tools installation (bin/oxenstored, bin/xenstored, ...).",
       .reboot_reason = "the Xen tools of running components")
OPTION(OPT_BOOT_PARAMS, "xen", "bootParams", OPTION_LIST, OPTION_BOOT_WORDS, "",
       "Extra Xen command line parameters, after the derived ones: letters, digits, = , . : _ - + / @ %.",
       .reboot_reason = "the Xen hypervisor command line")
OPTION(OPT_QEMU_PACKAGE, "qemu", "package", OPTION_PATH, 0, DEFAULT_QEMU_XEN,
       "The qemu binary with Xen support that serves dom0's disk backend.",
       .reboot_reason = "the qemu dom0 disk backend serves guest disks and is not restarted")
OPTION(OPT_QEMU_PID_FILE, "qemu", "pidFile", OPTION_PATH, 0, "/run/xen/qemu-dom0.pid",
       "Pid file of the qemu dom0 disk backend.",
       .reboot_reason = "the qemu dom0 disk backend serves guest disks and is not restarted")
OPTION(OPT_EFI_BOOT_BUILDER_VERBOSITY, "efi", "bootBuilderVerbosity", OPTION_ENUM, 0, "default",
       "Verbosity of the boot entry builder: default, info, debug or quiet.",
       .choices = verbosity_choices, .note = "the boot entry builder reads it at its next run")
OPTION(OPT_EFI_PATH, "efi", "path", OPTION_PATH, 0, DEFAULT_XEN_EFI,
       "Path of the Xen EFI binary named in the boot specification.",
       .reboot_reason = "the Xen EFI image the systemd-boot entries are built from")
OPTION(OPT_DOM0_MAX_VCPUS, "dom0Resources", "maxVCPUs", OPTION_UINT, 0, "0",
       "Maximum vCPUs of Domain 0 (dom0_max_vcpus); 0 means all host CPUs.",
       .reboot_reason = "Domain 0 vCPUs on the hypervisor command line")
OPTION(OPT_DOM0_MEMORY, "dom0Resources", "memory", OPTION_UINT, 0, "0",
       "Memory of Domain 0 at boot in MiB (dom0_mem); 0 means all host memory.",
       .reboot_reason = "Domain 0 memory on the hypervisor command line")
OPTION(OPT_DOM0_MAX_MEMORY, "dom0Resources", "maxMemory", OPTION_UINT, OPTION_COMPUTED,
       "same as dom0Resources.memory",
       "Maximum memory Domain 0 may balloon up to, in MiB (dom0_mem max:).",
       .same_as = &option_table[OPT_DOM0_MEMORY],
       .reboot_reason = "Domain 0 maximum memory on the hypervisor command line")
OPTION(OPT_DOMAINS_EXTRA_CONFIG, "domains", "extraConfig", OPTION_LINES, OPTION_SHELL_ASSIGNMENTS, "",
       "Shell assignments NAME=VALUE appended to the xendomains defaults (indent continuation lines).",
       .note = "xendomains reads it at its next start or stop")
OPTION(OPT_STORE_PATH, "store", "path", OPTION_PATH, OPTION_COMPUTED, "${xen.package}/bin/oxenstored",
       "Path of the store daemon: oxenstored (OCaml) or xenstored (C).",
       .reboot_reason = STORE_REASON)
OPTION(OPT_STORE_TYPE, "store", "type", OPTION_ENUM, OPTION_READONLY | OPTION_COMPUTED,
       "derived from store.path",
       "Read-only: ocaml when store.path ends in oxenstored, c otherwise.",
       .choices = store_type_choices, .reboot_reason = STORE_REASON)
OPTION(OPT_STORE_PID_FILE, "store.settings", "pidFile", OPTION_PATH, 0, "/run/xen/xenstored.pid",
       "Pid file of the store daemon.",
       .oxenstored_key = "pid-file", .reboot_reason = STORE_REASON)
OPTION(OPT_STORE_TEST_EAGAIN, "store.settings", "testEAGAIN", OPTION_BOOL, OPTION_HIDDEN | OPTION_COMPUTED,
       "same as xen.debug",
       "Randomly fail transactions with EAGAIN, for debugging.",
       .same_as = &option_table[OPT_DEBUG], OXENSTORED_ONLY("test-eagain"))
OPTION(OPT_STORE_ENABLE_MERGE, "store.settings", "enableMerge", OPTION_BOOL, 0, "true",
       "Merge transactions that do not conflict.",
       OXENSTORED_ONLY("merge-activate"))
OPTION(OPT_STORE_PERSISTENT, "store.settings", "persistent", OPTION_BOOL, 0, "false",
       "Keep the store's database across store daemon restarts.",
       OXENSTORED_ONLY("persistent"))
OPTION(OPT_STORE_RING_SCAN_INTERVAL, "store.settings", "ringScanInterval", OPTION_NONZERO, 0, "20",
       "Milliseconds between scans of the rings for pending requests; negative disables.",
       OXENSTORED_ONLY("ring-scan-interval"))
OPTION(OPT_CONFLICT_BURST_LIMIT, "store.settings.conflict", "burstLimit", OPTION_FLOAT, 0, "5.0",
       "Conflict credit a domain may accumulate before it is throttled.",
       OXENSTORED_ONLY("conflict-burst-limit"))
OPTION(OPT_CONFLICT_MAX_HISTORY_SECONDS, "store.settings.conflict", "maxHistorySeconds", OPTION_FLOAT, 0,
       "0.05",
       "Seconds of conflict history kept per domain.",
       OXENSTORED_ONLY("conflict-max-history-seconds"))
OPTION(OPT_CONFLICT_RATE_LIMIT_IS_AGGREGATE, "store.settings.conflict", "rateLimitIsAggregate", OPTION_BOOL, 0,
       "true",
       "Rate-limit conflicts over all domains together rather than per domain.",
       OXENSTORED_ONLY("conflict-rate-limit-is-aggregate"))
OPTION(OPT_PERMS_ENABLE, "store.settings.perms", "enable", OPTION_BOOL, 0, "true",
       "Enforce store node permissions.",
       OXENSTORED_ONLY("perms-activate"))
OPTION(OPT_PERMS_ENABLE_WATCH, "store.settings.perms", "enableWatch", OPTION_BOOL, 0, "true",
       "Enforce permissions on watches.",
       OXENSTORED_ONLY("perms-watch-activate"))
OPTION(OPT_QUOTA_ENABLE, "store.settings.quota", "enable", OPTION_BOOL, 0, "true",
       "Enforce per-domain store quotas.",
       OXENSTORED_ONLY("quota-activate"))
OPTION(OPT_QUOTA_MAX_ENTITY, "store.settings.quota", "maxEntity", OPTION_POSINT, 0, "1000",
       "Maximum number of store entries per domain.",
       OXENSTORED_ONLY("quota-maxentity"))
OPTION(OPT_QUOTA_MAX_SIZE, "store.settings.quota", "maxSize", OPTION_POSINT, 0, "2048",
       "Maximum size in bytes of one store value.",
       OXENSTORED_ONLY("quota-maxsize"))
OPTION(OPT_QUOTA_MAX_WATCH, "store.settings.quota", "maxWatch", OPTION_POSINT, 0, "100",
       "Maximum number of watches per domain.",
       OXENSTORED_ONLY("quota-maxwatch"))
OPTION(OPT_QUOTA_TRANSACTION, "store.settings.quota", "transaction", OPTION_POSINT, 0, "10",
       "Maximum number of open transactions per domain.",
       OXENSTORED_ONLY("quota-transaction"))
OPTION(OPT_QUOTA_MAX_REQUESTS, "store.settings.quota", "maxRequests", OPTION_POSINT, 0, "1024",
       "Maximum number of requests per transaction.",
       OXENSTORED_ONLY("quota-maxrequests"))
OPTION(OPT_QUOTA_MAX_PATH, "store.settings.quota", "maxPath", OPTION_POSINT, 0, "1024",
       "Maximum length in bytes of a store path.",
       OXENSTORED_ONLY("quota-path-max"))
OPTION(OPT_QUOTA_MAX_OUTSTANDING, "store.settings.quota", "maxOutstanding", OPTION_POSINT, 0, "1024",
       "Maximum number of outstanding requests per domain.",
       OXENSTORED_ONLY("quota-maxoutstanding"))
OPTION(OPT_QUOTA_MAX_WATCH_EVENTS, "store.settings.quota", "maxWatchEvents", OPTION_POSINT, 0, "1024",
       "Maximum number of queued watch events per domain; at least maxOutstanding.",
       OXENSTORED_ONLY("quota-maxwatchevents"))
OPTION(OPT_LOG_FILE, "store.settings.xenstored.log", "file", OPTION_PATH, 0, "/var/log/xen/xenstored.log",
       "Log file of the store daemon.",
       OXENSTORED_ONLY("xenstored-log-file"))
OPTION(OPT_LOG_LEVEL, "store.settings.xenstored.log", "level", OPTION_ENUM, OPTION_NULLABLE | OPTION_COMPUTED,
       "debug if xen.trace, else null",
       "Store log level: null (no logging), debug, info, warn or error.",
       .choices = log_level_choices, OXENSTORED_ONLY("xenstored-log-level"))
OPTION(OPT_LOG_NB_FILES, "store.settings.xenstored.log", "nbFiles", OPTION_INT, OPTION_HIDDEN, "10",
       "Number of rotated store log files.",
       OXENSTORED_ONLY("xenstored-log-nb-files"))
OPTION(OPT_ACCESS_LOG_FILE, "store.settings.xenstored.accessLog", "file", OPTION_PATH, 0,
       "/var/log/xen/xenstored-access.log",
       "Access log file of the store daemon.",
       OXENSTORED_ONLY("access-log-file"))
OPTION(OPT_ACCESS_LOG_NB_LINES, "store.settings.xenstored.accessLog", "nbLines", OPTION_INT, OPTION_HIDDEN,
       "13215",
       "Lines per access log file before rotation.",
       OXENSTORED_ONLY("access-log-nb-lines"))
OPTION(OPT_ACCESS_LOG_NB_CHARS, "store.settings.xenstored.accessLog", "nbChars", OPTION_INT, OPTION_HIDDEN,
       "180",
       "Characters kept per access log line.",
       OXENSTORED_ONLY("access-log-nb-chars"))
OPTION(OPT_ACCESS_LOG_SPECIAL_OPS, "store.settings.xenstored.accessLog", "specialOps", OPTION_BOOL, OPTION_HIDDEN,
       "false",
       "Also log special operations in the access log.",
       OXENSTORED_ONLY("access-log-special-ops"))
OPTION(OPT_XENFS_KVA, "store.settings.xenstored.xenfs", "kva", OPTION_PATH, OPTION_HIDDEN,
       "/proc/xen/xsd_kva",
       "xenfs file mapping the store ring.",
       OXENSTORED_ONLY("xenstored-kva"))
OPTION(OPT_XENFS_PORT, "store.settings.xenstored.xenfs", "port", OPTION_PATH, OPTION_HIDDEN,
       "/proc/xen/xsd_port",
       "xenfs file holding the store event channel port.",
       OXENSTORED_ONLY("xenstored-port"))
OPTION(OPT_METRICS_ENABLE, "metrics", "enable", OPTION_BOOL, OPTION_OWN, "false",
       "Write the metrics for node_exporter's textfile collector into metrics.directory.",
       .note = "xen-dom0d writes the metrics file accordingly at once")
OPTION(OPT_METRICS_INTERVAL, "metrics", "interval", OPTION_POSINT, OPTION_OWN, "15",
       "Seconds between two writes of the metrics file.",
       .note = "xen-dom0d writes the metrics file accordingly at once")
OPTION(OPT_METRICS_DIRECTORY, "metrics", "directory", OPTION_PATH, OPTION_OWN,
       "/var/lib/prometheus/node-exporter",
       "Directory of the textfile collector; the file written is xen-dom0.prom.",
       .note = "xen-dom0d writes the metrics file accordingly at once")
OPTION(OPT_BOOT_ENTRIES_LOADER, "bootEntries", "loader", OPTION_ENUM, OPTION_OWN, "auto",
       "Boot loader whose Xen entries xen-dom0d keeps current: auto, grub, systemd-boot or none.",
       .choices = boot_loader_choices, .note = "the boot entries are rebuilt at once")
