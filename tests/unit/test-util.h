/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared helpers of the Check suites. */
#pragma once

#include <check.h>

#include "dom0-config.h"

/* Each suite file defines this; test-main.c runs it. */
Suite *test_suite(void);

/* $TOP_SRCDIR/rel; caller frees. */
char *test_srcpath(const char *rel);
/* Whole file, NUL-terminated; NULL when it cannot be read. */
char *test_read_file(const char *path, size_t *ret_size);
/* Compares got with the golden file at rel (under the source tree); UPDATE_GOLDEN=1 rewrites the
 * file first. Review the diff: the golden files are the specification. */
void test_check_golden(const char *rel, const char *got);
/* Parses text as /etc/xen/xen-dom0.conf, collecting diagnostics in d; NULL on errors. */
Config *test_parse(const char *text, Diagnostics *d);
/* Parses and validates (as on x86_64); NULL on errors. */
Config *test_load(const char *text, Diagnostics *d);
/* Every diagnostic formatted, one per line. Caller frees. */
char *test_diag_text(const Diagnostics *d);
/* TEST_SLOWDOWN, 1 when unset: how many times slower than normal the tests run (make
 * check-valgrind sets it, memcheck being that much slower). Waits and deadlines are multiplied
 * by it, so that what a test compares (which timeout fires first) stays the same. */
unsigned test_slowdown(void);
/* A new empty temporary directory; caller removes it with test_rm_rf and frees. */
char *test_mkdtemp(void);
void test_rm_rf(const char *path);
