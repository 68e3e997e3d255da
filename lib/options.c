/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table itself. Defaults, types and help text follow the NixOS module
 * virtualisation.xen.* so that a NixOS configuration translates key by key. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "macro.h"
#include "options.h"

static const char *const verbosity_choices[] = { "default", "info", "debug", "quiet", NULL };
static const char *const log_level_choices[] = { "debug", "info", "warn", "error", NULL };
static const char *const store_type_choices[] = { "ocaml", "c", NULL };

#define O(_id, _section, _key, _type, _flags, _default, _help) \
        [_id] = { .id = _id, .section = _section, .key = _key, .name = _section "." _key, .type = _type, .flags = _flags, \
                  .default_value = _default, .help = _help }
#define E(_id, _section, _key, _flags, _default, _choices, _help) \
        [_id] = { .id = _id, .section = _section, .key = _key, .name = _section "." _key, .type = OPTION_ENUM, .flags = _flags, \
                  .default_value = _default, .choices = _choices, .help = _help }

const OptionDef option_table[_OPTION_MAX] = {
        O(OPT_ENABLE, "xen", "enable", OPTION_BOOL, 0, "true",
          "Run the Xen Domain 0 stack (NixOS default false; running xen-dom0d implies true)."),
        O(OPT_DEBUG, "xen", "debug", OPTION_BOOL, 0, "false",
          "Enable Xen debugging features (xenstored test-eagain); requires trace."),
        O(OPT_TRACE, "xen", "trace", OPTION_BOOL, OPTION_COMPUTED, "same as xen.debug",
          "Verbose logging: Xen loglvl=all guest_loglvl=all, xenstored and xenconsoled tracing."),
        O(OPT_PACKAGE, "xen", "package", OPTION_PATH, 0, DEFAULT_XEN_PREFIX,
          "Prefix of the Xen tools installation (bin/oxenstored, bin/xenstored, ...)."),
        O(OPT_BOOT_PARAMS, "xen", "bootParams", OPTION_LIST, OPTION_BOOT_WORDS, "",
          "Extra Xen command line parameters, after the derived ones: letters, digits, = , . : _ - + / @ %."),
        O(OPT_QEMU_PACKAGE, "qemu", "package", OPTION_PATH, 0, DEFAULT_QEMU_XEN,
          "The qemu binary with Xen support that serves dom0's disk backend."),
        O(OPT_QEMU_PID_FILE, "qemu", "pidFile", OPTION_PATH, 0, "/run/xen/qemu-dom0.pid",
          "Pid file of the qemu dom0 disk backend."),
        E(OPT_EFI_BOOT_BUILDER_VERBOSITY, "efi", "bootBuilderVerbosity", 0, "default", verbosity_choices,
          "Verbosity of the boot entry builder: default, info, debug or quiet."),
        O(OPT_EFI_PATH, "efi", "path", OPTION_PATH, 0, DEFAULT_XEN_EFI,
          "Path of the Xen EFI binary named in the boot specification."),
        O(OPT_DOM0_MAX_VCPUS, "dom0Resources", "maxVCPUs", OPTION_UINT, 0, "0",
          "Maximum vCPUs of Domain 0 (dom0_max_vcpus); 0 means all host CPUs."),
        O(OPT_DOM0_MEMORY, "dom0Resources", "memory", OPTION_UINT, 0, "0",
          "Memory of Domain 0 at boot in MiB (dom0_mem); 0 means all host memory."),
        O(OPT_DOM0_MAX_MEMORY, "dom0Resources", "maxMemory", OPTION_UINT, OPTION_COMPUTED, "same as dom0Resources.memory",
          "Maximum memory Domain 0 may balloon up to, in MiB (dom0_mem max:)."),
        O(OPT_DOMAINS_EXTRA_CONFIG, "domains", "extraConfig", OPTION_LINES, OPTION_SHELL_ASSIGNMENTS, "",
          "Shell assignments NAME=VALUE appended to the xendomains defaults (indent continuation lines)."),
        O(OPT_STORE_PATH, "store", "path", OPTION_PATH, OPTION_COMPUTED, "${xen.package}/bin/oxenstored",
          "Path of the store daemon: oxenstored (OCaml) or xenstored (C)."),
        E(OPT_STORE_TYPE, "store", "type", OPTION_READONLY | OPTION_COMPUTED, "derived from store.path",
          store_type_choices, "Read-only: ocaml when store.path ends in oxenstored, c otherwise."),
        O(OPT_STORE_PID_FILE, "store.settings", "pidFile", OPTION_PATH, 0, "/run/xen/xenstored.pid",
          "Pid file of the store daemon."),
        O(OPT_STORE_TEST_EAGAIN, "store.settings", "testEAGAIN", OPTION_BOOL, OPTION_HIDDEN | OPTION_COMPUTED,
          "same as xen.debug", "Randomly fail transactions with EAGAIN, for debugging."),
        O(OPT_STORE_ENABLE_MERGE, "store.settings", "enableMerge", OPTION_BOOL, 0, "true",
          "Merge transactions that do not conflict."),
        O(OPT_STORE_PERSISTENT, "store.settings", "persistent", OPTION_BOOL, 0, "false",
          "Keep the store's database across store daemon restarts."),
        O(OPT_STORE_RING_SCAN_INTERVAL, "store.settings", "ringScanInterval", OPTION_NONZERO, 0, "20",
          "Milliseconds between scans of the rings for pending requests; negative disables."),
        O(OPT_CONFLICT_BURST_LIMIT, "store.settings.conflict", "burstLimit", OPTION_FLOAT, 0, "5.0",
          "Conflict credit a domain may accumulate before it is throttled."),
        O(OPT_CONFLICT_MAX_HISTORY_SECONDS, "store.settings.conflict", "maxHistorySeconds", OPTION_FLOAT, 0, "0.05",
          "Seconds of conflict history kept per domain."),
        O(OPT_CONFLICT_RATE_LIMIT_IS_AGGREGATE, "store.settings.conflict", "rateLimitIsAggregate", OPTION_BOOL, 0,
          "true", "Rate-limit conflicts over all domains together rather than per domain."),
        O(OPT_PERMS_ENABLE, "store.settings.perms", "enable", OPTION_BOOL, 0, "true",
          "Enforce store node permissions."),
        O(OPT_PERMS_ENABLE_WATCH, "store.settings.perms", "enableWatch", OPTION_BOOL, 0, "true",
          "Enforce permissions on watches."),
        O(OPT_QUOTA_ENABLE, "store.settings.quota", "enable", OPTION_BOOL, 0, "true",
          "Enforce per-domain store quotas."),
        O(OPT_QUOTA_MAX_ENTITY, "store.settings.quota", "maxEntity", OPTION_POSINT, 0, "1000",
          "Maximum number of store entries per domain."),
        O(OPT_QUOTA_MAX_SIZE, "store.settings.quota", "maxSize", OPTION_POSINT, 0, "2048",
          "Maximum size in bytes of one store value."),
        O(OPT_QUOTA_MAX_WATCH, "store.settings.quota", "maxWatch", OPTION_POSINT, 0, "100",
          "Maximum number of watches per domain."),
        O(OPT_QUOTA_TRANSACTION, "store.settings.quota", "transaction", OPTION_POSINT, 0, "10",
          "Maximum number of open transactions per domain."),
        O(OPT_QUOTA_MAX_REQUESTS, "store.settings.quota", "maxRequests", OPTION_POSINT, 0, "1024",
          "Maximum number of requests per transaction."),
        O(OPT_QUOTA_MAX_PATH, "store.settings.quota", "maxPath", OPTION_POSINT, 0, "1024",
          "Maximum length in bytes of a store path."),
        O(OPT_QUOTA_MAX_OUTSTANDING, "store.settings.quota", "maxOutstanding", OPTION_POSINT, 0, "1024",
          "Maximum number of outstanding requests per domain."),
        O(OPT_QUOTA_MAX_WATCH_EVENTS, "store.settings.quota", "maxWatchEvents", OPTION_POSINT, 0, "1024",
          "Maximum number of queued watch events per domain; at least maxOutstanding."),
        O(OPT_LOG_FILE, "store.settings.xenstored.log", "file", OPTION_PATH, 0, "/var/log/xen/xenstored.log",
          "Log file of the store daemon."),
        E(OPT_LOG_LEVEL, "store.settings.xenstored.log", "level", OPTION_NULLABLE | OPTION_COMPUTED,
          "debug if xen.trace, else null", log_level_choices,
          "Store log level: null (no logging), debug, info, warn or error."),
        O(OPT_LOG_NB_FILES, "store.settings.xenstored.log", "nbFiles", OPTION_INT, OPTION_HIDDEN, "10",
          "Number of rotated store log files."),
        O(OPT_ACCESS_LOG_FILE, "store.settings.xenstored.accessLog", "file", OPTION_PATH, 0,
          "/var/log/xen/xenstored-access.log", "Access log file of the store daemon."),
        O(OPT_ACCESS_LOG_NB_LINES, "store.settings.xenstored.accessLog", "nbLines", OPTION_INT, OPTION_HIDDEN,
          "13215", "Lines per access log file before rotation."),
        O(OPT_ACCESS_LOG_NB_CHARS, "store.settings.xenstored.accessLog", "nbChars", OPTION_INT, OPTION_HIDDEN,
          "180", "Characters kept per access log line."),
        O(OPT_ACCESS_LOG_SPECIAL_OPS, "store.settings.xenstored.accessLog", "specialOps", OPTION_BOOL,
          OPTION_HIDDEN, "false", "Also log special operations in the access log."),
        O(OPT_XENFS_KVA, "store.settings.xenstored.xenfs", "kva", OPTION_PATH, OPTION_HIDDEN,
          "/proc/xen/xsd_kva", "xenfs file mapping the store ring."),
        O(OPT_XENFS_PORT, "store.settings.xenstored.xenfs", "port", OPTION_PATH, OPTION_HIDDEN,
          "/proc/xen/xsd_port", "xenfs file holding the store event channel port."),
        O(OPT_METRICS_ENABLE, "metrics", "enable", OPTION_BOOL, OPTION_OWN, "false",
          "Write the metrics for node_exporter's textfile collector into metrics.directory."),
        O(OPT_METRICS_INTERVAL, "metrics", "interval", OPTION_POSINT, OPTION_OWN, "15",
          "Seconds between two writes of the metrics file."),
        O(OPT_METRICS_DIRECTORY, "metrics", "directory", OPTION_PATH, OPTION_OWN, "/var/lib/prometheus/node-exporter",
          "Directory of the textfile collector; the file written is xen-dom0.prom."),
};

