/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Time in microseconds, the unit of sd-event. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef uint64_t usec_t;

usec_t now_usec(clockid_t clock);
/* A duration in milliseconds from the environment variable name (for tests), up to an hour, in
 * µs; dflt when it is unset or not such a number (0 only when zero_ok). */
usec_t env_msec(const char *name, usec_t dflt, bool zero_ok);
