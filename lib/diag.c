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

void diag_add(Diagnostics *d, DiagLevel level, const char *file, unsigned line, const char *key,
              const char *fmt, ...) {
        va_list ap;
        Diag *items, x = { .level = level, .line = line };
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

char *diag_format(const Diag *x) {
        char *s, linebuf[16] = "";

        if (x->line > 0)
                snprintf(linebuf, sizeof linebuf, ":%u", x->line);
        if (asprintf(&s, "%s%s: %s%s%s%s", x->file, linebuf,
                     x->level == DIAG_WARNING ? "warning: " : "",
                     strempty(x->key), x->key ? ": " : "", x->message) < 0)
                return NULL;
        return s;
}

void diagnostics_print(const Diagnostics *d, FILE *f) {
        for (size_t i = 0; i < d->n; i++) {
                _cleanup_free_ char *s = diag_format(&d->items[i]);
                fprintf(f, "%s\n", s ?: "(out of memory)");
        }
        if (d->oom)
                fprintf(f, "(some findings could not be recorded: out of memory)\n");
}
