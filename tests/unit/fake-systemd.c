/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A fake systemd for the supervisor's tests: it owns org.freedesktop.systemd1 on a private bus,
 * knows the seven units of the dom0 stack, runs their jobs by a script, and logs every call it
 * receives with a CLOCK_MONOTONIC timestamp. It also receives the daemon's sd_notify()
 * datagrams and serves a minimal xenstore on a unix socket, so that one log, on one clock,
 * holds everything a test asserts on.
 *
 *   fake-systemd --log FILE [--control FIFO] [--notify SOCKET] [--xenstore SOCKET]
 *                [--xenstore-mode serve|mute|drop] [--xenstore-delay MS]
 *                [--unit UNIT=BEHAVIOUR]... [--default BEHAVIOUR] [--early-job-removed]
 *                [--builder CMD] [--xen-control FIFO]
 *
 * UNIT is a unit name or the name without its suffix. BEHAVIOUR of a unit's start jobs:
 *     ok[:MS]     succeeds after MS milliseconds (default 20)
 *     fail[:MS]   fails after MS: ActiveState "failed", Result "exit-code", job result "failed"
 *     hang        the job never completes
 *     refuse      the call fails with an error, no job
 *     active      the unit is already active when the fake starts (later starts: ok)
 * With --early-job-removed, a job's reply is held back until its JobRemoved has been sent.
 * A job asked for while one of the same type is queued for the unit is merged into it: the
 * reply is the queued job's path (log line MERGED). With --polkit MS the fake also answers
 * polkit's CheckAuthorization, granting every request after MS milliseconds (POLKIT lines).
 * xen-dom0-boot-entries.service is a oneshot whose start runs CMD of --builder (with /bin/sh,
 * while the fake waits) and ends "done" when it exits 0; its lines carry a BUILDER- prefix
 * (BUILDER-CALL, BUILDER-REPLY, BUILDER-STATE, BUILDER-JOBREMOVED, BUILDER-RAN), apart from
 * the stack's.
 *
 * Commands on the control FIFO, one a line:
 *     behaviour UNIT BEHAVIOUR    for the unit's next jobs
 *     kill UNIT [RESULT]          an active unit dies: ActiveState "failed", Result RESULT
 *                                 (default "signal")
 *     stop UNIT                   the unit stops from outside: ActiveState "inactive"
 *     xenstore serve|mute|drop    answer reads, read them and never answer, or hang up
 *     early on|off                --early-job-removed
 *     reconnect                   leaves the bus and comes back under a new unique name, as
 *                                 systemd does when it re-executes itself; the units keep
 *                                 their state
 *     log TEXT                    copies TEXT into the log (a marker for the test)
 *     xs-set PATTERN              the store has the paths PATTERN matches (fnmatch), their
 *                                 reads answer "": a guest's readiness key
 *     linger on|off               a guest unit's stop leaves its domain to the test (which
 *                                 destroys it through the hypervisor's FIFO when it likes):
 *                                 the domain still listed when the stop job ends
 *
 * Units xen-guest@NAME.service exist as soon as something names them (declared guests); their
 * start and stop behave as the stack's. With --xen-control FIFO (the fake hypervisor's, see
 * xen-fake.c), a guest unit's start that succeeds writes "add NAME" there and its stop
 * "destroy NAME", as xl create -F and xl shutdown would make the domain appear and go (log
 * lines "HV add NAME ...", "HV destroy NAME").
 *
 * Log lines: "<usec> <EVENT> ...", EVENT one of READY, CALL <member> <path> <args...>,
 * REPLY <member> <unit> <job>, STATE <unit> <active> <sub>, JOBREMOVED <id> <job> <unit>
 * <result>, CTL <command>, XS CONNECT|READ <path>|REPLY <path> <value>|IGNORE <path>|DROP,
 * NOTIFY <line>, BUS <unique name> (each time it owns org.freedesktop.systemd1). */
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "macro.h"

#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define UNIT_PREFIX "/org/freedesktop/systemd1/unit"
#define JOB_PREFIX "/org/freedesktop/systemd1/job/"
#define DEFAULT_DELAY_MS 20

/* The xenstore wire protocol, as in xen/io/xs_wire.h. */
#define XS_READ 2
#define XS_ERROR 16
struct xsd_sockmsg {
        uint32_t type, req_id, tx_id, len;
};
#define XS_PAYLOAD_MAX 4096

/* How long before the fake started a unit given as active became so (ActiveEnterTimestamp). */
#define INITIALLY_ACTIVE_AGE_USEC (7200ULL * 1000000ULL)

typedef enum Outcome { OUTCOME_OK, OUTCOME_FAIL, OUTCOME_HANG, OUTCOME_REFUSE } Outcome;

