/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rendering: golden files for every fixture of tests/data/render (UPDATE_GOLDEN=1 rewrites
 * them; review the diff), plus properties that hold whatever the golden files say. */
#include <dirent.h>
#include <ftw.h>
#include <json-c/json.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "guests.h"
#include "paths.h"
#include "render.h"
#include "strv.h"
#include "test-util.h"

static const char *const fixtures[] = {
        "defaults", "nixos-wiki", "store-settings-example", "trace-debug", "c-xenstored", "memory-equal", "full", "guests",
};

static Config *load_fixture(const char *name) {
        _cleanup_free_ char *rel = NULL, *path = NULL, *data = NULL;
        _cleanup_(diagnostics_done) Diagnostics d = {};
        Config *c;

        ck_assert_int_ge(asprintf(&rel, "tests/data/render/%s.conf", name), 0);
        path = test_srcpath(rel);
        data = test_read_file(path, NULL);
        ck_assert_msg(data, "cannot read %s", path);
        c = test_load(data, &d);
        ck_assert_msg(c, "%s: %s", name, test_diag_text(&d));
        ck_assert_msg(d.n == 0, "%s: %s", name, test_diag_text(&d));
        return c;
}

static void render_fixture(const char *name, FileSet *s) {
        _cleanup_config_free_ Config *c = load_fixture(name);

        ck_assert_int_eq(render_config(c, s), 0);
}

static const char *content(const FileSet *s, const char *path) {
        const RenderedFile *f = fileset_find(s, path);
        return f ? f->content : NULL;
}

static char **golden_list;
static const char *golden_root;

static int collect(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        if (flag == FTW_F)
                ck_assert_int_eq(strv_extend(&golden_list, path + strlen(golden_root)), 0);
        return 0;
}

START_TEST(test_golden) {
        const char *name = fixtures[_i];
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_free_ char *rel = NULL, *dir = NULL;

        render_fixture(name, &s);
        ck_assert_int_ge(asprintf(&rel, "tests/data/golden/%s", name), 0);
        dir = test_srcpath(rel);

        if (getenv("UPDATE_GOLDEN")) {
                _cleanup_(write_result_done) WriteResult w = {};
                test_rm_rf(dir);
                ck_assert_int_eq(mkdir(dir, 0755), 0);
                /* every file is golden, those written only over an existing one too */
                for (size_t i = 0; i < s.n; i++)
                        s.files[i].absent_ok = false;
                ck_assert_int_eq(fileset_write(&s, dir, &w), 0);
                return;
        }

        for (size_t i = 0; i < s.n; i++) {
                _cleanup_free_ char *path = NULL, *want = NULL;
                size_t size;

                ck_assert_int_ge(asprintf(&path, "%s%s", dir, s.files[i].path), 0);
                want = test_read_file(path, &size);
                ck_assert_msg(want, "%s: %s rendered, but there is no golden file", name, s.files[i].path);
                ck_assert_msg(size == s.files[i].size && memcmp(want, s.files[i].content, size) == 0,
                              "%s: %s differs from the golden file:\n--- expected\n%s--- got\n%s", name,
                              s.files[i].path, want, s.files[i].content);
        }
        /* and nothing golden is missing from the render */
        golden_list = calloc(1, sizeof(char *));
        golden_root = dir;
        ck_assert_int_eq(nftw(dir, collect, 8, FTW_PHYS), 0);
        STRV_FOREACH(g, golden_list)
                ck_assert_msg(fileset_find(&s, *g), "%s: golden file %s was not rendered", name, *g);
        ck_assert_uint_eq(strv_length(golden_list), s.n);
        golden_list = strv_free(golden_list);
}
END_TEST

