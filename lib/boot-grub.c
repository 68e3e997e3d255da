/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GRUB half of the boot entry builder: run update-grub, read grub.cfg back. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boot-grub.h"
#include "strv.h"

/* A GRUB word at *p: 'single quoted' (with '\'' for a quote), "double quoted" or bare;
 * concatenated as the shell does. Moves *p past it. */
static char *grub_word(const char **p) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        const char *s = *p + strspn(*p, " \t");
        FILE *m = open_memstream(&buf, &size);

        if (!m)
                return NULL;
        while (*s && !strchr(" \t\n", *s)) {
                if (*s == '\'') {
                        const char *e = strchr(s + 1, '\'');
                        if (!e)
                                e = s + strlen(s);
                        fwrite(s + 1, 1, e - s - 1, m);
                        s = *e ? e + 1 : e;
                } else if (*s == '"') {
                        for (s++; *s && *s != '"'; s++) {
                                if (*s == '\\' && s[1])
                                        s++;
                                fputc(*s, m);
                        }
                        if (*s)
                                s++;
                } else if (*s == '\\' && s[1]) {
                        fputc(s[1], m);
                        s += 2;
                } else
                        fputc(*s++, m);
        }
        if (fclose(m) != 0)
                return NULL;
        *p = s;
        return TAKE_PTR(buf);
}

/* The words of s joined by single spaces, without "placeholder" (the image name Xen and Linux
 * skip) and without 20_linux_xen's ${xen_rm_opts}. */
static char *clean_args(char *const *words) {
        _cleanup_strv_free_ char **l = NULL;

        if (!(l = calloc(1, sizeof(char *))))
                return NULL;
        STRV_FOREACH(w, words) {
                if (w == words && streq(*w, "placeholder"))
                        continue;
                if (streq(*w, "${xen_rm_opts}") || streq(*w, "$xen_rm_opts"))
                        continue;
                if (strv_extend(&l, *w) < 0)
                        return NULL;
        }
        return strv_join(l, " ");
}

typedef enum Block { BLOCK_MENUENTRY, BLOCK_OTHER } Block;

int grub_parse_cfg(const char *text, BootEntries *ret) {
        _cleanup_(boot_entries_done) BootEntries l = {};
        _cleanup_(boot_entry_done) BootEntry cur = {};
        Block stack[32];
        size_t depth = 0, entry_depth = 0;
        bool in_entry = false;
        const char *line = text;

        while (line && *line) {
                const char *nl = strchr(line, '\n'), *s;
                _cleanup_free_ char *copy = strndup(line, nl ? (size_t) (nl - line) : strlen(line));
                _cleanup_strv_free_ char **words = NULL;
                size_t len;

                line = nl ? nl + 1 : NULL;
                if (!copy)
                        return -ENOMEM;
                s = copy + strspn(copy, " \t");
                len = strlen(s);
                while (len > 0 && strchr(" \t\r", s[len - 1]))
                        len--;
                copy[s - copy + len] = '\0';
                if (*s == '#' || *s == '\0')
                        continue;
                if (streq(s, "}")) {
                        if (depth == 0)
                                continue;
                        depth--;
                        if (in_entry && depth == entry_depth) {
                                if (cur.xen && boot_entries_add(&l, &cur) < 0)
                                        return -ENOMEM;
                                boot_entry_done(&cur);
                                in_entry = false;
                        }
                        continue;
                }
                if (startswith(s, "menuentry ") || startswith(s, "menuentry\t")) {
                        const char *p = s + strlen("menuentry");

                        boot_entry_done(&cur);
                        cur.title = grub_word(&p);
                        if (!cur.title)
                                return -ENOMEM;
                        /* The id follows $menuentry_id_option (or --id). */
                        for (const char *q = p; *q;) {
                                _cleanup_free_ char *w = grub_word(&q);
                                if (!w)
                                        return -ENOMEM;
                                if (isempty(w))
                                        break;
                                if (streq(w, "$menuentry_id_option") || streq(w, "--id")) {
                                        cur.id = grub_word(&q);
                                        if (!cur.id)
                                                return -ENOMEM;
                                        break;
                                }
                        }
                        if (depth < ELEMENTSOF(stack)) {
                                entry_depth = depth;
                                stack[depth++] = BLOCK_MENUENTRY;
                                in_entry = true;
                        }
                        continue;
                }
                if (endswith(s, "{")) {
                        if (depth < ELEMENTSOF(stack))
                                stack[depth++] = BLOCK_OTHER;
                        continue;
                }
                if (!in_entry)
                        continue;
                if (strv_split_ws(s, &words) < 0)
                        return -ENOMEM;
                if (strv_length(words) < 2)
                        continue;
                if (streq(words[0], "multiboot2") || streq(words[0], "multiboot")) {
                        free(cur.xen);
                        free(cur.xen_options);
                        cur.xen = strdup(words[1]);
                        cur.xen_options = clean_args(words + 2);
                        if (!cur.xen || !cur.xen_options)
                                return -ENOMEM;
                } else if (streq(words[0], "module2") || streq(words[0], "module")) {
                        char **w = words + 1;

                        while (*w && startswith(*w, "--"))
                                w++;
                        if (!*w)
                                continue;
                        if (!cur.kernel) {
                                cur.kernel = strdup(*w);
                                cur.kernel_options = clean_args(w + 1);
                                if (!cur.kernel || !cur.kernel_options)
                                        return -ENOMEM;
                        } else if (!cur.initrd && !(cur.initrd = strdup(*w)))
                                return -ENOMEM;
                }
        }
        *ret = l;
        l = (BootEntries) {};
        return 0;
}

