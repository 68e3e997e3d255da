/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A D-Bus benchmark client: N client processes, one bus connection each, every one making M
 * synchronous calls in a row (one call in flight per client), all released at the same instant.
 * The call is org.freedesktop.DBus.Properties.GetAll(IFACE) on DEST PATH, or IFACE.METHOD()
 * with --method. Prints one line: calls, errors, wall seconds, throughput (answered calls per
 * second of the whole run) and the per-call latency percentiles over every client's calls.
 *
 *     bus-getall -d org.freedesktop.hostname1 -p /org/freedesktop/hostname1 \
 *                -i org.freedesktop.hostname1 -c 16 -n 200
 *
 * Each client makes one call before the start (not counted), so a bus-activated service is
 * up and every connection is warm when the clock starts. The bus is the system bus, or
 * DBUS_SYSTEM_BUS_ADDRESS. Built by bench/run with: cc $(pkg-config --cflags --libs libsystemd). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "bus-names.h"

static const char *dest = DOM0_BUS_NAME, *path = DOM0_OBJECT_PATH, *iface = DOM0_MANAGER_IFACE, *method = NULL;
static unsigned clients = 1, calls = 100;
static uint64_t timeout_usec = 25 * 1000000ULL;

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static int call_once(sd_bus *bus, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        int r;

        if (method)
                r = sd_bus_call_method(bus, dest, path, iface, method, error, &reply, "");
        else
                r = sd_bus_call_method(bus, dest, path, "org.freedesktop.DBus.Properties", "GetAll", error, &reply,
                                       "s", iface);
        sd_bus_message_unref(reply);
        return r;
}

/* One client: connect, one warm-up call, say ready, wait for the start, make the calls.
 * lat[] receives microseconds per call (UINT32_MAX for a failed call). */
static int client(unsigned idx, int ready_fd, int go_fd, uint32_t *lat) {
        sd_bus *bus = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char c = 'r';
        int r;

        r = sd_bus_open_system(&bus); /* honours DBUS_SYSTEM_BUS_ADDRESS */
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, timeout_usec);
        if (r < 0) {
                fprintf(stderr, "bus-getall: client %u: cannot connect: %s\n", idx, strerror(-r));
                return 1;
        }
        r = call_once(bus, &error);
        if (r < 0) {
                fprintf(stderr, "bus-getall: client %u: warm-up call failed: %s\n", idx,
                        error.message ?: strerror(-r));
                return 1;
        }
        sd_bus_error_free(&error);
        if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) < 0)
                return 1;
        for (unsigned k = 0; k < calls; k++) {
                uint64_t t = now_usec();
                r = call_once(bus, &error);
                t = now_usec() - t;
                if (r < 0) {
                        lat[k] = UINT32_MAX;
                        if (k < 3)
                                fprintf(stderr, "bus-getall: client %u: call failed: %s\n", idx,
                                        error.message ?: strerror(-r));
                        sd_bus_error_free(&error);
                } else
                        lat[k] = t > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t) t;
        }
        sd_bus_flush_close_unref(bus);
        return 0;
}

static int cmp_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
        return x < y ? -1 : x > y;
}

static double pct_ms(const uint32_t *v, size_t n, double p) {
        if (n == 0)
                return 0;
        return (double) v[(size_t) (p * (double) (n - 1) + 0.5)] / 1000.0;
}

static void usage(FILE *f) {
        fprintf(f, "usage: bus-getall [-d DEST] [-p PATH] [-i IFACE] [-m METHOD] [-c CLIENTS] [-n CALLS] [-t SECONDS]\n"
                   "  GetAll(IFACE) on DEST PATH (default org.xenproject.Dom0's manager), or IFACE.METHOD()\n"
                   "  -c  client processes, one connection each (default 1)\n"
                   "  -n  calls per client, one at a time (default 100)\n"
                   "  -t  per-call timeout in seconds (default 25)\n");
}

int main(int argc, char *argv[]) {
        int ready[2], go[2], opt, failed_clients = 0;
        uint32_t *lat;
        size_t total, ok = 0;
        uint64_t start, secs_us;
        char c;

        while ((opt = getopt(argc, argv, "hd:p:i:m:c:n:t:")) >= 0)
                switch (opt) {
                case 'd': dest = optarg; break;
                case 'p': path = optarg; break;
                case 'i': iface = optarg; break;
                case 'm': method = optarg; break;
                case 'c': clients = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'n': calls = (unsigned) strtoul(optarg, NULL, 10); break;
                case 't': timeout_usec = (uint64_t) (strtod(optarg, NULL) * 1e6); break;
                case 'h': usage(stdout); return 0;
                default: usage(stderr); return 2;
                }
        if (clients < 1 || calls < 1 || optind != argc) {
                usage(stderr);
                return 2;
        }
        total = (size_t) clients * calls;
        lat = mmap(NULL, total * sizeof(uint32_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (lat == MAP_FAILED || pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
                perror("bus-getall");
                return 1;
        }
        memset(lat, 0xff, total * sizeof(uint32_t));
        for (unsigned i = 0; i < clients; i++) {
                pid_t pid = fork();
                if (pid < 0) {
                        perror("bus-getall: fork");
                        return 1;
                }
                if (pid == 0) {
                        close(ready[0]);
                        close(go[1]);
                        _exit(client(i, ready[1], go[0], lat + (size_t) i * calls));
                }
        }
        close(ready[1]);
        close(go[0]);
        /* Every client connected and warm (or gone: read() then sees the end of the pipe). */
        for (unsigned i = 0; i < clients; i++)
                if (read(ready[0], &c, 1) != 1)
                        break;
        start = now_usec();
        close(go[1]); /* the start: every client's read() returns */
        for (unsigned i = 0; i < clients; i++) {
                int status;
                if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        failed_clients++;
        }
        secs_us = now_usec() - start;
        qsort(lat, total, sizeof(uint32_t), cmp_u32);
        while (ok < total && lat[ok] != UINT32_MAX)
                ok++;
        printf("clients=%u calls=%zu ok=%zu errors=%zu seconds=%.3f rate=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
               clients, total, ok, total - ok, (double) secs_us / 1e6,
               secs_us ? (double) ok / ((double) secs_us / 1e6) : 0.0, pct_ms(lat, ok, 0.50), pct_ms(lat, ok, 0.99),
               pct_ms(lat, ok, 1.0));
        return ok == total && failed_clients == 0 ? 0 : 1;
}