const OptionAlias option_aliases[] = {
        { "xen", "qemu-package", "xen.qemu-package", OPT_QEMU_PACKAGE },
        { "xen", "package-qemu", "xen.package-qemu", OPT_QEMU_PACKAGE },
        { "xen", "stored", "xen.stored", OPT_STORE_PATH },
        { "boot", "params", "boot.params", OPT_BOOT_PARAMS },
        { "boot", "builderVerbosity", "boot.builderVerbosity", OPT_EFI_BOOT_BUILDER_VERBOSITY },
        {}
};

#define BRIDGE_REASON \
        "The Xen Network Bridge options are currently unavailable. Please set up your own bridge manually."

const OptionRemoved option_removed[] = {
        { "bridge", "name", BRIDGE_REASON },
        { "bridge", "address", BRIDGE_REASON },
        { "bridge", "prefixLength", BRIDGE_REASON },
        { "bridge", "forwardDns", BRIDGE_REASON },
        {}
};

static const char *const type_names[_OPTION_TYPE_MAX] = {
        [OPTION_BOOL] = "boolean",
        [OPTION_PATH] = "absolute path",
        [OPTION_UINT] = "unsigned integer",
        [OPTION_POSINT] = "positive integer",
        [OPTION_INT] = "integer",
        [OPTION_NONZERO] = "non-zero integer",
        [OPTION_FLOAT] = "float",
        [OPTION_ENUM] = "enum",
        [OPTION_LIST] = "list of strings",
        [OPTION_LINES] = "lines",
};

