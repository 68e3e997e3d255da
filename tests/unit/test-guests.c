/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Declared guests: what the reader keeps, the start order, adopted files and the classes of a
 * change (live or pending a guest restart). Messages are in tests/data/bad/guests-*.err and the
 * rendered files in tests/data/golden/guests. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "guests.h"
#include "paths.h"
#include "strv.h"
#include "test-util.h"

static Config *load(const char *text) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        Config *c = test_load(text, &d);

        ck_assert_msg(c, "%s", test_diag_text(&d));
        return c;
}

static char *order_text(const Config *c) {
        _cleanup_free_ size_t *order = NULL;
        _cleanup_strv_free_ char **names = NULL;

        ck_assert_int_eq(guests_start_order(&c->guests, &order), 0);
        for (size_t i = 0; i < c->guests.n; i++)
                ck_assert_int_eq(strv_extend(&names, c->guests.items[order[i]].name), 0);
        return strv_join(names, " ");
}

START_TEST(test_keys_and_defaults) {
        _cleanup_config_free_ Config *c = load("[xen]\nenable = true\n"
                                               "[guests.a.settings]\nkernel = \"/k\"\n"
                                               "[guests.b]\nautostart = false\nafter = a\nreadiness = xenstore:data/ready\n"
                                               "readinessTimeout = 30\n"
                                               "[guests.b.settings]\nname = \"bee\"\nkernel = \"/k\"\n"
                                               "disk = [ 'phy:/dev/x,xvda,w',\n  'phy:/dev/y,xvdb,w' ]\n");
        const Guest *a = guests_find(&c->guests, "a"), *b = guests_find(&c->guests, "b");

        ck_assert_uint_eq(c->guests.n, 2);
        ck_assert_ptr_nonnull(a);
        ck_assert(a->autostart);
        ck_assert_ptr_null(a->readiness_key);
        ck_assert_uint_eq(a->readiness_timeout, GUEST_READINESS_TIMEOUT_DEFAULT);
        ck_assert_str_eq(a->domain_name, "a");
        ck_assert(!b->autostart);
        ck_assert_str_eq(b->readiness_key, "data/ready");
        ck_assert_uint_eq(b->readiness_timeout, 30);
        ck_assert_str_eq(b->domain_name, "bee");
        ck_assert(strv_equal(b->after, (char *[]) { (char *) "a", NULL }));
        /* a continued list is one value, its lines kept */
        ck_assert_str_eq(xl_settings_find(&b->settings, "disk")->value,
                         "[ 'phy:/dev/x,xvda,w',\n    'phy:/dev/y,xvdb,w' ]");
}
END_TEST

START_TEST(test_start_order) {
        /* c after b after a, declared backwards, d independent, e after a and d: each right after
         * what it needs, otherwise the file's order */
        _cleanup_config_free_ Config *c = load("[xen]\nenable = true\n"
                                               "[guests.c]\nafter = b\n[guests.c.settings]\nkernel = \"/k\"\n"
                                               "[guests.d.settings]\nkernel = \"/k\"\n"
                                               "[guests.b]\nafter = a\n[guests.b.settings]\nkernel = \"/k\"\n"
                                               "[guests.a.settings]\nkernel = \"/k\"\n"
                                               "[guests.e]\nafter = a d\n[guests.e.settings]\nkernel = \"/k\"\n");
        _cleanup_free_ char *o = order_text(c);

        ck_assert_str_eq(o, "a b c d e");
}
END_TEST

START_TEST(test_config_file_adopted) {
        _cleanup_free_ char *dir = test_mkdtemp(), *file = NULL, *text = NULL;
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_config_free_ Config *c = NULL;
        FILE *f;

        ck_assert_int_ge(asprintf(&file, "%s/old.cfg", dir), 0);
        f = fopen(file, "w");
        ck_assert_ptr_nonnull(f);
        fputs("# from /etc/xen/auto\nname = \"legacy\"\nkernel = \"/k\"\nmemory = 128\n", f);
        fclose(f);
        ck_assert_int_ge(asprintf(&text, "[xen]\nenable = true\n[guests.old]\nconfigFile = %s\n", file), 0);
        c = load(text);
        ck_assert_str_eq(guests_find(&c->guests, "old")->domain_name, "legacy");
        ck_assert_ptr_nonnull(strstr(guests_find(&c->guests, "old")->config_data, "memory = 128"));

        /* a file xl cannot read is refused with xl's reason */
        f = fopen(file, "w");
        fputs("name = \"legacy\"\nkernel = /k\n", f);
        fclose(f);
        config_free(c);
        c = test_load(text, &d);
        ck_assert_ptr_null(c);
        _cleanup_free_ char *m = test_diag_text(&d);
        ck_assert_msg(strstr(m, "guests.old.configFile: xl cannot read") && strstr(m, "/old.cfg"), "%s", m);
        test_rm_rf(dir);
}
END_TEST