START_TEST(test_every_file_has_header) {
        /* every file has the marker, is world-readable but for guests' xl.cfg files (0600) */
        for (size_t k = 0; k < ELEMENTSOF(fixtures); k++) {
                _cleanup_(fileset_done) FileSet s = {};

                render_fixture(fixtures[k], &s);
                ck_assert_uint_ge(s.n, 6);
                for (size_t i = 0; i < s.n; i++) {
                        char head[200] = "";
                        memcpy(head, s.files[i].content, s.files[i].size < 199 ? s.files[i].size : 199);
                        ck_assert_msg(strstr(head, RENDER_MARKER " from /etc/xen/xen-dom0.conf"), "%s has no header",
                                      s.files[i].path);
                        /* a guest's xl.cfg is root's alone: an adopted one may hold passwords */
                        ck_assert_int_eq(s.files[i].mode,
                                         startswith(s.files[i].path, "/run/xen-dom0/guests/") &&
                                                         endswith(s.files[i].path, ".cfg")
                                                 ? 0600
                                                 : 0644);
                        ck_assert_msg(s.files[i].path[0] == '/', "%s", s.files[i].path);
                }
        }
}
END_TEST

/* The keys oxenstored's parser knows (tools/ocaml/xenstored/xenstored.ml in Xen 4.17), in no
 * particular order. */
static const char *const oxenstored_keys[] = {
        "pid-file", "test-eagain", "merge-activate", "conflict-burst-limit", "conflict-max-history-seconds",
        "conflict-rate-limit-is-aggregate", "perms-activate", "perms-watch-activate", "quota-activate",
        "quota-maxentity", "quota-maxsize", "quota-maxwatch", "quota-transaction", "quota-maxrequests",
        "quota-path-max", "quota-maxoutstanding", "quota-maxwatchevents", "persistent", "xenstored-log-file",
        "xenstored-log-level", "xenstored-log-nb-files", "access-log-file", "access-log-nb-lines",
        "access-log-nb-chars", "access-log-special-ops", "ring-scan-interval", "xenstored-kva", "xenstored-port",
};
static const char *const oxenstored_bools[] = {
        "test-eagain", "merge-activate", "conflict-rate-limit-is-aggregate", "perms-activate",
        "perms-watch-activate", "quota-activate", "persistent", "access-log-special-ops",
};

static const char *value_of(const char *conf, const char *key, char *buf, size_t n) {
        char pat[64];
        const char *p;

        snprintf(pat, sizeof pat, "\n%s = ", key);
        p = strstr(conf, pat);
        if (!p)
                return NULL;
        p += strlen(pat);
        snprintf(buf, n, "%.*s", (int) strcspn(p, "\n"), p);
        /* exactly once */
        ck_assert_ptr_null(strstr(p, pat));
        return buf;
}

START_TEST(test_oxenstored_conf_rules) {
        for (size_t k = 0; k < ELEMENTSOF(fixtures); k++) {
                _cleanup_(fileset_done) FileSet s = {};
                const char *conf;
                char buf[256];
                size_t lines = 0;

                render_fixture(fixtures[k], &s);
                conf = content(&s, PATH_OXENSTORED_CONF);
                if (streq(fixtures[k], "c-xenstored")) {
                        ck_assert_ptr_null(conf);
                        continue;
                }
                ck_assert_ptr_nonnull(conf);
                ck_assert_ptr_null(strstr(conf, "acesss"));
                for (size_t i = 0; i < ELEMENTSOF(oxenstored_keys); i++)
                        ck_assert_msg(value_of(conf, oxenstored_keys[i], buf, sizeof buf), "%s: %s missing",
                                      fixtures[k], oxenstored_keys[i]);
                for (size_t i = 0; i < ELEMENTSOF(oxenstored_bools); i++) {
                        value_of(conf, oxenstored_bools[i], buf, sizeof buf);
                        ck_assert_msg(streq(buf, "true") || streq(buf, "false"), "%s = %s", oxenstored_bools[i], buf);
                }
                ck_assert(strchr(value_of(conf, "conflict-burst-limit", buf, sizeof buf), '.'));
                ck_assert(strchr(value_of(conf, "conflict-max-history-seconds", buf, sizeof buf), '.'));
                for (const char *p = conf; *p; p++)
                        lines += *p == '\n' && p[1] && p[1] != '#';
                ck_assert_uint_eq(lines, ELEMENTSOF(oxenstored_keys));
        }
}
END_TEST

