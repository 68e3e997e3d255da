/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GRUB half of the boot entry builder: reading the Xen entries out of a grub.cfg as
 * Debian 12's grub-mkconfig writes it, matching the command line, and grub_refresh() against an
 * update-grub stand-in in a temporary directory: what each verbosity prints (golden files under
 * tests/data/boot-grub, UPDATE_GOLDEN=1 rewrites them) and failures that keep grub.cfg. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "boot-grub.h"
#include "test-util.h"

#define XEN_OPTIONS "dom0_mem=1100M,max:1200M loglvl=all"

static char *entries_text(const BootEntries *l) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        for (size_t i = 0; i < l->n; i++) {
                const BootEntry *e = &l->items[i];
                fprintf(f, "id=%s\ntitle=%s\nxen=%s\nxen_options=%s\nkernel=%s\nkernel_options=%s\ninitrd=%s\n\n",
                        strna(e->id), strna(e->title), strna(e->xen), strna(e->xen_options), strna(e->kernel),
                        strna(e->kernel_options), strna(e->initrd));
        }
        ck_assert_int_eq(fclose(f), 0);
        return buf;
}

START_TEST(test_parse_debian12) {
        _cleanup_free_ char *path = test_srcpath("tests/data/boot-grub/debian12-grub.cfg"), *text = NULL;
        _cleanup_(boot_entries_done) BootEntries l = {};

        text = test_read_file(path, NULL);
        ck_assert_ptr_nonnull(text);
        ck_assert_int_eq(grub_parse_cfg(text, &l), 0);
        /* The plain Linux entry is not a Xen one; the Xen entries come in file order, the
         * default (top-level) one first, those of the submenus after it. */
        ck_assert_uint_eq(l.n, 4);
        ck_assert_str_eq(l.items[0].xen_options, "console=com1 com1=115200,8n1 dom0_mem=1100M,max:1200M loglvl=all");
        _cleanup_free_ char *got = entries_text(&l);
        test_check_golden("tests/data/boot-grub/debian12-entries.txt", got);
}
END_TEST

START_TEST(test_parse_odd) {
        _cleanup_(boot_entries_done) BootEntries l = {};

        /* unbalanced braces, an entry without multiboot, stray "}" lines, an empty file */
        ck_assert_int_eq(grub_parse_cfg("}\n}\nmenuentry 'a' {\n  linux /vmlinuz\n}\nmenuentry 'b' {\n", &l), 0);
        ck_assert_uint_eq(l.n, 0);
        ck_assert_int_eq(grub_parse_cfg("", &l), 0);
        ck_assert_uint_eq(l.n, 0);
        ck_assert_int_eq(grub_parse_cfg("menuentry 'x' --id 'xid' {\nmultiboot2 /x.gz\n}\n", &l), 0);
        ck_assert_uint_eq(l.n, 1);
        ck_assert_str_eq(l.items[0].id, "xid");
        ck_assert_str_eq(l.items[0].xen_options, "");
        ck_assert_ptr_null(l.items[0].kernel);
}
END_TEST

START_TEST(test_contains) {
        ck_assert(grub_cmdline_contains("console=com1 dom0_mem=1G loglvl=all", "dom0_mem=1G loglvl=all"));
        ck_assert(grub_cmdline_contains("a  b\tc", "b c"));
        ck_assert(grub_cmdline_contains("a b", ""));
        ck_assert(!grub_cmdline_contains("console=com1 dom0_mem=1G loglvl=all", "loglvl=all dom0_mem=1G"));
        ck_assert(!grub_cmdline_contains("dom0_mem=1G,max:2G", "dom0_mem=1G"));
        ck_assert(!grub_cmdline_contains(NULL, "a"));
        ck_assert(!grub_cmdline_contains("a b", "a b c"));
}
END_TEST

/* A directory with grub.cfg (from the fixture, or none) and an update-grub stand-in that
 * writes the fixture's entries with the Xen options of $OPTS, fails with $FAIL, or writes a
 * grub.cfg without any Xen entry with $NOXEN. */
