/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The floor of starting N declared guests: the least that any supervisor of them does, with none
 * of xen-dom0d's own work. For each guest it writes one xl.cfg file into DIR (a temporary file,
 * then renamed into place), asks systemd to start xen-guest@gI.service (StartUnit, at most 32 at
 * a time, as xen-dom0d does) and waits for the job's JobRemoved signal. It prints the CPU time
 * it spent from its first file to its last JobRemoved, in microseconds
 * (CLOCK_PROCESS_CPUTIME_ID). bench/guests-start.sh runs it against the fake systemd, next to
 * the daemon's figure for the same N.
 * Usage: guest-floor DIR N */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#define IN_FLIGHT_MAX 32

static const char *dir;
static unsigned n, next, done, in_flight;
static sd_bus *bus;
static sd_event *event;

static uint64_t cpu_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int write_cfg(unsigned i) {
        char path[4096], tmp[4096], text[512];
        int fd, len;

        snprintf(path, sizeof path, "%s/g%u.cfg", dir, i);
        snprintf(tmp, sizeof tmp, "%s/.#g%u.cfg.tmp", dir, i);
        len = snprintf(text, sizeof text,
                       "# Written by a benchmark.\nname = \"g%u\"\nkernel = \"/boot/vmlinuz\"\nmemory = 128\n"
                       "maxmem = 1024\nvcpus = 1\nmaxvcpus = 4\n",
                       i);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != len) {
                close(fd);
                return -EIO;
        }
        close(fd);
        return rename(tmp, path) < 0 ? -errno : 0;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        if (sd_bus_message_is_method_error(m, NULL)) {
                fprintf(stderr, "guest-floor: StartUnit: %s\n", sd_bus_message_get_error(m)->message);
                sd_event_exit(event, 1);
        }
        return 0;
}

static void start_more(void) {
        while (in_flight < IN_FLIGHT_MAX && next < n) {
                char unit[64];
                int r = write_cfg(next);

                if (r >= 0) {
                        snprintf(unit, sizeof unit, "xen-guest@g%u.service", next);
                        r = sd_bus_call_method_async(bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                                     "org.freedesktop.systemd1.Manager", "StartUnit", on_reply, NULL,
                                                     "ss", unit, "replace");
                }
                if (r < 0) {
                        fprintf(stderr, "guest-floor: guest %u: %s\n", next, strerror(-r));
                        sd_event_exit(event, 1);
                        return;
                }
                next++;
                in_flight++;
        }
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0 || strncmp(unit, "xen-guest@", 10) != 0)
                return 0;
        in_flight--;
        if (++done == n)
                sd_event_exit(event, 0);
        else
                start_more();
        return 0;
}

int main(int argc, char **argv) {
        uint64_t t0;
        int r;

        if (argc != 3 || (n = (unsigned) strtoul(argv[2], NULL, 10)) == 0) {
                fprintf(stderr, "usage: guest-floor DIR N\n");
                return 2;
        }
        dir = argv[1];
        if (sd_event_default(&event) < 0 || sd_bus_open_system(&bus) < 0 ||
            sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL) < 0 ||
            sd_bus_match_signal(bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, NULL) < 0 ||
            sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "Subscribe", NULL, NULL, "") < 0) {
                fprintf(stderr, "guest-floor: cannot reach systemd on the system bus\n");
                return 1;
        }
        t0 = cpu_usec();
        start_more();
        r = sd_event_loop(event);
        if (r != 0)
                return 1;
        printf("%" PRIu64 "\n", cpu_usec() - t0);
        sd_bus_flush_close_unref(bus);
        sd_event_unref(event);
        return 0;
}