START_TEST(test_changes) {
        _cleanup_config_free_ Config *a = load("[xen]\nenable = true\n[guests.w.settings]\nkernel = \"/k\"\n"
                                               "memory = 256\nvcpus = 1\nextra = \"quiet\"\n");
        _cleanup_config_free_ Config *b = load("[xen]\nenable = true\n[guests.w.settings]\nkernel = \"/k\"\n"
                                               "memory = 512\nvcpus = 2\nextra = \"console=hvc0\"\nmaxmem = 1024\n");
        _cleanup_strv_free_ char **restart = NULL, **live = NULL;

        ck_assert_int_eq(guest_changes(&a->guests.items[0], &b->guests.items[0], &restart, &live), 0);
        _cleanup_free_ char *r = strv_join(restart, " "), *l = strv_join(live, " ");
        ck_assert_str_eq(l, "guests.w.settings.memory guests.w.settings.vcpus");
        ck_assert_str_eq(r, "guests.w.settings.extra guests.w.settings.maxmem");

        /* the same declaration: nothing */
        restart = strv_free(restart);
        live = strv_free(live);
        ck_assert_int_eq(guest_changes(&a->guests.items[0], &a->guests.items[0], &restart, &live), 0);
        ck_assert_ptr_null(restart);
        ck_assert_ptr_null(live);
}
END_TEST

START_TEST(test_unit_names) {
        _cleanup_config_free_ Config *c = load("[xen]\nenable = true\n[guests.web-1.settings]\nkernel = \"/k\"\n");
        _cleanup_free_ char *u = guest_unit_name("web-1"), *p = guest_cfg_path("web-1");

        ck_assert_str_eq(u, "xen-guest@web-1.service");
        ck_assert_str_eq(p, "/run/xen-dom0/guests/web-1.cfg");
        ck_assert_ptr_eq(guests_find_unit(&c->guests, u), &c->guests.items[0]);
        ck_assert_ptr_null(guests_find_unit(&c->guests, "xen-guest@web.service"));
        ck_assert_ptr_null(guests_find_unit(&c->guests, "xen-guest@web-1.socket"));
}
END_TEST

START_TEST(test_key_tables_sorted) {
        for (size_t i = 1; i < xl_cfg_keys_n; i++)
                ck_assert_msg(strcmp(xl_cfg_keys[i - 1], xl_cfg_keys[i]) < 0, "%s", xl_cfg_keys[i]);
        for (size_t i = 1; i < xl_conf_keys_n; i++)
                ck_assert_msg(strcmp(xl_conf_keys[i - 1], xl_conf_keys[i]) < 0, "%s", xl_conf_keys[i]);
}
END_TEST

/* --dump-config keeps the declarations: its output reads back to the same guests and [xl]. */
START_TEST(test_dump_round_trip) {
        _cleanup_config_free_ Config *a = load("[xen]\nenable = true\n[xl]\nautoballoon = \"off\"\n"
                                               "[guests.a.settings]\nkernel = \"/k\"\n"
                                               "disk = [ 'phy:/dev/x,xvda,w',\n  'phy:/dev/y,xvdb,w' ]\n"
                                               "[guests.b]\nafter = a\nautostart = false\nreadiness = xenstore:data/ready\n"
                                               "[guests.b.settings]\nname = \"bee\"\nkernel = \"/k\"\n");
        _cleanup_config_free_ Config *b = NULL;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        ck_assert_int_eq(config_dump(a, f), 0);
        fclose(f);
        b = load(text);
        ck_assert_uint_eq(b->guests.n, 2);
        ck_assert_uint_eq(b->xl.n, 1);
        for (size_t i = 0; i < 2; i++) {
                _cleanup_strv_free_ char **restart = NULL, **live = NULL;
                const Guest *x = &a->guests.items[i], *y = &b->guests.items[i];
                ck_assert_str_eq(x->name, y->name);
                ck_assert_int_eq(guest_changes(x, y, &restart, &live), 0);
                ck_assert_ptr_null(restart);
                ck_assert_ptr_null(live);
                ck_assert(x->autostart == y->autostart);
                ck_assert(strv_equal(x->after, y->after) || (!x->after && strv_length(y->after) == 0));
                ck_assert_str_eq(x->readiness_key ?: "", y->readiness_key ?: "");
        }
}
END_TEST

