/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xen-dom0ctl's terminal side: colors, the pager, aligned tables, JSON, human-readable times. */
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <systemd/sd-login.h>
#include <time.h>

#include "ctl-output.h"
#include "strv.h"

static bool on_tty = false, colors = false, legend = true;
static size_t columns; /* what a table may take: the terminal's width, 0 for no limit */
static int json_pretty = -1; /* -1: pretty on a terminal */
static pid_t pager_pid = 0;

int env_boolean(const char *name) {
        /* not from the environment of another user, when set-user-ID: SYSTEMD_PAGERSECURE=0 */
        const char *v = secure_getenv(name);

        if (isempty_str(v))
                return -ENXIO;
        /* the spellings of systemd's booleans, in any case */
        static const char *const spellings[2][6] = {
                { "0", "no", "n", "false", "f", "off" },
                { "1", "yes", "y", "true", "t", "on" },
        };

        for (int b = 0; b < 2; b++)
                for (size_t i = 0; i < ELEMENTSOF(spellings[b]); i++)
                        if (strcasecmp(v, spellings[b][i]) == 0)
                                return b;
        return -EINVAL;
}

void output_init(void) {
        const char *term = getenv("TERM");
        int sc = env_boolean("SYSTEMD_COLORS");

        on_tty = isatty(STDOUT_FILENO) > 0;
        /* As systemctl: SYSTEMD_COLORS, a boolean (or a color mode, which means on), decides
         * when set; else colors on a terminal unless NO_COLOR or a dumb one. */
        if (sc != -ENXIO)
                colors = sc != 0;
        else
                colors = on_tty && !getenv("NO_COLOR") && !streq_ptr(term, "dumb");
        /* As systemd: $COLUMNS first, then the terminal's own width; not on a pipe. */
        if (on_tty) {
                const char *e = getenv("COLUMNS");
                struct winsize ws = {};
                char *end;
                unsigned long n = e ? strtoul(e, &end, 10) : 0;

                if (e && *e && !*end && n > 0 && n < 100000)
                        columns = n;
                else if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0 && ws.ws_col > 0)
                        columns = ws.ws_col;
        }
}

void output_set_full(bool full) {
        if (full)
                columns = 0;
}

void output_set_legend(bool on) {
        legend = on;
}

bool output_legend(void) {
        return legend;
}

