/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A load and flood client for org.xenproject.Dom0 on the bus named by DBUS_SYSTEM_BUS_ADDRESS:
 * many connections, each keeping a bounded number of asynchronous calls in flight, all on one
 * event loop. Prints one line of counts, throughput and latency percentiles; exits 1 when any
 * call failed (other than with an error named by --expect-error) or was slower than
 * --max-latency. A few hundred thousand calls take seconds, where busctl would take minutes. */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "bus-names.h"
#include "macro.h"

#define DEST DOM0_BUS_NAME
#define PATH DOM0_OBJECT_PATH
#define IFACE DOM0_MANAGER_IFACE

typedef enum OpKind {
        OP_GETALL,
        OP_GETCONFIG,
        OP_LIST_COMPONENTS,
        OP_DIFF,
        OP_RELOAD,
        OP_CHECK,           /* =PATH */
        OP_CHECK_BIG,       /* =BYTES: an absolute path of that length */
        OP_RESTART_BIG,     /* =BYTES: a component name of that length */
        OP_GETCONFIG_ARRAY, /* =BYTES: GetConfig takes nothing; send it a byte array */
} OpKind;

typedef struct Op {
        OpKind kind;
        const char *arg;
        size_t bytes;
} Op;

static const struct {
        const char *name;
        OpKind kind;
        bool needs_arg;
} op_names[] = {
        { "getall", OP_GETALL, false },
        { "getconfig", OP_GETCONFIG, false },
        { "listcomponents", OP_LIST_COMPONENTS, false },
        { "diff", OP_DIFF, false },
        { "reload", OP_RELOAD, false },
        { "check", OP_CHECK, true },
        { "check-big", OP_CHECK_BIG, true },
        { "restart-big", OP_RESTART_BIG, true },
        { "getconfig-array", OP_GETCONFIG_ARRAY, true },
};

static struct {
        Op ops[16];
        size_t n_ops;
        unsigned clients, calls, depth;
        double duration, interval_ms, max_latency_ms;
        uint64_t timeout_usec;
        const char *expect_errors[8];
        size_t n_expect;
        bool drop;
} arg = { .clients = 1, .calls = 1, .depth = 1, .timeout_usec = 25 * 1000000ULL };

typedef struct Client {
        sd_bus *bus;
        sd_event_source *pace;
        unsigned issued, in_flight, next_op;
} Client;

static struct {
        sd_event *event;
        Client *clients;
        bool stopping;          /* --duration is over: issue nothing new */
        unsigned busy;          /* clients with calls left or in flight */
        uint64_t ok, expected, errors, start;
        uint64_t *lat;          /* microseconds, one per answered call */
        size_t n_lat, max_lat;
        unsigned reported;
} st;

typedef struct Call {
        Client *client;
        uint64_t start;
} Call;

