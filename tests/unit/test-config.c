/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Configuration semantics: dependent defaults, explicit values winning, multi-line and list
 * values, every assertion of the module, and the dump reading back to the same configuration. */
#include <inttypes.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "strv.h"
#include "test-util.h"

static Config *load_ok(const char *text) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        Config *c = test_load(text, &d);

        ck_assert_msg(c, "unexpected errors:\n%s", test_diag_text(&d));
        ck_assert_msg(d.n == 0, "unexpected findings:\n%s", test_diag_text(&d));
        return c;
}

/* Loads text that must fail validation and returns every message. */
static char *load_fail(const char *text, const char *machine) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_config_free_ Config *c = test_parse(text, &d);

        ck_assert_msg(c, "parse failed:\n%s", test_diag_text(&d));
        ck_assert_int_eq(config_validate(c, machine, &d), -EINVAL);
        return test_diag_text(&d);
}

/* Parses text that must be refused by the parser itself and returns every message. */
static char *parse_fail(const char *text) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_config_free_ Config *c = test_parse(text, &d);

        ck_assert_msg(!c, "accepted: %s", text);
        return test_diag_text(&d);
}

START_TEST(test_trace_follows_debug) {
        _cleanup_config_free_ Config *a = load_ok("[xen]\ndebug = true\n");
        _cleanup_config_free_ Config *b = load_ok("[xen]\ndebug = false\ntrace = true\n");

        ck_assert(config_bool(a, OPT_TRACE));
        ck_assert(config_bool(a, OPT_STORE_TEST_EAGAIN));
        ck_assert_str_eq(config_enum(a, OPT_LOG_LEVEL), "debug");
        ck_assert(!config_bool(b, OPT_STORE_TEST_EAGAIN));
        ck_assert_str_eq(config_enum(b, OPT_LOG_LEVEL), "debug");
}
END_TEST

START_TEST(test_explicit_values_win) {
        _cleanup_config_free_ Config *c = load_ok("[xen]\ndebug = true\ntrace = true\n"
                                                  "[store.settings]\ntestEAGAIN = false\n"
                                                  "[store.settings.xenstored.log]\nlevel = warn\n"
                                                  "[dom0Resources]\nmemory = 1024\nmaxMemory = 2048\n");
        _cleanup_config_free_ Config *n = load_ok("[xen]\ntrace = true\n[store.settings.xenstored.log]\nlevel = null\n");

        ck_assert(!config_bool(c, OPT_STORE_TEST_EAGAIN));
        ck_assert_str_eq(config_enum(c, OPT_LOG_LEVEL), "warn");
        ck_assert_int_eq(config_int(c, OPT_DOM0_MAX_MEMORY), 2048);
        ck_assert_ptr_null(config_enum(n, OPT_LOG_LEVEL));
}
END_TEST

START_TEST(test_max_memory_follows_memory) {
        _cleanup_config_free_ Config *c = load_ok("[dom0Resources]\nmemory = 1536\n");

        ck_assert_int_eq(config_int(c, OPT_DOM0_MAX_MEMORY), 1536);
}
END_TEST

START_TEST(test_store_type_from_path) {
        _cleanup_config_free_ Config *c = load_ok("[store]\npath = /usr/lib/xen-4.17/bin/xenstored\n");
        _cleanup_config_free_ Config *o = load_ok("[xen]\npackage = /opt/xen\n");

        ck_assert_str_eq(config_enum(c, OPT_STORE_TYPE), "c");
        ck_assert(!config_store_is_ocaml(c));
        ck_assert_str_eq(config_str(o, OPT_STORE_PATH), "/opt/xen/bin/oxenstored");
        ck_assert_str_eq(config_enum(o, OPT_STORE_TYPE), "ocaml");
}
END_TEST

