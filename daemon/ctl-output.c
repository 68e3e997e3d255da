/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xen-dom0ctl's terminal side: colors, the pager, aligned tables, JSON, human-readable times. */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>

#include "ctl-output.h"
#include "strv.h"

static bool on_tty = false, colors = false;
static pid_t pager_pid = 0;

void output_init(void) {
        const char *term = getenv("TERM"), *sc = getenv("SYSTEMD_COLORS");

        on_tty = isatty(STDOUT_FILENO) > 0;
        /* As systemctl: SYSTEMD_COLORS, a boolean (or a color mode, which means on), decides
         * when set; else colors on a terminal unless NO_COLOR or a dumb one. */
        if (sc && *sc)
                colors = !strv_contains((char *const[]) { "0", "false", "no", "off", NULL }, sc);
        else
                colors = on_tty && !getenv("NO_COLOR") && !streq_ptr(term, "dumb");
}

bool output_on_tty(void) {
        return on_tty;
}

bool output_colors(void) {
        return colors;
}

const char *ansi(const char *seq) {
        return colors ? seq : "";
}

void pager_open(bool no_pager) {
        /* As systemctl: SYSTEMD_PAGER before PAGER, SYSTEMD_LESS for less's options. */
        const char *pager = getenv("SYSTEMD_PAGER") ?: getenv("PAGER"), *less = getenv("SYSTEMD_LESS");
        int fd[2];
        pid_t pid;

        if (no_pager || pager_pid > 0 || !on_tty || !isatty(STDOUT_FILENO))
                return;
        if (pager && (pager[strspn(pager, " \t")] == 0 || streq(pager, "cat")))
                return;

        fflush(stdout);
        if (pipe2(fd, O_CLOEXEC) < 0)
                return;
        pid = fork();
        if (pid < 0) {
                close(fd[0]);
                close(fd[1]);
                return;
        }
        if (pid == 0) {
                /* dup2() clears O_CLOEXEC on the copy: the pager inherits only its stdin. */
                if (dup2(fd[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                /* Colors through, quit when everything fits, no init sequences. */
                setenv("LESS", less ?: "FRSXMK", 1);
                setenv("LESSCHARSET", "utf-8", 0);
                if (pager)
                        execl("/bin/sh", "sh", "-c", pager, (char *) NULL);
                execlp("less", "less", (char *) NULL);
                execlp("more", "more", (char *) NULL);
                /* No pager at all: copy through, so the output still reaches the terminal. */
                char buf[4096];
                ssize_t n;
                while ((n = read(STDIN_FILENO, buf, sizeof buf)) > 0)
                        if (write(STDOUT_FILENO, buf, (size_t) n) != n)
                                _exit(EXIT_FAILURE);
                _exit(EXIT_SUCCESS);
        }

        if (dup2(fd[1], STDOUT_FILENO) < 0) {
                close(fd[0]);
                close(fd[1]);
                kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
                return;
        }
        close(fd[0]);
        close(fd[1]);
        pager_pid = pid;
}

void pager_close(void) {
        if (pager_pid <= 0)
                return;
        fflush(stdout);
        /* The pager sees end of file only once no copy of the pipe's write end is left. */
        close(STDOUT_FILENO);
        (void) kill(pager_pid, SIGCONT);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}

char *format_timestamp(uint64_t usec) {
        time_t sec = (time_t) (usec / 1000000);
        struct tm tm;
        char buf[64];

        if (usec == 0 || !localtime_r(&sec, &tm) || strftime(buf, sizeof buf, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                return strdup("n/a");
        return strdup(buf);
}

char *format_timestamp_relative(uint64_t usec) {
        struct timespec ts;
        uint64_t now, d;
        char *s;
        int k;

        if (usec == 0 || clock_gettime(CLOCK_REALTIME, &ts) < 0)
                return strdup("n/a");
        now = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
        if (usec > now)
                return strdup("in the future");
        d = (now - usec) / 1000000;
        if (d < 60)
                k = asprintf(&s, "%" PRIu64 "s ago", d);
        else if (d < 3600)
                k = asprintf(&s, "%" PRIu64 "min %" PRIu64 "s ago", d / 60, d % 60);
        else if (d < 86400)
                k = asprintf(&s, "%" PRIu64 "h %" PRIu64 "min ago", d / 3600, d % 3600 / 60);
        else
                k = asprintf(&s, "%" PRIu64 " days %" PRIu64 "h ago", d / 86400, d % 86400 / 3600);
        return k < 0 ? NULL : s;
}

char *format_timespan_msec(uint64_t msec) {
        char *s;
        int k;

        if (msec < 1000)
                k = asprintf(&s, "%" PRIu64 "ms", msec);
        else if (msec < 60000)
                k = asprintf(&s, "%" PRIu64 ".%03" PRIu64 "s", msec / 1000, msec % 1000);
        else
                k = asprintf(&s, "%" PRIu64 "min %" PRIu64 ".%03" PRIu64 "s", msec / 60000, msec % 60000 / 1000,
                             msec % 1000);
        return k < 0 ? NULL : s;
}

char *format_bytes_kib(uint64_t kib) {
        static const char suffixes[] = "KMGTPE";
        double v = (double) kib;
        size_t i = 0;
        char *s;

        while (v >= 1024 && i + 1 < sizeof suffixes - 1) {
                v /= 1024;
                i++;
        }
        if (asprintf(&s, v < 10 && i > 0 && v != (double) (uint64_t) v ? "%.1f%c" : "%.0f%c", v, suffixes[i]) < 0)
                return NULL;
        return s;
}

struct Table {
        size_t n_columns;
        char ***rows; /* rows[0] is the header */
        size_t n_rows;
        bool *right;
};

Table *table_new(size_t n_columns, ...) {
        _cleanup_(table_freep) Table *t = NULL;
        char **header;
        va_list ap;

        t = calloc(1, sizeof *t);
        if (!t)
                return NULL;
        t->n_columns = n_columns;
        t->right = calloc(n_columns, sizeof(bool));
        t->rows = calloc(1, sizeof(char **));
        header = calloc(n_columns + 1, sizeof(char *));
        if (!t->right || !t->rows || !header) {
                free(header);
                return NULL;
        }
        t->rows[0] = header;
        t->n_rows = 1;
        va_start(ap, n_columns);
        for (size_t i = 0; i < n_columns; i++)
                header[i] = strdup(va_arg(ap, const char *));
        va_end(ap);
        for (size_t i = 0; i < n_columns; i++)
                if (!header[i])
                        return NULL;
        return TAKE_PTR(t);
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_rows; i++)
                strv_free(t->rows[i]);
        free(t->rows);
        free(t->right);
        free(t);
        return NULL;
}

int table_add_row(Table *t, ...) {
        _cleanup_strv_free_ char **row = NULL;
        char ***rows;
        va_list ap;
        bool oom = false;

        row = calloc(t->n_columns + 1, sizeof(char *));
        if (!row)
                return -ENOMEM;
        va_start(ap, t);
        for (size_t i = 0; i < t->n_columns; i++) {
                const char *s = va_arg(ap, const char *);
                row[i] = strdup(s && *s ? s : "-");
                if (!row[i])
                        oom = true;
        }
        va_end(ap);
        if (oom)
                return -ENOMEM;
        rows = realloc(t->rows, sizeof(char **) * (t->n_rows + 1));
        if (!rows)
                return -ENOMEM;
        t->rows = rows;
        t->rows[t->n_rows++] = TAKE_PTR(row);
        return 0;
}

void table_set_align_right(Table *t, size_t column) {
        if (column < t->n_columns)
                t->right[column] = true;
}

size_t table_rows(const Table *t) {
        return t->n_rows - 1;
}

/* Display width of UTF-8 text: the code points, which is right for the names shown here. */
static size_t text_width(const char *s) {
        size_t n = 0;
        for (; *s; s++)
                if (((unsigned char) *s & 0xC0) != 0x80)
                        n++;
        return n;
}

int table_print(const Table *t, FILE *f) {
        _cleanup_free_ size_t *width = calloc(t->n_columns, sizeof(size_t));

        if (!width)
                return -ENOMEM;
        for (size_t r = 0; r < t->n_rows; r++)
                for (size_t c = 0; c < t->n_columns; c++) {
                        size_t w = text_width(t->rows[r][c]);
                        if (w > width[c])
                                width[c] = w;
                }
        for (size_t r = 0; r < t->n_rows; r++) {
                if (r == 0)
                        fputs(ansi(ANSI_HIGHLIGHT), f);
                for (size_t c = 0; c < t->n_columns; c++) {
                        const char *s = t->rows[r][c];
                        size_t pad = width[c] - text_width(s);
                        bool last = c + 1 == t->n_columns;

                        if (t->right[c])
                                fprintf(f, "%*s%s", (int) pad, "", s);
                        else
                                fprintf(f, "%s%*s", s, last ? 0 : (int) pad, "");
                        if (!last)
                                fputs(" ", f);
                }
                if (r == 0)
                        fputs(ansi(ANSI_NORMAL), f);
                fputc('\n', f);
        }
        return ferror(f) ? -EIO : 0;
}

int json_add(struct json_object *o, const char *key, struct json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

struct json_object *json_strv(char *const *l) {
        _cleanup_json_ struct json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        STRV_FOREACH(s, l) {
                struct json_object *v = json_object_new_string(*s);
                if (!v || json_object_array_add(a, v) < 0) {
                        json_object_put(v);
                        return NULL;
                }
        }
        return TAKE_PTR(a);
}

int json_print(struct json_object *o) {
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE | (on_tty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);
        const char *s = json_object_to_json_string_ext(o, flags);

        if (!s)
                return -ENOMEM;
        if (puts(s) < 0 || fflush(stdout) != 0)
                return -EIO;
        return 0;
}