static uint64_t now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static int build_call(sd_bus *bus, const Op *op, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_free_ char *big = NULL;
        static const char *const members[] = {
                [OP_GETCONFIG] = "GetConfig", [OP_LIST_COMPONENTS] = "ListComponents", [OP_DIFF] = "Diff",
                [OP_RELOAD] = "Reload",       [OP_CHECK] = "Check",                    [OP_CHECK_BIG] = "Check",
                [OP_RESTART_BIG] = "RestartComponent", [OP_GETCONFIG_ARRAY] = "GetConfig",
        };
        int r;

        if (op->kind == OP_GETALL)
                r = sd_bus_message_new_method_call(bus, &m, DEST, PATH, "org.freedesktop.DBus.Properties", "GetAll");
        else
                r = sd_bus_message_new_method_call(bus, &m, DEST, PATH, IFACE, members[op->kind]);
        if (r < 0)
                return r;
        if (op->kind == OP_CHECK_BIG || op->kind == OP_RESTART_BIG || op->kind == OP_GETCONFIG_ARRAY) {
                big = malloc(op->bytes + 1);
                if (!big)
                        return -ENOMEM;
                memset(big, op->kind == OP_RESTART_BIG ? 'x' : 'a', op->bytes);
                big[0] = op->kind == OP_CHECK_BIG ? '/' : big[0];
                big[op->bytes] = 0;
        }
        switch (op->kind) {
        case OP_GETALL:
                r = sd_bus_message_append(m, "s", IFACE);
                break;
        case OP_CHECK:
                r = sd_bus_message_append(m, "s", op->arg);
                break;
        case OP_CHECK_BIG:
        case OP_RESTART_BIG:
                r = sd_bus_message_append(m, "s", big);
                break;
        case OP_GETCONFIG_ARRAY:
                r = sd_bus_message_append_array(m, 'y', big, op->bytes);
                break;
        default:
                r = 0;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

static void client_issue(Client *c);

static void client_done_maybe(Client *c) {
        if (c->in_flight == 0 && (st.stopping || (arg.calls && c->issued >= arg.calls))) {
                c->issued = UINT_MAX; /* counted once */
                if (--st.busy == 0)
                        (void) sd_event_exit(st.event, 0);
        }
}

static int on_pace(sd_event_source *s, uint64_t usec, void *userdata) {
        Client *c = userdata;

        c->pace = sd_event_source_unref(c->pace);
        client_issue(c);
        client_done_maybe(c);
        return 0;
}

static bool expected_error(const char *name) {
        for (size_t i = 0; i < arg.n_expect; i++)
                if (streq(name, arg.expect_errors[i]))
                        return true;
        return false;
}

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Call *call = userdata;
        Client *c = call->client;
        uint64_t t = now() - call->start;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (st.n_lat < st.max_lat)
                st.lat[st.n_lat++] = t;
        if (!e)
                st.ok++;
        else if (expected_error(e->name))
                st.expected++;
        else {
                st.errors++;
                if (st.reported++ < 5)
                        fprintf(stderr, "bus-load: call failed: %s: %s\n", e->name, strna(e->message));
        }
        free(call);
        c->in_flight--;
        if (arg.interval_ms > 0 && !st.stopping && !(arg.calls && c->issued >= arg.calls)) {
                uint64_t wait = (uint64_t) (arg.interval_ms * 1000);
                if (sd_event_add_time_relative(st.event, &c->pace, CLOCK_MONOTONIC, t < wait ? wait - t : 0, 1,
                                               on_pace, c) < 0)
                        client_issue(c);
        } else
                client_issue(c);
        client_done_maybe(c);
        return 0;
}

static void client_issue(Client *c) {
        while (!st.stopping && c->in_flight < arg.depth && !(arg.calls && c->issued >= arg.calls) && !c->pace) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                Call *call;
                int r;

                r = build_call(c->bus, &arg.ops[c->next_op++ % arg.n_ops], &m);
                call = r >= 0 ? malloc(sizeof(Call)) : NULL;
                if (call) {
                        *call = (Call) { .client = c, .start = now() };
                        r = sd_bus_call_async(c->bus, NULL, m, on_reply, call, arg.timeout_usec);
                        if (r < 0)
                                free(call);
                }
                if (r < 0 || !call) {
                        st.errors++;
                        fprintf(stderr, "bus-load: cannot send: %s\n", strerror(r < 0 ? -r : ENOMEM));
                        c->issued++;
                        continue;
                }
                c->issued++;
                c->in_flight++;
                if (arg.interval_ms > 0)
                        break;
        }
}

static int on_duration(sd_event_source *s, uint64_t usec, void *userdata) {
        st.stopping = true;
        for (unsigned i = 0; i < arg.clients; i++) {
                Client *c = &st.clients[i];
                c->pace = sd_event_source_disable_unref(c->pace);
                if (c->issued != UINT_MAX)
                        client_done_maybe(c);
        }
        return 0;
}

static int open_bus(sd_bus **ret) {
        _cleanup_(sd_bus_unrefp) sd_bus *b = NULL;
        const char *address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
        int r;

        r = sd_bus_new(&b);
        if (r >= 0)
                r = sd_bus_set_address(b, address ?: "unix:path=/run/dbus/system_bus_socket");
        if (r >= 0)
                r = sd_bus_set_bus_client(b, true);
        if (r >= 0)
                r = sd_bus_start(b);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(b);
        return 0;
}