START_TEST(test_multiline_and_lists) {
        _cleanup_config_free_ Config *c = load_ok("[domains]\n"
                                                  "extraConfig = XENDOMAINS_SAVE=\n"
                                                  "    XENDOMAINS_RESTORE=false\n"
                                                  "\n"
                                                  "  # a comment inside stays out\n"
                                                  "  XENDOMAINS_STOP_MAXWAIT=60\n"
                                                  "[xen]\n"
                                                  "bootParams = vga=ask\n"
                                                  "   dom0=pvh  iommu=1\n");
        char *const *l = config_strv(c, OPT_BOOT_PARAMS);

        ck_assert_str_eq(config_str(c, OPT_DOMAINS_EXTRA_CONFIG),
                         "XENDOMAINS_SAVE=\nXENDOMAINS_RESTORE=false\nXENDOMAINS_STOP_MAXWAIT=60");
        ck_assert_uint_eq(strv_length(l), 3);
        ck_assert_str_eq(l[0], "vga=ask");
        ck_assert_str_eq(l[1], "dom0=pvh");
        ck_assert_str_eq(l[2], "iommu=1");
}
END_TEST

/* Comments are whole lines: neither ';' nor '#' starts one inside a value or a key, and no
 * byte of the file can pass for either on its way through inih. */
START_TEST(test_comments_whole_lines) {
        _cleanup_config_free_ Config *c = load_ok("; a comment\n"
                                                  "   # an indented one\n"
                                                  "[domains]\n"
                                                  "extraConfig = A='x ;y #z'\n"
                                                  "  ; a comment line between continuations\n"
                                                  "  B=\"p ; q\"\n"
                                                  "  C='1#2;3'\n");
        _cleanup_free_ char *inline_boot = parse_fail("[xen]\nbootParams = iommu=1 ;console=vga\n");
        _cleanup_free_ char *inline_bool = parse_fail("[xen]\ndebug = true ; because\n");
        _cleanup_free_ char *in_key = parse_fail("[xen]\nde ;bug = true\n");
        _cleanup_free_ char *after_section = parse_fail("[xen] ; the top-level options\ndebug = true\n");
        _cleanup_free_ char *subst = parse_fail("[xen]\nbootParams = a\xff" "b a\xfe" "b\n");

        ck_assert_str_eq(config_str(c, OPT_DOMAINS_EXTRA_CONFIG), "A='x ;y #z'\nB=\"p ; q\"\nC='1#2;3'");
        ck_assert_str_eq(inline_boot, "/etc/xen/xen-dom0.conf:2: xen.bootParams: \";console=vga\" contains ';', which "
                                      "cannot be passed to the boot loader (a boot parameter may hold letters, digits "
                                      "and = , . : _ - + / @ % only)\n");
        ck_assert_str_eq(inline_bool, "/etc/xen/xen-dom0.conf:2: xen.debug: \"true ; because\" is not a boolean, "
                                      "expected true or false\n");
        ck_assert_str_eq(in_key, "/etc/xen/xen-dom0.conf:2: xen.de ;bug: unknown key (did you mean debug?)\n");
        ck_assert_str_eq(after_section, "/etc/xen/xen-dom0.conf:1: syntax error: a comment after the section header "
                                        "(comments are whole lines)\n");
        /* the bytes that carry ';' and '#' through inih are refused on input */
        ck_assert_str_eq(subst, "/etc/xen/xen-dom0.conf:2: line is not valid UTF-8\n");
}
END_TEST

/* A comment is never handed to the parser: a long one (a dump's header naming a file deep in a
 * tree) is read, while a value line longer than LINE_MAX_BYTES is refused. */
START_TEST(test_long_comment_line) {
        char comment[1024], value[5100];

        memset(comment, 'x', sizeof comment);
        memcpy(comment, "# ", 2);
        comment[sizeof comment - 1] = 0;
        memset(value, 'x', sizeof value);
        memcpy(value, "[xen]\nbootParams = ", 19);
        value[19 + 5000] = '\n';
        value[19 + 5001] = 0;
        _cleanup_free_ char *text = NULL;
        ck_assert_int_ge(asprintf(&text, "%s\n   ;%s\n[xen]\ndebug = true\n", comment, comment), 0);
        _cleanup_config_free_ Config *c = load_ok(text);
        _cleanup_free_ char *long_value = parse_fail(value);

        ck_assert(config_bool(c, OPT_DEBUG));
        ck_assert_msg(strstr(long_value, ":2: line is too long (5013 bytes, at most 4096)"), "%s", long_value);
}
END_TEST

/* Lines longer than inih reads (200 bytes) hold their whole value: a key line, a continuation
 * line, an xl string of a guest's settings, with ';' and '#' in them. */
