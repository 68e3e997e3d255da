/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every domain's statistics, asked of xen-dom0d and of libvirt-dbus by the same client, one
 * system-bus connection, the ways compared alternating (each round the next one goes first),
 * so a change of load hits all alike:
 *
 *   dom0     org.xenproject.Dom0.Manager.GetDomainStats(): one call
 *   all      libvirt-dbus's org.libvirt.Connect.GetAllDomainStats(STATS, 0) on its Xen
 *            connection (/org/libvirt/Xen, libvirt's xen:/// connection): one call
 *   sweep    what a libvirt-dbus client does where that call is missing: ListDomains(0),
 *            then for every domain Properties.GetAll(org.libvirt.Domain) (id, name, UUID,
 *            ...), GetState(0), GetVcpus(0) and MemoryStats(0), one call after another
 *   window   the same calls, up to WINDOW of them in flight at once (pipelined)
 *
 * Prints one line of KEY=VALUE words: per way the answered rounds, the domains in the last
 * answer and the latency percentiles of a round's work; then each libvirt way's ratio
 * Dom0 / it of the p50 and p90, and the median of the per-round ratios.
 *
 *     stats-call -w 3 -n 200 -m dom0,all
 *
 * With -T, no round (warm-up included) starts once that many seconds have passed since the
 * client started (rounds_done says how many counted rounds ran).
 * A few uncounted rounds first (-w) activate libvirt-dbus and let it open its connection to
 * libvirtd. The latency is wall time (CLOCK_MONOTONIC) from the first request sent to the
 * last reply read; counting the records of a one-call answer happens after the clock
 * stopped. Built by bench/libvirt-stats.sh with: cc $(pkg-config --cflags --libs libsystemd). */
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
#define LIBVIRT_DOMAIN_IFACE "org.libvirt.Domain"

enum { DOM0, ALL, SWEEP, WINDOW, N_WAYS };
static const char *const way_name[N_WAYS] = { "dom0", "all", "sweep", "window" };

static const char *libvirt_path = "/org/libvirt/Xen";
/* VIR_DOMAIN_STATS_STATE | CPU_TOTAL | BALLOON | VCPU: state, CPU time, memory and vCPUs,
 * what GetDomainStats answers too (0 asks for every group the driver has). */
static unsigned stats = 1 | 2 | 4 | 8;
static unsigned rounds = 200, warmup = 3, window = 32;
static uint64_t timeout_usec = 60 * 1000000ULL, budget_usec = 0;

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static int fail(const char *what, const sd_bus_error *error, int r) {
        fprintf(stderr, "stats-call: %s: %s\n", what, error && error->message ? error->message : strerror(-r));
        return r < 0 ? r : -EIO;
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

/* One call whose answer is an array of records: GetDomainStats or GetAllDomainStats. */
static int one_call(sd_bus *bus, int way, int *records) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r;

        if (way == DOM0)
                r = sd_bus_call_method(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "GetDomainStats",
                                       &error, &reply, "");
        else
                r = sd_bus_call_method(bus, LIBVIRT_BUS_NAME, libvirt_path, LIBVIRT_CONNECT_IFACE,
                                       "GetAllDomainStats", &error, &reply, "uu", stats, 0U);
        if (r < 0) {
                r = fail(way_name[way], &error, r);
                sd_bus_error_free(&error);
                return r;
        }
        *records = count_records(reply);
        sd_bus_message_unref(reply);
        return 0;
}

/* The calls a sweep makes per domain (-c): Properties.GetAll of the Domain interface, or a
 * method of it taking flags 0. */
static const char *const domain_method[] = { "getall", "GetState", "GetVcpus", "MemoryStats" };
static const char *const domain_call_name[] = { "getall", "state", "vcpus", "memory" };
#define N_DOMAIN_CALLS (sizeof(domain_method) / sizeof(domain_method[0]))
static unsigned per_domain[N_DOMAIN_CALLS], n_per_domain;

static sd_bus_message *domain_call(sd_bus *bus, const char *path, unsigned k) {
        sd_bus_message *m = NULL;
        int r;

        if (per_domain[k] == 0) {
                r = sd_bus_message_new_method_call(bus, &m, LIBVIRT_BUS_NAME, path, "org.freedesktop.DBus.Properties",
                                                   "GetAll");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", LIBVIRT_DOMAIN_IFACE);
        } else {
                r = sd_bus_message_new_method_call(bus, &m, LIBVIRT_BUS_NAME, path, LIBVIRT_DOMAIN_IFACE,
                                                   domain_method[per_domain[k]]);
                if (r >= 0)
                        r = sd_bus_message_append(m, "u", 0U);
        }
        if (r < 0)
                return sd_bus_message_unref(m);
        return m;
}

typedef struct {
        unsigned left, errors;
} Pending;

static void count_error(Pending *p, const char *what, const sd_bus_error *e, int r) {
        if (p->errors++ < 3)
                fail(what, e, r);
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Pending *p = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        (void) ret_error;
        if (e)
                count_error(p, way_name[WINDOW], e, -EIO);
        p->left--;
        return 0;
}

/* ListDomains, then the per-domain calls of every domain: one at a time, or up to `window`
 * in flight. A failed call is counted and the sweep goes on; it then fails as a whole. */
static int sweep(sd_bus *bus, bool pipelined, int *records) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        char **paths = NULL;
        unsigned n = 0, total, sent = 0;
        Pending p = {};
        int r;

        r = sd_bus_call_method(bus, LIBVIRT_BUS_NAME, libvirt_path, LIBVIRT_CONNECT_IFACE, "ListDomains", &error,
                               &reply, "u", 0U);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &paths);
        sd_bus_message_unref(reply);
        reply = NULL;
        if (r < 0) {
                r = fail("ListDomains", &error, r);
                sd_bus_error_free(&error);
                return r;
        }
        while (paths && paths[n])
                n++;
        total = n * n_per_domain;
        p.left = total;
        while (r >= 0 && p.left > 0) {
                if (sent < total && (!pipelined || sent - (total - p.left) < window)) {
                        sd_bus_message *m = domain_call(bus, paths[sent / n_per_domain], sent % n_per_domain);

                        if (!m) {
                                r = -ENOMEM;
                                break;
                        }
                        sent++;
                        if (pipelined)
                                r = sd_bus_call_async(bus, NULL, m, on_reply, &p, timeout_usec);
                        else {
                                if (sd_bus_call(bus, m, timeout_usec, &error, &reply) < 0)
                                        count_error(&p, way_name[SWEEP], &error, -EIO);
                                sd_bus_error_free(&error);
                                reply = sd_bus_message_unref(reply);
                                p.left--;
                        }
                        sd_bus_message_unref(m);
                        continue;
                }
                /* The window is full, or everything is sent: read the replies that came. An
                 * asynchronous call times out by itself (its callback gets the error). */
                r = sd_bus_process(bus, NULL);
                if (r == 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
        }
        for (unsigned k = 0; paths && paths[k]; k++)
                free(paths[k]);
        free(paths);
        if (r < 0)
                return fail(way_name[pipelined ? WINDOW : SWEEP], NULL, r);
        *records = (int) n;
        return p.errors ? -EIO : 0;
}

