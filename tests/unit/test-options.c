/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table: every option exists with the NixOS default, parses a value of its type,
 * old spellings are accepted, and the shipped conf file matches the table. */

#include "strv.h"
#include "test-util.h"

/* The NixOS module's defaults (nixos/modules/virtualisation/xen-dom0.nix), written down
 * independently of the table, as xen-dom0d prints them for a configuration that sets nothing. */
static const struct {
        const char *name;
        const char *value;
} expected_defaults[] = {
        { "xen.enable", "true" },
        { "xen.debug", "false" },
        { "xen.trace", "false" },
        { "xen.package", "/usr/lib/xen-4.17" },
        { "xen.bootParams", "" },
        { "qemu.package", "/usr/libexec/xen-qemu-system-i386" },
        { "qemu.pidFile", "/run/xen/qemu-dom0.pid" },
        { "efi.bootBuilderVerbosity", "default" },
        { "efi.path", "/boot/xen-4.17-amd64.efi" },
        { "dom0Resources.maxVCPUs", "0" },
        { "dom0Resources.memory", "0" },
        { "dom0Resources.maxMemory", "0" },
        { "domains.extraConfig", "" },
        { "store.path", "/usr/lib/xen-4.17/bin/oxenstored" },
        { "store.type", "ocaml" },
        { "store.settings.pidFile", "/run/xen/xenstored.pid" },
        { "store.settings.testEAGAIN", "false" },
        { "store.settings.enableMerge", "true" },
        { "store.settings.persistent", "false" },
        { "store.settings.ringScanInterval", "20" },
        { "store.settings.conflict.burstLimit", "5.0" },
        { "store.settings.conflict.maxHistorySeconds", "0.05" },
        { "store.settings.conflict.rateLimitIsAggregate", "true" },
        { "store.settings.perms.enable", "true" },
        { "store.settings.perms.enableWatch", "true" },
        { "store.settings.quota.enable", "true" },
        { "store.settings.quota.maxEntity", "1000" },
        { "store.settings.quota.maxSize", "2048" },
        { "store.settings.quota.maxWatch", "100" },
        { "store.settings.quota.transaction", "10" },
        { "store.settings.quota.maxRequests", "1024" },
        { "store.settings.quota.maxPath", "1024" },
        { "store.settings.quota.maxOutstanding", "1024" },
        { "store.settings.quota.maxWatchEvents", "1024" },
        { "store.settings.xenstored.log.file", "/var/log/xen/xenstored.log" },
        { "store.settings.xenstored.log.level", "null" },
        { "store.settings.xenstored.log.nbFiles", "10" },
        { "store.settings.xenstored.accessLog.file", "/var/log/xen/xenstored-access.log" },
        { "store.settings.xenstored.accessLog.nbLines", "13215" },
        { "store.settings.xenstored.accessLog.nbChars", "180" },
        { "store.settings.xenstored.accessLog.specialOps", "false" },
        { "store.settings.xenstored.xenfs.kva", "/proc/xen/xsd_kva" },
        { "store.settings.xenstored.xenfs.port", "/proc/xen/xsd_port" },
        /* xen-dom0d's own: Debian's textfile directory, the textfile collector's usual 15 s */
        { "metrics.enable", "false" },
        { "metrics.interval", "15" },
        { "metrics.directory", "/var/lib/prometheus/node-exporter" },
};

