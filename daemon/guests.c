/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <xenstore.h>

#include "guests.h"
#include "log.h"
#include "paths.h"
#include "strv.h"
#include "systemd-client.h"
#include "xen-child.h"
#include "xen-backend.h"
#include "xen.h"

/* How often a started guest's readiness is looked at. */
#define READINESS_POLL_USEC (100 * 1000ULL)
/* Start jobs asked for at once: each is a call to systemd until it answers, and the bus caps
 * the calls a connection may have waiting for a reply (dbus-daemon's max_replies_per_connection,
 * 128 by default); the guests over it wait for a start to end. */
#define GUEST_STARTS_MAX 32
/* A read of its readiness key: the store may not answer. */
#define READINESS_READ_USEC (5 * 1000000ULL)

static const char *const state_names[_GUEST_RUN_STATE_MAX] = {
        [GUEST_RUN_OFF] = "off",           [GUEST_RUN_WAITING] = "waiting", [GUEST_RUN_STARTING] = "starting",
        [GUEST_RUN_READYING] = "readying", [GUEST_RUN_UP] = "up",           [GUEST_RUN_FAILED] = "failed",
        [GUEST_RUN_SKIPPED] = "skipped",   [GUEST_RUN_UNDECLARED] = "undeclared", [GUEST_RUN_STOPPING] = "stopping",
};

const char *guest_run_state_to_string(GuestRunState s) {
        return s >= 0 && s < _GUEST_RUN_STATE_MAX ? state_names[s] : NULL;
}

/* The runs by the index of their guest in the configuration, so that the dispatch loop, which
 * looks a run up for every guest and every name in after, stays linear for a thousand guests.
 * Rebuilt for each configuration; undeclared guests are found by a scan. */
static bool index_fresh(Manager *m) {
        const Guests *gs = &m->config->guests;
        GuestRun **ix;

        if (m->guest_index_config == m->config)
                return true;
        ix = calloc(gs->n ?: 1, sizeof(GuestRun *));
        if (!ix)
                return false; /* the scan below still finds them */
        for (size_t i = 0; i < m->n_guest_runs; i++) {
                const Guest *g = guests_find(gs, m->guest_runs[i]->name);
                if (g)
                        ix[g - gs->items] = m->guest_runs[i];
        }
        free(m->guest_index);
        m->guest_index = ix;
        m->guest_index_config = m->config;
        m->guests_renamed = false;
        for (size_t i = 0; i < m->n_guest_runs; i++)
                if (!streq(m->guest_runs[i]->domain, m->guest_runs[i]->name))
                        m->guests_renamed = true;
        return true;
}

GuestRun *guests_find_run(Manager *m, const char *name) {
        const Guest *g = m->config ? guests_find(&m->config->guests, name) : NULL;

        if (g && index_fresh(m))
                return m->guest_index[g - m->config->guests.items];
        for (size_t i = 0; i < m->n_guest_runs; i++)
                if (streq(m->guest_runs[i]->name, name))
                        return m->guest_runs[i];
        return NULL;
}

GuestRun *guests_find_run_by_domain(Manager *m, const char *domain) {
        GuestRun *found = NULL;

        /* Most guests' domains are called as the guest is: found at once. The bus asks for
         * every domain that appears, so a scan of all guests for each would be quadratic. */
        found = m->config ? guests_find_run(m, domain) : NULL;
        if (found && !streq(found->domain, domain))
                found = NULL;
        /* every guest's domain called as the guest: the guest of that name is the one */
        if (m->config && !m->guests_renamed)
                return found;
        if (found && found->state != GUEST_RUN_UNDECLARED)
                return found;
        found = NULL;
        /* a declared one first: an undeclared run may share the name with a new declaration */
        for (size_t i = 0; i < m->n_guest_runs; i++)
                if (streq(m->guest_runs[i]->domain, domain) &&
                    (!found || found->state == GUEST_RUN_UNDECLARED))
                        found = m->guest_runs[i];
        return found;
}

/* Gives the run the domain name of its declaration g (its NAME when none): the one place a
 * run's domain changes, so that guests_renamed follows it. Returns 0 or -ENOMEM. */
static int run_set_domain(Manager *m, GuestRun *r, const Guest *g) {
        char *domain = strdup(g && g->domain_name ? g->domain_name : r->name);

        if (!domain)
                return -ENOMEM;
        free(r->domain);
        r->domain = domain;
        if (!streq(domain, r->name))
                m->guests_renamed = true;
        return 0;
}