/* A guest that xendomains would start from /etc/xen/auto too: a warning, not an error. */
START_TEST(test_auto_dir_warning) {
        _cleanup_free_ char *dir = test_mkdtemp(), *autodir = NULL, *adopted = NULL, *text = NULL, *link = NULL,
                            *other = NULL;
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_config_free_ Config *c = NULL;
        FILE *f;

        ck_assert_int_ge(asprintf(&autodir, "%s/auto", dir), 0);
        ck_assert_int_eq(mkdir(autodir, 0755), 0);
        ck_assert_int_ge(asprintf(&adopted, "%s/db.cfg", dir), 0);
        f = fopen(adopted, "w");
        fputs("name = \"db\"\nkernel = \"/k\"\n", f);
        fclose(f);
        /* the adopted file linked into the directory, as /etc/xen/auto holds them */
        ck_assert_int_ge(asprintf(&link, "%s/db", autodir), 0);
        ck_assert_int_eq(symlink(adopted, link), 0);
        /* another file that starts the domain of a declared guest */
        ck_assert_int_ge(asprintf(&other, "%s/web.cfg", autodir), 0);
        f = fopen(other, "w");
        fputs("name = \"web-1\"\nkernel = \"/k\"\n", f);
        fclose(f);
        /* and one that xendomains keeps starting: no declared guest of that name */
        _cleanup_free_ char *kept = NULL;
        ck_assert_int_ge(asprintf(&kept, "%s/other.cfg", autodir), 0);
        f = fopen(kept, "w");
        fputs("name = \"other\"\nkernel = \"/k\"\n", f);
        fclose(f);
        ck_assert_int_ge(asprintf(&text,
                                  "[xen]\nenable = true\n[guests.db]\nconfigFile = %s\n"
                                  "[guests.web.settings]\nname = \"web-1\"\nkernel = \"/k\"\n"
                                  "[guests.app.settings]\nkernel = \"/k\"\n",
                                  adopted),
                         0);
        guests_auto_dir = autodir;
        c = test_load(text, &d);
        guests_auto_dir = "/etc/xen/auto";
        ck_assert_ptr_nonnull(c);
        _cleanup_free_ char *m = test_diag_text(&d);
        ck_assert_uint_eq(d.n, 2);
        ck_assert_msg(strstr(m, "warning: guests.db: ") && strstr(m, "/auto/db starts domain \"db\" too"), "%s", m);
        ck_assert_msg(strstr(m, "warning: guests.web: ") && strstr(m, "/auto/web.cfg starts domain \"web-1\" too"),
                      "%s", m);
        ck_assert_msg(strstr(m, "xendomains skips it"), "%s", m);

        /* xendomains.service leaves out what the rendered list names: both, sorted, not the other */
        _cleanup_(fileset_done) FileSet s = {};
        ck_assert_int_eq(guests_render(&c->guests, &c->xl, "# h\n", &s), 0);
        const RenderedFile *skip = fileset_find(&s, PATH_XENDOMAINS_SKIP);
        ck_assert_ptr_nonnull(skip);
        ck_assert_msg(endswith(skip->content, "\ndb\nweb.cfg\n"), "%s", skip->content);
        ck_assert_ptr_null(strstr(skip->content, "other.cfg"));
        test_rm_rf(dir);
}
END_TEST

/* The files a guest needs where none are yet: its xl.cfg always; its domain's name only when
 * the domain is not called as the guest (the unit's default), and its order only when it has
 * one. Either is written over a file that exists, so that a name or order taken away goes. */
