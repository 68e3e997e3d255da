/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Time in microseconds, the unit of sd-event. */
#pragma once

#include <stdint.h>
#include <time.h>

typedef uint64_t usec_t;

usec_t now_usec(clockid_t clock);