static void run_free(GuestRun *r) {
        if (!r)
                return;
        xen_child_cancel(r->child);
        for (size_t k = 0; k < _GUEST_LIVE_MAX; k++)
                xen_child_cancel(r->live[k].child);
        free(r->name);
        free(r->domain);
        free(r->error);
        free(r->ready_key);
        strv_free(r->pending);
        free(r->deps);
        free(r);
}

void guests_free(Manager *m) {
        for (size_t i = 0; i < m->n_guest_runs; i++)
                run_free(m->guest_runs[i]);
        m->guest_runs = mfree(m->guest_runs);
        m->n_guest_runs = 0;
        m->guest_index = mfree(m->guest_index);
        m->guest_index_config = NULL;
        m->guest_epoch++;
        m->guest_timer = sd_event_source_disable_unref(m->guest_timer);
        m->guest_defer = sd_event_source_disable_unref(m->guest_defer);
}

static GuestRun *run_add(Manager *m, const Guest *g) {
        GuestRun **l, *r = calloc(1, sizeof(GuestRun));

        if (!r || !(r->name = strdup(g->name)) || run_set_domain(m, r, g) < 0) {
                run_free(r);
                return NULL;
        }
        l = reallocarray(m->guest_runs, m->n_guest_runs + 1, sizeof(GuestRun *));
        if (!l) {
                run_free(r);
                return NULL;
        }
        m->guest_runs = l;
        m->guest_runs[m->n_guest_runs++] = r;
        m->guest_epoch++; /* a name in another guest's after may be this one's */
        if (m->guest_index_config == m->config && m->config && g == guests_find(&m->config->guests, g->name))
                m->guest_index[g - m->config->guests.items] = r;
        r->manager = m;
        r->state = g->autostart ? GUEST_RUN_WAITING : GUEST_RUN_OFF;
        return r;
}

static void set_errorv(GuestRun *r, const char *fmt, va_list ap) _printf_(2, 0);
static void set_errorv(GuestRun *r, const char *fmt, va_list ap) {
        char *s = NULL;

        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        free(r->error);
        r->error = s;
}

static void set_error(GuestRun *r, const char *fmt, ...) _printf_(2, 3);
static void set_error(GuestRun *r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        set_errorv(r, fmt, ap);
        va_end(ap);
}

static void run_failed(Manager *m, GuestRun *r, const char *fmt, ...) _printf_(3, 4);
static void run_failed(Manager *m, GuestRun *r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        set_errorv(r, fmt, ap);
        va_end(ap);
        r->state = GUEST_RUN_FAILED;
        r->child = xen_child_cancel(r->child);
        log_event(LOG_ERR, MESSAGE_GUEST_FAILED, NULL, "Guest %s failed: %s", r->name, strna(r->error));
}

static void run_up(Manager *m, GuestRun *r) {
        r->state = GUEST_RUN_UP;
        r->error = mfree(r->error);
        if (r->start_requested)
                log_event(LOG_INFO, MESSAGE_GUEST_STARTED, NULL, "Guest %s is up (%.1f s after its start)", r->name,
                          (double) (now_usec(CLOCK_MONOTONIC) - r->start_requested) / 1e6);
        else
                log_event(LOG_INFO, MESSAGE_GUEST_STARTED, NULL, "Guest %s runs already: adopted", r->name);
}

static void dispatch(Manager *m);

/* A domain that runs on: not one going away after its shutdown. */
static bool domain_alive(const XenDomain *d) {
        return d->state != XEN_DOMAIN_SHUTDOWN && d->state != XEN_DOMAIN_DYING && d->state != XEN_DOMAIN_CRASHED;
}

static int on_poll(sd_event_source *s, uint64_t usec, void *userdata) {
        dispatch(userdata);
        return 0;
}

static void schedule_poll_in(Manager *m, usec_t delay) {
        if (m->guest_timer) {
                (void) sd_event_source_set_time_relative(m->guest_timer, delay);
                (void) sd_event_source_set_enabled(m->guest_timer, SD_EVENT_ONESHOT);
                return;
        }
        if (sd_event_add_time_relative(m->event, &m->guest_timer, CLOCK_MONOTONIC, delay, 10 * 1000, on_poll, m) < 0)
                log_error("Cannot watch the guests' readiness: out of memory");
}

static void schedule_poll(Manager *m) {
        schedule_poll_in(m, READINESS_POLL_USEC);
}

static int on_dispatch_soon(sd_event_source *s, void *userdata) {
        dispatch(userdata);
        return 0;
}

/* The next look at the guests, once the messages the bus has at hand are read: up to
 * GUEST_STARTS_MAX start jobs end together, and a pass over a thousand guests for each end
 * made starting them quadratic. The bus's sources are of normal priority; this one runs after. */
