/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every domain's statistics in one call, asked of two services by the same client: the
 * daemon's org.xenproject.Dom0.Manager.GetDomainStats() and libvirt-dbus's
 * org.libvirt.Connect.GetAllDomainStats(STATS, 0) on its Xen connection (/org/libvirt/Xen,
 * libvirt's xen:/// connection, the libxl driver). One system-bus connection, one call in
 * flight, the two calls alternating (each round the other one goes first), so a change of
 * load hits both alike. Prints one line of KEY=VALUE words: per service the answered calls,
 * the records in the last reply, and the latency percentiles; then Dom0 / libvirt of the
 * p50 and p90, and the median of the per-round ratios.
 *
 *     stats-call -n 200
 *
 * A few calls of each before the clock starts (-w) activate libvirt-dbus and let it open its
 * connection to libvirtd. The latency is sd_bus_call()'s, CLOCK_MONOTONIC around it: the
 * request, the bus both ways, the service's work and the reply, read into memory; counting
 * the records happens after the clock stopped. Built by bench/libvirt-stats.sh with:
 * cc $(pkg-config --cflags --libs libsystemd). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "bus-names.h"

#define LIBVIRT_BUS_NAME "org.libvirt"
#define LIBVIRT_CONNECT_IFACE "org.libvirt.Connect"

enum { DOM0, LIBVIRT, N_SERVICES };
static const char *const service_name[N_SERVICES] = { "dom0", "libvirt" };

static const char *libvirt_path = "/org/libvirt/Xen";
/* VIR_DOMAIN_STATS_STATE | CPU_TOTAL | BALLOON | VCPU: state, CPU time, memory and vCPUs,
 * what GetDomainStats answers too (0 asks for every group the driver has). */
static unsigned stats = 1 | 2 | 4 | 8;
static unsigned rounds = 200, warmup = 3;
static uint64_t timeout_usec = 60 * 1000000ULL;

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

/* The number of elements of the array that is the reply's first argument, or -errno. */
static int count_records(sd_bus_message *reply) {
        const char *contents;
        char type;
        int r, n = 0;

        r = sd_bus_message_peek_type(reply, &type, &contents);
        if (r <= 0 || type != SD_BUS_TYPE_ARRAY)
                return r < 0 ? r : -EBADMSG;
        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, contents);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_at_end(reply, false)) == 0) {
                r = sd_bus_message_skip(reply, contents);
                if (r < 0)
                        return r;
                n++;
        }
        return r < 0 ? r : n;
}

/* One call; *usec gets its latency, *records the reply's record count. */
static int call(sd_bus *bus, int service, uint64_t *usec, int *records) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        uint64_t t = now_usec();
        int r;

        if (service == DOM0)
                r = sd_bus_call_method(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "GetDomainStats",
                                       &error, &reply, "");
        else
                r = sd_bus_call_method(bus, LIBVIRT_BUS_NAME, libvirt_path, LIBVIRT_CONNECT_IFACE,
                                       "GetAllDomainStats", &error, &reply, "uu", stats, 0U);
        *usec = now_usec() - t;
        if (r < 0) {
                fprintf(stderr, "stats-call: %s: %s\n", service_name[service], error.message ?: strerror(-r));
                sd_bus_error_free(&error);
                return r;
        }
        *records = count_records(reply);
        sd_bus_message_unref(reply);
        return 0;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}
static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of n sorted values. */
static uint64_t pct(const uint64_t *v, size_t n, double p) {
        return n ? v[(size_t) (p * (double) (n - 1) + 0.5)] : 0;
}

static void usage(FILE *f) {
        fprintf(f, "usage: stats-call [-n ROUNDS] [-w WARMUP] [-s STATS] [-p LIBVIRT_PATH] [-t SECONDS]\n"
                   "  GetDomainStats() of org.xenproject.Dom0 and GetAllDomainStats(STATS, 0) of org.libvirt,\n"
                   "  one of each per round, alternating which goes first\n"
                   "  -n  rounds (default 200)\n"
                   "  -w  uncounted calls of each before the first round (default 3)\n"
                   "  -s  libvirt's stats groups, a virDomainStatsTypes mask (default 15: state, cpu-total,\n"
                   "      balloon, vcpu; 0: every group)\n"
                   "  -p  libvirt-dbus's connection object (default /org/libvirt/Xen)\n"
                   "  -t  per-call timeout in seconds (default 60)\n");
}