START_TEST(test_long_value_lines) {
        _cleanup_free_ char *word = malloc(1001), *text = NULL, *want_extra = NULL, *want_lines = NULL;
        const XlSetting *x;

        ck_assert_ptr_nonnull(word);
        memset(word, 'w', 1000);
        word[1000] = 0;
        ck_assert_int_ge(asprintf(&text,
                                  "[domains]\nextraConfig = A='%s ;x #y'\n  B=%s\n  C=1\n"
                                  "[guests.web.settings]\nkernel = \"/boot/vmlinuz\"\nextra = \"console=hvc0 %.300s ;#\"\n"
                                  "memory = 128\n",
                                  word, word, word),
                         0);
        _cleanup_config_free_ Config *c = load_ok(text);

        ck_assert_int_ge(asprintf(&want_lines, "A='%s ;x #y'\nB=%s\nC=1", word, word), 0);
        ck_assert_str_eq(config_str(c, OPT_DOMAINS_EXTRA_CONFIG), want_lines);
        ck_assert_uint_eq(c->guests.n, 1);
        x = xl_settings_find(&c->guests.items[0].settings, "extra");
        ck_assert_ptr_nonnull(x);
        ck_assert_int_ge(asprintf(&want_extra, "\"console=hvc0 %.300s ;#\"", word), 0);
        ck_assert_str_eq(x->value, want_extra);
        /* the next line is read as itself, not as the long one */
        x = xl_settings_find(&c->guests.items[0].settings, "memory");
        ck_assert_ptr_nonnull(x);
        ck_assert_str_eq(x->value, "128");

        /* a long line of blanks after a section header is a blank line */
        _cleanup_free_ char *blanks = NULL;
        ck_assert_int_ge(asprintf(&blanks, "[xen]\n%300s\ndebug = true\ntrace = true\n", ""), 0);
        _cleanup_config_free_ Config *b = load_ok(blanks);
        ck_assert(config_bool(b, OPT_DEBUG));

        /* a long section header is an unknown section, not a line too long */
        _cleanup_free_ char *header = NULL, *m = NULL;
        ck_assert_int_ge(asprintf(&header, "[%.300s]\n", word), 0);
        m = parse_fail(header);
        ck_assert_msg(strstr(m, ":1: [wwww") && strstr(m, "...]: unknown section"), "%s", m);
}
END_TEST

START_TEST(test_assert_arch) {
        _cleanup_free_ char *m = load_fail("[xen]\n", "aarch64");

        ck_assert_str_eq(m, "/etc/xen/xen-dom0.conf: xen.enable: the Xen Domain 0 stack is supported on x86_64 "
                            "hosts only, this host is aarch64\n");
}
END_TEST

START_TEST(test_assert_memory) {
        _cleanup_free_ char *m = load_fail("[dom0Resources]\nmemory = 4096\nmaxMemory = 1024\n", "x86_64");
        _cleanup_config_free_ Config *zero = load_ok("[dom0Resources]\nmemory = 0\nmaxMemory = 512\n");

        ck_assert_str_eq(m, "/etc/xen/xen-dom0.conf:3: dom0Resources.maxMemory: maxMemory (1024 MiB) must be at "
                            "least dom0Resources.memory (4096 MiB)\n");
}
END_TEST

START_TEST(test_assert_debug_needs_trace) {
        _cleanup_free_ char *m = load_fail("[xen]\ntrace = false\ndebug = true\n", "x86_64");

        ck_assert_str_eq(m, "/etc/xen/xen-dom0.conf:3: xen.trace: debugging features are enabled, but logging is "
                            "disabled (xen.debug = true requires xen.trace = true)\n");
}
END_TEST

START_TEST(test_assert_watch_events) {
        _cleanup_free_ char *m = load_fail("[store.settings.quota]\nmaxWatchEvents = 100\n", "x86_64");

        ck_assert_str_eq(m, "/etc/xen/xen-dom0.conf:2: store.settings.quota.maxWatchEvents: maxWatchEvents (100) "
                            "must be at least quota.maxOutstanding (1024), or a malicious frontend can make the "
                            "store queue events without bound\n");
}
END_TEST

START_TEST(test_boot_params_quoting) {
        _cleanup_free_ char *m = parse_fail("[xen]\nbootParams = ok a\"b\n");

        ck_assert_str_eq(m, "/etc/xen/xen-dom0.conf:2: xen.bootParams: \"a\"b\" contains a double quote, which cannot be "
                            "passed to the boot loader (a boot parameter may hold letters, digits and = , . : _ - "
                            "+ / @ % only)\n");
}
END_TEST