static void dispatch_soon(Manager *m) {
        if (!m->guest_defer) {
                if (sd_event_add_defer(m->event, &m->guest_defer, on_dispatch_soon, m) < 0) {
                        dispatch(m);
                        return;
                }
                (void) sd_event_source_set_priority(m->guest_defer, SD_EVENT_PRIORITY_NORMAL + 1);
                (void) sd_event_source_set_description(m->guest_defer, "guests-dispatch");
        }
        (void) sd_event_source_set_enabled(m->guest_defer, SD_EVENT_ONESHOT);
}

/* ---- readiness through the store ------------------------------------------------------- */

/* In the child, which has a copy of the loop's memory: the run's domid and key as they were. */
static int readiness_run(void *userdata, int fd) {
        const GuestRun *r = userdata;
        struct xs_handle *h = xs_open(XS_OPEN_SOCKETONLY);
        char path[320];
        unsigned len;
        char *v;

        if (!h)
                h = xs_open(0);
        if (!h)
                return -errno;
        snprintf(path, sizeof path, "/local/domain/%u/%s", r->ready_domid, r->ready_key);
        v = xs_read(h, XBT_NULL, path, &len);
        if (!v) {
                int k = -errno;
                xs_close(h);
                return k;
        }
        free(v);
        xs_close(h);
        return write(fd, "1", 1) == 1 ? 0 : -EIO;
}

static void readiness_done(void *userdata, int error, const char *data, size_t size) {
        GuestRun *r = userdata;

        r->child = NULL;
        if (error == 0 && r->state == GUEST_RUN_READYING)
                r->ready_seen = true; /* up at the next look */
}

/* ---- the start --------------------------------------------------------------------------- */

/* Jobs carry the run itself: runs live as long as the daemon (a removed guest stays tracked,
 * undeclared), so a job in flight at exit owns nothing. */
static void on_start_done(Manager *m, const char *unit, const char *result, const char *error, void *userdata) {
        GuestRun *r = userdata;

        if (r->state != GUEST_RUN_STARTING)
                return;
        if (error)
                run_failed(m, r, "systemd refused to start %s: %s", unit, error);
        else if (!streq_ptr(result, "done"))
                run_failed(m, r, "%s: start job %s (journalctl -u %s shows xl's error)", unit, strna(result), unit);
        else {
                const Guest *g = guests_find(&m->config->guests, r->name);
                r->state = GUEST_RUN_READYING;
                r->deadline = now_usec(CLOCK_MONOTONIC) +
                              (g ? g->readiness_timeout : GUEST_READINESS_TIMEOUT_DEFAULT) * 1000000ULL;
        }
        dispatch_soon(m);
}

static int start_run(Manager *m, GuestRun *r) {
        _cleanup_free_ char *unit = guest_unit_name(r->name);
        int k;

        if (!unit)
                return -ENOMEM;
        /* a new start takes the declaration as it is now: its domain name, nothing pending */
        if (run_set_domain(m, r, guests_find(&m->config->guests, r->name)) < 0)
                return -ENOMEM;
        r->pending = strv_free(r->pending);
        r->ready_seen = false;
        r->stopped = false;
        r->state = GUEST_RUN_STARTING;
        r->start_requested = now_usec(CLOCK_MONOTONIC);
        r->error = mfree(r->error);
        m->guests_trim_due = true;
        k = systemd_job(m, "StartUnit", unit, on_start_done, r);
        if (k < 0)
                run_failed(m, r, "cannot ask systemd to start %s: %s", unit, strerror(-k));
        return k;
}

/* The declaration of r and the runs it starts after, looked up by name once per configuration
 * and set of runs rather than on every dispatch(): each step of a chain of a thousand guests
 * looked up every waiting one, a million lookups in all. NULL when r is not declared. */
static const Guest *run_resolve(Manager *m, GuestRun *r) {
        const Guest *g;
        size_t n;

        if (r->epoch == m->guest_epoch && r->epoch != 0)
                return r->guest;
        g = guests_find(&m->config->guests, r->name);
        r->guest = g;
        r->deps = mfree(r->deps);
        r->n_deps = 0;
        n = g ? strv_length(g->after) : 0;
        if (n > 0) {
                r->deps = calloc(n, sizeof(GuestRun *));
                if (!r->deps)
                        return g; /* not resolved: needs_up() goes by name */
                for (size_t i = 0; i < n; i++)
                        r->deps[i] = guests_find_run(m, g->after[i]);
                r->n_deps = n;
        }
        r->epoch = m->guest_epoch;
        return g;
}

static bool dep_lost(const GuestRun *d) {
        return !d || d->state == GUEST_RUN_FAILED || d->state == GUEST_RUN_SKIPPED || d->state == GUEST_RUN_OFF;
}

