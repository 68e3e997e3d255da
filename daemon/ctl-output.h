/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xen-dom0ctl's terminal side: colors, the pager, aligned tables, JSON, human-readable times. */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "macro.h"

static inline bool isempty_str(const char *s) {
        return !s || !*s;
}

/* Decided once at startup, before a pager replaces stdout. */
void output_init(void);
bool output_on_tty(void);
bool output_colors(void);

#define ANSI_GREEN "\x1B[0;1;32m"
#define ANSI_RED "\x1B[0;1;31m"
#define ANSI_YELLOW "\x1B[0;1;33m"
#define ANSI_GREY "\x1B[0;38;5;245m"
#define ANSI_HIGHLIGHT "\x1B[0;1;39m"
#define ANSI_NORMAL "\x1B[0m"

/* The escape sequence, or "" when colors are off. */
const char *ansi(const char *seq);

/* Pipes stdout through $PAGER or less when stdout is a terminal; no-op otherwise. */
void pager_open(bool no_pager);
/* Flushes stdout and waits for the pager to finish. */
void pager_close(void);

/* Human-readable forms. Return NULL on allocation failure. */
char *format_timestamp(uint64_t usec_realtime);
char *format_timestamp_relative(uint64_t usec_realtime);
char *format_timespan_msec(uint64_t msec);
char *format_bytes_kib(uint64_t kib);

/* Columns padded to the widest cell; the last column is not padded. */
typedef struct Table Table;
Table *table_new(size_t n_columns, ...);
Table *table_free(Table *t);
static inline void table_freep(Table **t) {
        table_free(*t);
}
/* Appends one row of exactly n_columns strings (NULL shown as "-"). Returns 0 or -ENOMEM. */
int table_add_row(Table *t, ...);
/* Right-aligns a column (numbers). */
void table_set_align_right(Table *t, size_t column);
size_t table_rows(const Table *t);
int table_print(const Table *t, FILE *f);

static inline void json_object_putp(struct json_object **j) {
        if (*j)
                json_object_put(*j);
}
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Adds v under key, taking the reference; returns -ENOMEM when v is NULL or adding fails. */
int json_add(struct json_object *o, const char *key, struct json_object *v);
struct json_object *json_strv(char *const *l);
/* Prints o on stdout: pretty on a terminal, one line otherwise. Returns 0 or -EIO. */
int json_print(struct json_object *o);
