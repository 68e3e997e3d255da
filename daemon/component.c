/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The transitions of a Component; component.h says why they are all here. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "log.h"

#define RESTART_BACKOFF_BASE_USEC (100 * 1000ULL)
#define RESTART_BACKOFF_MAX_USEC (4 * 1000000ULL)

static const char *const component_states[_COMPONENT_STATE_MAX] = {
        [COMPONENT_PENDING] = "pending", [COMPONENT_STARTING] = "starting", [COMPONENT_PROBING] = "probing",
        [COMPONENT_ACTIVE] = "active",   [COMPONENT_FAILED] = "failed",     [COMPONENT_SKIPPED] = "skipped",
        [COMPONENT_STOPPED] = "stopped", [COMPONENT_RESTARTING] = "restarting",
};

const char *component_state_to_string(ComponentState s) {
        return s >= 0 && s < _COMPONENT_STATE_MAX ? component_states[s] : NULL;
}

void component_init(Component *c, const ComponentDef *def, Manager *m) {
        /* Nothing announced yet: the first emission tells every state. */
        *c = (Component) { .def = def, .manager = m, .announced_state = _COMPONENT_STATE_MAX };
}

void component_done(Component *c) {
        c->restart_timer = sd_event_source_unref(c->restart_timer);
        c->properties_slot = sd_bus_slot_unref(c->properties_slot);
        c->object_path = mfree(c->object_path);
        c->active_state = mfree(c->active_state);
        c->sub_state = mfree(c->sub_state);
        c->result = mfree(c->result);
        c->last_error = mfree(c->last_error);
        c->announced_active = mfree(c->announced_active);
        c->announced_sub = mfree(c->announced_sub);
}

unsigned component_restarts(const Component *c) {
        uint64_t n = 0;

        for (size_t i = 0; i < _RESTART_REASON_MAX; i++)
                n += c->restarts_by_reason[i];
        return (unsigned) n;
}

unsigned component_count_active(const Component *all) {
        unsigned n = 0;

        for (size_t i = 0; i < _COMP_MAX; i++)
                n += all[i].state == COMPONENT_ACTIVE;
        return n;
}

const char *component_lost_need(const Component *all, const Component *c) {
        for (size_t i = 0; i < _COMP_MAX; i++)
                if ((c->def->after & COMP_BIT(i)) &&
                    IN_SET(all[i].state, COMPONENT_FAILED, COMPONENT_SKIPPED, COMPONENT_STOPPED))
                        return all[i].def->name;
        return NULL;
}

void component_set_error(Component *c, const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) >= 0) {
                free(c->last_error);
                c->last_error = s;
        }
        va_end(ap);
}

void component_clear_error(Component *c) {
        c->last_error = mfree(c->last_error);
}

void component_set_result(Component *c, const char *result) {
        free(c->result);
        c->result = strdup(result);
}

bool component_set_unit_state(Component *c, const char *active, const char *sub) {
        bool first = !c->active_state;

        if (active) {
                free(c->active_state);
                c->active_state = strdup(active);
        }
        if (sub) {
                free(c->sub_state);
                c->sub_state = strdup(sub);
        }
        return first;
}

void component_starting(Component *c) {
        c->state = COMPONENT_STARTING;
        c->start_requested = now_usec(CLOCK_MONOTONIC);
}

void component_probing(Component *c) {
        c->state = COMPONENT_PROBING;
}

void component_start_done(Component *c) {
        usec_t now = now_usec(CLOCK_MONOTONIC);

        c->state = COMPONENT_ACTIVE;
        c->active_since = now;
        if (c->start_requested)
                c->startup_msec = (now - c->start_requested) / 1000;
}

void component_adopted(Component *c) {
        c->adopted = true;
}

void component_restart_queued(Component *c) {
        c->start_requested = now_usec(CLOCK_MONOTONIC);
}

void component_restart_done(Component *c) {
        c->state = COMPONENT_ACTIVE;
        c->active_since = now_usec(CLOCK_MONOTONIC);
}

void component_failed(Component *c) {
        c->state = COMPONENT_FAILED;
}

void component_skipped(Component *c) {
        c->state = COMPONENT_SKIPPED;
}

void component_stopped(Component *c) {
        c->state = COMPONENT_STOPPED;
}

void component_count_restart(Component *c, RestartReason why) {
        c->restarts_by_reason[why]++;
        c->last_restart_realtime = now_usec(CLOCK_REALTIME);
}

void component_restarting(Component *c, RestartReason why) {
        component_count_restart(c, why);
        c->state = COMPONENT_RESTARTING;
}

int component_restart(Component *c, RestartReason why, const char *reason, usec_t *ret_delay) {
        usec_t now = now_usec(CLOCK_MONOTONIC), delay;
        unsigned recent = 0;

        for (size_t i = 0; i < RESTART_BURST; i++)
                recent += c->restart_times[i] && now - c->restart_times[i] < RESTART_INTERVAL_USEC;
        if (recent >= RESTART_BURST) {
                c->state = COMPONENT_FAILED;
                component_set_error(c, "%s; restart limit reached (%d in %llu s), giving up", reason, RESTART_BURST,
                                    RESTART_INTERVAL_USEC / 1000000ULL);
                log_event(LOG_ERR, MESSAGE_RESTART_LIMIT, c->def->name,
                          "%s: %s; %d restarts in %llu s, giving up until a restart is requested", c->def->name, reason,
                          RESTART_BURST, RESTART_INTERVAL_USEC / 1000000ULL);
                return -EBUSY;
        }
        /* Back off: 0 for the first failure, then 100 ms doubling up to 4 s. */
        delay = recent == 0 ? 0 : RESTART_BACKOFF_BASE_USEC << (recent - 1);
        if (delay > RESTART_BACKOFF_MAX_USEC)
                delay = RESTART_BACKOFF_MAX_USEC;
        memmove(c->restart_times + 1, c->restart_times, sizeof(usec_t) * (RESTART_BURST - 1));
        c->restart_times[0] = now;
        component_restarting(c, why);
        component_set_error(c, "%s", reason);
        log_event(LOG_WARNING, MESSAGE_COMPONENT_RESTARTED, c->def->name,
                  "Restarting %s: %s (restart %u, %u in the last %llu s, after %" PRIu64 " ms)", c->def->name, reason,
                  component_restarts(c), recent + 1, RESTART_INTERVAL_USEC / 1000000ULL, delay / 1000);
        *ret_delay = delay;
        return 0;
}