/* Whether every guest that r (declared as g) starts after is up; when one never will be, false
 * with its name in *ret_lost. */
static bool needs_up(Manager *m, GuestRun *r, const Guest *g, const char **ret_lost) {
        /* not resolved only when run_resolve() ran out of memory */
        bool all = true, resolved = r->epoch == m->guest_epoch;
        size_t i = 0;

        *ret_lost = NULL;
        STRV_FOREACH(a, g->after) {
                GuestRun *d = resolved ? r->deps[i++] : guests_find_run(m, *a);
                if (dep_lost(d)) {
                        *ret_lost = *a;
                        return false;
                }
                if (d->state != GUEST_RUN_UP)
                        all = false;
        }
        return all;
}

static void dispatch(Manager *m) {
        usec_t now = now_usec(CLOCK_MONOTONIC);
        bool again = false, changed = true;
        size_t starting = 0;

        if (!m->guests_begun || m->shutting_down)
                return;
        for (size_t i = 0; i < m->n_guest_runs; i++)
                if (m->guest_runs[i]->state == GUEST_RUN_STARTING)
                        starting++;
        /* A failure skips the guests after it, which may skip others: until nothing changes. */
        while (changed) {
                changed = false;
                for (size_t i = 0; i < m->n_guest_runs; i++) {
                        GuestRun *r = m->guest_runs[i];
                        const Guest *g;
                        const char *lost;

                        /* most are up, or in flight: looked at only where there is work */
                        if (!IN_SET(r->state, GUEST_RUN_OFF, GUEST_RUN_WAITING, GUEST_RUN_READYING) ||
                            (r->state == GUEST_RUN_OFF && r->stopped))
                                continue;
                        /* Every start slot is taken: a waiting guest is looked at again when a
                         * start ends (on_start_done()). Its adoption or skip can wait as long; a
                         * look at each of a thousand waiting guests on every job's end made the
                         * starts quadratic. */
                        if (r->state == GUEST_RUN_WAITING && starting >= GUEST_STARTS_MAX)
                                continue;
                        g = run_resolve(m, r);
                        if (!g)
                                continue; /* undeclared */
                        if (r->state == GUEST_RUN_OFF && !r->stopped) {
                                /* not started by us (autostart = false), but it runs: adopted */
                                XenDomain *d = xen_domain_by_name(m, r->domain);
                                if (d && domain_alive(d)) {
                                        r->adopted = true;
                                        r->start_requested = 0;
                                        run_up(m, r);
                                        changed = true;
                                }
                        }
                        if (r->state == GUEST_RUN_WAITING) {
                                if (needs_up(m, r, g, &lost)) {
                                        XenDomain *running = xen_domain_by_name(m, r->domain);

                                        if (r->await_gone && running && running->domid == r->gone_domid) {
                                                if (now < r->deadline) {
                                                        again = true; /* the stopped domain is still listed */
                                                        continue;
                                                }
                                                r->await_gone = false;
                                                run_failed(m, r, "not started again: the domain it stopped (%s, domid %" PRIu32
                                                                 ") is still there after %" PRIu64 " s",
                                                           r->domain, r->gone_domid, g->readiness_timeout);
                                                changed = true;
                                                continue;
                                        }
                                        r->await_gone = false;
                                        /* running already (a daemon restart, a start by hand): adopted */
                                        if (running && domain_alive(running)) {
                                                r->adopted = true;
                                                r->start_requested = 0;
                                                r->state = GUEST_RUN_READYING;
                                                r->deadline = now + g->readiness_timeout * 1000000ULL;
                                                changed = true;
                                        } else if (starting < GUEST_STARTS_MAX) {
                                                /* the rest when one of these ended (on_start_done) */
                                                if (start_run(m, r) >= 0)
                                                        starting++;
                                                changed = true;
                                        }
                                } else if (lost) {
                                        GuestRun *d = guests_find_run(m, lost);
                                        r->state = GUEST_RUN_SKIPPED;
                                        set_error(r, "not started: it starts after %s, which is %s", lost,
                                                  d ? guest_run_state_to_string(d->state) : "not declared");
                                        log_event(LOG_ERR, MESSAGE_GUEST_FAILED, NULL, "Guest %s %s", r->name,
                                                  r->error);
                                        changed = true;
                                }
                        }
                        if (r->state == GUEST_RUN_READYING) {
                                XenDomain *d = xen_domain_by_name(m, r->domain);
                                if (d && domain_alive(d) && (!g->readiness_key || r->ready_seen)) {
                                        run_up(m, r);
                                        changed = true;
                                } else if (now >= r->deadline) {
                                        if (!d)
                                                run_failed(m, r, "its domain %s did not appear within %" PRIu64
                                                                 " s (journalctl -u xen-guest@%s shows xl's messages)",
                                                           r->domain, g->readiness_timeout, r->name);
                                        else
                                                run_failed(m, r, "it did not write %s within %" PRIu64 " s",
                                                           g->readiness_key, g->readiness_timeout);
                                        changed = true;
                                } else {
                                        if (d && g->readiness_key && !r->child) {
                                                r->ready_domid = d->domid;
                                                if (!streq_ptr(r->ready_key, g->readiness_key)) {
                                                        free(r->ready_key);
                                                        r->ready_key = strdup(g->readiness_key);
                                                }
                                                if (r->ready_key)
                                                        (void) xen_child_start(m->event, "a guest's readiness",
                                                                               READINESS_READ_USEC, readiness_run,
                                                                               readiness_done, r, &r->child);
                                        }
                                        again = true;
                                }
                        }
                }
        }
        if (again)
                schedule_poll(m);
        if (m->guests_trim_due) {
                size_t busy = 0;

                for (size_t i = 0; i < m->n_guest_runs; i++)
                        if (IN_SET(m->guest_runs[i]->state, GUEST_RUN_WAITING, GUEST_RUN_STARTING,
                                   GUEST_RUN_READYING))
                                busy++;
                /* the starts are over: their messages and signals are freed */
                if (busy == 0) {
                        m->guests_trim_due = false;
                        manager_trim_memory("the guests' starts");
                }
        }
        manager_update_state(m);
}