typedef struct Behaviour {
        Outcome outcome;
        unsigned delay_ms;
} Behaviour;

typedef struct Job Job;

typedef struct Unit {
        const char *name;
        bool is_mount;
        bool builder; /* its log lines say BUILDER-, apart from the stack's */
        char *path;
        const char *active_state;
        const char *sub_state;
        const char *result;
        Behaviour behaviour;
        bool initially_active;
        uint64_t active_enter;  /* ActiveEnterTimestamp: CLOCK_REALTIME usec */
        Job *job;
} Unit;

static uint64_t realtime_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

struct Job {
        uint32_t id;
        char path[64];
        Unit *unit;
        const char *type; /* start, restart, stop */
        Behaviour behaviour;
        sd_event_source *timer;
        sd_bus_message *held_reply; /* --early-job-removed */
        const char *member;
};

static Unit units[] = {
        { .name = "proc-xen.mount", .is_mount = true },
        { .name = "xenstored.service" },
        { .name = "xen-init-dom0.service" },
        { .name = "xenconsoled.service" },
        { .name = "xen-qemu-dom0-disk-backend.service" },
        { .name = "xendomains.service" },
        { .name = "xen-watchdog.service" },
        /* The boot entry builder, a oneshot: --builder CMD is what its start runs. */
        { .name = "xen-dom0-boot-entries.service", .builder = true },
};
static const char *builder_cmd;
/* Units of declared guests, made when first named. */
#define GUEST_UNITS_MAX 2048
static Unit *guest_units[GUEST_UNITS_MAX];
static size_t n_guest_units;
static const char *xen_control;
/* The store's keys of guests (xs-set). */
#define XS_KEYS_MAX 256
static char *xs_keys[XS_KEYS_MAX];
static size_t n_xs_keys;

typedef enum XsMode { XS_SERVE, XS_MUTE, XS_DROP } XsMode;

typedef struct XsConn {
        int fd;
        sd_event_source *io;
        sd_event_source *timer; /* a delayed reply */
        uint8_t in[sizeof(struct xsd_sockmsg) + XS_PAYLOAD_MAX];
        size_t in_len;
        uint8_t out[sizeof(struct xsd_sockmsg) + XS_PAYLOAD_MAX];
        size_t out_len;
        char path[256];
        const char *answer;
} XsConn;

static sd_bus *bus;
static sd_event *event;
static int log_fd = -1;
static uint32_t next_job_id = 1;
static bool early_job_removed;
static bool domains_linger;
static XsMode xs_mode = XS_SERVE;
static unsigned xs_delay_ms;
static char ctl_line[1024];
static size_t ctl_len;

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static void log_line(const char *fmt, ...) _printf_(1, 2);
static void log_line(const char *fmt, ...) {
        char buf[2048];
        int n, m;
        va_list ap;

        n = snprintf(buf, sizeof buf, "%" PRIu64 " ", now_usec());
        va_start(ap, fmt);
        m = vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
        va_end(ap);
        if (m < 0)
                return;
        n += (size_t) m < sizeof buf - n - 1 ? m : (int) (sizeof buf - n - 2);
        buf[n++] = '\n';
        if (write(log_fd, buf, n) < 0)
                fprintf(stderr, "fake-systemd: cannot write the log: %m\n");
}

static int parse_behaviour(const char *s, Behaviour *ret, bool *ret_active) {
        const char *colon = strchr(s, ':');
        size_t l = colon ? (size_t) (colon - s) : strlen(s);
        Behaviour b = { .delay_ms = DEFAULT_DELAY_MS };
        bool active = false;

        if (l == 2 && strncmp(s, "ok", l) == 0)
                b.outcome = OUTCOME_OK;
        else if (l == 4 && strncmp(s, "fail", l) == 0)
                b.outcome = OUTCOME_FAIL;
        else if (l == 4 && strncmp(s, "hang", l) == 0 && !colon)
                b.outcome = OUTCOME_HANG;
        else if (l == 6 && strncmp(s, "refuse", l) == 0 && !colon)
                b.outcome = OUTCOME_REFUSE;
        else if (l == 6 && strncmp(s, "active", l) == 0 && !colon)
                active = true;
        else
                return -EINVAL;
        if (colon) {
                char *end;
                unsigned long v;

                errno = 0;
                v = strtoul(colon + 1, &end, 10);
                if (errno || end == colon + 1 || *end || v > 600000)
                        return -EINVAL;
                b.delay_ms = (unsigned) v;
        }
        *ret = b;
        if (ret_active)
                *ret_active = active;
        return 0;
}

static int add_unit_objects(Unit *u);

