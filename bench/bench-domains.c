/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Calls ListDomains of org.xenproject.Dom0 on the system bus (DBUS_SYSTEM_BUS_ADDRESS) N times
 * and prints the number of domains and the median, minimum and maximum round trip in ms. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "bus-names.h"

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

int main(int argc, char *argv[]) {
        int n = argc > 1 ? atoi(argv[1]) : 21, r, domains = 0;
        sd_bus *bus = NULL;
        uint64_t *t;

        if (n < 1 || !(t = calloc((size_t) n, sizeof(uint64_t))))
                return 2;
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "Cannot connect to the system bus: %s\n", strerror(-r));
                return 1;
        }
        for (int i = 0; i < n; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                uint64_t start = now_ns();

                r = sd_bus_call_method(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "ListDomains", &error, &reply, "");
                t[i] = now_ns() - start;
                if (r < 0) {
                        fprintf(stderr, "ListDomains failed: %s\n", error.message ?: strerror(-r));
                        return 1;
                }
                domains = 0;
                r = sd_bus_message_enter_container(reply, 'a', "(ussstuto)");
                while (r >= 0 && (r = sd_bus_message_skip(reply, "(ussstuto)")) > 0)
                        domains++;
                sd_bus_message_unref(reply);
                sd_bus_error_free(&error);
        }
        qsort(t, (size_t) n, sizeof(uint64_t), cmp_u64);
        printf("%d domains: ListDomains median %.2f ms, min %.2f ms, max %.2f ms over %d calls\n", domains,
               (double) t[n / 2] / 1e6, (double) t[0] / 1e6, (double) t[n - 1] / 1e6, n);
        free(t);
        sd_bus_flush_close_unref(bus);
        return 0;
}