void guests_begin(Manager *m) {
        const Guests *gs = &m->config->guests;

        if (m->guests_begun || !config_bool(m->config, OPT_ENABLE))
                return;
        for (size_t i = 0; i < gs->n; i++)
                if (!guests_find_run(m, gs->items[i].name) && !run_add(m, &gs->items[i]))
                        log_error("Cannot track guest %s: out of memory", gs->items[i].name);
        m->guests_begun = true;
        if (gs->n > 0)
                log_info("Starting %zu declared guest%s", gs->n, gs->n == 1 ? "" : "s");
        /* from the loop, not from within the state update that called us */
        schedule_poll_in(m, 0);
}

/* ---- live changes ------------------------------------------------------------------------ */

#define LIVE_USEC (10 * 1000000ULL)

/* What each live change sets, and what it says. */
static const struct {
        const char *key;     /* of the settings */
        const char *what;    /* for the child's name */
        const char *limit;   /* what a refusal (-EINVAL) means */
} live_keys[_GUEST_LIVE_MAX] = {
        [GUEST_LIVE_MEMORY] = { "memory", "a guest's memory target", "above the guest's maxmem" },
        [GUEST_LIVE_VCPUS] = { "vcpus", "a guest's online vcpus", "above the guest's maxvcpus" },
};

static GuestLiveKey live_key_of(const GuestLive *l) {
        return (GuestLiveKey) (l - l->run->live);
}

static int live_run(void *userdata, int fd) {
        GuestLive *l = userdata;
        Manager *m = l->run->manager;

        return live_key_of(l) == GUEST_LIVE_MEMORY ? xen_guest_memory_run(m, l->domid, l->value << 10)
                                                    : xen_guest_vcpus_run(m, l->domid, (uint32_t) l->value);
}

static void live_done(void *userdata, int error, const char *data, size_t size) {
        GuestLive *l = userdata;
        GuestRun *r = l->run;
        GuestLiveKey k = live_key_of(l);
        char option[GUEST_NAME_MAX + 64], change[64];

        l->child = NULL;
        snprintf(option, sizeof option, "guests.%s.settings.%s", r->name, live_keys[k].key);
        if (k == GUEST_LIVE_MEMORY)
                snprintf(change, sizeof change, "memory at %" PRIu64 " MiB", l->value);
        else
                snprintf(change, sizeof change, "%" PRIu64 " vcpus online", l->value);
        if (error < 0) {
                log_warning("Guest %s: cannot have its %s live (%s): it waits for a restart of the guest", r->name,
                            change,
                            error == -ETIMEDOUT ? "xenstored did not answer"
                            : error == -EINVAL  ? live_keys[k].limit
                                                : strerror(-error));
                if (!strv_contains(r->pending, option))
                        (void) strv_extend(&r->pending, option);
                return;
        }
        if (k == GUEST_LIVE_MEMORY)
                xen_guest_memory_set(r->manager, l->domid, l->value << 10);
        else
                xen_guest_vcpus_set(r->manager, l->domid, (uint32_t) l->value);
        log_info("Guest %s: %s, set live", r->name, change);
}

/* Starts applying a live setting (memory in MiB, or vcpus) to the running domain; returns
 * whether the change is under way (its child's failure leaves it pending). */