const char *option_type_to_string(OptionType t) {
        return t >= 0 && t < _OPTION_TYPE_MAX ? type_names[t] : NULL;
}

const OptionDef *option_find(const char *section, const char *key) {
        for (size_t i = 0; i < _OPTION_MAX; i++)
                if (streq(option_table[i].section, section) && streq(option_table[i].key, key))
                        return &option_table[i];
        return NULL;
}

const OptionDef *option_by_name(const char *name) {
        for (size_t i = 0; i < _OPTION_MAX; i++)
                if (streq(option_table[i].name, name))
                        return &option_table[i];
        return NULL;
}

const OptionAlias *option_alias_find(const char *section, const char *key) {
        for (const OptionAlias *a = option_aliases; a->section; a++)
                if (streq(a->section, section) && streq(a->key, key))
                        return a;
        return NULL;
}

const OptionRemoved *option_removed_find(const char *section, const char *key) {
        for (const OptionRemoved *r = option_removed; r->section; r++)
                if (streq(r->section, section) && streq(r->key, key))
                        return r;
        return NULL;
}

bool option_section_known(const char *section) {
        for (size_t i = 0; i < _OPTION_MAX; i++)
                if (streq(option_table[i].section, section))
                        return true;
        for (const OptionAlias *a = option_aliases; a->section; a++)
                if (streq(a->section, section))
                        return true;
        for (const OptionRemoved *r = option_removed; r->section; r++)
                if (streq(r->section, section))
                        return true;
        return false;
}