static char *setup(bool with_cfg) {
        _cleanup_free_ char *fixture = test_srcpath("tests/data/boot-grub/debian12-grub.cfg"), *script = NULL,
                                 *cfg = NULL;
        char *dir = test_mkdtemp();
        FILE *f;

        ck_assert_int_ge(asprintf(&script, "%s/update-grub", dir), 0);
        f = fopen(script, "we");
        ck_assert_ptr_nonnull(f);
        fprintf(f,
                "#!/bin/sh\n"
                "echo 'Generating grub configuration file ...'\n"
                "[ -n \"$FAIL\" ] && { echo \"/usr/sbin/grub-probe: error: failed to get canonical path of '/dev/root'.\" >&2; exit 1; }\n"
                "if [ -n \"$NOXEN\" ]; then echo 'set timeout=0' >\"%s/grub.cfg\"; else\n"
                "sed \"s/dom0_mem=1100M,max:1200M loglvl=all/$OPTS/\" '%s' >\"%s/grub.cfg.new\" && mv \"%s/grub.cfg.new\" \"%s/grub.cfg\"; fi\n"
                "echo 'Found Xen hypervisor image: /boot/xen-4.17-amd64.gz'\n"
                "echo done\n",
                dir, fixture, dir, dir, dir);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(chmod(script, 0755), 0);
        if (with_cfg) {
                _cleanup_free_ char *text = test_read_file(fixture, NULL);
                ck_assert_int_ge(asprintf(&cfg, "%s/grub.cfg", dir), 0);
                f = fopen(cfg, "we");
                ck_assert_ptr_nonnull(f);
                fputs(text, f);
                ck_assert_int_eq(fclose(f), 0);
        }
        return dir;
}

/* Runs grub_refresh() in dir with verbosity v; returns what it printed, with dir as $DIR. */
static char *refresh(const char *dir, BootVerbosity v, const char *want, int *ret, char **ret_error,
                     BootEntries *ret_entries) {
        _cleanup_free_ char *prog = NULL, *cfg = NULL, *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);
        BootLog log = { .out = f, .verbosity = v };
        GrubParams p;
        char *s;

        ck_assert_ptr_nonnull(f);
        ck_assert_int_ge(asprintf(&prog, "%s/update-grub", dir), 0);
        ck_assert_int_ge(asprintf(&cfg, "%s/grub.cfg", dir), 0);
        p = (GrubParams) { .update_grub = prog, .grub_cfg = cfg, .xen_options = want, .log = &log };
        *ret = grub_refresh(&p, ret_entries, ret_error);
        ck_assert_int_eq(fclose(f), 0);
        /* the temporary directory's name out of the text */
        s = malloc(strlen(out) * 2 + 1);
        ck_assert_ptr_nonnull(s);
        s[0] = '\0';
        for (const char *q = out; *q;) {
                if (strncmp(q, dir, strlen(dir)) == 0) {
                        strcat(s, "$DIR");
                        q += strlen(dir);
                } else
                        strncat(s, q++, 1);
        }
        return s;
}

START_TEST(test_refresh_verbosity) {
        static const char *const names[] = { "quiet", "default", "info", "debug" };

        for (BootVerbosity v = BOOT_VERBOSITY_QUIET; v <= BOOT_VERBOSITY_DEBUG; v++) {
                _cleanup_free_ char *dir = setup(true), *out = NULL, *error = NULL, *golden = NULL;
                _cleanup_(boot_entries_done) BootEntries l = {};
                int r;

                setenv("OPTS", "dom0_mem=2048M,max:2048M loglvl=all", 1);
                out = refresh(dir, v, "dom0_mem=2048M,max:2048M loglvl=all", &r, &error, &l);
                unsetenv("OPTS");
                ck_assert_msg(r == 0, "%s", strna(error));
                ck_assert_uint_eq(l.n, 4);
                ck_assert_str_eq(l.items[0].xen_options,
                                 "console=com1 com1=115200,8n1 dom0_mem=2048M,max:2048M loglvl=all");
                ck_assert_int_ge(asprintf(&golden, "tests/data/boot-grub/refresh-%s.txt", names[v]), 0);
                test_check_golden(golden, out);
                test_rm_rf(dir);
        }
}
END_TEST