/* A valid non-default value for every settable option, and how it reads back. */
static const struct {
        const char *name;
        const char *text;
        const char *readback;
} samples[] = {
        { "xen.enable", "false", "false" },
        { "xen.debug", "true", "true" },
        { "xen.trace", "true", "true" },
        { "xen.package", "/opt/xen", "/opt/xen" },
        { "xen.bootParams", "vga=ask   dom0=pvh", "vga=ask dom0=pvh" },
        { "qemu.package", "/opt/qemu/bin/qemu-system-i386", "/opt/qemu/bin/qemu-system-i386" },
        { "qemu.pidFile", "/run/qemu.pid", "/run/qemu.pid" },
        { "efi.bootBuilderVerbosity", "quiet", "quiet" },
        { "efi.path", "/boot/efi/xen.efi", "/boot/efi/xen.efi" },
        { "dom0Resources.maxVCPUs", "4", "4" },
        { "dom0Resources.memory", "4294967295", "4294967295" },
        { "dom0Resources.maxMemory", "8192", "8192" },
        { "domains.extraConfig", "XENDOMAINS_SAVE=", "XENDOMAINS_SAVE=" },
        { "store.path", "/usr/sbin/xenstored", "/usr/sbin/xenstored" },
        { "store.settings.pidFile", "/run/xs.pid", "/run/xs.pid" },
        { "store.settings.testEAGAIN", "true", "true" },
        { "store.settings.enableMerge", "false", "false" },
        { "store.settings.persistent", "true", "true" },
        { "store.settings.ringScanInterval", "-1", "-1" },
        { "store.settings.conflict.burstLimit", "15.0", "15.0" },
        { "store.settings.conflict.maxHistorySeconds", "0.12", "0.12" },
        { "store.settings.conflict.rateLimitIsAggregate", "false", "false" },
        { "store.settings.perms.enable", "false", "false" },
        { "store.settings.perms.enableWatch", "false", "false" },
        { "store.settings.quota.enable", "false", "false" },
        { "store.settings.quota.maxEntity", "2000", "2000" },
        { "store.settings.quota.maxSize", "4096", "4096" },
        { "store.settings.quota.maxWatch", "1", "1" },
        { "store.settings.quota.transaction", "2147483647", "2147483647" },
        { "store.settings.quota.maxRequests", "7", "7" },
        { "store.settings.quota.maxPath", "2048", "2048" },
        { "store.settings.quota.maxOutstanding", "16", "16" },
        { "store.settings.quota.maxWatchEvents", "2048", "2048" },
        { "store.settings.xenstored.log.file", "/dev/null", "/dev/null" },
        { "store.settings.xenstored.log.level", "warn", "warn" },
        { "store.settings.xenstored.log.nbFiles", "-1", "-1" },
        { "store.settings.xenstored.accessLog.file", "/var/log/a.log", "/var/log/a.log" },
        { "store.settings.xenstored.accessLog.nbLines", "100", "100" },
        { "store.settings.xenstored.accessLog.nbChars", "0", "0" },
        { "store.settings.xenstored.accessLog.specialOps", "true", "true" },
        { "store.settings.xenstored.xenfs.kva", "/proc/xen/kva2", "/proc/xen/kva2" },
        { "store.settings.xenstored.xenfs.port", "/proc/xen/port2", "/proc/xen/port2" },
        { "metrics.enable", "true", "true" },
        { "metrics.interval", "60", "60" },
        { "metrics.directory", "/run/metrics", "/run/metrics" },
};

static const OptionDef *find_by_name(const char *name) {
        for (size_t i = 0; i < _OPTION_MAX; i++)
                if (streq(option_table[i].name, name))
                        return &option_table[i];
        return NULL;
}

START_TEST(test_table_sane) {
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                const OptionDef *d = &option_table[i];
                ck_assert_int_eq(d->id, (int) i);
                ck_assert_ptr_nonnull(d->section);
                ck_assert_ptr_nonnull(d->key);
                ck_assert_ptr_nonnull(d->help);
                ck_assert_ptr_nonnull(d->default_value);
                ck_assert_ptr_eq(option_find(d->section, d->key), d);
                if (d->type == OPTION_ENUM)
                        ck_assert_ptr_nonnull(d->choices);
                for (size_t j = 0; j < i; j++)
                        ck_assert_msg(!streq(option_table[j].name, d->name), "duplicate option %s", d->name);
        }
}
END_TEST

START_TEST(test_every_option_listed) {
        /* Both lists above cover the whole table: a new option needs its expected default. */
        ck_assert_uint_eq(ELEMENTSOF(expected_defaults), _OPTION_MAX);
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                bool found = false;
                for (size_t j = 0; j < ELEMENTSOF(expected_defaults); j++)
                        found = found || streq(expected_defaults[j].name, option_table[i].name);
                ck_assert_msg(found, "no expected default for %s", option_table[i].name);
        }
        ck_assert_uint_eq(ELEMENTSOF(samples), _OPTION_MAX - 1); /* all but the read-only store.type */
}
END_TEST

START_TEST(test_defaults) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_config_free_ Config *c = test_load("[xen]\n", &d);

        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(d.n, 0);
        for (size_t i = 0; i < ELEMENTSOF(expected_defaults); i++) {
                const OptionDef *def = find_by_name(expected_defaults[i].name);
                ck_assert_msg(def, "option %s missing", expected_defaults[i].name);
                _cleanup_free_ char *v = config_value_to_string(c, def->id);
                ck_assert_msg(streq(v, expected_defaults[i].value), "%s: default %s, expected %s", def->name, v,
                              expected_defaults[i].value);
                ck_assert(!c->v[def->id].set);
        }
}
END_TEST