/* Sends every call and hangs up without reading an answer: the daemon replies to a peer that
 * is gone. */
static int run_drop(void) {
        for (unsigned i = 0; i < arg.clients; i++) {
                _cleanup_(sd_bus_flush_close_unrefp) sd_bus *b = NULL;
                int r = open_bus(&b);
                if (r < 0)
                        return r;
                for (unsigned k = 0; k < arg.calls; k++) {
                        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                        r = build_call(b, &arg.ops[k % arg.n_ops], &m);
                        if (r >= 0)
                                r = sd_bus_send(b, m, NULL);
                        if (r < 0)
                                return r;
                }
        }
        printf("sent=%u dropped\n", arg.clients * arg.calls);
        return 0;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static double percentile_ms(double p) {
        if (st.n_lat == 0)
                return 0;
        size_t i = (size_t) (p * (double) (st.n_lat - 1) + 0.5);
        return (double) st.lat[i] / 1000.0;
}

static int parse_op(const char *s) {
        const char *eq = strchr(s, '=');
        size_t len = eq ? (size_t) (eq - s) : strlen(s);

        if (arg.n_ops >= ELEMENTSOF(arg.ops))
                return -E2BIG;
        for (size_t i = 0; i < ELEMENTSOF(op_names); i++) {
                if (strlen(op_names[i].name) != len || strncmp(op_names[i].name, s, len) != 0)
                        continue;
                if (op_names[i].needs_arg != !!eq)
                        return -EINVAL;
                Op *op = &arg.ops[arg.n_ops++];
                *op = (Op) { .kind = op_names[i].kind, .arg = eq ? eq + 1 : NULL };
                if (IN_SET(op->kind, OP_CHECK_BIG, OP_RESTART_BIG, OP_GETCONFIG_ARRAY)) {
                        char *end;
                        op->bytes = strtoul(op->arg, &end, 10);
                        if (*end || op->bytes < 1)
                                return -EINVAL;
                }
                return 0;
        }
        return -EINVAL;
}

static void help(void) {
        printf("bus-load [OPTIONS...]\n"
               "  -o --op=OP            getall getconfig listcomponents diff reload check=PATH check-big=BYTES\n"
               "                        restart-big=BYTES getconfig-array=BYTES; repeat to cycle through several\n"
               "  -c --clients=N        connections (default 1)\n"
               "  -n --calls=N          calls per connection, 0 for as many as --duration allows (default 1)\n"
               "  -d --depth=N          calls in flight per connection (default 1)\n"
               "  -t --duration=SEC     stop issuing calls after SEC seconds\n"
               "  -i --interval=MSEC    at most one call per MSEC per connection (a paced probe)\n"
               "     --timeout=SEC      per call (default 25)\n"
               "     --max-latency=MSEC fail when any call took longer\n"
               "     --expect-error=NAME this error is an expected answer, not a failure (repeatable)\n"
               "     --drop             send every call, then hang up without reading the answers\n");
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_TIMEOUT = 0x100, ARG_MAX_LATENCY, ARG_EXPECT, ARG_DROP };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "op", required_argument, NULL, 'o' },
                { "clients", required_argument, NULL, 'c' },
                { "calls", required_argument, NULL, 'n' },
                { "depth", required_argument, NULL, 'd' },
                { "duration", required_argument, NULL, 't' },
                { "interval", required_argument, NULL, 'i' },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "max-latency", required_argument, NULL, ARG_MAX_LATENCY },
                { "expect-error", required_argument, NULL, ARG_EXPECT },
                { "drop", no_argument, NULL, ARG_DROP },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "ho:c:n:d:t:i:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        exit(0);
                case 'o':
                        if (parse_op(optarg) < 0) {
                                fprintf(stderr, "bus-load: bad --op %s\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'c':
                        arg.clients = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'n':
                        arg.calls = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 'd':
                        arg.depth = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case 't':
                        arg.duration = strtod(optarg, NULL);
                        break;
                case 'i':
                        arg.interval_ms = strtod(optarg, NULL);
                        break;
                case ARG_TIMEOUT:
                        arg.timeout_usec = (uint64_t) (strtod(optarg, NULL) * 1e6);
                        break;
                case ARG_MAX_LATENCY:
                        arg.max_latency_ms = strtod(optarg, NULL);
                        break;
                case ARG_EXPECT:
                        if (arg.n_expect >= ELEMENTSOF(arg.expect_errors))
                                return -E2BIG;
                        arg.expect_errors[arg.n_expect++] = optarg;
                        break;
                case ARG_DROP:
                        arg.drop = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (arg.n_ops == 0)
                arg.ops[arg.n_ops++] = (Op) { .kind = OP_GETALL };
        if (arg.clients < 1 || arg.depth < 1 || (arg.calls == 0 && arg.duration <= 0)) {
                fprintf(stderr, "bus-load: need --clients and --depth >= 1, and --calls or --duration\n");
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        double secs, max_ms;
        int r;

        if (parse_argv(argc, argv) < 0)
                return 2;
        if (arg.drop) {
                r = run_drop();
                if (r < 0)
                        fprintf(stderr, "bus-load: %s\n", strerror(-r));
                return r < 0 ? 1 : 0;
        }
        st.max_lat = arg.calls ? (size_t) arg.clients * arg.calls : 4u << 20;
        st.lat = calloc(st.max_lat, sizeof(uint64_t));
        st.clients = calloc(arg.clients, sizeof(Client));
        if (!st.lat || !st.clients || sd_event_new(&st.event) < 0)
                return 1;
        for (unsigned i = 0; i < arg.clients; i++) {
                r = open_bus(&st.clients[i].bus);
                if (r >= 0)
                        r = sd_bus_attach_event(st.clients[i].bus, st.event, 0);
                if (r < 0) {
                        fprintf(stderr, "bus-load: cannot connect: %s\n", strerror(-r));
                        return 1;
                }
        }
        if (arg.duration > 0 &&
            sd_event_add_time_relative(st.event, NULL, CLOCK_MONOTONIC, (uint64_t) (arg.duration * 1e6), 0, on_duration,
                                       NULL) < 0)
                return 1;
        st.start = now();
        st.busy = arg.clients;
        for (unsigned i = 0; i < arg.clients; i++)
                client_issue(&st.clients[i]);
        for (unsigned i = 0; i < arg.clients; i++)
                client_done_maybe(&st.clients[i]);
        if (st.busy > 0) {
                r = sd_event_loop(st.event);
                if (r < 0) {
                        fprintf(stderr, "bus-load: event loop: %s\n", strerror(-r));
                        return 1;
                }
        }
        secs = (double) (now() - st.start) / 1e6;
        qsort(st.lat, st.n_lat, sizeof(uint64_t), cmp_u64);
        max_ms = percentile_ms(1.0);
        printf("calls=%zu ok=%" PRIu64 " expected_errors=%" PRIu64 " errors=%" PRIu64
               " seconds=%.2f rate=%.0f/s p50=%.2fms p99=%.2fms max=%.2fms\n",
               st.n_lat, st.ok, st.expected, st.errors, secs, secs > 0 ? (double) st.n_lat / secs : 0,
               percentile_ms(0.50), percentile_ms(0.99), percentile_ms(1.0));
        for (unsigned i = 0; i < arg.clients; i++) {
                sd_event_source_unref(st.clients[i].pace);
                sd_bus_flush_close_unref(st.clients[i].bus);
        }
        free(st.clients);
        free(st.lat);
        sd_event_unref(st.event);
        if (arg.max_latency_ms > 0 && max_ms > arg.max_latency_ms) {
                fprintf(stderr, "bus-load: a call took %.2f ms, more than %.0f ms\n", max_ms, arg.max_latency_ms);
                return 1;
        }
        return st.errors > 0 ? 1 : 0;
}
