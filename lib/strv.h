/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NULL-terminated string vectors, the representation of list options and path sets. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l) _pure_;
/* Appends s, taking ownership of it; frees it on failure. Returns 0 or -ENOMEM. */
int strv_consume(char ***l, char *s);
/* Appends a copy of s. Returns 0 or -ENOMEM. */
int strv_extend(char ***l, const char *s);
char **strv_copy(char *const *l);
bool strv_equal(char *const *a, char *const *b) _pure_;
bool strv_contains(char *const *l, const char *s) _pure_;
/* Splits s at runs of blanks (space, tab, newline). Returns 0 or -ENOMEM. */
int strv_split_ws(const char *s, char ***ret);
/* Joins with sep; returns NULL on allocation failure. */
char *strv_join(char *const *l, const char *sep);

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)
/* A strv of pairs: x and y are the two of each. */
#define STRV_FOREACH_PAIR(x, y, l) for (char *const *x = (l), *const *y = x ? x + 1 : NULL; x && *x && *y; x += 2, y = x + 1)
