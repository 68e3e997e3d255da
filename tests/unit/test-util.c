/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared helpers of the Check suites. */

#include <ftw.h>

#include "test-util.h"

char *test_srcpath(const char *rel) {
        const char *top = getenv("TOP_SRCDIR");
        char *s;

        ck_assert_msg(top, "TOP_SRCDIR is not set (run through make check)");
        ck_assert_int_ge(asprintf(&s, "%s/%s", top, rel), 0);
        return s;
}

unsigned test_slowdown(void) {
        const char *s = getenv("TEST_SLOWDOWN");
        unsigned long v;
        char *end;

        if (!s || !*s)
                return 1;
        errno = 0;
        v = strtoul(s, &end, 10);
        ck_assert_msg(errno == 0 && *end == '\0' && v >= 1 && v <= 1000, "TEST_SLOWDOWN=%s is not a factor 1..1000",
                      s);
        return v;
}

char *test_read_file(const char *path, size_t *ret_size) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t n = 0, cap = 0;

        if (!f)
                return NULL;
        for (;;) {
                if (n + 4096 + 1 > cap) {
                        cap = (n + 4096 + 1) * 2;
                        buf = realloc(buf, cap);
                        ck_assert_ptr_nonnull(buf);
                }
                size_t k = fread(buf + n, 1, 4096, f);
                n += k;
                if (k < 4096)
                        break;
        }
        fclose(f);
        buf[n] = 0;
        if (ret_size)
                *ret_size = n;
        return buf;
}

void test_check_golden(const char *rel, const char *got) {
        _cleanup_free_ char *path = test_srcpath(rel), *want = NULL;

        if (getenv("UPDATE_GOLDEN")) {
                FILE *out = fopen(path, "we");
                ck_assert_ptr_nonnull(out);
                fputs(got, out);
                ck_assert_int_eq(fclose(out), 0);
        }
        want = test_read_file(path, NULL);
        ck_assert_msg(want, "%s: no golden file", rel);
        ck_assert_msg(streq(got, want), "%s differs from the golden file:\n--- expected\n%s--- got\n%s", rel, want, got);
}

Config *test_parse(const char *text, Diagnostics *d) {
        Config *c = NULL;
        int r = config_parse_data("/etc/xen/xen-dom0.conf", text, strlen(text), &c, d);

        ck_assert_int_ne(r, -ENOMEM);
        return r < 0 ? NULL : c;
}

Config *test_load(const char *text, Diagnostics *d) {
        Config *c = test_parse(text, d);

        if (c && config_validate(c, "x86_64", d) < 0)
                return config_free(c);
        return c;
}

char *test_diag_text(const Diagnostics *d) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        diagnostics_print(d, f);
        fclose(f);
        return buf;
}

char *test_mkdtemp(void) {
        char *t = strdup("/tmp/xen-dom0d-test.XXXXXX");

        ck_assert_ptr_nonnull(t);
        ck_assert_ptr_nonnull(mkdtemp(t));
        return t;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

void test_rm_rf(const char *path) {
        (void) nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