START_TEST(test_store_settings_example_values) {
        _cleanup_(fileset_done) FileSet s = {};
        const char *conf;
        char buf[256];

        render_fixture("store-settings-example", &s);
        conf = content(&s, PATH_OXENSTORED_CONF);
        ck_assert_str_eq(value_of(conf, "merge-activate", buf, sizeof buf), "false");
        ck_assert_str_eq(value_of(conf, "quota-maxwatchevents", buf, sizeof buf), "2048");
        ck_assert_str_eq(value_of(conf, "conflict-max-history-seconds", buf, sizeof buf), "0.12");
        ck_assert_str_eq(value_of(conf, "conflict-burst-limit", buf, sizeof buf), "15.0");
        ck_assert_str_eq(value_of(conf, "xenstored-log-file", buf, sizeof buf), "/dev/null");
        ck_assert_str_eq(value_of(conf, "xenstored-log-level", buf, sizeof buf), "info");
}
END_TEST

START_TEST(test_boot_params) {
        static const struct {
                const char *fixture;
                const char *line;
        } cases[] = {
                { "defaults", "GRUB_CMDLINE_XEN_DEFAULT=\"\"\n" },
                { "nixos-wiki", "GRUB_CMDLINE_XEN_DEFAULT=\"dom0_mem=1024M,max:4096M dom0_max_vcpus=2 vga=ask dom0=pvh\"\n" },
                { "trace-debug", "GRUB_CMDLINE_XEN_DEFAULT=\"loglvl=all guest_loglvl=all\"\n" },
                { "memory-equal", "GRUB_CMDLINE_XEN_DEFAULT=\"dom0_mem=2048M\"\n" },
                { "full", "GRUB_CMDLINE_XEN_DEFAULT=\"loglvl=all guest_loglvl=all dom0_mem=1024M,max:1536M "
                          "dom0_max_vcpus=2 console=com1,vga com1=115200,8n1 iommu=no-intremap sched=credit2 "
                          "ucode=scan\"\n" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(fileset_done) FileSet s = {};
                const char *grub;

                render_fixture(cases[i].fixture, &s);
                grub = content(&s, PATH_GRUB_SNIPPET);
                ck_assert_ptr_nonnull(grub);
                ck_assert_msg(strstr(grub, cases[i].line), "%s:\n%s", cases[i].fixture, grub);
        }
}
END_TEST

START_TEST(test_bootspec_json) {
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_config_free_ Config *c = load_fixture("nixos-wiki");
        _cleanup_strv_free_ char **params = NULL;
        json_object *root, *ext, *xen, *arr;

        ck_assert_int_eq(render_config(c, &s), 0);
        ck_assert_int_eq(render_boot_params(c, &params), 0);
        root = json_tokener_parse(content(&s, PATH_BOOTSPEC));
        ck_assert_ptr_nonnull(root);
        ck_assert(json_object_object_get_ex(root, "org.xenproject.bootspec.v1", &ext));
        ck_assert(json_object_object_get_ex(ext, "xen", &xen));
        ck_assert_str_eq(json_object_get_string(xen), "/boot/xen-4.17-amd64.efi");
        ck_assert(json_object_object_get_ex(ext, "xenParams", &arr));
        ck_assert_uint_eq(json_object_array_length(arr), strv_length(params));
        ck_assert_uint_eq(json_object_array_length(arr), 4);
        for (size_t i = 0; i < strv_length(params); i++)
                ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(arr, i)), params[i]);
        json_object_put(root);
}
END_TEST