/* What Xen options are made of passes; everything GRUB's script syntax or the shell gives a
 * meaning to is refused, naming the character and the line it is on (continuations too). */
START_TEST(test_boot_params_characters) {
        static const char *const hostile[] = {
                ";", "#", "{", "}", "|", "&", "<", ">", "\"", "'", "$", "\\", "`", "(", ")", "[", "]", "*", "?",
                "!", "~", "^", "\x01", "\xc3\xa9",
        };
        _cleanup_config_free_ Config *c = load_ok("[xen]\nbootParams = dom0_mem=1024M,max:2048M iommu=no-intremap\n"
                                                  "  console=com1,vga com1=115200,8n1 loglvl=all/all sched=credit2\n"
                                                  "  dbgp=ehci@pci0000:00:1d.0 dom0_mem=1G+10% cpufreq=xen:performance\n");

        ck_assert_uint_eq(strv_length(config_strv(c, OPT_BOOT_PARAMS)), 9);
        for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
                _cleanup_free_ char *text = NULL, *m = NULL, *want = NULL;

                ck_assert_int_ge(asprintf(&text, "[xen]\nbootParams = ok\n  a%sb\n", hostile[i]), 0);
                m = parse_fail(text);
                /* a control character is shown escaped, as every text of the file in a finding */
                const char *shown = streq(hostile[i], "\x01") ? "\\x01" : hostile[i];
                ck_assert_int_ge(asprintf(&want, "/etc/xen/xen-dom0.conf:3: xen.bootParams: \"a%sb\" contains ", shown),
                                 0);
                ck_assert_msg(startswith(m, want) && strstr(m, "cannot be passed to the boot loader"), "%s:\n%s",
                              hostile[i], m);
                if ((unsigned char) hostile[i][0] > ' ' && (unsigned char) hostile[i][0] < 0x7f && !strchr("\"'\\`", hostile[i][0])) {
                        _cleanup_free_ char *named = NULL;
                        ck_assert_int_ge(asprintf(&named, "contains '%s',", hostile[i]), 0);
                        ck_assert_msg(strstr(m, named), "%s", m);
                }
        }
}
END_TEST

START_TEST(test_all_assertions_reported_together) {
        _cleanup_free_ char *m = load_fail("[xen]\ndebug = true\ntrace = false\n"
                                           "[dom0Resources]\nmemory = 2\nmaxMemory = 1\n"
                                           "[store.settings.quota]\nmaxOutstanding = 9\nmaxWatchEvents = 8\n",
                                           "ppc64le");
        size_t lines = 0;

        for (const char *p = m; *p; p++)
                lines += *p == '\n';
        ck_assert_uint_eq(lines, 4);
}
END_TEST

START_TEST(test_dump_reads_back) {
        static const char *const inputs[] = {
                "[xen]\n",
                "[xen]\ndebug = true\nbootParams = a b\n[domains]\nextraConfig = A=1\n  B=2\n",
                "[store]\npath = /usr/sbin/xenstored\n[store.settings.conflict]\nburstLimit = 0.1\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
                _cleanup_config_free_ Config *c = load_ok(inputs[i]), *back = NULL;
                _cleanup_free_ char *text = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&text, &size);

                ck_assert_int_eq(config_dump(c, f), 0);
                fclose(f);
                back = load_ok(text);
                for (size_t id = 0; id < _OPTION_MAX; id++)
                        ck_assert_msg(config_value_equal(c, back, id), "%s changed through the dump:\n%s",
                                      option_table[id].name, text);
                ck_assert(strstr(text, "; default"));
        }
}
END_TEST

START_TEST(test_float_format) {
        static const struct {
                double f;
                const char *text;
        } cases[] = {
                { 5.0, "5.0" }, { 0.05, "0.05" }, { 0.12, "0.12" }, { 15.0, "15.0" }, { 0.0, "0.0" },
                { 1e20, "1.0e+20" }, { 1.5e-7, "1.5e-07" }, { 123456.789, "123456.789" },
        };
        char buf[32];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                format_float(cases[i].f, buf);
                ck_assert_str_eq(buf, cases[i].text);
        }
}
END_TEST