START_TEST(test_parse_each) {
        const OptionDef *def = find_by_name(samples[_i].name);
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_free_ char *text = NULL, *v = NULL;
        _cleanup_config_free_ Config *c = NULL;

        ck_assert_ptr_nonnull(def);
        ck_assert_int_ge(asprintf(&text, "[%s]\n%s = %s\n", def->section, def->key, samples[_i].text), 0);
        c = test_parse(text, &d);
        ck_assert_msg(c, "%s did not parse: %s", text, test_diag_text(&d));
        ck_assert_uint_eq(d.n, 0);
        v = config_value_to_string(c, def->id);
        ck_assert_str_eq(v, samples[_i].readback);
        ck_assert(c->v[def->id].set);
        ck_assert_uint_eq(c->v[def->id].line, 2);
}
END_TEST

START_TEST(test_aliases) {
        static const struct {
                const char *text;
                OptionId id;
                const char *value;
                const char *warning;
        } cases[] = {
                { "[xen]\nqemu-package = /q\n", OPT_QEMU_PACKAGE, "/q",
                  "/etc/xen/xen-dom0.conf:2: warning: xen.qemu-package: renamed, use qemu.package instead (in "
                  "section [qemu])\n" },
                { "[xen]\npackage-qemu = /q\n", OPT_QEMU_PACKAGE, "/q",
                  "/etc/xen/xen-dom0.conf:2: warning: xen.package-qemu: renamed, use qemu.package instead (in "
                  "section [qemu])\n" },
                { "[xen]\nstored = /usr/sbin/xenstored\n", OPT_STORE_PATH, "/usr/sbin/xenstored",
                  "/etc/xen/xen-dom0.conf:2: warning: xen.stored: renamed, use store.path instead (in section "
                  "[store])\n" },
                { "[boot]\nparams = a b\n", OPT_BOOT_PARAMS, "a b",
                  "/etc/xen/xen-dom0.conf:2: warning: boot.params: renamed, use xen.bootParams instead (in "
                  "section [xen])\n" },
                { "[boot]\nbuilderVerbosity = debug\n", OPT_EFI_BOOT_BUILDER_VERBOSITY, "debug",
                  "/etc/xen/xen-dom0.conf:2: warning: boot.builderVerbosity: renamed, use "
                  "efi.bootBuilderVerbosity instead (in section [efi])\n" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(diagnostics_done) Diagnostics d = {};
                _cleanup_config_free_ Config *c = test_load(cases[i].text, &d);
                _cleanup_free_ char *msg = test_diag_text(&d), *v = NULL;

                ck_assert_ptr_nonnull(c);
                v = config_value_to_string(c, cases[i].id);
                ck_assert_str_eq(v, cases[i].value);
                ck_assert_str_eq(msg, cases[i].warning);
                ck_assert_uint_eq(d.n_errors, 0);
        }
}
END_TEST

START_TEST(test_shipped_conf_matches_table) {
        _cleanup_free_ char *path = test_srcpath("conf/xen-dom0.conf");
        _cleanup_free_ char *shipped = test_read_file(path, NULL), *generated = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&generated, &size);

        ck_assert_ptr_nonnull(shipped);
        ck_assert_int_eq(options_write_template(f), 0);
        fclose(f);
        ck_assert_msg(streq(shipped, generated),
                      "conf/xen-dom0.conf is stale: regenerate it with xen-dom0d --print-template");
}
END_TEST

START_TEST(test_shipped_conf_is_all_defaults) {
        /* Uncommenting every key of the shipped file gives the defaults, and parses cleanly. */
        _cleanup_free_ char *path = test_srcpath("conf/xen-dom0.conf");
        _cleanup_free_ char *shipped = test_read_file(path, NULL);
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_config_free_ Config *c = NULL, *defaults = NULL;
        _cleanup_free_ char *text = NULL;
        size_t size = 0, n_set = 0;
        FILE *f = open_memstream(&text, &size);

        for (char *line = strtok(shipped, "\n"); line; line = strtok(NULL, "\n")) {
                if (line[0] == '#' && line[1] != ' ' && line[1] != 0)
                        line++;
                fprintf(f, "%s\n", line);
        }
        fclose(f);
        c = test_load(text, &d);
        ck_assert_msg(c, "%s", test_diag_text(&d));
        ck_assert_uint_eq(d.n, 0);
        defaults = test_load("[xen]\n", &d);
        ck_assert_ptr_nonnull(defaults);
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                ck_assert_msg(config_value_equal(c, defaults, i), "%s differs", option_table[i].name);
                n_set += c->v[i].set;
        }
        ck_assert_uint_eq(n_set, _OPTION_MAX - 1);
}
END_TEST

