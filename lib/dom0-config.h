/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration: values of every option, loaded from the INI file with inih, with the
 * dependent defaults computed and the NixOS module's assertions checked. Immutable once loaded. */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "guests.h"
#include "options.h"

#define CONFIG_MAX_FILE_SIZE (4u * 1024u * 1024u)

typedef struct OptionValue {
        union {
                bool b;         /* BOOL */
                int64_t i;      /* UINT, POSINT, INT, NONZERO */
                double f;       /* FLOAT */
                int e;          /* ENUM: index into choices */
                char *s;        /* PATH, LINES */
                char **l;       /* LIST */
        };
        bool is_null;           /* NULLABLE enum set to null */
        bool set;               /* given in the file (as opposed to a default) */
        bool invalid;           /* given, but refused: the value is the default, and findings
                                 * that involve it are left to the next run */
        unsigned line;          /* where it was given */
        const char *spelling;   /* the key as written (an alias or the canonical name) */
} OptionValue;

typedef struct Config {
        char *path;             /* the file it came from, for messages and headers */
        OptionValue v[_OPTION_MAX];
        Guests guests;          /* [guests.NAME] and [guests.NAME.settings], in file order */
        XlSettings xl;          /* [xl] */
} Config;

Config *config_free(Config *c);
static inline void config_freep(Config **c) {
        config_free(*c);
}
#define _cleanup_config_free_ _cleanup_(config_freep)

/* A configuration with every default, as if from an empty file named path. Returns 0 or -ENOMEM. */
int config_new_default(const char *path, Config **ret);

/* Parses INI text; every problem goes to d. Returns 0 and a finalized config when d has no
 * errors, -EINVAL when it has, -ENOMEM. Does not run the assertions (config_validate). */
int config_parse_data(const char *path, const char *data, size_t size, Config **ret, Diagnostics *d);
/* Reads path (a regular file of at most CONFIG_MAX_FILE_SIZE) and parses it. I/O problems are
 * reported in d too. Returns 0, -EINVAL (see d) or -ENOMEM. */
int config_parse_file(const char *path, Config **ret, Diagnostics *d);
/* Runs the module's assertions and the cross-option checks. machine is the uname machine
 * (NULL: this host's). Adds errors to d; returns 0 or -EINVAL. */
int config_validate(const Config *c, const char *machine, Diagnostics *d);
/* The name of standard input in messages, read for the path "-". */
#define CONFIG_STDIN_NAME "<stdin>"
/* The file's name in messages: CONFIG_STDIN_NAME for "-". */
const char *config_display_path(const char *path);

/* Reads the file ("-": standard input), then as config_check_data(): returns 0 and the config only when both parse
 * and validation succeed, with every independent error of the file in d, in line order. */
int config_load(const char *path, const char *machine, Config **ret, Diagnostics *d);
/* config_load() on data already read: parse and validate, every independent error in one run
 * (a check that involves a refused value is left out), the findings in line order. */
int config_check_data(const char *path, const char *data, size_t size, const char *machine, Config **ret,
                      Diagnostics *d);

/* Parses one value as the option's type; on failure returns -EINVAL and a reason in *ret_reason. */
int option_parse_value(const OptionDef *def, const char *text, OptionValue *ret, char **ret_reason);
void option_value_done(const OptionDef *def, OptionValue *v);

/* The value as written in the file (lists space-separated, lines joined with newlines,
 * floats with a decimal point). Returns a new string or NULL on OOM. */
char *config_value_to_string(const Config *c, OptionId id);
/* Float text that reads back to the same double and always has a decimal point. */
void format_float(double f, char buf[static 32]);

/* For each option, whether c holds its default: the table's, or for a dependent default what
 * c's own values make it (trace = true is the default when debug = true). Set in the file or
 * not does not matter. Returns 0 or -ENOMEM. */
int config_default_flags(const Config *c, bool ret[static _OPTION_MAX]);
/* Whether the two configurations hold the same value for the option. */
bool config_value_equal(const Config *a, const Config *b, OptionId id);

/* Effective values as an INI document that parses back to the same configuration, each line
 * marked as a default or as set on its line. A dependent default not set in the file is
 * written commented out, so that it still follows its source when the document is edited. */
int config_dump(const Config *c, FILE *f);
/* The shipped conf file: every key commented out with its default and its help line. */
int options_write_template(FILE *f);
/* The OPTIONS part of xen-dom0.conf(5), in man(7) markup, from the same table. */
int options_write_man(FILE *f);
/* Writes s as roff text: backslashes, hyphens and a leading '.' or '\'' escaped. */
void man_escape(FILE *f, const char *s);

static inline bool config_bool(const Config *c, OptionId id) {
        return c->v[id].b;
}
static inline int64_t config_int(const Config *c, OptionId id) {
        return c->v[id].i;
}
static inline double config_float(const Config *c, OptionId id) {
        return c->v[id].f;
}
static inline const char *config_str(const Config *c, OptionId id) {
        return c->v[id].s;
}
static inline char *const *config_strv(const Config *c, OptionId id) {
        return c->v[id].l;
}
/* The enum's string, NULL when null. */
static inline const char *config_enum(const Config *c, OptionId id) {
        return c->v[id].is_null ? NULL : option_table[id].choices[c->v[id].e];
}
static inline bool config_store_is_ocaml(const Config *c) {
        return c->v[OPT_STORE_TYPE].e == 0;
}