static bool apply_live(Manager *m, GuestRun *r, GuestLiveKey k, uint64_t value) {
        XenDomain *d = xen_domain_by_name(m, r->domain);
        GuestLive *l = &r->live[k];

        if (!d || l->child || value == 0)
                return false;
        r->manager = m;
        *l = (GuestLive) { .run = r, .domid = d->domid, .value = value };
        return xen_child_start(m->event, live_keys[k].what, LIVE_USEC, live_run, live_done, l, &l->child) >= 0;
}

static void on_systemd_reloaded(Manager *m, const char *unit, const char *result, const char *error,
                                void *userdata) {
        if (error)
                log_warning("systemd did not reload its units (%s): the guests' stop order at shutdown is the "
                            "one it had",
                            error);
}

void guests_files_written(Manager *m, char *const *changed) {
        STRV_FOREACH(p, changed)
                if (startswith(*p, PATH_GUEST_DROPINS "/" GUEST_UNIT_PREFIX)) {
                        if (systemd_daemon_reload(m, on_systemd_reloaded, NULL) < 0)
                                log_warning("Cannot ask systemd to reload the guests' stop order");
                        return;
                }
}

/* ---- what a reload does to the guests: one plan for Diff and Reload --------------------- */

static const char *const change_names[_GUEST_CHANGE_KIND_MAX] = {
        [GUEST_CHANGE_START] = "start",
        [GUEST_CHANGE_UNDECLARED] = "undeclared",
        [GUEST_CHANGE_LIVE] = "live",
        [GUEST_CHANGE_PENDING] = "pending-restart",
};

const char *guest_change_kind_to_string(GuestChangeKind k) {
        return k >= 0 && k < _GUEST_CHANGE_KIND_MAX ? change_names[k] : NULL;
}

void guest_changes_done(GuestChanges *c) {
        for (size_t i = 0; i < c->n; i++) {
                free(c->items[i].guest);
                free(c->items[i].option);
        }
        free(c->items);
        *c = (GuestChanges) {};
}

static int change_add(GuestChanges *c, GuestChangeKind kind, const char *guest, const char *option, uint64_t value) {
        GuestChange *l = reallocarray(c->items, c->n + 1, sizeof(GuestChange));

        if (!l)
                return -ENOMEM;
        c->items = l;
        l[c->n] = (GuestChange) { .kind = kind, .value = value, .guest = strdup(guest),
                                  .option = option ? strdup(option) : NULL };
        if (!l[c->n].guest || (option && !l[c->n].option)) {
                free(l[c->n].guest);
                free(l[c->n].option);
                return -ENOMEM;
        }
        c->n++;
        return 0;
}

static bool run_is_running(const GuestRun *r) {
        return IN_SET(r->state, GUEST_RUN_UP, GUEST_RUN_READYING, GUEST_RUN_STARTING);
}

static uint64_t setting_u64(const Guest *g, const char *key) {
        const XlSetting *s = xl_settings_find(&g->settings, key);
        return s ? strtoull(s->value, NULL, 0) : 0;
}

/* What a change of the file from before to now does to one tracked guest; appended to c. */
static int plan_run(Manager *m, const GuestRun *r, const Guest *before, const Guest *now, GuestChanges *c) {
        _cleanup_strv_free_ char **restart = NULL, **live = NULL;
        int k;

        if (!now)
                return r->state == GUEST_RUN_UNDECLARED ? 0 : change_add(c, GUEST_CHANGE_UNDECLARED, r->name, NULL, 0);
        if (r->state == GUEST_RUN_UNDECLARED) /* declared again: started unless it runs */
                return !xen_domain_by_name(m, r->domain) && now->autostart
                               ? change_add(c, GUEST_CHANGE_START, r->name, NULL, 0)
                               : 0;
        /* Not applied to a domain that does not run: it takes them at its next start. */
        if (!before || !run_is_running(r))
                return 0;
        k = guest_changes(before, now, &restart, &live);
        if (k < 0)
                return k;
        STRV_FOREACH(s, restart)
                if ((k = change_add(c, GUEST_CHANGE_PENDING, r->name, *s, 0)) < 0)
                        return k;
        const XenDomain *d = xen_domain_by_name(m, r->domain);
        STRV_FOREACH(s, live) {
                GuestLiveKey key = endswith(*s, ".memory") ? GUEST_LIVE_MEMORY : GUEST_LIVE_VCPUS;
                uint64_t v = setting_u64(now, live_keys[key].key), max;

                /* Within what the domain was created with: its maxmem (else its memory), and the
                 * vcpus the hypervisor gave it (else its maxvcpus, else its vcpus). */
                if (key == GUEST_LIVE_MEMORY)
                        max = setting_u64(before, "maxmem") ?: setting_u64(before, "memory");
                else
                        max = d && d->max_vcpus ? d->max_vcpus
                                                : setting_u64(before, "maxvcpus") ?: setting_u64(before, "vcpus");
                k = change_add(c, d && v > 0 && v <= max ? GUEST_CHANGE_LIVE : GUEST_CHANGE_PENDING, r->name, *s, v);
                if (k < 0)
                        return k;
                c->items[c->n - 1].live = key;
        }
        return 0;
}