static char *escaped(const char *s) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        man_escape(f, s);
        ck_assert_int_eq(fclose(f), 0);
        return buf;
}

START_TEST(test_man_escape) {
        const struct {
                const char *in, *out;
        } cases[] = {
                { "'quoted", "\\&'quoted" },  { ".dot", "\\&.dot" },       { "a.b 'c'", "a.b 'c'" },
                { "x\n.y\n'z", "x\n\\&.y\n\\&'z" }, { "a-b\\c", "a\\-b\\ec" }, { "", "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *out = escaped(cases[i].in);
                ck_assert_str_eq(out, cases[i].out);
        }
}
END_TEST

/* What an unknown name is taken for: close misspellings and case, never a guess. */
START_TEST(test_closest_names) {
        static const struct {
                const char *section, *key, *want; /* want NULL: no suggestion */
        } keys[] = {
                { "dom0Resources", "memroy", "memory" },     /* a swap of neighbours */
                { "xen", "debgu", "debug" },
                { "xen", "bootParam", "bootParams" },        /* a letter missing */
                { "xen", "BOOTPARAMS", "bootParams" },       /* case alone */
                { "dom0Resources", "maxVCPU", "maxVCPUs" },
                { "store.settings.quota", "maxsize", "maxSize" },
                { "xen", "enalbe", "enable" },
                { "xen", "foo", NULL },                      /* nothing like it */
                { "xen", "e", NULL },                        /* too short to guess from */
                { "xen", "bootParamsX", "bootParams" },
                { "dom0Resources", "memorymemory", NULL },   /* too far */
        };
        static const struct {
                const char *section, *want;
        } sections[] = {
                { "dom0resources", "dom0Resources" },
                { "store.settings.quotas", "store.settings.quota" },
                { "metric", "metrics" },
                { "storage", "store" },
                { "network", NULL },
                { "x", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const OptionDef *d = option_closest_key(keys[i].section, keys[i].key);
                if (keys[i].want)
                        ck_assert_msg(d && streq(d->key, keys[i].want), "[%s] %s: wanted %s, got %s", keys[i].section,
                                      keys[i].key, keys[i].want, d ? d->key : "none");
                else
                        ck_assert_msg(!d, "[%s] %s: wanted no suggestion, got %s", keys[i].section, keys[i].key,
                                      d ? d->key : "");
        }
        for (size_t i = 0; i < ELEMENTSOF(sections); i++) {
                const char *got = option_closest_section(sections[i].section);
                ck_assert_msg(streq_ptr(got, sections[i].want), "[%s]: wanted %s, got %s", sections[i].section,
                              strna(sections[i].want), strna(got));
        }
        ck_assert_str_eq(option_from_nixos_spelling("xen", "dom0Resources.memory")->name, "dom0Resources.memory");
        ck_assert_str_eq(option_from_nixos_spelling("", "virtualisation.xen.enable")->name, "xen.enable");
        ck_assert_str_eq(option_from_nixos_spelling("xen", "virtualisation.xen.store.settings.pidFile")->name,
                         "store.settings.pidFile");
        ck_assert_str_eq(option_from_nixos_spelling("store", "settings.pidFile")->name, "store.settings.pidFile");
        ck_assert_ptr_null(option_from_nixos_spelling("xen", "memory"));
        ck_assert_ptr_null(option_from_nixos_spelling("xen", "virtualisation.xen.nosuch"));
        ck_assert_str_eq(option_in_other_section("xen", "memory")->name, "dom0Resources.memory");
        ck_assert_ptr_null(option_in_other_section("dom0Resources", "enable")); /* several sections have one */
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("options");
        TCase *tc = tcase_create("table");

        tcase_add_test(tc, test_table_sane);
        tcase_add_test(tc, test_every_option_listed);
        tcase_add_test(tc, test_defaults);
        tcase_add_loop_test(tc, test_parse_each, 0, ELEMENTSOF(samples));
        tcase_add_test(tc, test_aliases);
        tcase_add_test(tc, test_shipped_conf_matches_table);
        tcase_add_test(tc, test_shipped_conf_is_all_defaults);
        tcase_add_test(tc, test_man_escape);
        tcase_add_test(tc, test_closest_names);
        suite_add_tcase(s, tc);
        return s;
}
