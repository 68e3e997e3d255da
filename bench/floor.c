/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The memory floor of xen-dom0d's libraries: a service that links what the daemon links (libc,
 * libsystemd, libxenlight, libxenctrl, libxenstore, inih, json-c), opens each the way the daemon
 * does once it is up (an event loop, the system bus, a libxl context, the store, the hypervisor
 * interface), says READY=1 and then only waits. bench/scenarios/20-footprint.sh runs it as a
 * transient service next to the daemon and reads the same figures from both: what the daemon
 * holds above this floor is its own code and data. */
#include <ini.h>
#include <json-c/json.h>
#include <libxl.h>
#include <stdio.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <xenctrl.h>
#include <xenstore.h>

/* A logger of our own, as the daemon has: libxl writes nothing here. */
static void quiet_vmessage(xentoollog_logger *l, xentoollog_level level, int errnoval, const char *context,
                           const char *format, va_list al) {
}
static void quiet_progress(xentoollog_logger *l, const char *context, const char *doing_what, int percent,
                           unsigned long done, unsigned long total) {
}
static void quiet_destroy(xentoollog_logger *l) {
}
static xentoollog_logger quiet = { quiet_vmessage, quiet_progress, quiet_destroy };

static int on_key(void *user, const char *section, const char *name, const char *value) {
        return 1;
}

int main(void) {
        libxl_ctx *ctx = NULL;
        sd_event *e = NULL;
        sd_bus *bus = NULL;
        struct xs_handle *xs;
        xc_interface *xc;
        json_object *j;
        int r;

        r = ini_parse_string("[xen]\nenable = true\n", on_key, NULL);
        j = json_object_new_object();
        json_object_object_add(j, "enable", json_object_new_boolean(1));
        fprintf(stderr, "ini %d, json %s\n", r, json_object_to_json_string(j));
        json_object_put(j);

        if (sd_event_default(&e) < 0 || sd_bus_open_system(&bus) < 0 || sd_bus_attach_event(bus, e, 0) < 0) {
                fprintf(stderr, "no event loop or system bus\n");
                return 1;
        }
        if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &quiet) != 0)
                fprintf(stderr, "no libxl context\n");
        xs = xs_open(0);
        xc = xc_interface_open(NULL, NULL, 0);
        fprintf(stderr, "libxl %s, store %s, hypervisor %s\n", ctx ? "open" : "closed", xs ? "open" : "closed",
                xc ? "open" : "closed");

        sd_notify(0, "READY=1");
        r = sd_event_loop(e);

        if (xc)
                xc_interface_close(xc);
        if (xs)
                xs_close(xs);
        libxl_ctx_free(ctx);
        sd_bus_flush_close_unref(bus);
        sd_event_unref(e);
        return r < 0 ? 1 : 0;
}