static bool is_guest_unit(const Unit *u) {
        return startswith(u->name, "xen-guest@") != NULL;
}

static Unit *find_unit(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                const char *dot = strrchr(units[i].name, '.');
                if (streq(units[i].name, name) ||
                    (strlen(name) == (size_t) (dot - units[i].name) && strncmp(units[i].name, name, strlen(name)) == 0))
                        return &units[i];
        }
        for (size_t i = 0; i < n_guest_units; i++)
                if (streq(guest_units[i]->name, name))
                        return guest_units[i];
        if (!startswith(name, "xen-guest@") || !endswith(name, ".service") || n_guest_units >= GUEST_UNITS_MAX)
                return NULL;
        Unit *u = calloc(1, sizeof(Unit));
        if (!u || !(u->name = strdup(name)) || sd_bus_path_encode(UNIT_PREFIX, u->name, &u->path) < 0)
                return NULL; /* a test helper: the few bytes are not worth freeing */
        u->behaviour = (Behaviour) { .delay_ms = DEFAULT_DELAY_MS };
        u->active_state = "inactive";
        u->sub_state = "dead";
        u->result = "success";
        guest_units[n_guest_units++] = u;
        if (bus && add_unit_objects(u) < 0)
                fprintf(stderr, "fake-systemd: cannot add the objects of %s\n", name);
        return u;
}

/* "add NAME" or "destroy NAME" to the fake hypervisor, for a guest unit. */
static void tell_hypervisor(const Unit *u, const char *verb) {
        const char *n = startswith(u->name, "xen-guest@");
        char line[512];
        int fd, len;

        if (!xen_control || !n)
                return;
        /* a domain of 128 MiB that may grow to 1 GiB, and of 1 vcpu online out of 4, as a guest
         * with maxmem = 1024 and maxvcpus = 4 */
        len = snprintf(line, sizeof line, "%s %.*s%s\n", verb, (int) (strlen(n) - strlen(".service")), n,
                       streq(verb, "add") ? " 128 1 1024 4" : "");
        fd = open(xen_control, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 || write(fd, line, len) != len)
                log_line("CTL-ERROR cannot tell the hypervisor: %s", line);
        else
                log_line("HV %.*s", len - 1, line);
        if (fd >= 0)
                close(fd);
}

static void set_state(Unit *u, const char *active, const char *sub) {
        if (strcmp(active, "active") == 0 && strcmp(u->active_state, "active") != 0)
                u->active_enter = realtime_usec();
        u->active_state = active;
        u->sub_state = sub;
        log_line("%sSTATE %s %s %s", u->builder ? "BUILDER-" : "", u->name, active, sub);
        (void) sd_bus_emit_properties_changed(bus, u->path, "org.freedesktop.systemd1.Unit", "ActiveState",
                                              "SubState", "ActiveEnterTimestamp", NULL);
}

static void set_result(Unit *u, const char *result) {
        u->result = result;
        (void) sd_bus_emit_properties_changed(bus, u->path,
                                              u->is_mount ? "org.freedesktop.systemd1.Mount"
                                                          : "org.freedesktop.systemd1.Service",
                                              "Result", NULL);
}

static void send_reply(Job *j) {
        if (!j->held_reply)
                return;
        log_line("%sREPLY %s %s %s", j->unit->builder ? "BUILDER-" : "", j->member, j->unit->name, j->path);
        (void) sd_bus_send(NULL, j->held_reply, NULL);
        j->held_reply = sd_bus_message_unref(j->held_reply);
}

/* Ends the job with result: the unit's state first, then JobRemoved, as systemd does. */
static void job_finish(Job *j, const char *result) {
        Unit *u = j->unit;

        if (u->job == j)
                u->job = NULL;
        log_line("%sJOBREMOVED %" PRIu32 " %s %s %s", u->builder ? "BUILDER-" : "", j->id, j->path, u->name, result);
        (void) sd_bus_emit_signal(bus, SD_PATH, SD_MANAGER, "JobRemoved", "uoss", j->id, j->path, u->name, result);
        send_reply(j); /* only when held back */
        sd_event_source_disable_unref(j->timer);
        free(j);
}

static void builder_done(Job *j, int status) {
        Unit *u = j->unit;
        bool good = status == 0;

        log_line("BUILDER-RAN %s %d", builder_cmd ? "command" : "nothing", status);
        set_result(u, good ? "success" : "exit-code");
        set_state(u, good ? "inactive" : "failed", good ? "dead" : "failed");
        job_finish(j, good ? "done" : "failed");
}

static int on_builder_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        builder_done(userdata, si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status);
        (void) sd_event_source_set_enabled(s, SD_EVENT_OFF); /* floating: the loop owns it */
        return 0;
}