static int run(sd_bus *bus, int way, uint64_t *usec, int *records) {
        uint64_t t = now_usec();
        int r = way == DOM0 || way == ALL ? one_call(bus, way, records) : sweep(bus, way == WINDOW, records);

        *usec = now_usec() - t;
        return r;
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
static double median(double *v, size_t n) {
        qsort(v, n, sizeof(double), cmp_double);
        return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(FILE *f) {
        fprintf(f, "usage: stats-call [-m WAYS] [-c CALLS] [-n ROUNDS] [-w WARMUP] [-W WINDOW] [-s STATS] [-p PATH] [-t SECONDS] [-T SECONDS]\n"
                   "  every domain's statistics from xen-dom0d and from libvirt-dbus, the ways alternating\n"
                   "  -m  comma-separated ways (default dom0,all):\n"
                   "        dom0    org.xenproject.Dom0.Manager.GetDomainStats()\n"
                   "        all     org.libvirt.Connect.GetAllDomainStats(STATS, 0)\n"
                   "        sweep   ListDomains, then the CALLS of every domain, one call at a time\n"
                   "        window  the same, up to WINDOW calls in flight\n"
                   "  -c  comma-separated calls per domain of a sweep (default getall,state,vcpus,memory):\n"
                   "      getall = Properties.GetAll(org.libvirt.Domain), state = GetState(0),\n"
                   "      vcpus = GetVcpus(0), memory = MemoryStats(0)\n"
                   "  -n  rounds (default 200)\n"
                   "  -w  uncounted rounds first (default 3)\n"
                   "  -W  calls in flight for the window way (default 32)\n"
                   "  -s  libvirt's stats groups, a virDomainStatsTypes mask (default 15: state, cpu-total,\n"
                   "      balloon, vcpu; 0: every group)\n"
                   "  -p  libvirt-dbus's connection object (default /org/libvirt/Xen)\n"
                   "  -t  per-call timeout in seconds (default 60)\n"
                   "  -T  no round, warm-up included, starts this many seconds after the start (default: no limit)\n");
}

int main(int argc, char *argv[]) {
        uint64_t *lat[N_WAYS] = {}, usec;
        double *ratio[N_WAYS] = {};
        size_t ok[N_WAYS] = {}, n_ratio[N_WAYS] = {};
        int records[N_WAYS] = { -1, -1, -1, -1 }, ways[N_WAYS], n_ways = 0, opt, r, failed = 0;
        const char *way_list = "dom0,all", *call_list = "getall,state,vcpus,memory";
        unsigned done = 0;
        uint64_t begin, start;
        sd_bus *bus = NULL;

        while ((opt = getopt(argc, argv, "hm:c:n:w:W:s:p:t:T:")) >= 0)
                switch (opt) {
                case 'm': way_list = optarg; break;
                case 'c': call_list = optarg; break;
                case 'n': rounds = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'w': warmup = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'W': window = (unsigned) strtoul(optarg, NULL, 10); break;
                case 's': stats = (unsigned) strtoul(optarg, NULL, 0); break;
                case 'p': libvirt_path = optarg; break;
                case 't': timeout_usec = (uint64_t) (strtod(optarg, NULL) * 1e6); break;
                case 'T': budget_usec = (uint64_t) (strtod(optarg, NULL) * 1e6); break;
                case 'h': usage(stdout); return 0;
                default: usage(stderr); return 2;
                }
        for (const char *w = way_list; *w;) {
                size_t len = strcspn(w, ",");
                int found = -1;

                for (int k = 0; k < N_WAYS; k++)
                        if (strlen(way_name[k]) == len && strncmp(w, way_name[k], len) == 0)
                                found = k;
                for (int k = 0; k < n_ways; k++)
                        if (ways[k] == found)
                                found = -1;
                if (found < 0) {
                        fprintf(stderr, "stats-call: -m %s: unknown or repeated way\n", way_list);
                        return 2;
                }
                ways[n_ways++] = found;
                w += len + (w[len] == ',');
        }
        for (const char *c = call_list; *c;) {
                size_t len = strcspn(c, ",");
                int found = -1;

                for (unsigned k = 0; k < N_DOMAIN_CALLS; k++)
                        if (strlen(domain_call_name[k]) == len && strncmp(c, domain_call_name[k], len) == 0)
                                found = (int) k;
                if (found < 0 || n_per_domain == N_DOMAIN_CALLS) {
                        fprintf(stderr, "stats-call: -c %s: unknown call\n", call_list);
                        return 2;
                }
                per_domain[n_per_domain++] = (unsigned) found;
                c += len + (c[len] == ',');
        }
        if (rounds < 1 || window < 1 || n_ways < 1 || n_per_domain < 1 || optind != argc) {
                usage(stderr);
                return 2;
        }
        for (int k = 0; k < n_ways; k++) {
                lat[ways[k]] = calloc(rounds, sizeof(uint64_t));
                ratio[ways[k]] = calloc(rounds, sizeof(double));
                if (!lat[ways[k]] || !ratio[ways[k]])
                        return 1;
        }
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, timeout_usec);
        if (r < 0) {
                fprintf(stderr, "stats-call: cannot connect to the system bus: %s\n", strerror(-r));
                return 1;
        }
        begin = now_usec();
        for (unsigned k = 0; k < warmup && !(budget_usec && now_usec() - begin >= budget_usec); k++)
                for (int i = 0; i < n_ways; i++)
                        if (run(bus, ways[i], &usec, &records[ways[i]]) < 0)
                                return 1;

        start = now_usec();
        for (unsigned k = 0; k < rounds; k++) {
                uint64_t t[N_WAYS] = {};
                bool answered[N_WAYS] = {};

                if (budget_usec && now_usec() - begin >= budget_usec)
                        break;
                done++;
                for (int i = 0; i < n_ways; i++) {
                        int w = ways[(i + (int) k) % n_ways];

                        if (run(bus, w, &t[w], &records[w]) < 0) {
                                failed++;
                                continue;
                        }
                        lat[w][ok[w]++] = t[w];
                        answered[w] = true;
                }
                for (int w = ALL; w < N_WAYS; w++)
                        if (answered[DOM0] && answered[w] && t[w] > 0)
                                ratio[w][n_ratio[w]++] = (double) t[DOM0] / (double) t[w];
        }
        sd_bus_flush_close_unref(bus);

        printf("rounds=%u rounds_done=%u seconds=%.1f ways=%s stats=%u calls=%s window=%u", rounds, done,
               (double) (now_usec() - start) / 1e6, way_list, stats, call_list, window);
        for (int i = 0; i < n_ways; i++) {
                int w = ways[i];
                const char *s = way_name[w];

                qsort(lat[w], ok[w], sizeof(uint64_t), cmp_u64);
                printf(" %s_ok=%zu %s_records=%d %s_p50_ms=%.3f %s_p90_ms=%.3f %s_min_ms=%.3f %s_max_ms=%.3f", s, ok[w], s,
                       records[w], s, (double) pct(lat[w], ok[w], 0.5) / 1000.0, s,
                       (double) pct(lat[w], ok[w], 0.9) / 1000.0, s, (double) pct(lat[w], ok[w], 0.0) / 1000.0, s,
                       (double) pct(lat[w], ok[w], 1.0) / 1000.0);
        }
        for (int w = ALL; w < N_WAYS; w++)
                if (n_ratio[w] > 0)
                        printf(" ratio_p50_%s=%.3f ratio_p90_%s=%.3f ratio_rounds_median_%s=%.3f", way_name[w],
                               (double) pct(lat[DOM0], ok[DOM0], 0.5) / (double) pct(lat[w], ok[w], 0.5), way_name[w],
                               (double) pct(lat[DOM0], ok[DOM0], 0.9) / (double) pct(lat[w], ok[w], 0.9), way_name[w],
                               median(ratio[w], n_ratio[w]));
        printf(" errors=%d\n", failed);
        return failed ? 1 : 0;
}