int grub_read_xen_entries(const char *grub_cfg, BootEntries *ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = boot_read_text(grub_cfg ?: GRUB_CFG_DEFAULT, &text);
        if (r < 0)
                return r;
        return grub_parse_cfg(text, ret);
}

bool grub_cmdline_contains(const char *have, const char *want) {
        _cleanup_strv_free_ char **h = NULL, **w = NULL;
        size_t nh, nw;

        if (strv_split_ws(strempty(have), &h) < 0 || strv_split_ws(strempty(want), &w) < 0)
                return false;
        nh = strv_length(h);
        nw = strv_length(w);
        for (size_t i = 0; i + nw <= nh; i++) {
                size_t k = 0;
                while (k < nw && streq(h[i + k], w[k]))
                        k++;
                if (k == nw)
                        return true;
        }
        return false;
}

/* Runs argv with standard output and error read line by line: each line goes to the log at
 * debug level, the last one is kept for an error message. Returns the exit status (>= 0), or
 * -errno when it could not run. */
static int run_logged(const BootLog *log, char *const argv[], char **ret_last) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t n = 0;
        int fds[2], status;
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return negative_errno();
        pid = fork();
        if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                return negative_errno();
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null >= 0)
                        dup2(null, STDIN_FILENO);
                dup2(fds[1], STDOUT_FILENO);
                dup2(fds[1], STDERR_FILENO);
                execvp(argv[0], argv);
                fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        close(fds[1]);
        f = fdopen(fds[0], "r");
        if (!f) {
                close(fds[0]);
                (void) waitpid(pid, NULL, 0);
                return -ENOMEM;
        }
        while (getline(&line, &n, f) >= 0) {
                line[strcspn(line, "\n")] = '\0';
                boot_log(log, BOOT_VERBOSITY_DEBUG, "  %s: %s", argv[0], line);
                if (ret_last && *line) {
                        free(*ret_last);
                        *ret_last = strdup(line);
                }
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}

static int fail(const GrubParams *p, char **ret_error, int error, const char *fmt, ...) _printf_(4, 5);
static int fail(const GrubParams *p, char **ret_error, int error, const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        boot_log(p->log, BOOT_VERBOSITY_DEFAULT, "Installing Xen boot entries (GRUB)... failed: %s", strempty(s));
        *ret_error = s;
        return s ? error : -ENOMEM;
}

int grub_refresh(const GrubParams *p, BootEntries *ret_entries, char **ret_error) {
        _cleanup_(boot_entries_done) BootEntries before = {}, after = {};
        _cleanup_free_ char *last = NULL;
        const char *cfg = p->grub_cfg ?: GRUB_CFG_DEFAULT, *prog = p->update_grub ?: "update-grub";
        int r;

        *ret_error = NULL;
        r = grub_read_xen_entries(cfg, &before);
        if (r == -ENOMEM)
                return r;
        boot_log(p->log, BOOT_VERBOSITY_DEBUG, "%s holds %zu Xen entr%s before the update", cfg, before.n,
                 before.n == 1 ? "y" : "ies");
        boot_log(p->log, BOOT_VERBOSITY_DEBUG, "Running %s", prog);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        r = run_logged(p->log, (char *const[]) { (char *) prog, NULL }, &last);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (p->ret_tool_usec)
                *p->ret_tool_usec = (uint64_t) ((int64_t) (t1.tv_sec - t0.tv_sec) * 1000000 +
                                                (t1.tv_nsec - t0.tv_nsec) / 1000);
        if (r < 0)
                return fail(p, ret_error, r, "Cannot run %s: %s", prog, strerror(-r));
        if (r == 127 && last && startswith(last, "cannot run "))
                return fail(p, ret_error, -ENOENT, "Cannot run %s: is GRUB installed (package grub2-common)?", prog);
        if (r != 0)
                return fail(p, ret_error, -EIO, "%s failed with exit status %d%s%s", prog, r, last ? ": " : "",
                            strempty(last));
        r = grub_read_xen_entries(cfg, &after);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(p, ret_error, r, "%s ran, but %s cannot be read: %s", prog, cfg, strerror(-r));
        if (after.n == 0)
                return fail(p, ret_error, -ENOENT,
                            "%s wrote no Xen entry to %s: is the hypervisor installed as /boot/xen-*.gz "
                            "(package xen-hypervisor-4.17-amd64)?",
                            prog, cfg);
        if (!grub_cmdline_contains(after.items[0].xen_options, p->xen_options))
                return fail(p, ret_error, -EBADMSG,
                            "The first Xen entry of %s boots Xen with \"%s\", without the configured \"%s\": "
                            "does a file in /etc/default/grub.d read after xen-dom0.cfg set "
                            "GRUB_CMDLINE_XEN_DEFAULT?",
                            cfg, strempty(after.items[0].xen_options), strempty(p->xen_options));
        boot_entries_log_diff(p->log, &before, &after);
        boot_log(p->log, BOOT_VERBOSITY_DEFAULT, "Installing Xen boot entries (GRUB)... done.");
        *ret_entries = after;
        after = (BootEntries) {};
        return 0;
}