static int on_job_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Job *j = userdata;
        Unit *u = j->unit;

        if (streq(j->type, "stop")) {
                if (is_guest_unit(u) && streq(u->active_state, "deactivating") && !domains_linger)
                        tell_hypervisor(u, "destroy");
                set_state(u, "inactive", "dead");
                job_finish(j, "done");
        } else if (u->builder) {
                pid_t pid;

                /* A oneshot: it runs while the fake goes on answering, then is inactive (or
                 * failed); on_builder_exit() ends the job. */
                if (!builder_cmd) {
                        builder_done(j, 0);
                        return 0;
                }
                pid = fork();
                if (pid == 0) {
                        sigset_t none;
                        sigemptyset(&none);
                        sigprocmask(SIG_SETMASK, &none, NULL);
                        execl("/bin/sh", "sh", "-c", builder_cmd, (char *) NULL);
                        _exit(127);
                }
                if (pid < 0 || sd_event_add_child(event, NULL, pid, WEXITED, on_builder_exit, j) < 0)
                        builder_done(j, 126);
        } else if (j->behaviour.outcome == OUTCOME_FAIL) {
                set_result(u, "exit-code");
                set_state(u, "failed", "failed");
                job_finish(j, "failed");
        } else {
                set_result(u, "success");
                if (is_guest_unit(u) && !streq(u->active_state, "active"))
                        tell_hypervisor(u, "add");
                set_state(u, "active", u->is_mount ? "mounted" : "running");
                job_finish(j, "done");
        }
        return 0;
}

static int method_job(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *member = sd_bus_message_get_member(m), *name, *mode, *type;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Unit *u;
        Job *j;
        uint64_t delay;
        int r;

        r = sd_bus_message_read(m, "ss", &name, &mode);
        if (r < 0)
                return r;
        u = find_unit(name);
        if (!u || !streq(u->name, name))
                return sd_bus_error_setf(error, "org.freedesktop.systemd1.NoSuchUnit", "Unit %s not found.", name);
        if (!streq(mode, "replace"))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "the fake knows only mode replace");
        type = streq(member, "StopUnit") ? "stop" : streq(member, "RestartUnit") ? "restart" : "start";
        if (!streq(type, "stop") && u->behaviour.outcome == OUTCOME_REFUSE)
                return sd_bus_error_setf(error, "org.freedesktop.systemd1.UnitMasked", "Unit %s is masked.", name);

        /* A job of the same type already queued for the unit absorbs the new one, which gets
         * its path: systemd merges them so. Any other queued job is canceled ("replace"). */
        if (u->job && streq(u->job->type, type)) {
                log_line("MERGED %s %s %s", member, u->name, u->job->path);
                return sd_bus_reply_method_return(m, "o", u->job->path);
        }
        if (u->job)
                job_finish(u->job, "canceled");

        j = calloc(1, sizeof(Job));
        if (!j)
                return -ENOMEM;
        j->id = next_job_id++;
        snprintf(j->path, sizeof j->path, JOB_PREFIX "%" PRIu32, j->id);
        j->unit = u;
        j->type = type;
        j->member = streq(type, "stop") ? "StopUnit" : streq(type, "restart") ? "RestartUnit" : "StartUnit";
        j->behaviour = u->behaviour;
        u->job = j;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "o", j->path);
        if (r < 0) {
                u->job = NULL;
                free(j);
                return r;
        }
        j->held_reply = TAKE_PTR(reply);
        if (!early_job_removed)
                send_reply(j);

        if (streq(type, "start") && streq(u->active_state, "active"))
                delay = 0; /* nothing to do: done at once */
        else if (streq(type, "stop")) {
                if (!streq(u->active_state, "active")) {
                        delay = 0; /* nothing to stop */
                        goto schedule;
                }
                set_state(u, "deactivating", "stop");
                delay = 1000ULL * DEFAULT_DELAY_MS;
        } else {
                if (streq(type, "restart") && streq(u->active_state, "active"))
                        set_state(u, "deactivating", "stop");
                set_state(u, "activating", u->is_mount ? "mounting" : "start");
                if (j->behaviour.outcome == OUTCOME_HANG)
                        return 1;
                delay = 1000ULL * j->behaviour.delay_ms;
        }
schedule:
        r = sd_event_add_time_relative(event, &j->timer, CLOCK_MONOTONIC, delay, 1, on_job_timer, j);
        if (r < 0)
                fprintf(stderr, "fake-systemd: cannot schedule a job: %s\n", strerror(-r));
        return 1;
}

static int method_load_unit(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name;
        Unit *u;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        u = find_unit(name);
        if (!u || !streq(u->name, name))
                return sd_bus_error_setf(error, "org.freedesktop.systemd1.NoSuchUnit", "Unit %s not found.", name);
        return sd_bus_reply_method_return(m, "o", u->path);
}

