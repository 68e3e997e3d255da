/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One component of the stack as the daemon sees it, and every change of its state: the other
 * modules decide when (the bring-up, the health restarts, a reload, a request on the bus), this
 * one how, so that a restart is counted once and a failure looks the same from every path. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "clock.h"
#include "components.h"
#include "macro.h"
#include "metrics.h"

typedef enum ComponentState {
        COMPONENT_PENDING,    /* waiting for its dependencies */
        COMPONENT_STARTING,   /* a start job is in flight */
        COMPONENT_PROBING,    /* started; readiness is being checked (the store) */
        COMPONENT_ACTIVE,
        COMPONENT_FAILED,
        COMPONENT_SKIPPED,    /* a dependency failed: not started */
        COMPONENT_STOPPED,    /* stopped cleanly by someone else */
        COMPONENT_RESTARTING, /* failed, a restart is scheduled or in flight */
        _COMPONENT_STATE_MAX,
} ComponentState;

#define RESTART_BURST 5
#define RESTART_INTERVAL_USEC (30 * 1000000ULL)

typedef struct Manager Manager;

typedef struct Component {
        const ComponentDef *def;
        Manager *manager;
        ComponentState state;
        char *object_path;          /* systemd's unit object */
        char *active_state;
        char *sub_state;
        char *result;               /* the unit's Result, after a failure */
        char *last_error;
        bool adopted;
        uint64_t restarts_by_reason[_RESTART_REASON_MAX]; /* their sum is component_restarts() */
        uint64_t last_restart_realtime;
        usec_t restart_times[RESTART_BURST];
        sd_event_source *restart_timer;
        sd_bus_slot *properties_slot;
        const struct SystemdUnitCallbacks *unit_callbacks; /* who hears of the unit's state */
        usec_t start_requested;     /* CLOCK_MONOTONIC */
        usec_t active_since;        /* CLOCK_MONOTONIC */
        uint64_t active_enter_realtime; /* systemd's ActiveEnterTimestamp of the unit */
        uint64_t startup_msec;
        pid_t probe_pid;
        sd_event_source *probe_child;
        sd_event_source *probe_timer;
        usec_t probe_deadline;
        usec_t probe_started;       /* CLOCK_MONOTONIC */
        sd_event *probe_event;
        const struct XsProbeCallbacks *probe_callbacks;
        /* what the bus was last told */
        ComponentState announced_state;
        char *announced_active;
        char *announced_sub;
        unsigned announced_restarts;
} Component;

const char *component_state_to_string(ComponentState s);

void component_init(Component *c, const ComponentDef *def, Manager *m);
void component_done(Component *c);

/* Restarts of every reason, as the bus shows them. */
unsigned component_restarts(const Component *c);
/* How many of all[_COMP_MAX] are active. */
unsigned component_count_active(const Component *all);
/* The name of a component c needs that is failed, skipped or stopped (starting c would start
 * it again), NULL when none is; all is every component, c among them. */
const char *component_lost_need(const Component *all, const Component *c);

void component_set_error(Component *c, const char *fmt, ...) _printf_(2, 3);
void component_clear_error(Component *c);
/* The unit's Result property, as systemd said it. */
void component_set_result(Component *c, const char *result);
/* The unit's ActiveState and SubState (either NULL: unchanged). Returns true when this is the
 * first state known, false for a change. */
bool component_set_unit_state(Component *c, const char *active, const char *sub);

/* A start job is queued. */
void component_starting(Component *c);
/* Started; its readiness is being checked. */
void component_probing(Component *c);
/* Up after a start (bring-up, adoption, health restart): times its start-up. */
void component_start_done(Component *c);
/* Found active by a daemon that did not start it. */
void component_adopted(Component *c);
/* The start job of a health restart is queued: its start-up is timed from now. */
void component_restart_queued(Component *c);
/* Up after a restart by request or for a reload: the start-up time stays the bring-up's. */
void component_restart_done(Component *c);
void component_failed(Component *c);
/* Not started: a component it needs is not up, or this host is not dom0. */
void component_skipped(Component *c);
/* Stopped from outside. */
void component_stopped(Component *c);
/* Counts a restart done for why (a reload's restart of an adopted component starts it). */
void component_count_restart(Component *c, RestartReason why);
/* A restart is in flight (a request, a reload): counted, not rate-limited. */
void component_restarting(Component *c, RestartReason why);
/* A health restart after a failure, within RESTART_BURST in RESTART_INTERVAL_USEC: returns the
 * back-off to wait before starting it, the component now restarting; -EBUSY when the limit is
 * reached, the component now failed for good. */
int component_restart(Component *c, RestartReason why, const char *reason, usec_t *ret_delay);