START_TEST(test_refresh_failures) {
        _cleanup_free_ char *dir = setup(true), *before = NULL, *cfg = NULL;
        int r;

        ck_assert_int_ge(asprintf(&cfg, "%s/grub.cfg", dir), 0);
        before = test_read_file(cfg, NULL);

        /* update-grub fails: its own last words, grub.cfg as it was */
        {
                _cleanup_free_ char *out = NULL, *error = NULL;
                _cleanup_(boot_entries_done) BootEntries l = {};
                setenv("FAIL", "1", 1);
                out = refresh(dir, BOOT_VERBOSITY_DEFAULT, XEN_OPTIONS, &r, &error, &l);
                unsetenv("FAIL");
                ck_assert_int_lt(r, 0);
                ck_assert_ptr_nonnull(strstr(error, "failed with exit status 1: /usr/sbin/grub-probe: error: failed to get canonical path"));
                ck_assert_ptr_nonnull(strstr(out, "Installing Xen boot entries (GRUB)... failed: "));
                ck_assert_uint_eq(l.n, 0);
                _cleanup_free_ char *after = test_read_file(cfg, NULL);
                ck_assert_str_eq(after, before);
        }
        /* the configured line is not what 20_linux_xen wrote (another grub.d file overrides it) */
        {
                _cleanup_free_ char *out = NULL, *error = NULL;
                _cleanup_(boot_entries_done) BootEntries l = {};
                setenv("OPTS", "dom0_mem=512M", 1);
                out = refresh(dir, BOOT_VERBOSITY_QUIET, "dom0_mem=2048M", &r, &error, &l);
                unsetenv("OPTS");
                ck_assert_int_eq(r, -EBADMSG);
                ck_assert_ptr_nonnull(strstr(error, "without the configured \"dom0_mem=2048M\""));
                ck_assert_ptr_nonnull(strstr(error, "GRUB_CMDLINE_XEN_DEFAULT"));
                ck_assert_str_eq(out, "");
        }
        /* no Xen entry at all: the hypervisor is not installed */
        {
                _cleanup_free_ char *out = NULL, *error = NULL;
                _cleanup_(boot_entries_done) BootEntries l = {};
                setenv("NOXEN", "1", 1);
                out = refresh(dir, BOOT_VERBOSITY_DEFAULT, XEN_OPTIONS, &r, &error, &l);
                unsetenv("NOXEN");
                ck_assert_int_eq(r, -ENOENT);
                ck_assert_ptr_nonnull(strstr(error, "wrote no Xen entry"));
                ck_assert_ptr_nonnull(strstr(error, "xen-hypervisor-4.17-amd64"));
        }
        /* no update-grub: GRUB is not installed */
        {
                _cleanup_free_ char *error = NULL, *out = NULL;
                _cleanup_(boot_entries_done) BootEntries l = {};
                BootLog log = { .out = NULL };
                GrubParams p = { .update_grub = "/nonexistent/update-grub", .grub_cfg = cfg, .xen_options = XEN_OPTIONS,
                                 .log = &log };
                r = grub_refresh(&p, &l, &error);
                ck_assert_int_eq(r, -ENOENT);
                ck_assert_str_eq(error, "Cannot run /nonexistent/update-grub: is GRUB installed (package grub2-common)?");
        }
        test_rm_rf(dir);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("boot-grub");
        TCase *tc = tcase_create("grub");

        tcase_add_test(tc, test_parse_debian12);
        tcase_add_test(tc, test_parse_odd);
        tcase_add_test(tc, test_contains);
        tcase_add_test(tc, test_refresh_verbosity);
        tcase_add_test(tc, test_refresh_failures);
        suite_add_tcase(s, tc);
        return s;
}