static int method_empty(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Subscribe", "", "", method_empty, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Unsubscribe", "", "", method_empty, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reload", "", "", method_empty, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("LoadUnit", "s", "o", method_load_unit, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("GetUnit", "s", "o", method_load_unit, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("StartUnit", "ss", "o", method_job, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("StopUnit", "ss", "o", method_job, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("RestartUnit", "ss", "o", method_job, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL("JobRemoved", "uoss", 0),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable unit_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "s", NULL, offsetof(Unit, name), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ActiveState", "s", NULL, offsetof(Unit, active_state), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SubState", "s", NULL, offsetof(Unit, sub_state), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ActiveEnterTimestamp", "t", NULL, offsetof(Unit, active_enter),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable result_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Result", "s", NULL, offsetof(Unit, result), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

/* Every method call, logged before it is dispatched: member, path and its string arguments. */
static int on_filter(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        char args[1024] = "";
        size_t n = 0;
        char type;
        const char *contents;

        if (!sd_bus_message_is_method_call(m, NULL, NULL))
                return 0;
        while (sd_bus_message_peek_type(m, &type, &contents) > 0) {
                const char *s;
                if (!IN_SET(type, 's', 'o') || sd_bus_message_read_basic(m, type, &s) < 0)
                        break;
                n += snprintf(args + n, sizeof args - n, " %s", s);
                if (n >= sizeof args)
                        break;
        }
        (void) sd_bus_message_rewind(m, true);
        log_line("%sCALL %s %s%s", strstr(args, " xen-dom0-boot-entries.service") ? "BUILDER-" : "",
                 strna(sd_bus_message_get_member(m)), strna(sd_bus_message_get_path(m)), args);
        return 0;
}

/* ---- commands ----------------------------------------------------------------------- */

static void xs_set_mode(const char *mode);
static int bus_connect(void);

static void command(char *line) {
        char *argv[4] = {};
        int argc = 0;
        Unit *u;

        log_line("CTL %s", line);
        if (startswith(line, "log "))
                return;
        for (char *p = strtok(line, " \t"); p && argc < 4; p = strtok(NULL, " \t"))
                argv[argc++] = p;
        if (argc == 0)
                return;
        u = argc >= 2 ? find_unit(argv[1]) : NULL;
        if (streq(argv[0], "behaviour") && argc == 3 && u) {
                bool active;
                if (parse_behaviour(argv[2], &u->behaviour, &active) < 0)
                        log_line("CTL-ERROR bad behaviour %s", argv[2]);
        } else if (streq(argv[0], "kill") && argc >= 2 && u) {
                if (!streq(u->active_state, "active")) {
                        log_line("CTL-ERROR %s is not active", u->name);
                        return;
                }
                set_result(u, argc >= 3 ? (streq(argv[2], "exit-code") ? "exit-code" : "signal") : "signal");
                set_state(u, "failed", "failed");
        } else if (streq(argv[0], "stop") && argc == 2 && u)
                set_state(u, "inactive", "dead");
        else if (streq(argv[0], "xenstore") && argc == 2)
                xs_set_mode(argv[1]);
        else if (streq(argv[0], "linger") && argc == 2)
                domains_linger = streq(argv[1], "on");
        else if (streq(argv[0], "xs-set") && argc == 2 && n_xs_keys < XS_KEYS_MAX)
                xs_keys[n_xs_keys++] = strdup(argv[1]);
        else if (streq(argv[0], "early") && argc == 2)
                early_job_removed = streq(argv[1], "on");
        else if (streq(argv[0], "reconnect") && argc == 1) {
                sd_bus_flush_close_unref(TAKE_PTR(bus));
                if (bus_connect() < 0)
                        log_line("CTL-ERROR cannot reconnect");
        }
        else
                log_line("CTL-ERROR unknown command");
}

static int on_control(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        char buf[512];
        ssize_t n = read(fd, buf, sizeof buf);

        if (n <= 0)
                return 0;
        for (ssize_t i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                        ctl_line[ctl_len] = 0;
                        command(ctl_line);
                        ctl_len = 0;
                } else if (ctl_len < sizeof ctl_line - 1)
                        ctl_line[ctl_len++] = buf[i];
        }
        return 0;
}

/* ---- sd_notify ------------------------------------------------------------------------ */

static int on_notify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);

        if (n <= 0)
                return 0;
        buf[n] = 0;
        for (char *p = buf, *nl; p && *p; p = nl ? nl + 1 : NULL) {
                nl = strchr(p, '\n');
                if (nl)
                        *nl = 0;
                if (*p)
                        log_line("NOTIFY %s", p);
        }
        return 0;
}