int guests_plan(Manager *m, const Config *old, const Config *new, GuestChanges *ret) {
        _cleanup_(guest_changes_done) GuestChanges c = {};
        const Guests *gs = &new->guests;
        int k;

        for (size_t i = 0; i < m->n_guest_runs; i++) {
                const GuestRun *r = m->guest_runs[i];
                k = plan_run(m, r, guests_find(&old->guests, r->name), guests_find(gs, r->name), &c);
                if (k < 0)
                        return k;
        }
        for (size_t i = 0; i < gs->n; i++)
                if (gs->items[i].autostart && !guests_find_run(m, gs->items[i].name) &&
                    (k = change_add(&c, GUEST_CHANGE_START, gs->items[i].name, NULL, 0)) < 0)
                        return k;
        *ret = c;
        c = (GuestChanges) {};
        return 0;
}

void guests_config_changed(Manager *m, const GuestChanges *plan) {
        const Guests *gs = &m->config->guests;
        size_t next = 0;

        m->guest_index_config = NULL; /* built for the old one */
        m->guest_epoch++;

        /* the plan holds each run's changes together, in the runs' order */
        for (size_t i = 0; i < m->n_guest_runs; i++) {
                GuestRun *r = m->guest_runs[i];
                const Guest *now = guests_find(gs, r->name);
                size_t n_pending = strv_length(r->pending), first = next;

                while (next < plan->n && streq(plan->items[next].guest, r->name))
                        next++;
                if (!now) {
                        if (r->state != GUEST_RUN_UNDECLARED)
                                log_notice("Guest %s is no longer declared: left %s as it is", r->name,
                                           guest_run_state_to_string(r->state));
                        r->state = GUEST_RUN_UNDECLARED;
                        continue;
                }
                /* declared again: started as the plan says, else up if it runs */
                if (r->state == GUEST_RUN_UNDECLARED)
                        r->state = xen_domain_by_name(m, r->domain) ? GUEST_RUN_UP : GUEST_RUN_OFF;
                for (size_t j = first; j < next; j++) {
                        const GuestChange *x = &plan->items[j];
                        bool applied = false;

                        if (x->kind == GUEST_CHANGE_START)
                                r->state = GUEST_RUN_WAITING;
                        if (x->kind == GUEST_CHANGE_LIVE)
                                applied = apply_live(m, r, x->live, x->value);
                        if ((x->kind == GUEST_CHANGE_PENDING || (x->kind == GUEST_CHANGE_LIVE && !applied)) &&
                            !strv_contains(r->pending, x->option))
                                (void) strv_extend(&r->pending, x->option);
                }
                if (strv_length(r->pending) > n_pending)
                        log_notice("Guest %s: %zu setting%s wait%s for a restart of the guest "
                                   "(xen-dom0ctl restart-guest %s)",
                                   r->name, strv_length(r->pending), strv_length(r->pending) == 1 ? "" : "s",
                                   strv_length(r->pending) == 1 ? "s" : "", r->name);
                /* a running domain keeps its name until it restarts (a rename is pending) */
                if (!IN_SET(r->state, GUEST_RUN_UP, GUEST_RUN_READYING, GUEST_RUN_STARTING, GUEST_RUN_STOPPING))
                        (void) run_set_domain(m, r, now);
        }
        for (size_t i = 0; i < gs->n; i++)
                if (!guests_find_run(m, gs->items[i].name)) {
                        if (!run_add(m, &gs->items[i]))
                                log_error("Cannot track guest %s: out of memory", gs->items[i].name);
                        else
                                log_info("Guest %s is newly declared%s", gs->items[i].name,
                                         gs->items[i].autostart ? ": starting it" : "");
                }
        if (m->guests_begun)
                dispatch(m);
}

