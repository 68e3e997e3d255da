/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Probes the store in a child with a deadline: libxenstore calls have no timeout. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "component.h"

typedef struct XsProbeCallbacks {
        /* The store answered (ok), or the probe gave up: error says why. */
        void (*probed)(Component *c, bool ok, const char *error, void *userdata);
        void *userdata;
} XsProbeCallbacks;

/* Probes until the store answers or deadline (CLOCK_MONOTONIC) passes; callbacks->probed
 * reports once. callbacks must stay valid until then. */
int xs_probe_start(Component *c, sd_event *e, usec_t deadline, const XsProbeCallbacks *callbacks);
/* Stops a probe in flight: probed is not called. */
void xs_probe_cancel(Component *c);
