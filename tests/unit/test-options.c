/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table: every option exists with the NixOS default, parses a value of its type,
 * old spellings are accepted, and the shipped conf file matches the table. */

#include "strv.h"
#include "test-util.h"

/* The NixOS module's defaults (nixos/modules/virtualisation/xen-dom0.nix), written down
 * independently of the table, as xen-dom0d prints them for a configuration that sets nothing.
 * A new option need not be added here: tests/data/options/defaults.dump pins every default. */
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

/* Valid values at the edges of their types, and how they read back. test_parse_generated gives
 * every option a non-default value of its own. */
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

START_TEST(test_table_consumers) {
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                const OptionDef *d = &option_table[i];

                /* what only oxenstored reads is known by its key there */
                if (d->ocaml_store_only)
                        ck_assert_msg(d->oxenstored_key, "%s: oxenstored only, but no oxenstored.conf key", d->name);
                for (size_t j = 0; j < i; j++)
                        ck_assert_msg(!d->oxenstored_key || !option_table[j].oxenstored_key ||
                                              !streq(d->oxenstored_key, option_table[j].oxenstored_key),
                                      "%s and %s share the oxenstored.conf key %s", option_table[j].name, d->name,
                                      d->oxenstored_key);
                if (d->same_as) {
                        _cleanup_free_ char *text = NULL;

                        /* a copy of a scalar of the same type, from an option before it (the
                         * order in which config_finalize() copies), documented as such */
                        ck_assert_msg(d->same_as->type == d->type &&
                                              (d->type == OPTION_BOOL || d->type == OPTION_UINT),
                                      "%s: same_as a different or non-scalar type", d->name);
                        ck_assert_msg(d->same_as < d, "%s: same_as an option after it", d->name);
                        ck_assert_msg(d->flags & OPTION_COMPUTED, "%s: same_as, but not computed", d->name);
                        ck_assert_int_ge(asprintf(&text, "same as %s", d->same_as->name), 0);
                        ck_assert_str_eq(d->default_value, text);
                } else
                        ck_assert_msg(!startswith(d->default_value, "same as "),
                                      "%s: a plain \"same as\" default belongs in .same_as", d->name);
        }
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

START_TEST(test_defaults_golden) {
        /* every option's default, as --dump-config prints it for a file that sets nothing */
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_config_free_ Config *c = test_load("[xen]\n", &d);
        _cleanup_free_ char *got = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&got, &size);

        ck_assert_ptr_nonnull(c);
        ck_assert_int_eq(config_dump(c, f), 0);
        ck_assert_int_eq(fclose(f), 0);
        test_check_golden("tests/data/options/defaults.dump", got);
}
END_TEST

/* A valid value of def's type that differs from v, and how it reads back. */
static void sample_for(const OptionDef *def, const char *v, char **ret_text, char **ret_readback) {
        char *t = NULL;

        switch (def->type) {
        case OPTION_BOOL:
                t = strdup(streq(v, "true") ? "false" : "true");
                break;
        case OPTION_PATH:
                ck_assert_int_ge(asprintf(&t, "/srv/sample/%s", def->key), 0);
                break;
        case OPTION_UINT:
        case OPTION_POSINT:
        case OPTION_INT:
        case OPTION_NONZERO:
                /* one more, or two where one more would be 0 */
                ck_assert_int_ge(asprintf(&t, "%lld", strtoll(v, NULL, 10) == -1 ? 1LL : strtoll(v, NULL, 10) + 1), 0);
                break;
        case OPTION_FLOAT:
                ck_assert_int_ge(asprintf(&t, "%s5", strchr(v, '.') ? v : "1."), 0);
                break;
        case OPTION_ENUM:
                for (const char *const *c = def->choices; *c; c++)
                        if (!streq(*c, v)) {
                                t = strdup(*c);
                                break;
                        }
                break;
        case OPTION_LIST:
                *ret_readback = strdup("sample=1 sample2");
                *ret_text = strdup("sample=1   sample2");
                return;
        case OPTION_LINES:
                t = strdup("SAMPLE=1");
                break;
        default:
                break;
        }
        ck_assert_msg(t, "%s: no sample for its type", def->name);
        *ret_text = t;
        *ret_readback = strdup(t);
}

START_TEST(test_parse_generated) {
        /* every settable option takes a non-default value of its type, alone in a file */
        const OptionDef *def = &option_table[_i];
        _cleanup_(diagnostics_done) Diagnostics d = {}, dd = {};
        _cleanup_config_free_ Config *defaults = test_load("[xen]\n", &dd), *c = NULL;
        _cleanup_free_ char *dv = NULL, *text = NULL, *readback = NULL, *file = NULL, *v = NULL;

        if (def->flags & OPTION_READONLY)
                return;
        ck_assert_ptr_nonnull(defaults);
        dv = config_value_to_string(defaults, def->id);
        sample_for(def, dv, &text, &readback);
        ck_assert_int_ge(asprintf(&file, "[%s]\n%s = %s\n", def->section, def->key, text), 0);
        c = test_parse(file, &d);
        ck_assert_msg(c, "%s did not parse: %s", file, test_diag_text(&d));
        ck_assert_uint_eq(d.n, 0);
        v = config_value_to_string(c, def->id);
        ck_assert_str_eq(v, readback);
        ck_assert_msg(!config_value_equal(c, defaults, def->id), "%s: the sample is the default", def->name);
        ck_assert(c->v[def->id].set);
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
        tcase_add_test(tc, test_table_consumers);
        tcase_add_test(tc, test_defaults);
        tcase_add_test(tc, test_defaults_golden);
        tcase_add_loop_test(tc, test_parse_generated, 0, _OPTION_MAX);
        tcase_add_loop_test(tc, test_parse_each, 0, ELEMENTSOF(samples));
        tcase_add_test(tc, test_aliases);
        tcase_add_test(tc, test_shipped_conf_matches_table);
        tcase_add_test(tc, test_shipped_conf_is_all_defaults);
        tcase_add_test(tc, test_man_escape);
        tcase_add_test(tc, test_closest_names);
        suite_add_tcase(s, tc);
        return s;
}