char *guests_status(Manager *m, bool *ret_degraded) {
        unsigned up = 0, declared = 0;
        GuestRun *starting = NULL, *failed = NULL;
        char *s = NULL;

        *ret_degraded = false;
        for (size_t i = 0; i < m->n_guest_runs; i++) {
                GuestRun *r = m->guest_runs[i];
                if (r->state == GUEST_RUN_UNDECLARED)
                        continue;
                declared++;
                if (r->state == GUEST_RUN_UP)
                        up++;
                else if ((r->state == GUEST_RUN_STARTING || r->state == GUEST_RUN_READYING) && !starting)
                        starting = r;
                else if ((r->state == GUEST_RUN_FAILED || r->state == GUEST_RUN_SKIPPED) && !failed)
                        failed = r;
        }
        if (declared == 0)
                return NULL;
        *ret_degraded = failed != NULL;
        if (failed && asprintf(&s, "guest %s %s, %u of %u guests up", failed->name,
                               guest_run_state_to_string(failed->state), up, declared) < 0)
                return NULL;
        if (!failed && starting &&
            asprintf(&s, "starting guest %s, %u of %u guests up", starting->name, up, declared) < 0)
                return NULL;
        if (!failed && !starting && asprintf(&s, "%u of %u guests up", up, declared) < 0)
                return NULL;
        return s;
}

/* A start that follows a stop of ours, be it a restart or a stop-guest then a start-guest,
 * waits until the domain that stop ended is no longer listed, for at most the guest's
 * readiness timeout: the domain list follows the unit's end a little late, and that domain,
 * still running, must not be adopted as the guest. */
static void await_stopped_domain(Manager *m, GuestRun *r) {
        const Guest *g = guests_find(&m->config->guests, r->name);

        r->await_gone = r->stopped && r->gone_domid != 0;
        r->deadline = now_usec(CLOCK_MONOTONIC) + (g ? g->readiness_timeout : 60) * 1000000ULL;
}

int guests_start_one(Manager *m, const char *name) {
        GuestRun *r = guests_find_run(m, name);

        if (!r || r->state == GUEST_RUN_UNDECLARED)
                return -ENOENT;
        if (IN_SET(r->state, GUEST_RUN_STARTING, GUEST_RUN_READYING, GUEST_RUN_UP))
                return 0;
        if (r->state == GUEST_RUN_STOPPING) {
                r->start_after_stop = true; /* once its stop ended */
                return 0;
        }
        r->state = GUEST_RUN_WAITING;
        r->error = mfree(r->error);
        await_stopped_domain(m, r);
        /* what it starts after comes first: a guest skipped for a failed one is tried again */
        for (size_t i = 0; i < m->n_guest_runs; i++)
                if (m->guest_runs[i]->state == GUEST_RUN_SKIPPED)
                        m->guest_runs[i]->state = GUEST_RUN_WAITING;
        dispatch(m);
        return 0;
}

static void on_stop_done(Manager *m, const char *unit, const char *result, const char *error, void *userdata) {
        GuestRun *r = userdata;

        if (r->state != GUEST_RUN_STOPPING)
                return; /* overtaken by a later request */
        if (error || !streq_ptr(result, "done"))
                log_error("Guest %s: stop of %s %s", r->name, unit, error ?: strna(result));
        if (r->start_after_stop) {
                r->start_after_stop = false;
                r->state = GUEST_RUN_WAITING;
                await_stopped_domain(m, r);
                dispatch(m);
        } else {
                r->state = GUEST_RUN_OFF;
                manager_update_state(m);
        }
}

static int stop_run(Manager *m, GuestRun *r, bool then_start) {
        _cleanup_free_ char *unit = guest_unit_name(r->name);
        const XenDomain *d = xen_domain_by_name(m, r->domain);
        int k;

        if (!unit)
                return -ENOMEM;
        r->child = xen_child_cancel(r->child);
        /* a start job in flight is canceled by this one: its callback finds STOPPING and
         * leaves it; a restart starts afresh once the stop ended */
        r->await_gone = false; /* set when a start follows (await_stopped_domain) */
        r->gone_domid = d ? d->domid : 0;
        r->state = GUEST_RUN_STOPPING;
        r->start_after_stop = then_start;
        r->stopped = true;
        r->error = mfree(r->error);
        k = systemd_job(m, "StopUnit", unit, on_stop_done, r);
        if (k < 0) {
                r->state = GUEST_RUN_OFF;
                set_error(r, "cannot ask systemd to stop %s: %s", unit, strerror(-k));
        }
        return k;
}

int guests_stop_one(Manager *m, const char *name) {
        GuestRun *r = guests_find_run(m, name);

        if (!r || r->state == GUEST_RUN_UNDECLARED)
                return -ENOENT;
        return stop_run(m, r, false);
}

int guests_restart_one(Manager *m, const char *name) {
        GuestRun *r = guests_find_run(m, name);

        if (!r || r->state == GUEST_RUN_UNDECLARED)
                return -ENOENT;
        return stop_run(m, r, true);
}