START_TEST(test_enable_false) {
        _cleanup_config_free_ Config *c = load_ok("[xen]\nenable = false\n");

        ck_assert(!config_bool(c, OPT_ENABLE));
}
END_TEST

static double cpu_seconds(void) {
        struct timespec ts;

        ck_assert_int_eq(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts), 0);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Xen keeps 1023 bytes of its command line: bootParams may take 900 of them. */
START_TEST(test_boot_params_length) {
        for (size_t total = 899; total <= 901; total++) {
                _cleanup_(diagnostics_done) Diagnostics d = {};
                _cleanup_config_free_ Config *c = NULL;
                _cleanup_free_ char *text = NULL;
                size_t size = 0, left = total;
                FILE *f = open_memstream(&text, &size);

                ck_assert_ptr_nonnull(f);
                fputs("[xen]\nbootParams = a=0123456", f);
                left -= 9;
                /* items of 9 bytes, 10 to a line, then one as long as what is left */
                for (size_t i = 1; left > 0; i++) {
                        size_t k = left > 19 ? 9 : left - 1;
                        fputs(i % 10 == 0 ? "\n    " : " ", f);
                        fprintf(f, "%.*s", (int) k, "bbbbbbbbbbbbbbbbbbb");
                        left -= k + 1;
                }
                fputc('\n', f);
                ck_assert_int_eq(fclose(f), 0);
                c = test_parse(text, &d);
                if (total <= 900) {
                        _cleanup_free_ char *joined = NULL;
                        ck_assert_msg(c, "%zu: %s", total, test_diag_text(&d));
                        joined = strv_join(config_strv(c, OPT_BOOT_PARAMS), " ");
                        ck_assert_uint_eq(strlen(joined), total);
                } else {
                        _cleanup_free_ char *m = test_diag_text(&d);
                        ck_assert_ptr_null(c);
                        ck_assert_msg(strstr(m, "xen.bootParams: longer than 900 bytes"), "%s", m);
                }
        }
}
END_TEST

/* A file of the largest size read, all of it continuation lines of one value, is parsed or
 * refused in time linear in its size: well under a second of CPU time. Rebuilding the whole
 * value for every line made it quadratic: minutes for a multi-line value, hours for a list. */
START_TEST(test_large_value_linear) {
        static const struct {
                const char *head, *line;
                OptionId id;
        } cases[] = {
                { "[domains]\nextraConfig = A=1\n", "  A=", OPT_DOMAINS_EXTRA_CONFIG },
                { "[xen]\nbootParams = iommu=1\n", "  iommu=1", OPT_BOOT_PARAMS },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(diagnostics_done) Diagnostics d = {};
                _cleanup_config_free_ Config *c = NULL;
                _cleanup_free_ char *buf = malloc(CONFIG_MAX_FILE_SIZE);
                size_t n, k = strlen(cases[i].line), lines = 0, items = 1, chars = strlen("A=1");
                double start, spent;
                int r;

                ck_assert_ptr_nonnull(buf);
                n = stpcpy(buf, cases[i].head) - buf;
                /* lines of at most 198 bytes, the longest allowed, until the file is full */
                while (n + 199 <= CONFIG_MAX_FILE_SIZE) {
                        size_t len = k;

                        memcpy(buf + n, cases[i].line, k);
                        if (cases[i].id == OPT_BOOT_PARAMS) {
                                /* as many list items as fit */
                                for (items++; len + 8 <= 198; len += 8, items++)
                                        memcpy(buf + n + len, " iommu=1", 8);
                        } else {
                                memset(buf + n + len, 'x', 198 - len);
                                len = 198;
                                chars += 1 + len - 2;
                        }
                        n += len;
                        buf[n++] = '\n';
                        lines++;
                }

                start = cpu_seconds();
                r = config_parse_data("/etc/xen/xen-dom0.conf", buf, n, &c, &d);
                spent = cpu_seconds() - start;
                ck_assert_msg(spent < 1.0 * test_slowdown(), "%s: %zu bytes in %zu continuation lines took %.2f s",
                              option_table[cases[i].id].name, n, lines, spent);
                ck_assert_uint_gt(n, CONFIG_MAX_FILE_SIZE - 200);
                if (cases[i].id == OPT_BOOT_PARAMS) {
                        /* the Xen command line has a limit of its own, found on the way */
                        _cleanup_free_ char *m = test_diag_text(&d);
                        ck_assert_int_eq(r, -EINVAL);
                        ck_assert_str_eq(m, "/etc/xen/xen-dom0.conf:7: xen.bootParams: longer than 900 bytes: Xen "
                                            "keeps at most 1023 bytes of its command line, the parameters derived "
                                            "from other options included\n");
                        ck_assert_uint_gt(items, 500000);
                } else {
                        ck_assert_int_eq(r, 0);
                        ck_assert_uint_eq(strlen(config_str(c, OPT_DOMAINS_EXTRA_CONFIG)), chars);
                }
        }
}
END_TEST