START_TEST(test_xencommons) {
        _cleanup_(fileset_done) FileSet t = {}, d = {}, c = {};
        const char *x;

        render_fixture("trace-debug", &t);
        x = content(&t, PATH_XENCOMMONS);
        ck_assert(strstr(x, "\nXENSTORED=/usr/lib/xen-4.17/bin/oxenstored\n"));
        ck_assert(strstr(x, "\nQEMU_XEN=/usr/libexec/xen-qemu-system-i386\n"));
        ck_assert(strstr(x, "\nXENSTORED_TRACE=yes\n"));
        ck_assert(strstr(x, "\nXENCONSOLED_TRACE=all\n"));

        render_fixture("defaults", &d);
        x = content(&d, PATH_XENCOMMONS);
        ck_assert_ptr_null(strstr(x, "XENSTORED_TRACE"));
        ck_assert(strstr(x, "\nXENCONSOLED_TRACE=none\n"));
        ck_assert(strstr(x, "--config-file=" PATH_OXENSTORED_CONF));

        render_fixture("c-xenstored", &c);
        x = content(&c, PATH_XENCOMMONS);
        ck_assert(strstr(x, "\nXENSTORED=/usr/lib/xen-4.17/bin/xenstored\n"));
        ck_assert(strstr(x, "\nXENSTORED_TYPE=c\n"));
        ck_assert_ptr_null(strstr(x, "oxenstored.conf"));
}
END_TEST

START_TEST(test_xendomains_extra_config_verbatim) {
        _cleanup_(fileset_done) FileSet s = {};
        const char *x;

        render_fixture("full", &s);
        x = content(&s, PATH_XENDOMAINS);
        ck_assert(endswith(x, "\nXENDOMAINS_SAVE=\nXENDOMAINS_RESTORE=false\nXENDOMAINS_STOP_MAXWAIT=120\n"
                              "XENDOMAINS_SHUTDOWN=\"--wait\"\n"));
        /* defaults come first, so the extra lines override them when sourced */
        const char *def = strstr(x, "XENDOMAINS_SAVE=/var/lib/xen/save\n"), *extra = strstr(x, "XENDOMAINS_SAVE=\n");
        ck_assert_ptr_nonnull(def);
        ck_assert_ptr_nonnull(extra);
        ck_assert(def < extra);
}
END_TEST

static Config *load_text(const char *text) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        Config *c = test_load(text, &d);

        ck_assert_msg(c, "%s", test_diag_text(&d));
        return c;
}