void output_set_json_pretty(int pretty) {
        json_pretty = pretty;
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

/* Whether the pager must not let its user run commands or open files: when the client runs
 * with another user's rights than the login session's owner (sudo, a setuid wrapper) or outside
 * a session, unless SYSTEMD_PAGERSECURE says. A pager under sudo is otherwise a root shell: less
 * runs commands at "!". */
static bool pager_secure(bool *ret_trusted) {
        int r = env_boolean("SYSTEMD_PAGERSECURE");
        uid_t owner;

        /* set: the user chose, and their pager is trusted to honour it */
        *ret_trusted = r >= 0;
        if (r >= 0)
                return r;
        if (r == -EINVAL)
                fprintf(stderr, "Cannot read SYSTEMD_PAGERSECURE=%s as a boolean; paging securely.\n",
                        getenv("SYSTEMD_PAGERSECURE"));
        else if (sd_pid_get_owner_uid(0, &owner) >= 0 && owner == getuid() && owner == geteuid())
                return false;
        return true;
}

void pager_open(bool no_pager) {
        /* As systemctl: SYSTEMD_PAGER before PAGER, SYSTEMD_LESS for less's options. */
        const char *pager = getenv("SYSTEMD_PAGER") ?: getenv("PAGER"), *less = getenv("SYSTEMD_LESS");
        bool secure, trusted;
        int fd[2];
        pid_t pid;

        if (no_pager || pager_pid > 0 || !on_tty || !isatty(STDOUT_FILENO))
                return;
        if (pager && (pager[strspn(pager, " \t")] == 0 || streq(pager, "cat")))
                return;
        secure = pager_secure(&trusted);
        /* In secure mode, a pager the user named is run only when they asked for secure mode
         * themselves: only less is known to honour LESSSECURE. */
        if (secure && !trusted)
                pager = NULL;

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
                if (secure)
                        setenv("LESSSECURE", "1", 1);
                if (pager)
                        execl("/bin/sh", "sh", "-c", pager, (char *) NULL);
                execlp("less", "less", (char *) NULL);
                if (!secure) /* more has no secure mode: the copy below instead */
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

typedef struct TableCell {
        TableDataType type;
        union {
                char *string;
                char **strv;
                bool boolean;
                uint64_t number;
                Table *table;
        };
        struct json_object *json; /* TABLE_JSON: the value (NULL is null), string its text */
} TableCell;

typedef struct TableColumn {
        char *header, *json_name;
        bool right, hidden;
} TableColumn;

struct Table {
        TableColumn *columns;
        size_t n_columns;
        TableCell *cells; /* row after row */
        size_t n_cells;
        bool vertical;
};

static void cell_done(TableCell *c) {
        if (c->type == TABLE_STRING)
                free(c->string);
        else if (c->type == TABLE_JSON) {
                free(c->string);
                json_object_put(c->json);
        }
        else if (c->type == TABLE_STRV)
                strv_free(c->strv);
        else if (c->type == TABLE_TABLE)
                table_free(c->table);
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cells; i++)
                cell_done(&t->cells[i]);
        free(t->cells);
        for (size_t i = 0; i < t->n_columns; i++) {
                free(t->columns[i].header);
                free(t->columns[i].json_name);
        }
        free(t->columns);
        free(t);
        return NULL;
}

static int table_add_column(Table *t, const char *header) {
        TableColumn *c = reallocarray(t->columns, t->n_columns + 1, sizeof(TableColumn));
        char *json;

        if (!c)
                return -ENOMEM;
        t->columns = c;
        c = &t->columns[t->n_columns];
        *c = (TableColumn) { .header = strdup(header), .json_name = json = strdup(header) };
        t->n_columns++; /* freed with the table from here on */
        if (!c->header || !json)
                return -ENOMEM;
        for (; *json; json++)
                *json = *json == ' ' ? '_' : (char) tolower((unsigned char) *json);
        return 0;
}

Table *table_new_internal(const char *first_header, ...) {
        _cleanup_(table_freep) Table *t = calloc(1, sizeof(Table));
        va_list ap;
        int r = 0;

        if (!t)
                return NULL;
        va_start(ap, first_header);
        for (const char *h = first_header; h && r >= 0; h = va_arg(ap, const char *))
                r = table_add_column(t, h);
        va_end(ap);
        return r < 0 ? NULL : TAKE_PTR(t);
}

Table *table_new_vertical(void) {
        Table *t = table_new("TITLE", "KEY", "VALUE");

        if (t)
                t->vertical = true;
        return t;
}

int table_set_json_field_name(Table *t, size_t column, const char *name) {
        char *s;

        if (column >= t->n_columns)
                return -EINVAL;
        s = strdup(name);
        if (!s)
                return -ENOMEM;
        free(t->columns[column].json_name);
        t->columns[column].json_name = s;
        return 0;
}

void table_set_align_right(Table *t, size_t column) {
        if (column < t->n_columns)
                t->columns[column].right = true;
}

void table_hide_column(Table *t, size_t column) {
        if (column < t->n_columns)
                t->columns[column].hidden = true;
}

static int table_add_cell_va(Table *t, TableDataType type, va_list *ap) {
        TableCell c = { .type = type }, *cells;

        switch (type) {
        case TABLE_STRING:
                c.string = strdup(strempty(va_arg(*ap, const char *)));
                if (!c.string)
                        return -ENOMEM;
                break;
        case TABLE_STRV:
                c.strv = strv_copy(va_arg(*ap, char *const *) ?: (char *const[]) { NULL });
                if (!c.strv)
                        return -ENOMEM;
                break;
        case TABLE_BOOLEAN:
                c.boolean = va_arg(*ap, int);
                break;
        case TABLE_UINT32:
                c.number = va_arg(*ap, uint32_t);
                break;
        case TABLE_UINT64:
        case TABLE_TIMESPAN_MSEC:
        case TABLE_TIMESTAMP:
        case TABLE_SIZE_KIB:
        case TABLE_NSEC_SECONDS:
                c.number = va_arg(*ap, uint64_t);
                break;
        case TABLE_TABLE:
                c.table = va_arg(*ap, Table *);
                if (!c.table)
                        return -ENOMEM;
                break;
        case TABLE_JSON:
                c.json = va_arg(*ap, struct json_object *);
                c.string = strdup(strempty(va_arg(*ap, const char *)));
                if (!c.string) {
                        json_object_put(c.json);
                        return -ENOMEM;
                }
                break;
        default:
                return -EINVAL;
        }
        cells = reallocarray(t->cells, t->n_cells + 1, sizeof(TableCell));
        if (!cells) {
                cell_done(&c);
                return -ENOMEM;
        }
        t->cells = cells;
        t->cells[t->n_cells++] = c;
        return 0;
}

int table_add_many_internal(Table *t, ...) {
        TableDataType type;
        va_list ap;
        int r = 0;

        va_start(ap, t);
        while (r >= 0 && (type = va_arg(ap, TableDataType)) != _TABLE_DATA_TYPE_MAX)
                r = table_add_cell_va(t, type, &ap);
        va_end(ap);
        return r;
}

int table_add_field(Table *t, const char *title, const char *json_key, TableDataType type, ...) {
        va_list ap;
        int r;

        r = table_add_many(t, TABLE_STRING, title, TABLE_STRING, json_key);
        if (r < 0)
                return r;
        va_start(ap, type);
        r = table_add_cell_va(t, type, &ap);
        va_end(ap);
        return r;
}

size_t table_rows(const Table *t) {
        return t->n_cells / t->n_columns;
}

static const TableCell *table_cell(const Table *t, size_t row, size_t column) {
        size_t i = row * t->n_columns + column;

        return column < t->n_columns && i < t->n_cells ? &t->cells[i] : NULL;
}

const char *table_get_string(const Table *t, size_t row, size_t column) {
        const TableCell *c = table_cell(t, row, column);

        return c && (c->type == TABLE_STRING || c->type == TABLE_JSON) ? c->string : "";
}

/* The text of a cell; NULL on allocation failure. */
static char *cell_format(const TableCell *c) {
        char *s;

        switch (c->type) {
        case TABLE_STRING:
        case TABLE_JSON:
                return strdup(isempty_str(c->string) ? "-" : c->string);
        case TABLE_STRV:
                return *c->strv ? strv_join(c->strv, " ") : strdup("-");
        case TABLE_BOOLEAN:
                return strdup(c->boolean ? "yes" : "no");
        case TABLE_UINT32:
        case TABLE_UINT64:
                return asprintf(&s, "%" PRIu64, c->number) < 0 ? NULL : s;
        case TABLE_TIMESPAN_MSEC:
                return c->number > 0 ? format_timespan_msec(c->number) : strdup("-");
        case TABLE_TIMESTAMP:
                return c->number > 0 ? format_timestamp(c->number) : strdup("-");
        case TABLE_SIZE_KIB:
                return format_bytes_kib(c->number);
        case TABLE_NSEC_SECONDS:
                return asprintf(&s, "%.1fs", (double) c->number / 1e9) < 0 ? NULL : s;
        default: /* a nested table has a JSON form only */
                return strdup("-");
        }
}

/* Display width of UTF-8 text: the code points, which is right for the names shown here. */
static size_t text_width(const char *s) {
        size_t n = 0;
        for (; *s; s++)
                if (((unsigned char) *s & 0xC0) != 0x80)
                        n++;
        return n;
}

/* Writes s in at most width columns, ending with "…" when it is cut. */
static void put_cut(FILE *f, const char *s, size_t width) {
        size_t n = 0;
        const char *p = s;

        if (text_width(s) <= width) {
                fputs(s, f);
                return;
        }
        for (; *p && n + 1 < width; p++) {
                fputc(*p, f);
                if (((unsigned char) p[1] & 0xC0) != 0x80)
                        n++;
        }
        fputs("…", f);
}

int table_print(const Table *t, FILE *f) {
        size_t n_rows = table_rows(t), last = 0, total = 0, n_visible = 0;
        _cleanup_free_ size_t *width = calloc(t->n_columns, sizeof(size_t));
        _cleanup_strv_free_ char **text = calloc(t->n_cells + 1, sizeof(char *));

        if (!width || !text)
                return -ENOMEM;
        for (size_t c = 0; c < t->n_columns; c++)
                if (!t->columns[c].hidden) {
                        width[c] = text_width(t->columns[c].header);
                        last = c;
                }
        for (size_t i = 0; i < n_rows * t->n_columns; i++) {
                size_t c = i % t->n_columns, w;

                if (t->columns[c].hidden) {
                        text[i] = strdup("");
                        if (!text[i])
                                return -ENOMEM;
                        continue;
                }
                text[i] = cell_format(&t->cells[i]);
                if (!text[i])
                        return -ENOMEM;
                w = text_width(text[i]);
                if (w > width[c])
                        width[c] = w;
        }
        /* Wider than the terminal: the widest columns give way, down to 4 characters, as
         * systemctl's tables do; --full (or a pipe) keeps every cell whole. */
        for (size_t c = 0; c < t->n_columns; c++)
                if (!t->columns[c].hidden) {
                        total += width[c];
                        n_visible++;
                }
        total += n_visible > 0 ? n_visible - 1 : 0;
        while (columns > 0 && total > columns) {
                size_t widest = 0;

                for (size_t c = 1; c < t->n_columns; c++)
                        if (width[c] > width[widest])
                                widest = c;
                if (width[widest] <= 4)
                        break;
                width[widest]--;
                total--;
        }
        /* The header first (unless --no-legend), then the rows. */
        for (size_t r = legend ? 0 : 1; r <= n_rows; r++) {
                if (r == 0)
                        fputs(ansi(ANSI_HIGHLIGHT), f);
                for (size_t c = 0; c < t->n_columns; c++) {
                        const char *s = r == 0 ? t->columns[c].header : text[(r - 1) * t->n_columns + c];
                        size_t w, pad;

                        if (t->columns[c].hidden)
                                continue;
                        w = text_width(s);
                        pad = w < width[c] ? width[c] - w : 0;
                        if (t->columns[c].right)
                                fprintf(f, "%*s", (int) pad, "");
                        put_cut(f, s, width[c]);
                        if (!t->columns[c].right)
                                fprintf(f, "%*s", c == last ? 0 : (int) pad, "");
                        if (c != last)
                                fputs(" ", f);
                }
                if (r == 0)
                        fputs(ansi(ANSI_NORMAL), f);
                fputc('\n', f);
        }
        return ferror(f) ? -EIO : 0;
}

size_t table_print_lists(const Table *t, FILE *f) {
        size_t n = 0;

        for (size_t r = 0; r < table_rows(t); r++) {
                const TableCell *c = table_cell(t, r, 2);

                if (c->type != TABLE_STRV || !*c->strv)
                        continue;
                fprintf(f, "%s%s:%s\n", ansi(ANSI_HIGHLIGHT), table_get_string(t, r, 0), ansi(ANSI_NORMAL));
                STRV_FOREACH(s, c->strv) {
                        fprintf(f, "  %s\n", *s);
                        n++;
                }
        }
        return n;
}

static struct json_object *cell_json(const TableCell *c) {
        switch (c->type) {
        case TABLE_JSON: /* a JSON null is NULL: json_add() takes it as such */
                return json_object_get(c->json);
        case TABLE_STRING:
                return json_object_new_string(c->string);
        case TABLE_STRV: {
                _cleanup_json_ struct json_object *a = json_object_new_array();

                if (!a)
                        return NULL;
                STRV_FOREACH(s, c->strv) {
                        struct json_object *v = json_object_new_string(*s);
                        if (!v || json_object_array_add(a, v) < 0) {
                                json_object_put(v);
                                return NULL;
                        }
                }
                return TAKE_PTR(a);
        }
        case TABLE_BOOLEAN:
                return json_object_new_boolean(c->boolean);
        case TABLE_UINT32:
                return json_object_new_int64((int64_t) c->number);
        case TABLE_TABLE:
                return table_to_json(c->table);
        default:
                return json_object_new_uint64(c->number);
        }
}

/* Adds c's value under key; -ENOMEM when making it or adding it fails. */
static int json_add(struct json_object *o, const char *key, const TableCell *c) {
        struct json_object *v = cell_json(c);

        if (!v && !(c->type == TABLE_JSON && !c->json))
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

struct json_object *table_to_json(const Table *t) {
        _cleanup_json_ struct json_object *j = t->vertical ? json_object_new_object() : json_object_new_array();

        if (!j)
                return NULL;
        for (size_t r = 0; r < table_rows(t); r++) {
                _cleanup_json_ struct json_object *o = NULL;

                if (t->vertical) {
                        if (json_add(j, table_get_string(t, r, 1), table_cell(t, r, 2)) < 0)
                                return NULL;
                        continue;
                }
                o = json_object_new_object();
                if (!o)
                        return NULL;
                for (size_t c = 0; c < t->n_columns; c++)
                        if (json_add(o, t->columns[c].json_name, table_cell(t, r, c)) < 0)
                                return NULL;
                if (json_object_array_add(j, o) < 0)
                        return NULL;
                o = NULL;
        }
        return TAKE_PTR(j);
}

int table_print_json(const Table *t) {
        _cleanup_json_ struct json_object *j = table_to_json(t);

        return j ? json_print(j) : -ENOMEM;
}

int json_print(struct json_object *o) {
        bool pretty = json_pretty < 0 ? on_tty : json_pretty;
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE | (pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);
        const char *s = json_object_to_json_string_ext(o, flags);

        if (!s)
                return -ENOMEM;
        if (puts(s) < 0 || fflush(stdout) != 0)
                return -EIO;
        return 0;
}