int main(int argc, char *argv[]) {
        uint64_t *lat[N_SERVICES], usec;
        size_t ok[N_SERVICES] = {};
        int records[N_SERVICES] = { -1, -1 }, opt, r, failed = 0;
        double *ratio;
        size_t n_ratio = 0;
        sd_bus *bus = NULL;

        while ((opt = getopt(argc, argv, "hn:w:s:p:t:")) >= 0)
                switch (opt) {
                case 'n': rounds = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'w': warmup = (unsigned) strtoul(optarg, NULL, 10); break;
                case 's': stats = (unsigned) strtoul(optarg, NULL, 0); break;
                case 'p': libvirt_path = optarg; break;
                case 't': timeout_usec = (uint64_t) (strtod(optarg, NULL) * 1e6); break;
                case 'h': usage(stdout); return 0;
                default: usage(stderr); return 2;
                }
        if (rounds < 1 || optind != argc) {
                usage(stderr);
                return 2;
        }
        lat[DOM0] = calloc(rounds, sizeof(uint64_t));
        lat[LIBVIRT] = calloc(rounds, sizeof(uint64_t));
        ratio = calloc(rounds, sizeof(double));
        if (!lat[DOM0] || !lat[LIBVIRT] || !ratio)
                return 1;
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, timeout_usec);
        if (r < 0) {
                fprintf(stderr, "stats-call: cannot connect to the system bus: %s\n", strerror(-r));
                return 1;
        }
        for (unsigned k = 0; k < warmup; k++)
                for (int s = 0; s < N_SERVICES; s++)
                        if (call(bus, s, &usec, &records[s]) < 0)
                                return 1;

        for (unsigned k = 0; k < rounds; k++) {
                uint64_t t[N_SERVICES] = {};
                int answered = 0;

                for (int i = 0; i < N_SERVICES; i++) {
                        int s = (i + (int) k) % N_SERVICES;

                        if (call(bus, s, &t[s], &records[s]) < 0) {
                                failed++;
                                continue;
                        }
                        lat[s][ok[s]++] = t[s];
                        answered++;
                }
                if (answered == N_SERVICES && t[LIBVIRT] > 0)
                        ratio[n_ratio++] = (double) t[DOM0] / (double) t[LIBVIRT];
        }
        sd_bus_flush_close_unref(bus);

        printf("rounds=%u stats=%u", rounds, stats);
        for (int s = 0; s < N_SERVICES; s++) {
                qsort(lat[s], ok[s], sizeof(uint64_t), cmp_u64);
                printf(" %s_ok=%zu %s_records=%d %s_p50_ms=%.3f %s_p90_ms=%.3f %s_min_ms=%.3f %s_max_ms=%.3f",
                       service_name[s], ok[s], service_name[s], records[s], service_name[s],
                       (double) pct(lat[s], ok[s], 0.5) / 1000.0, service_name[s],
                       (double) pct(lat[s], ok[s], 0.9) / 1000.0, service_name[s],
                       (double) pct(lat[s], ok[s], 0.0) / 1000.0, service_name[s],
                       (double) pct(lat[s], ok[s], 1.0) / 1000.0);
        }
        qsort(ratio, n_ratio, sizeof(double), cmp_double);
        if (ok[DOM0] && ok[LIBVIRT] && n_ratio)
                printf(" ratio_p50=%.3f ratio_p90=%.3f ratio_rounds_median=%.3f",
                       (double) pct(lat[DOM0], ok[DOM0], 0.5) / (double) pct(lat[LIBVIRT], ok[LIBVIRT], 0.5),
                       (double) pct(lat[DOM0], ok[DOM0], 0.9) / (double) pct(lat[LIBVIRT], ok[LIBVIRT], 0.9),
                       n_ratio % 2 ? ratio[n_ratio / 2] : (ratio[n_ratio / 2 - 1] + ratio[n_ratio / 2]) / 2);
        printf(" errors=%d\n", failed);
        return failed ? 1 : 0;
}
