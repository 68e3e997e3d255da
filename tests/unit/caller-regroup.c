/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A caller whose groups change after it connected to the bus, as a setgid exec changes them:
 * it connects as UID:GID with no supplementary group, then takes GROUP as its effective and
 * only supplementary group (keeping UID), calls Check(PATH) and prints the answer's messages,
 * one a line. The daemon must read PATH with the groups the bus vouched for, not with GROUP.
 *
 *   caller-regroup UID GID GROUP PATH    (as root; the bus is DBUS_SYSTEM_BUS_ADDRESS) */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "bus-names.h"

static int fail(const char *what, int r) {
        fprintf(stderr, "caller-regroup: %s: %s\n", what, strerror(r < 0 ? -r : r));
        return 1;
}

int main(int argc, char *argv[]) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        sd_bus *bus = NULL;
        const char *unique;
        uid_t uid;
        gid_t gid, group;
        int r;

        if (argc != 5) {
                fprintf(stderr, "usage: %s UID GID GROUP PATH\n", argv[0]);
                return 2;
        }
        uid = (uid_t) strtoul(argv[1], NULL, 10);
        gid = (gid_t) strtoul(argv[2], NULL, 10);
        group = (gid_t) strtoul(argv[3], NULL, 10);

        /* Root stays the saved uid, so that the groups can change after the connection. */
        if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, 0) < 0)
                return fail("dropping to the caller", -errno);
        r = sd_bus_open_system(&bus);
        if (r < 0)
                return fail("connecting", r);
        r = sd_bus_get_unique_name(bus, &unique); /* the whole handshake, as this caller */
        if (r < 0)
                return fail("the bus handshake", r);
        if (seteuid(0) < 0 || setgroups(1, &group) < 0 || setresgid(gid, group, gid) < 0 || seteuid(uid) < 0)
                return fail("taking the new group", -errno);

        r = sd_bus_call_method(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE,
                               "Check", &error, &reply, "s", argv[4]);
        if (r < 0) {
                printf("error: %s: %s\n", error.name, error.message);
                return 0;
        }
        for (int list = 0; list < 2; list++) {
                r = sd_bus_message_enter_container(reply, 'a', "(suss)");
                if (r < 0)
                        return fail("reading the answer", r);
                const char *file, *key, *message;
                uint32_t line;
                while ((r = sd_bus_message_read(reply, "(suss)", &file, &line, &key, &message)) > 0)
                        printf("%s: %s\n", list == 0 ? "error" : "warning", message);
                if (r < 0)
                        return fail("reading the answer", r);
                sd_bus_message_exit_container(reply);
        }
        sd_bus_message_unref(reply);
        sd_bus_flush_close_unref(bus);
        return 0;
}