/* VmData of this process, in KiB (what RLIMIT_DATA counts). */
static unsigned long vm_data_kib(void) {
        _cleanup_free_ char *status = test_read_file("/proc/self/status", NULL);
        const char *p = status ? strstr(status, "\nVmData:") : NULL;

        ck_assert(p);
        return strtoul(p + strlen("\nVmData:"), NULL, 10);
}

/* Reading a file costs a buffer of its size, not one of the largest file allowed (4 MiB): with
 * 1 MiB of data to spare, a small file and a 512 KiB one are read. A reload would otherwise
 * map and unmap 4 MiB every time. */
START_TEST(test_read_sized_to_file) {
#if defined(__SANITIZE_ADDRESS__)
        return; /* AddressSanitizer's allocator maps memory of its own */
#endif
        if (test_slowdown() > 1)
                return; /* so does valgrind */
        _cleanup_free_ char *dir = test_mkdtemp(), *small = NULL, *large = NULL;
        struct rlimit old, lim;
        FILE *f;

        ck_assert_int_ge(asprintf(&small, "%s/small.conf", dir), 0);
        ck_assert_int_ge(asprintf(&large, "%s/large.conf", dir), 0);
        ck_assert_ptr_nonnull(f = fopen(small, "we"));
        fputs("[xen]\ndebug = true\n", f);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_ptr_nonnull(f = fopen(large, "we"));
        for (int i = 0; i < 512 * 1024 / 64; i++)
                fprintf(f, "# %060d\n", i);
        fputs("[xen]\ndebug = true\n", f);
        ck_assert_int_eq(fclose(f), 0);

        ck_assert_int_eq(getrlimit(RLIMIT_DATA, &old), 0);
        lim = old;
        lim.rlim_cur = (vm_data_kib() + 1024) * 1024;
        ck_assert_int_eq(setrlimit(RLIMIT_DATA, &lim), 0);
        const char *paths[] = { small, large };
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_(diagnostics_done) Diagnostics d = {};
                _cleanup_config_free_ Config *c = NULL;
                int r = config_parse_file(paths[i], &c, &d);

                ck_assert_msg(r >= 0, "%s: %s", paths[i], strerror(-r));
                ck_assert(config_bool(c, OPT_DEBUG));
        }
        ck_assert_int_eq(setrlimit(RLIMIT_DATA, &old), 0);
        test_rm_rf(dir);
}
END_TEST

/* Loads text that is valid and returns the warnings. */
static char *load_warnings(const char *text) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_config_free_ Config *c = test_load(text, &d);

        ck_assert_msg(c, "unexpected errors:\n%s", test_diag_text(&d));
        ck_assert_uint_eq(d.n_errors, 0);
        return test_diag_text(&d);
}

