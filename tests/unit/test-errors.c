/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bad input: every file of tests/data/bad is rejected with exactly the messages of its .err
 * file, and files that are not regular readable files are refused with a clear reason.
 * UPDATE_GOLDEN=1 rewrites the .err files (review the diff before committing it). */
#include <dirent.h>
#include <sys/stat.h>

#include "strv.h"
#include "test-util.h"

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static char **corpus_names(void) {
        _cleanup_free_ char *dir = test_srcpath("tests/data/bad");
        _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
        DIR *d = opendir(dir);
        struct dirent *de;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d)))
                if (endswith(de->d_name, ".conf"))
                        ck_assert_int_eq(strv_consume(&names, strndup(de->d_name, strlen(de->d_name) - 5)), 0);
        closedir(d);
        qsort(names, strv_length(names), sizeof(char *), cmp_str);
        return TAKE_PTR(names);
}

START_TEST(test_corpus) {
        _cleanup_strv_free_ char **names = corpus_names();
        bool update = getenv("UPDATE_GOLDEN");
        size_t n = 0;

        STRV_FOREACH(name, names) {
                _cleanup_free_ char *conf = NULL, *err = NULL, *data = NULL, *expected = NULL, *got = NULL;
                _cleanup_(diagnostics_done) Diagnostics d = {};
                _cleanup_config_free_ Config *c = NULL;
                size_t size;
                int r;

                _cleanup_free_ char *rel = NULL;

                ck_assert_int_ge(asprintf(&rel, "tests/data/bad/%s", *name), 0);
                ck_assert_int_ge(asprintf(&conf, "%s/%s.conf", getenv("TOP_SRCDIR"), rel), 0);
                ck_assert_int_ge(asprintf(&err, "%s/%s.err", getenv("TOP_SRCDIR"), rel), 0);
                data = test_read_file(conf, &size);
                ck_assert_ptr_nonnull(data);

                r = config_check_data("/etc/xen/xen-dom0.conf", data, size, "x86_64", &c, &d);
                got = test_diag_text(&d);
                ck_assert_msg(r == -EINVAL, "%s: accepted, but it is in the bad corpus", *name);
                ck_assert_msg(d.n_errors > 0, "%s: rejected without an error message", *name);

                if (update) {
                        FILE *f = fopen(err, "we");
                        ck_assert_ptr_nonnull(f);
                        fputs(got, f);
                        fclose(f);
                        continue;
                }
                expected = test_read_file(err, NULL);
                ck_assert_msg(expected, "%s: no .err file with the expected messages", *name);
                ck_assert_msg(streq(expected, got), "%s:\nexpected:\n%sgot:\n%s", *name, expected, got);
                n++;
        }
        if (!update)
                ck_assert_uint_ge(n, 60);
}
END_TEST

static char *file_error(const char *path) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        Config *c = NULL;

        ck_assert_int_eq(config_parse_file(path, &c, &d), -EINVAL);
        ck_assert_ptr_null(c);
        return test_diag_text(&d);
}

START_TEST(test_missing_file) {
        _cleanup_free_ char *m = file_error("/nonexistent/xen-dom0.conf");

        ck_assert_str_eq(m, "/nonexistent/xen-dom0.conf: cannot open: No such file or directory (to start one with "
                            "every option at its default: xen-dom0d --print-template > /nonexistent/xen-dom0.conf)\n");
}
END_TEST

START_TEST(test_directory) {
        _cleanup_free_ char *dir = test_mkdtemp(), *m = file_error(dir), *want = NULL;

        ck_assert_int_ge(asprintf(&want, "%s: is a directory, not a configuration file\n", dir), 0);
        ck_assert_str_eq(m, want);
        test_rm_rf(dir);
}
END_TEST

START_TEST(test_fifo_and_devices) {
        _cleanup_free_ char *dir = test_mkdtemp(), *fifo = NULL, *m = NULL, *want = NULL;

        /* Neither may hang or be read without end. */
        ck_assert_int_ge(asprintf(&fifo, "%s/fifo", dir), 0);
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        m = file_error(fifo);
        ck_assert_int_ge(asprintf(&want, "%s: is not a regular file\n", fifo), 0);
        ck_assert_str_eq(m, want);
        free(m);
        m = file_error("/dev/zero");
        ck_assert_str_eq(m, "/dev/zero: is not a regular file\n");
        test_rm_rf(dir);
}
END_TEST

START_TEST(test_too_large) {
        _cleanup_free_ char *dir = test_mkdtemp(), *path = NULL, *m = NULL, *want = NULL;
        FILE *f;

        ck_assert_int_ge(asprintf(&path, "%s/big.conf", dir), 0);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(ftruncate(fileno(f), CONFIG_MAX_FILE_SIZE + 1), 0);
        fclose(f);
        m = file_error(path);
        ck_assert_int_ge(asprintf(&want, "%s: file is too large (%u bytes, at most %u)\n", path,
                                  CONFIG_MAX_FILE_SIZE + 1, CONFIG_MAX_FILE_SIZE), 0);
        ck_assert_str_eq(m, want);
        test_rm_rf(dir);
}
END_TEST

START_TEST(test_unreadable) {
        _cleanup_free_ char *dir = test_mkdtemp(), *path = NULL, *m = NULL, *want = NULL;
        FILE *f;

        ck_assert_int_ge(asprintf(&path, "%s/secret.conf", dir), 0);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        fputs("[xen]\n", f);
        fclose(f);
        ck_assert_int_eq(chmod(path, 0), 0);
        /* root reads anything: drop to nobody in this forked test process. */
        if (geteuid() == 0)
                ck_assert_int_eq(setresuid(65534, 65534, 65534), 0);
        m = file_error(path);
        ck_assert_int_ge(asprintf(&want, "%s: cannot open: Permission denied\n", path), 0);
        ck_assert_str_eq(m, want);
}
END_TEST

