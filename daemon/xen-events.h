/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libxl's event hooks on sd-event: its fds and its (wall-clock, absolute) timeouts become
 * sd-event sources, and their occurrences go back to libxl from the loop, never from inside a
 * libxl call. The way back is a sink of two functions so that the unit tier can stand in for
 * libxl. */
#pragma once

#include <libxl_event.h>
#include <systemd/sd-event.h>

typedef struct XenEventSink {
        void (*fd_occurred)(void *ctx, void *for_libxl, int fd, short events, short revents);
        void (*timeout_occurred)(void *ctx, void *for_libxl);
        void *ctx;
} XenEventSink;

typedef struct XenEventBridge XenEventBridge;

/* The hooks to give libxl_osevent_register_hooks with the bridge as user. */
extern const libxl_osevent_hooks xen_event_hooks;

int xen_event_bridge_new(sd_event *e, XenEventBridge **ret);
/* The sink can be set after the bridge exists (the libxl ctx is made after it). */
void xen_event_bridge_set_sink(XenEventBridge *b, const XenEventSink *sink);
/* Drops every registration libxl left: call after libxl_ctx_free. Returns NULL. */
XenEventBridge *xen_event_bridge_free(XenEventBridge *b);
/* Registrations in place, for tests and debugging. */
unsigned xen_event_bridge_n_fds(const XenEventBridge *b);
unsigned xen_event_bridge_n_timeouts(const XenEventBridge *b);
