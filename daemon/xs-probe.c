/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Readiness and health probe of the store. libxenstore calls have no timeout and a stopped
 * store blocks them for ever, so each attempt runs in a child process with a deadline. */
#include <signal.h>
#include <xenstore.h>

#include "log.h"
#include "xen-child.h"
#include "xs-probe.h"

#define ATTEMPT_TIMEOUT_USEC (2 * 1000000ULL)
#define RETRY_USEC (20 * 1000ULL)

static int attempt(Component *c);

static void report(Component *c, bool ok, const char *error) {
        c->probe_callbacks->probed(c, ok, error, c->probe_callbacks->userdata);
}

static void probe_reset(Component *c) {
        c->probe_child = sd_event_source_unref(c->probe_child);
        c->probe_timer = sd_event_source_unref(c->probe_timer);
        c->probe_pid = 0;
}

void xs_probe_cancel(Component *c) {
        if (c->probe_child) {
                /* Killed, then reaped by the loop whenever it exits, never waited for here: a
                 * child blocked in the kernel may outlive SIGKILL for a while. Its source floats
                 * on its own, and on_child() knows it by its missing userdata. */
                (void) kill(c->probe_pid, SIGKILL);
                (void) sd_event_source_set_userdata(c->probe_child, NULL);
                (void) sd_event_source_set_floating(c->probe_child, true);
        }
        probe_reset(c);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Component *c = userdata;

        c->probe_timer = sd_event_source_unref(c->probe_timer);
        if (attempt(c) < 0)
                report(c, false, "cannot start a store probe");
        return 0;
}

static void attempt_failed(Component *c, const char *why) {
        if (now_usec(CLOCK_MONOTONIC) >= c->probe_deadline) {
                report(c, false, why);
                return;
        }
        if (sd_event_add_time_relative(c->probe_event, &c->probe_timer, CLOCK_MONOTONIC, RETRY_USEC, 1000, on_retry,
                                       c) < 0)
                report(c, false, "cannot schedule a store probe");
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Component *c = userdata;

        if (!c) {
                /* a cancelled probe, reaped: the source frees itself */
                (void) sd_event_source_set_floating(s, false);
                return 0;
        }
        bool ok = si->si_code == CLD_EXITED && si->si_status == 0;

        probe_reset(c);
        if (ok)
                report(c, true, NULL);
        else
                attempt_failed(c, "the store did not answer");
        return 0;
}

static int on_attempt_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Component *c = userdata;

        /* The child's exit will arrive through on_child as killed: count it as a failure there. */
        if (c->probe_pid > 0)
                (void) kill(c->probe_pid, SIGKILL);
        return 0;
}

static int attempt(Component *c) {
        sd_event *e = c->probe_event;
        pid_t parent = getpid(), pid;
        int r;

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                struct xs_handle *h;
                unsigned len;
                void *v;

                if (child_setup(parent) < 0)
                        _exit(1);
                h = xs_open(XS_OPEN_SOCKETONLY);

                if (!h)
                        _exit(1);
                bool ok;

                v = xs_read(h, XBT_NULL, "/local/domain/0", &len);
                if (!v) /* before xen-init-dom0 the node may not exist; the root always does */
                        v = xs_read(h, XBT_NULL, "/", &len);
                ok = v;
                /* freed, so that memcheck sees a clean child */
                free(v);
                xs_close(h);
                _exit(ok ? 0 : 1);
        }
        c->probe_pid = pid;
        r = sd_event_add_child(e, &c->probe_child, pid, WEXITED, on_child, c);
        if (r >= 0)
                r = sd_event_add_time_relative(e, &c->probe_timer, CLOCK_MONOTONIC, ATTEMPT_TIMEOUT_USEC, 1000,
                                               on_attempt_timeout, c);
        if (r < 0) {
                xs_probe_cancel(c);
                return r;
        }
        return 0;
}

int xs_probe_start(Component *c, sd_event *e, usec_t deadline, const XsProbeCallbacks *callbacks) {
        xs_probe_cancel(c);
        c->probe_event = e;
        c->probe_callbacks = callbacks;
        c->probe_deadline = deadline;
        c->probe_started = now_usec(CLOCK_MONOTONIC);
        return attempt(c);
}
