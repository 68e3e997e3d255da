/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Diagnostics: every error and warning found in a configuration, with file, line and key,
 * collected so that one run reports all of them. */
#pragma once

#include <stdio.h>

#include "macro.h"

typedef enum DiagLevel {
        DIAG_WARNING,
        DIAG_ERROR,
} DiagLevel;

/* What a finding quotes from the file. The bus shows findings to callers who may not be able to
 * read the file (Diff(), the Reloaded signal): for them a finding is written with a fixed text
 * of its class instead of its message (diag_format_redacted()). */
typedef enum DiagClass {
        DIAG_PLAIN,             /* key and message hold nothing read from the file but known option
                                 * names, line numbers, sizes and errno texts: shown as is */
        DIAG_SYNTAX,            /* quotes the line: "syntax error", key left out */
        DIAG_UNKNOWN_SECTION,   /* a section name of the file's own: "unknown section" */
        DIAG_UNKNOWN_KEY,       /* a key name of the file's own: "unknown key", key left out */
        DIAG_VALUE,             /* key is a known option, the message quotes values: "invalid value" */
        _DIAG_CLASS_MAX,
} DiagClass;

typedef struct Diag {
        DiagLevel level;
        DiagClass class;
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
void diag_add(Diagnostics *d, DiagLevel level, DiagClass class, const char *file, unsigned line, const char *key,
              const char *fmt, ...) _printf_(7, 8);
/* Orders the findings from index first on by line, keeping the order of those on one line
 * (those of the whole file, line 0, first). */
void diag_sort_from(Diagnostics *d, size_t first);
/* "FILE:LINE: key: message", with "warning: " before the key for warnings. Returns NULL on OOM. */
char *diag_format(const Diag *x);
/* The same line with nothing read from the file: the message replaced by its class's fixed
 * text, the key kept only when it names a known option. Returns NULL on OOM. */
char *diag_format_redacted(const Diag *x);
/* Writes every finding, one per line, to f; redacted: as diag_format_redacted() does. */
void diagnostics_print_full(const Diagnostics *d, bool redacted, FILE *f);
static inline void diagnostics_print(const Diagnostics *d, FILE *f) {
        diagnostics_print_full(d, false, f);
}
/* Every finding, one per line and without a trailing newline, in a new string (NULL on OOM). */
char *diagnostics_to_string(const Diagnostics *d, bool redacted);
static inline bool diagnostics_failed(const Diagnostics *d) {
        return d->n_errors > 0;
}