static int unix_socket(int type, const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        (void) unlink(path);
        fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0 || (type == SOCK_STREAM && listen(fd, 16) < 0)) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* ---- xenstore ------------------------------------------------------------------------- */

static void xs_conn_free(XsConn *c) {
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->timer);
        close(c->fd);
        free(c);
}

static void xs_send(XsConn *c) {
        size_t off = 0;

        while (off < c->out_len) {
                ssize_t n = write(c->fd, c->out + off, c->out_len - off);
                if (n <= 0)
                        break;
                off += n;
        }
        c->out_len = 0;
}

static int on_xs_reply_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        XsConn *c = userdata;

        c->timer = sd_event_source_disable_unref(c->timer);
        if (xs_mode == XS_SERVE) {
                log_line("XS REPLY %s %s", c->path, c->answer);
                xs_send(c);
        } else
                log_line("XS IGNORE %s", c->path);
        (void) sd_event_source_set_enabled(c->io, SD_EVENT_ON);
        return 0;
}

/* Answers one request: XS_READ of "/" is "", of /local/domain/0 ENOENT until xen-init-dom0
 * ran, of anything else ENOENT; every other request EINVAL. */
static void xs_request(XsConn *c, const struct xsd_sockmsg *h, const char *payload) {
        struct xsd_sockmsg r = *h;
        const char *value = NULL, *err = NULL;

        snprintf(c->path, sizeof c->path, "%.*s", (int) strnlen(payload, h->len), payload);
        if (h->type != XS_READ) {
                log_line("XS REQUEST %" PRIu32 " %s", h->type, c->path);
                err = "EINVAL";
        } else {
                log_line("XS READ %s", c->path);
                if (streq(c->path, "/"))
                        value = "";
                else if (streq(c->path, "/local/domain/0") && streq(find_unit("xen-init-dom0")->active_state, "active"))
                        value = "";
                else
                        err = "ENOENT";
                for (size_t i = 0; err && i < n_xs_keys; i++)
                        if (xs_keys[i] && fnmatch(xs_keys[i], c->path, FNM_PATHNAME) == 0)
                                value = "", err = NULL;
        }
        if (err) {
                r.type = XS_ERROR;
                r.len = strlen(err) + 1;
                memcpy(c->out + sizeof r, err, r.len);
        } else {
                r.len = strlen(value);
                memcpy(c->out + sizeof r, value, r.len);
        }
        memcpy(c->out, &r, sizeof r);
        c->out_len = sizeof r + r.len;
        c->answer = err ?: "(value)";
        if (xs_mode == XS_MUTE) {
                log_line("XS IGNORE %s", c->path);
                return;
        }
        if (xs_delay_ms == 0) {
                log_line("XS REPLY %s %s", c->path, c->answer);
                xs_send(c);
                return;
        }
        /* One request at a time: read nothing more until the answer went out. */
        if (sd_event_add_time_relative(event, &c->timer, CLOCK_MONOTONIC, 1000ULL * xs_delay_ms, 1,
                                       on_xs_reply_timer, c) >= 0)
                (void) sd_event_source_set_enabled(c->io, SD_EVENT_OFF);
}

static int on_xs_data(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        XsConn *c = userdata;
        ssize_t n = read(fd, c->in + c->in_len, sizeof c->in - c->in_len);
        const size_t hs = sizeof(struct xsd_sockmsg);

        if (n <= 0) {
                if (n < 0 && errno == EAGAIN)
                        return 0;
                xs_conn_free(c);
                return 0;
        }
        c->in_len += n;
        while (c->in_len >= hs && !c->timer) {
                struct xsd_sockmsg h;
                char payload[XS_PAYLOAD_MAX + 1];

                memcpy(&h, c->in, hs);
                if (h.len > XS_PAYLOAD_MAX) {
                        log_line("XS BAD length %" PRIu32, h.len);
                        xs_conn_free(c);
                        return 0;
                }
                if (c->in_len < hs + h.len)
                        break;
                memcpy(payload, c->in + hs, h.len);
                payload[h.len] = 0;
                memmove(c->in, c->in + hs + h.len, c->in_len - hs - h.len);
                c->in_len -= hs + h.len;
                xs_request(c, &h, payload);
        }
        return 0;
}

static int on_xs_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        XsConn *c;
        int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

        if (cfd < 0)
                return 0;
        if (xs_mode == XS_DROP) {
                log_line("XS DROP");
                close(cfd);
                return 0;
        }
        log_line("XS CONNECT");
        c = calloc(1, sizeof(XsConn));
        if (!c) {
                close(cfd);
                return 0;
        }
        c->fd = cfd;
        if (sd_event_add_io(event, &c->io, cfd, EPOLLIN, on_xs_data, c) < 0)
                xs_conn_free(c);
        return 0;
}