START_TEST(test_files_written_only_where_needed) {
        _cleanup_config_free_ Config *c = load("[xen]\nenable = true\n"
                                               "[guests.a.settings]\nkernel = \"/k\"\nmemory = 128\n"
                                               "[guests.b]\nafter = a\n"
                                               "[guests.b.settings]\nname = \"b\"\nkernel = \"/k\"\nmemory = 128\n"
                                               "[guests.c.settings]\nname = \"c-1\"\nkernel = \"/k\"\nmemory = 128\n");
        _cleanup_(fileset_done) FileSet s = {};
        static const struct {
                const char *path;
                bool absent_ok;
        } want[] = {
                { "/run/xen-dom0/guests/a.cfg", false },
                { "/run/xen-dom0/guests/a.env", true },
                { "/run/systemd/system/xen-guest@a.service.d/50-xen-dom0-after.conf", true },
                { "/run/xen-dom0/guests/b.env", true },
                { "/run/systemd/system/xen-guest@b.service.d/50-xen-dom0-after.conf", false },
                { "/run/xen-dom0/guests/c.cfg", false },
                { "/run/xen-dom0/guests/c.env", false },
        };

        ck_assert_int_eq(guests_render(&c->guests, &c->xl, "# h\n", &s), 0);
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                const RenderedFile *f = fileset_find(&s, want[i].path);

                ck_assert_msg(f, "%s is not rendered", want[i].path);
                ck_assert_msg(f->absent_ok == want[i].absent_ok, "%s: absent_ok is %d", want[i].path, f->absent_ok);
        }
}
END_TEST

/* A thousand guests in a chain read, validate and order; the numbers are bench/'s. */
START_TEST(test_thousand) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        fputs("[xen]\nenable = true\n", f);
        for (int i = 0; i < 1000; i++) {
                if (i > 0)
                        fprintf(f, "[guests.g%d]\nafter = g%d\n", i, i - 1);
                fprintf(f, "[guests.g%d.settings]\nkernel = \"/k\"\nmemory = 128\n", i);
        }
        fclose(f);
        _cleanup_config_free_ Config *c = load(text);
        _cleanup_free_ size_t *order = NULL;
        ck_assert_uint_eq(c->guests.n, 1000);
        ck_assert_int_eq(guests_start_order(&c->guests, &order), 0);
        for (size_t i = 0; i < 1000; i++)
                ck_assert_uint_eq(order[i], i);
}
END_TEST

/* A long chain is validated and ordered in loops, not in a recursion as deep as the chain: with
 * the stack held to 512 KiB, 20,000 guests each after the next (the first to start is the last
 * declared) would take more than that at 26 bytes a level. */
START_TEST(test_deep_chain) {
        const int n = 20000;
        struct rlimit lim;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        /* the soft limit only: lowering it needs no privilege */
        ck_assert_int_eq(getrlimit(RLIMIT_STACK, &lim), 0);
        if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur > 512 * 1024)
                lim.rlim_cur = 512 * 1024;
        ck_assert_int_eq(setrlimit(RLIMIT_STACK, &lim), 0);
        fputs("[xen]\nenable = true\n", f);
        for (int i = 0; i < n; i++) {
                fprintf(f, "[guests.g%d]\n", i);
                if (i + 1 < n)
                        fprintf(f, "after = g%d\n", i + 1);
                fprintf(f, "[guests.g%d.settings]\nkernel = \"/k\"\n", i);
        }
        fclose(f);
        _cleanup_config_free_ Config *c = load(text);
        _cleanup_free_ size_t *order = NULL;
        ck_assert_uint_eq(c->guests.n, (size_t) n);
        ck_assert_int_eq(guests_start_order(&c->guests, &order), 0);
        for (size_t i = 0; i < (size_t) n; i++)
                ck_assert_uint_eq(order[i], (size_t) n - 1 - i);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("guests");
        TCase *tc = tcase_create("guests");

        tcase_add_test(tc, test_keys_and_defaults);
        tcase_add_test(tc, test_start_order);
        tcase_add_test(tc, test_config_file_adopted);
        tcase_add_test(tc, test_changes);
        tcase_add_test(tc, test_unit_names);
        tcase_add_test(tc, test_key_tables_sorted);
        tcase_add_test(tc, test_dump_round_trip);
        tcase_add_test(tc, test_auto_dir_warning);
        tcase_add_test(tc, test_files_written_only_where_needed);
        tcase_add_test(tc, test_thousand);
        tcase_add_test(tc, test_deep_chain);
        tcase_set_timeout(tc, 60);
        suite_add_tcase(s, tc);
        return s;
}
