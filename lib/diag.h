/* Diagnostics: every error and warning found in a configuration, with file, line and key,
 * collected so that one run reports all of them. */
#pragma once

#include <stdio.h>

#include "macro.h"

typedef enum DiagLevel {
        DIAG_WARNING,
        DIAG_ERROR,
} DiagLevel;

typedef struct Diag {
        DiagLevel level;
        char *file;     /* never NULL */
        unsigned line;  /* 0 when the finding has no single line */
        char *key;      /* "section.key", "[section]" or NULL */
        char *message;
} Diag;

typedef struct Diagnostics {
        Diag *items;
        size_t n;
        size_t n_errors;
        bool oom;       /* an entry could not be recorded */
} Diagnostics;

void diagnostics_done(Diagnostics *d);
/* Records a finding; on allocation failure sets d->oom (and still counts an error). */
void diag_add(Diagnostics *d, DiagLevel level, const char *file, unsigned line, const char *key,
              const char *fmt, ...) _printf_(6, 7);
/* "FILE:LINE: key: message", with "warning: " before the key for warnings. Returns NULL on OOM. */
char *diag_format(const Diag *x);
/* Writes every finding, one per line, to f. */
void diagnostics_print(const Diagnostics *d, FILE *f);
static inline bool diagnostics_failed(const Diagnostics *d) {
        return d->n_errors > 0;
}