START_TEST(test_boot_params_warnings) {
        _cleanup_free_ char *twice = load_warnings("[xen]\ntrace = true\nbootParams = dom0_mem=512M loglvl=all iommu=1\n"
                                                   "[dom0Resources]\nmemory = 1024\nmaxVCPUs = 2\n"),
                            *commas = load_warnings("[xen]\nbootParams = iommu=1, vga=ask , dom0=pvh\n"),
                            *alone = load_warnings("[xen]\nbootParams = dom0_mem=512M dom0_max_vcpus=2 loglvl=all "
                                                   "dom0_mem_extra=1 iommu=1,verbose\n"),
                            *list = parse_fail("[xen]\nbootParams = [ iommu=1 ]\n");

        /* an option that sets the parameter already: the override is named */
        ck_assert_str_eq(twice,
                         "/etc/xen/xen-dom0.conf:3: warning: xen.bootParams: \"dom0_mem=512M\" overrides "
                         "dom0Resources.memory, which sets dom0_mem= already (Xen takes the last one given); set "
                         "dom0Resources.memory alone\n"
                         "/etc/xen/xen-dom0.conf:3: warning: xen.bootParams: \"loglvl=all\" overrides xen.trace, which "
                         "sets loglvl= already (Xen takes the last one given); set xen.trace alone\n");
        /* commas between parameters, not inside one */
        ck_assert_str_eq(commas,
                         "/etc/xen/xen-dom0.conf:2: warning: xen.bootParams: \"iommu=1,\": parameters are separated by "
                         "blanks, not commas; the comma becomes part of a parameter\n"
                         "/etc/xen/xen-dom0.conf:2: warning: xen.bootParams: \",\": parameters are separated by blanks, "
                         "not commas; the comma becomes part of a parameter\n");
        /* with the options unset, the same parameters are the only ones: nothing to say */
        ck_assert_str_eq(alone, "");
        ck_assert_msg(strstr(list, "a list is written as parameters separated by blanks, without brackets"), "%s", list);
}
END_TEST

START_TEST(test_default_flags) {
        _cleanup_config_free_ Config *a = load_ok("[xen]\ndebug = true\ntrace = true\n[dom0Resources]\nmemory = 512\n"
                                                  "maxMemory = 512\n[qemu]\npidFile = /run/xen/qemu-dom0.pid\n"),
                                     *b = load_ok("[xen]\ntrace = true\n[store]\npath = /usr/sbin/xenstored\n");
        bool d[_OPTION_MAX];

        ck_assert_int_eq(config_default_flags(a, d), 0);
        ck_assert(!d[OPT_DEBUG]);           /* set, not the default */
        ck_assert(d[OPT_TRACE]);            /* set, but what debug = true makes it */
        ck_assert(!d[OPT_DOM0_MEMORY]);
        ck_assert(d[OPT_DOM0_MAX_MEMORY]);  /* set, but the same as memory */
        ck_assert(d[OPT_QEMU_PID_FILE]);    /* set to the table's default */
        ck_assert(d[OPT_STORE_TEST_EAGAIN]); /* not set: it follows debug */
        ck_assert(d[OPT_LOG_LEVEL]);        /* not set: debug, as trace = true makes it */
        ck_assert(d[OPT_BOOT_PARAMS]);
        ck_assert_int_eq(config_default_flags(b, d), 0);
        ck_assert(!d[OPT_TRACE]);           /* set to what debug = false does not make it */
        ck_assert(!d[OPT_STORE_PATH]);
        ck_assert(d[OPT_STORE_TYPE]);       /* read-only: c, as the path makes it */
        ck_assert(d[OPT_LOG_LEVEL]);        /* not set: debug, as the explicit trace = true makes it */
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("config");
        TCase *tc = tcase_create("semantics");

        tcase_add_test(tc, test_trace_follows_debug);
        tcase_add_test(tc, test_explicit_values_win);
        tcase_add_test(tc, test_max_memory_follows_memory);
        tcase_add_test(tc, test_store_type_from_path);
        tcase_add_test(tc, test_multiline_and_lists);
        tcase_add_test(tc, test_comments_whole_lines);
        tcase_add_test(tc, test_long_comment_line);
        tcase_add_test(tc, test_long_value_lines);
        tcase_add_test(tc, test_assert_arch);
        tcase_add_test(tc, test_assert_memory);
        tcase_add_test(tc, test_assert_debug_needs_trace);
        tcase_add_test(tc, test_assert_watch_events);
        tcase_add_test(tc, test_boot_params_quoting);
        tcase_add_test(tc, test_boot_params_characters);
        tcase_add_test(tc, test_all_assertions_reported_together);
        tcase_add_test(tc, test_dump_reads_back);
        tcase_add_test(tc, test_float_format);
        tcase_add_test(tc, test_enable_false);
        tcase_add_test(tc, test_read_sized_to_file);
        tcase_add_test(tc, test_large_value_linear);
        tcase_add_test(tc, test_boot_params_length);
        tcase_add_test(tc, test_boot_params_warnings);
        tcase_add_test(tc, test_default_flags);
        suite_add_tcase(s, tc);
        return s;
}