static void xs_set_mode(const char *mode) {
        if (streq(mode, "serve"))
                xs_mode = XS_SERVE;
        else if (streq(mode, "mute"))
                xs_mode = XS_MUTE;
        else if (streq(mode, "drop"))
                xs_mode = XS_DROP;
        else
                log_line("CTL-ERROR bad xenstore mode %s", mode);
}

/* ---- polkit: every CheckAuthorization is granted, after --polkit MS ------------------ */

static bool polkit;
static uint64_t polkit_delay_ms;

static int on_polkit_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        sd_bus_message *call = userdata;

        log_line("POLKIT granted %s", strna(sd_bus_message_get_sender(call)));
        (void) sd_bus_reply_method_return(call, "(bba{ss})", 1, 0, 0);
        sd_bus_message_unref(call);
        sd_event_source_unref(s);
        return 0;
}

static int method_check_authorization(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        log_line("POLKIT asked %s", strna(sd_bus_message_get_sender(m)));
        sd_bus_message_ref(m);
        if (sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, 1000ULL * polkit_delay_ms, 1, on_polkit_timer, m) <
            0) {
                sd_bus_message_unref(m);
                return -ENOMEM;
        }
        return 1;
}

static const sd_bus_vtable polkit_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("CheckAuthorization", "(sa{sv})sa{ss}us", "(bba{ss})", method_check_authorization,
                      SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

/* ---- the bus ---------------------------------------------------------------------------- */

/* Connects, serves the objects and owns org.freedesktop.systemd1 (and polkit's name with
 * --polkit): at start, and again for "reconnect". */
static int add_unit_objects(Unit *u) {
        int r = sd_bus_add_object_vtable(bus, NULL, u->path, "org.freedesktop.systemd1.Unit", unit_vtable, u);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, u->path,
                                             u->is_mount ? "org.freedesktop.systemd1.Mount"
                                                         : "org.freedesktop.systemd1.Service",
                                             result_vtable, u);
        return r;
}

static int bus_connect(void) {
        const char *unique = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "fake-systemd: cannot connect to the bus: %s\n", strerror(-r));
                return r;
        }
        r = sd_bus_add_filter(bus, NULL, on_filter, NULL);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, SD_PATH, SD_MANAGER, manager_vtable, NULL);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(units); i++)
                r = add_unit_objects(&units[i]);
        for (size_t i = 0; r >= 0 && i < n_guest_units; i++)
                r = add_unit_objects(guest_units[i]);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                fprintf(stderr, "fake-systemd: cannot set up the bus objects: %s\n", strerror(-r));
                return r;
        }
        r = sd_bus_request_name(bus, "org.freedesktop.systemd1", 0);
        if (r < 0) {
                fprintf(stderr, "fake-systemd: cannot own org.freedesktop.systemd1: %s\n", strerror(-r));
                return r;
        }
        if (polkit) {
                r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/PolicyKit1/Authority",
                                             "org.freedesktop.PolicyKit1.Authority", polkit_vtable, NULL);
                if (r >= 0)
                        r = sd_bus_request_name(bus, "org.freedesktop.PolicyKit1", 0);
                if (r < 0) {
                        fprintf(stderr, "fake-systemd: cannot serve polkit: %s\n", strerror(-r));
                        return r;
                }
        }
        (void) sd_bus_get_unique_name(bus, &unique);
        log_line("BUS %s", strna(unique));
        return 0;
}

/* ---- main ----------------------------------------------------------------------------- */

