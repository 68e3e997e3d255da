/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one writer of a configuration assignment: the effective configuration, the shipped
 * file's template and the client's config verb all print keys through it. */
#pragma once

#include <stdio.h>

/* Writes "KEY = VALUE" without a newline after it, a multi-line value continued on lines that
 * start with PREFIX and an indentation, as the file's reader takes it back. */
void ini_write_assignment(FILE *f, const char *prefix, const char *key, const char *value);

/* Writes "# KEY = VALUE  (read-only, WHY)" and a newline: a value nobody may set, shown in a
 * file the reader takes back. */
void ini_write_read_only(FILE *f, const char *key, const char *value, const char *why);

/* Writes "# KEY = VALUE  (derived: HOW)" and a newline: a dependent default, shown but not
 * pinned, so that it keeps following what it derives from when the file is read back. */
void ini_write_derived(FILE *f, const char *key, const char *value, const char *how);
