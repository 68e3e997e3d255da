/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Collected configuration diagnostics. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"

void diagnostics_done(Diagnostics *d) {
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].file);
                free(d->items[i].key);
                free(d->items[i].message);
        }
        free(d->items);
        *d = (Diagnostics) {};
}

static bool is_control(unsigned char c) {
        return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Text of the file in a finding goes to a terminal, the journal and a bus reply one finding a
 * line: a control character in it (a carriage return, an escape sequence, a new line) would
 * overwrite or split what is shown. Each becomes \r, \n or \xNN. Takes s; NULL when out of
 * memory. */
static char *escape_controls(char *s) {
        size_t extra = 0;
        char *t, *q;

        if (!s)
                return NULL;
        for (const char *p = s; *p; p++)
                if (is_control(*p))
                        extra += 3;
        if (extra == 0)
                return s;
        t = malloc(strlen(s) + extra + 1);
        if (t) {
                q = t;
                for (const char *p = s; *p; p++) {
                        unsigned char c = *p;
                        if (!is_control(c))
                                *q++ = (char) c;
                        else if (c == '\n' || c == '\r') {
                                *q++ = '\\';
                                *q++ = c == '\n' ? 'n' : 'r';
                        } else
                                q += sprintf(q, "\\x%02x", c);
                }
                *q = 0;
        }
        free(s);
        return t;
}

void diag_add(Diagnostics *d, DiagLevel level, DiagClass class, const char *file, unsigned line, const char *key,
              const char *fmt, ...) {
        va_list ap;
        Diag *items, x = { .level = level, .class = class, .line = line };
        int r;

        if (level == DIAG_ERROR)
                d->n_errors++;

        va_start(ap, fmt);
        r = vasprintf(&x.message, fmt, ap);
        va_end(ap);
        if (r < 0) {
                d->oom = true;
                return;
        }
        x.message = escape_controls(x.message);
        x.file = escape_controls(strdup(file ?: "(config)"));
        x.key = key ? escape_controls(strdup(key)) : NULL;
        items = realloc(d->items, sizeof(Diag) * (d->n + 1));
        if (!x.message || !x.file || (key && !x.key) || !items) {
                free(x.file);
                free(x.key);
                free(x.message);
                if (items)
                        d->items = items;
                d->oom = true;
                return;
        }
        d->items = items;
        d->items[d->n++] = x;
}

static char *format(const Diag *x, const char *key, const char *message) {
        char *s, linebuf[16] = "";

        if (x->line > 0)
                snprintf(linebuf, sizeof linebuf, ":%u", x->line);
        if (asprintf(&s, "%s%s: %s%s%s%s", x->file, linebuf, x->level == DIAG_WARNING ? "warning: " : "",
                     strempty(key), key ? ": " : "", message) < 0)
                return NULL;
        return s;
}

char *diag_format(const Diag *x) {
        return format(x, x->key, x->message);
}

char *diag_format_redacted(const Diag *x) {
        switch (x->class) {
        case DIAG_PLAIN:
                return format(x, x->key, x->message);
        case DIAG_SYNTAX:
                return format(x, NULL, "syntax error");
        case DIAG_UNKNOWN_SECTION:
                return format(x, NULL, "unknown section");
        case DIAG_UNKNOWN_KEY:
                return format(x, NULL, "unknown key");
        case DIAG_VALUE:
                return format(x, x->key, x->level == DIAG_WARNING ? "questionable value" : "invalid value");
        default:
                /* A class added without a text here: say nothing rather than the message. */
                return format(x, NULL, "invalid");
        }
}

void diagnostics_print_full(const Diagnostics *d, bool redacted, FILE *f) {
        for (size_t i = 0; i < d->n; i++) {
                _cleanup_free_ char *s = redacted ? diag_format_redacted(&d->items[i]) : diag_format(&d->items[i]);
                fprintf(f, "%s\n", s ?: "(out of memory)");
        }
        if (d->oom)
                fprintf(f, "(some findings could not be recorded: out of memory)\n");
}

char *diagnostics_to_string(const Diagnostics *d, bool redacted) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        diagnostics_print_full(d, redacted, f);
        if (fclose(f) != 0)
                return NULL;
        if (size > 0 && buf[size - 1] == '\n')
                buf[size - 1] = 0;
        return TAKE_PTR(buf);
}

void diag_sort_from(Diagnostics *d, size_t first) {
        /* Insertion sort: stable, and the findings of a file are few and mostly in order already. */
        for (size_t i = first + 1; i < d->n; i++) {
                Diag x = d->items[i];
                size_t j = i;

                while (j > first && d->items[j - 1].line > x.line) {
                        d->items[j] = d->items[j - 1];
                        j--;
                }
                d->items[j] = x;
        }
}
