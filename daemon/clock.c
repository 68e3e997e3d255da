/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "clock.h"
#include "macro.h"

usec_t now_usec(clockid_t clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (usec_t) ts.tv_sec * 1000000ULL + (usec_t) ts.tv_nsec / 1000ULL;
}

usec_t env_msec(const char *name, usec_t dflt, bool zero_ok) {
        const char *w = getenv(name);
        unsigned long long v;
        char *end;

        if (isempty(w))
                return dflt;
        errno = 0;
        v = strtoull(w, &end, 10);
        if (errno != 0 || *end != 0 || v > 3600 * 1000ULL || (v == 0 && !zero_ok))
                return dflt;
        return v * 1000ULL;
}
