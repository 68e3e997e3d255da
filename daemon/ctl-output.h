/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xen-dom0ctl's terminal side: colors, the pager, aligned tables, JSON, human-readable times. */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "macro.h"

static inline bool isempty_str(const char *s) {
        return !s || !*s;
}

/* The environment variable NAME as a boolean, the way systemd reads its own: 1, 0, -ENXIO when
 * unset or empty, -EINVAL when it is none of the spellings. */
int env_boolean(const char *name);

/* Decided once at startup, before a pager replaces stdout. */
void output_init(void);
bool output_on_tty(void);
bool output_colors(void);
/* --full: no table is cut to the terminal's width. */
void output_set_full(bool full);
/* --no-legend (and --quiet): no column headers, no "N listed" footers. */
void output_set_legend(bool on);
bool output_legend(void);
/* --json=pretty (1), --json=short (0); -1, the default, is pretty on a terminal. */
void output_set_json_pretty(int pretty);

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

/* One model per view, printed as text or as JSON (as systemd's format-table): a table of typed
 * cells whose columns have names, the text header and (lowercased, spaces as underscores, unless
 * set) the JSON key. A horizontal table prints as aligned columns or as a JSON array of objects;
 * a vertical one holds one record, a row per field, and prints as a JSON object. */
typedef enum TableDataType {
        TABLE_STRING,           /* const char *: NULL or "" shown as "-" */
        TABLE_STRV,             /* char *const *: a JSON array; the text joins it with spaces */
        TABLE_BOOLEAN,          /* bool, passed as int: "yes" or "no" */
        TABLE_UINT32,           /* uint32_t */
        TABLE_UINT64,           /* uint64_t */
        TABLE_TIMESPAN_MSEC,    /* uint64_t milliseconds: "1.500s"; 0 (never) shown as "-" */
        TABLE_TIMESTAMP,        /* uint64_t µs of CLOCK_REALTIME: a date; 0 (never) shown as "-" */
        TABLE_SIZE_KIB,         /* uint64_t KiB: "1.5G" */
        TABLE_NSEC_SECONDS,     /* uint64_t ns: seconds with a decimal, "12.5s" */
        TABLE_TABLE,            /* Table *, taken over: a nested value, a JSON array or object */
        TABLE_JSON,             /* struct json_object * (taken over; NULL is null), then its text */
        _TABLE_DATA_TYPE_MAX,
} TableDataType;

typedef struct Table Table;
Table *table_new_internal(const char *first_header, ...);
/* The column headers, in order. */
#define table_new(...) table_new_internal(__VA_ARGS__, NULL)
/* A table of one record: table_add_field() adds its fields. */
Table *table_new_vertical(void);
Table *table_free(Table *t);
static inline void table_freep(Table **t) {
        table_free(*t);
}
/* The JSON key of a column, when it is not the header's lowercase form. */
int table_set_json_field_name(Table *t, size_t column, const char *name);
/* Right-aligns a column (numbers). */
void table_set_align_right(Table *t, size_t column);
/* A column for programs only: in the JSON, not in the text. */
void table_hide_column(Table *t, size_t column);
/* Appends cells, row after row: pairs of a type and its value. Returns 0 or -ENOMEM. */
int table_add_many_internal(Table *t, ...);
#define table_add_many(t, ...) table_add_many_internal(t, __VA_ARGS__, _TABLE_DATA_TYPE_MAX)
/* A field of a vertical table: its title in text, its key in JSON, its value. */
int table_add_field(Table *t, const char *title, const char *json_key, TableDataType type, ...);
size_t table_rows(const Table *t);
/* The string of a TABLE_STRING cell (never NULL); "" for a cell of another type. */
const char *table_get_string(const Table *t, size_t row, size_t column);
/* Aligned columns under a highlighted header (none with --no-legend), cut to the terminal's
 * width unless --full; the last column is not padded. */
int table_print(const Table *t, FILE *f);
/* A vertical table of lists, as "Title:" and one indented line per entry; a field whose
 * list is empty is left out. Returns the number of entries printed. */
size_t table_print_lists(const Table *t, FILE *f);
/* A new reference to the table's JSON: an array of objects, or the object of a vertical table. */
struct json_object *table_to_json(const Table *t);
/* Prints the JSON on stdout, as json_print(). */
int table_print_json(const Table *t);

static inline void json_object_putp(struct json_object **j) {
        if (*j)
                json_object_put(*j);
}
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Prints o on stdout: pretty on a terminal, one line otherwise. Returns 0 or -EIO. */
int json_print(struct json_object *o);
