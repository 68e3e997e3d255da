/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UTF-8 validation of configuration lines. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Whether [s, s+n) is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
bool utf8_is_valid(const char *s, size_t n);