char *option_nixos_name(const OptionDef *d) {
        char *s;

        if (asprintf(&s, "virtualisation.xen.%s%s%s", streq(d->section, "xen") ? "" : d->section,
                     streq(d->section, "xen") ? "" : ".", d->key) < 0)
                return NULL;
        return s;
}

int option_choice_index(const OptionDef *d, const char *s) {
        for (int i = 0; d->choices && d->choices[i]; i++)
                if (streq(d->choices[i], s))
                        return i;
        return -1;
}

/* Optimal string alignment distance, letters compared case-insensitively. Names are short
 * (INI_NAME_MAX): two rows of the table on the stack. */
static size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        size_t rows[3][65], *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

        if (la > 64 || lb > 64)
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t cost = tolower((unsigned char) a[i - 1]) != tolower((unsigned char) b[j - 1]);
                        size_t best = prev[j] + 1;

                        if (cur[j - 1] + 1 < best)
                                best = cur[j - 1] + 1;
                        if (prev[j - 1] + cost < best)
                                best = prev[j - 1] + cost;
                        if (i > 1 && j > 1 && tolower((unsigned char) a[i - 1]) == tolower((unsigned char) b[j - 2]) &&
                            tolower((unsigned char) a[i - 2]) == tolower((unsigned char) b[j - 1]) &&
                            prev2[j - 2] + 1 < best)
                                best = prev2[j - 2] + 1;
                        cur[j] = best;
                }
                size_t *t = prev2;
                prev2 = prev;
                prev = cur;
                cur = t;
        }
        return prev[lb];
}

static bool close_enough(const char *wrong, const char *right, size_t d) {
        size_t n = strlen(wrong), limit = n / 3 ? n / 3 : 1;

        /* a distance of 0 is a difference of case */
        return d <= limit && d < strlen(right);
}

const OptionDef *option_closest_key(const char *section, const char *key) {
        const OptionDef *best = NULL;
        size_t best_d = SIZE_MAX;

        for (size_t i = 0; i < _OPTION_MAX; i++) {
                size_t d;

                if (!streq(option_table[i].section, section))
                        continue;
                d = edit_distance(key, option_table[i].key);
                if (d < best_d) {
                        best_d = d;
                        best = &option_table[i];
                }
        }
        return best && close_enough(key, best->key, best_d) ? best : NULL;
}

const char *option_closest_section(const char *section) {
        const char *best = NULL;
        size_t best_d = SIZE_MAX;

        for (size_t i = 0; i < _OPTION_MAX; i++) {
                size_t d = edit_distance(section, option_table[i].section);
                if (d < best_d) {
                        best_d = d;
                        best = option_table[i].section;
                }
        }
        return best && close_enough(section, best, best_d) ? best : NULL;
}

const OptionDef *option_from_nixos_spelling(const char *section, const char *key) {
        char buf[256];
        const OptionDef *d;

        if (strncmp(key, "virtualisation.xen.", 19) == 0) {
                const char *rest = key + 19;
                return strchr(rest, '.') ? option_by_name(rest) : option_find("xen", rest);
        }
        if (!strchr(key, '.'))
                return NULL;
        d = option_by_name(key); /* "dom0Resources.memory" anywhere */
        if (d)
                return d;
        /* "settings.pidFile" under [store] */
        if (snprintf(buf, sizeof buf, "%s.%s", section, key) >= (int) sizeof buf)
                return NULL;
        return option_by_name(buf);
}

const OptionDef *option_in_other_section(const char *section, const char *key) {
        const OptionDef *found = NULL;

        for (size_t i = 0; i < _OPTION_MAX; i++)
                if (!streq(option_table[i].section, section) && streq(option_table[i].key, key)) {
                        if (found)
                                return NULL; /* in several: no single answer */
                        found = &option_table[i];
                }
        return found;
}