static void help(void) {
        printf("fake-systemd --log FILE [--control FIFO] [--notify SOCKET] [--xenstore SOCKET]\n"
               "             [--xenstore-mode serve|mute|drop] [--xenstore-delay MS]\n"
               "             [--unit UNIT=BEHAVIOUR]... [--default BEHAVIOUR] [--early-job-removed]\n"
               "             [--polkit MS]\n"
               "BEHAVIOUR: ok[:MS] fail[:MS] hang refuse active\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "log", required_argument, NULL, 'l' },
                { "control", required_argument, NULL, 'c' },
                { "notify", required_argument, NULL, 'n' },
                { "xenstore", required_argument, NULL, 'x' },
                { "xenstore-mode", required_argument, NULL, 'm' },
                { "xenstore-delay", required_argument, NULL, 'd' },
                { "unit", required_argument, NULL, 'u' },
                { "default", required_argument, NULL, 'D' },
                { "early-job-removed", no_argument, NULL, 'e' },
                { "builder", required_argument, NULL, 'B' },
                { "xen-control", required_argument, NULL, 'X' },
                { "polkit", required_argument, NULL, 'p' },
                {}
        };
        const char *log_path = NULL, *control = NULL, *notify = NULL, *xenstore = NULL;
        Behaviour def = { OUTCOME_OK, DEFAULT_DELAY_MS };
        bool set[ELEMENTSOF(units)] = {}, def_active = false;
        sigset_t mask;
        int c, r, fd;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 'l':
                        log_path = optarg;
                        break;
                case 'c':
                        control = optarg;
                        break;
                case 'n':
                        notify = optarg;
                        break;
                case 'x':
                        xenstore = optarg;
                        break;
                case 'm':
                        xs_set_mode(optarg);
                        break;
                case 'd':
                        xs_delay_ms = (unsigned) atoi(optarg);
                        break;
                case 'B':
                        builder_cmd = optarg;
                        break;
                case 'X':
                        xen_control = optarg;
                        break;
                case 'e':
                        early_job_removed = true;
                        break;
                case 'p':
                        polkit = true;
                        polkit_delay_ms = strtoull(optarg, NULL, 10);
                        break;
                case 'D':
                        if (parse_behaviour(optarg, &def, &def_active) < 0) {
                                fprintf(stderr, "fake-systemd: bad behaviour %s\n", optarg);
                                return 2;
                        }
                        break;
                case 'u': {
                        char *eq = strchr(optarg, '=');
                        Unit *u;
                        if (!eq) {
                                fprintf(stderr, "fake-systemd: --unit UNIT=BEHAVIOUR\n");
                                return 2;
                        }
                        *eq = 0;
                        u = find_unit(optarg);
                        if (!u || parse_behaviour(eq + 1, &u->behaviour, &u->initially_active) < 0) {
                                fprintf(stderr, "fake-systemd: bad unit or behaviour: %s=%s\n", optarg, eq + 1);
                                return 2;
                        }
                        if (u >= units && u < units + ELEMENTSOF(units))
                                set[u - units] = true;
                        break;
                }
                default:
                        return 2;
                }
        if (!log_path || optind < argc) {
                help();
                return 2;
        }
        log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0) {
                fprintf(stderr, "fake-systemd: %s: %m\n", log_path);
                return 1;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGPIPE);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 || sd_event_default(&event) < 0 ||
            sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL) < 0 ||
            sd_event_add_signal(event, NULL, SIGINT, NULL, NULL) < 0) {
                fprintf(stderr, "fake-systemd: cannot set up the event loop\n");
                return 1;
        }

        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                Unit *u = &units[i];

                if (!set[i]) {
                        u->behaviour = def;
                        u->initially_active = def_active;
                }
                u->active_state = u->initially_active ? "active" : "inactive";
                /* active since an earlier boot of the daemon: two hours ago */
                u->active_enter = u->initially_active ? realtime_usec() - INITIALLY_ACTIVE_AGE_USEC : 0;
                u->sub_state = u->initially_active ? (u->is_mount ? "mounted" : "running") : "dead";
                u->result = "success";
                if (sd_bus_path_encode(UNIT_PREFIX, u->name, &u->path) < 0)
                        return 1;
        }
        r = bus_connect();
        if (r < 0)
                return 1;

        if (control) {
                if (mkfifo(control, 0600) < 0 && errno != EEXIST) {
                        fprintf(stderr, "fake-systemd: %s: %m\n", control);
                        return 1;
                }
                /* read-write: writers never block and an end of file never spins */
                fd = open(control, O_RDWR | O_NONBLOCK | O_CLOEXEC);
                if (fd < 0 || sd_event_add_io(event, NULL, fd, EPOLLIN, on_control, NULL) < 0) {
                        fprintf(stderr, "fake-systemd: cannot watch %s\n", control);
                        return 1;
                }
        }
        if (notify) {
                fd = unix_socket(SOCK_DGRAM, notify);
                if (fd < 0 || sd_event_add_io(event, NULL, fd, EPOLLIN, on_notify, NULL) < 0) {
                        fprintf(stderr, "fake-systemd: cannot listen on %s\n", notify);
                        return 1;
                }
        }
        if (xenstore) {
                fd = unix_socket(SOCK_STREAM, xenstore);
                if (fd < 0 || sd_event_add_io(event, NULL, fd, EPOLLIN, on_xs_accept, NULL) < 0) {
                        fprintf(stderr, "fake-systemd: cannot listen on %s\n", xenstore);
                        return 1;
                }
        }

        log_line("READY");
        r = sd_event_loop(event);
        sd_bus_flush_close_unref(bus);
        sd_event_unref(event);
        return r < 0 ? 1 : 0;
}
