/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Collected configuration diagnostics. */
#include <stdarg.h>

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
        x.file = strdup(file ?: "(config)");
        x.key = key ? strdup(key) : NULL;
        items = realloc(d->items, sizeof(Diag) * (d->n + 1));
        if (!x.file || (key && !x.key) || !items) {
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