/* Runs a shell command line; returns its exit status and its output in *ret_out. */
static int run(const char *cmd, char **ret_out) {
        FILE *p = popen(cmd, "re");
        char *out = NULL;
        size_t size = 0;
        FILE *o = open_memstream(&out, &size);
        char buf[4096];
        size_t k;
        int status;

        ck_assert_ptr_nonnull(p);
        ck_assert_ptr_nonnull(o);
        while ((k = fread(buf, 1, sizeof buf, p)) > 0)
                fwrite(buf, 1, k, o);
        status = pclose(p);
        fclose(o);
        *ret_out = out;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* xendomains sources the rendered file at every start and at host shutdown: whatever
 * extraConfig holds, the file parses as shell and every assignment means what it says. */
START_TEST(test_xendomains_extra_config_shell) {
        static const char *const shells[] = { "sh", "bash" };
        _cleanup_config_free_ Config *c = load_text("[domains]\n"
                                                    "extraConfig = Z='key ;line'\n"
                                                    "  A=\n"
                                                    "  B=plain-1.2,/x:y=z@w%+_\n"
                                                    "  C='single ;quoted #text, \"double\" $x `cmd` \\ (x) {y} <z> | &'\n"
                                                    "  D=\"double ;quoted #text, 'single' (x) {y} <z> | & * ?\"\n"
                                                    "  E=mixed'a b'\"c d\"e\n"
                                                    "  F=\"\"\n");
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_free_ char *dir = test_mkdtemp(), *path = NULL;
        const RenderedFile *x;
        FILE *f;

        ck_assert_int_eq(render_config(c, &s), 0);
        x = fileset_find(&s, PATH_XENDOMAINS);
        ck_assert_ptr_nonnull(x);
        ck_assert_int_ge(asprintf(&path, "%s/xendomains", dir), 0);
        ck_assert_ptr_nonnull(f = fopen(path, "we"));
        ck_assert_uint_eq(fwrite(x->content, 1, x->size, f), x->size);
        ck_assert_int_eq(fclose(f), 0);

        for (size_t i = 0; i < ELEMENTSOF(shells); i++) {
                _cleanup_free_ char *syntax = NULL, *check = NULL, *source = NULL, *values = NULL;

                ck_assert_int_ge(asprintf(&syntax, "%s -n '%s' 2>&1", shells[i], path), 0);
                ck_assert_msg(run(syntax, &check) == 0, "%s -n: %s\n%s", shells[i], check, x->content);
                ck_assert_int_ge(asprintf(&source,
                                          "env -i %s -c '. \"$1\" && printf \"%%s|\" \"$A\" \"$B\" \"$C\" \"$D\" \"$E\" "
                                          "\"$F\" \"$Z\" \"$XENDOMAINS_SAVE\"' sh '%s' 2>&1",
                                          shells[i], path),
                                 0);
                ck_assert_int_eq(run(source, &values), 0);
                ck_assert_str_eq(values, "|plain-1.2,/x:y=z@w%+_|single ;quoted #text, \"double\" $x `cmd` \\ (x) {y} <z> | &"
                                         "|double ;quoted #text, 'single' (x) {y} <z> | & * ?|mixeda bc de||key ;line|/var/lib/xen/save|");
        }
        test_rm_rf(dir);
}
END_TEST

/* A line the shell would read as anything but one plain assignment is refused, at its line. */
START_TEST(test_xendomains_extra_config_hostile) {
        static const char *const hostile[] = {
                "A=\"open", "A='open", "A=\"a\" \"b", "A=x y", "A=x #comment", "A=$(reboot)", "A=`reboot`",
                "A=\"$(reboot)\"", "A=\"`reboot`\"", "A=\"x\\\"", "A=x\\", "A=x;reboot", "A=x&", "A=x|y",
                "A=x>/etc/passwd", "A=<x", "A=~root", "A=*", "A=${B}", "reboot", "export A=1", "1A=x",
                "A =x", "A-B=x", "A=\x01", "A='\x01'", "A=\xc3\xa9",
        };

        for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
                _cleanup_(diagnostics_done) Diagnostics d = {}, d2 = {};
                _cleanup_config_free_ Config *c = NULL, *c2 = NULL;
                _cleanup_free_ char *text = NULL, *text2 = NULL, *m = NULL, *m2 = NULL;

                ck_assert_int_ge(asprintf(&text, "[domains]\nextraConfig = A=1\n  %s\n", hostile[i]), 0);
                c = test_load(text, &d);
                m = test_diag_text(&d);
                ck_assert_msg(!c, "accepted: %s", hostile[i]);
                ck_assert_msg(startswith(m, "/etc/xen/xen-dom0.conf:3: domains.extraConfig: \"") && d.n == 1,
                              "%s: %s", hostile[i], m);

                /* and on the key's own line */
                ck_assert_int_ge(asprintf(&text2, "[domains]\nextraConfig = %s\n", hostile[i]), 0);
                c2 = test_load(text2, &d2);
                m2 = test_diag_text(&d2);
                ck_assert_msg(!c2, "accepted: %s", hostile[i]);
                ck_assert_msg(startswith(m2, "/etc/xen/xen-dom0.conf:2: domains.extraConfig: \""), "%s: %s",
                              hostile[i], m2);
        }
}
END_TEST

/* The file's path is quoted in a comment at the top of every rendered file: whatever it
 * holds, sourcing a rendered file runs nothing. */
