/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xen-dom0ctl's bus side: reading properties, mapping D-Bus errors to exit statuses, the
 * polkit agent for interactive authorization. */
#pragma once

#include <systemd/sd-bus.h>

#include "bus-names.h"
#include "macro.h"

/* Exit statuses, documented in xen-dom0ctl(1). */
enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1,          /* the operation failed, or the configuration is invalid */
        EXIT_USAGE = 2,
        EXIT_NOT_RUNNING = 3,     /* status: State is not "running"; any verb: the daemon is not running */
        EXIT_NO_COMPONENT = 4,    /* no such component, or no such declared guest */
        EXIT_DENIED = 5,
        EXIT_TIMEOUT = 6,         /* the daemon did not answer in time */
};

/* One property to pick out of an a{sv}: signature "s" (char **, replaced), "b" (bool *),
 * "u" (uint32_t *), "t" (uint64_t *) or "as" (char ***, replaced). */
typedef struct BusProperty {
        const char *name;
        const char *signature;
        void *ptr;
} BusProperty;

/* Reads the a{sv} of an interface's properties at m's position and stores the listed ones;
 * others are skipped. The client and the daemon ship together: a listed property that is
 * missing or of another type is -EBADMSG. */
int bus_read_properties(sd_bus_message *m, const BusProperty *map);

/* The exit status for a failed call: the daemon not running 3, NoSuchComponent 4, access denied
 * 5, no answer in time 6, otherwise 1. */
int bus_error_exit_status(const sd_bus_error *error, int r);
/* Whether the call failed because the daemon did not answer in time. */
bool bus_error_is_timeout(const sd_bus_error *error, int r);
/* Whether the call failed because nobody owns the daemon's bus name. */
bool bus_error_is_not_running(const sd_bus_error *error);
/* The text to show for a failed call: the D-Bus error message, else the errno text. */
const char *bus_error_text(const sd_bus_error *error, int r);

/* Starts pkttyagent for this process when it is installed and authorization may ask on this
 * terminal; waits until it has registered. Does nothing otherwise. */
void polkit_agent_open(void);
void polkit_agent_close(void);