START_TEST(test_reads_real_file) {
        _cleanup_free_ char *dir = test_mkdtemp(), *path = NULL;
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_config_free_ Config *c = NULL;
        FILE *f;

        ck_assert_int_ge(asprintf(&path, "%s/ok.conf", dir), 0);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        fputs("[xen]\ndebug = true\n", f);
        fclose(f);
        ck_assert_int_eq(config_load(path, "x86_64", &c, &d), 0);
        ck_assert(config_bool(c, OPT_TRACE));
        ck_assert_str_eq(c->path, path);
        test_rm_rf(dir);
}
END_TEST

#define STRV_MAKE(...) ((char *[]) { __VA_ARGS__, NULL })

/* Parses (and, when that succeeds, validates) text; returns every finding as the bus shows it
 * to a caller other than root, after checking that none quotes a word of secrets. */
static char *redacted_findings(const char *text, char **secrets) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_config_free_ Config *c = NULL;
        _cleanup_free_ char *full = NULL;
        char *got;

        if (config_parse_data("/etc/xen/xen-dom0.conf", text, strlen(text), &c, &d) == 0)
                (void) config_validate(c, "x86_64", &d);
        ck_assert_uint_gt(d.n_errors, 0);
        full = diagnostics_to_string(&d, false);
        got = diagnostics_to_string(&d, true);
        ck_assert_ptr_nonnull(full);
        ck_assert_ptr_nonnull(got);
        STRV_FOREACH(w, secrets) {
                /* Else the text no longer reaches the finding that quotes it. */
                ck_assert_msg(strcasestr(full, *w), "no finding quotes %s:\n%s", *w, full);
                ck_assert_msg(!strcasestr(got, *w), "%s shown:\n%s", *w, got);
        }
        return got;
}

START_TEST(test_redacted_quotes_nothing) {
        _cleanup_free_ char *long_key = NULL, *long_section = NULL, *parse = NULL, *got = NULL;

        ck_assert_int_ge(asprintf(&long_key, "hunter2g%060d", 0), 0);
        ck_assert_int_ge(asprintf(&long_section, "hunter2i%0140d", 0), 0);
        ck_assert_int_ge(asprintf(&parse,
                                  "hunter2a = 1\n"
                                  "[xen] hunter2b\n"
                                  "[hunter2c]\n"
                                  "[xen]\n"
                                  "debug = hunter2d\n"
                                  "hunter2e = 1\n"
                                  "%s = 1\n"
                                  "[dom0Resources]\n"
                                  "memory = hunter2h\n"
                                  "[%s]\n"
                                  "[xen]\n"
                                  "Hunter2Trace = 1\n"
                                  "trace = true\n"
                                  "trace = false\n",
                                  long_key, long_section), 0);
        got = redacted_findings(parse, STRV_MAKE("hunter2"));
        ck_assert_str_eq(got, "/etc/xen/xen-dom0.conf:1: syntax error\n"
                              "/etc/xen/xen-dom0.conf:2: syntax error\n"
                              "/etc/xen/xen-dom0.conf:3: unknown section\n"
                              "/etc/xen/xen-dom0.conf:5: xen.debug: invalid value\n"
                              "/etc/xen/xen-dom0.conf:6: unknown key\n"
                              "/etc/xen/xen-dom0.conf:7: unknown key\n"
                              "/etc/xen/xen-dom0.conf:9: dom0Resources.memory: invalid value\n"
                              "/etc/xen/xen-dom0.conf:10: unknown section\n"
                              "/etc/xen/xen-dom0.conf:12: unknown key\n"
                              "/etc/xen/xen-dom0.conf:14: xen.trace: duplicate key, first set on line 13");
        free(got);

        /* a refused boot parameter is refused while the file is read, before validation */
        got = redacted_findings("[xen]\nbootParams = console=hunter2j\"\n", STRV_MAKE("hunter2"));
        ck_assert_str_eq(got, "/etc/xen/xen-dom0.conf:2: xen.bootParams: invalid value");
        free(got);

        got = redacted_findings("[xen]\n"
                                "bootParams = console=com1\n"
                                "[dom0Resources]\n"
                                "memory = 31337\n"
                                "maxMemory = 31336\n"
                                "[store.settings.quota]\n"
                                "maxOutstanding = 31335\n"
                                "maxWatchEvents = 31334\n"
                                "[store]\n"
                                "path = /opt/hunter2k-oxenstored\n",
                                STRV_MAKE("hunter2k", "31337", "31336", "31335", "31334"));
        ck_assert_str_eq(got, "/etc/xen/xen-dom0.conf:5: dom0Resources.maxMemory: invalid value\n"
                              "/etc/xen/xen-dom0.conf:8: store.settings.quota.maxWatchEvents: invalid value\n"
                              "/etc/xen/xen-dom0.conf:10: warning: store.path: questionable value");
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("errors");
        TCase *tc = tcase_create("bad input");

        tcase_add_test(tc, test_corpus);
        tcase_add_test(tc, test_missing_file);
        tcase_add_test(tc, test_directory);
        tcase_add_test(tc, test_fifo_and_devices);
        tcase_add_test(tc, test_too_large);
        tcase_add_test(tc, test_unreadable);
        tcase_add_test(tc, test_reads_real_file);
        tcase_add_test(tc, test_redacted_quotes_nothing);
        suite_add_tcase(s, tc);
        return s;
}