START_TEST(test_header_path_is_one_comment) {
        _cleanup_free_ char *dir = test_mkdtemp(), *path = NULL, *marker = NULL, *file = NULL;
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_config_free_ Config *c = NULL;
        _cleanup_(fileset_done) FileSet s = {};
        static const char text[] = "[xen]\n";

        ck_assert_int_ge(asprintf(&marker, "%s/ran", dir), 0);
        ck_assert_int_ge(asprintf(&path, "/etc/xen/x\ntouch %s\r\n.conf", marker), 0);
        ck_assert_int_eq(config_parse_data(path, text, strlen(text), &c, &d), 0);
        ck_assert_int_eq(render_config(c, &s), 0);
        ck_assert_int_ge(asprintf(&file, "%s/rendered", dir), 0);
        for (size_t i = 0; i < s.n; i++) {
                _cleanup_free_ char *cmd = NULL, *out = NULL;
                const char *second = strchr(s.files[i].content, '\n');
                FILE *f;

                if (streq(s.files[i].path, PATH_BOOTSPEC))
                        continue;
                ck_assert_msg(second && startswith(second + 1, "# Do not edit"), "%s:\n%s", s.files[i].path,
                              s.files[i].content);
                ck_assert_ptr_nonnull(f = fopen(file, "we"));
                ck_assert_uint_eq(fwrite(s.files[i].content, 1, s.files[i].size, f), s.files[i].size);
                ck_assert_int_eq(fclose(f), 0);
                ck_assert_int_ge(asprintf(&cmd, "env -i sh -c '. \"$1\"' sh '%s' 2>&1", file), 0);
                (void) run(cmd, &out);
                ck_assert_msg(access(marker, F_OK) < 0, "sourcing %s ran a command", s.files[i].path);
        }
        test_rm_rf(dir);
}
END_TEST

START_TEST(test_modules) {
        _cleanup_(fileset_done) FileSet s = {};

        render_fixture("defaults", &s);
        ck_assert(strstr(content(&s, PATH_MODPROBE), "\noptions loop max_loop=64\n"));
        ck_assert(strstr(content(&s, PATH_MODULES_LOAD), "\nxen-evtchn\n"));
        ck_assert(strstr(content(&s, PATH_MODULES_LOAD), "\nxen-gntdev\n"));
        ck_assert(strstr(content(&s, PATH_MODULES_LOAD), "\nxenfs\n"));
}
END_TEST

/* One table serves the boot-time file and the daemon's two modprobe sets: each name once, the
 * store's devices in the store's set, and only current names listed for boot. */
START_TEST(test_module_table) {
        _cleanup_(fileset_done) FileSet s = {};
        const char *const store_devices[] = { "xen-evtchn", "xen-gntdev", "xen-privcmd" };
        const char *load;
        size_t n_boot = 0;

        render_fixture("defaults", &s);
        load = content(&s, PATH_MODULES_LOAD);
        for (const Dom0Module *m = dom0_modules; m->name; m++) {
                _cleanup_free_ char *line = NULL;
                ck_assert(asprintf(&line, "\n%s\n", m->name) > 0);
                ck_assert_msg(!!strstr(load, line) == !m->legacy, "%s: listed for boot iff not legacy", m->name);
                n_boot += !m->legacy;
                for (const Dom0Module *o = m + 1; o->name; o++)
                        ck_assert_msg(!streq(m->name, o->name), "%s is listed twice", m->name);
        }
        for (size_t i = 0; i < ELEMENTSOF(store_devices); i++) {
                const Dom0Module *m = dom0_modules;
                while (m->name && !streq(m->name, store_devices[i]))
                        m++;
                ck_assert_msg(m->name && m->store && !m->legacy, "%s must be in the store's set", store_devices[i]);
        }
        ck_assert_uint_eq(n_boot, 12);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("render");

        /* what this machine's /etc/xen/auto holds must not change the goldens */
        guests_auto_dir = NULL;
        TCase *tc = tcase_create("render");

        tcase_add_loop_test(tc, test_golden, 0, ELEMENTSOF(fixtures));
        tcase_add_test(tc, test_every_file_has_header);
        tcase_add_test(tc, test_oxenstored_conf_rules);
        tcase_add_test(tc, test_store_settings_example_values);
        tcase_add_test(tc, test_boot_params);
        tcase_add_test(tc, test_bootspec_json);
        tcase_add_test(tc, test_xencommons);
        tcase_add_test(tc, test_xendomains_extra_config_verbatim);
        tcase_add_test(tc, test_xendomains_extra_config_shell);
        tcase_add_test(tc, test_xendomains_extra_config_hostile);
        tcase_add_test(tc, test_header_path_is_one_comment);
        tcase_add_test(tc, test_modules);
        tcase_add_test(tc, test_module_table);
        suite_add_tcase(s, tc);
        return s;
}
