/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The declared guests at run time: started once the stack is up, in their after order (the
 * independent ones together), each gated on its readiness; reconciled at every reload without
 * ever stopping or restarting a running guest; reported on the bus and in STATUS=. */
#pragma once

#include "manager.h"

typedef enum GuestRunState {
        GUEST_RUN_OFF,        /* declared with autostart = false, or stopped on request */
        GUEST_RUN_WAITING,    /* for the guests it starts after */
        GUEST_RUN_STARTING,   /* its unit's start job is in flight */
        GUEST_RUN_READYING,   /* started; its readiness is awaited */
        GUEST_RUN_UP,
        GUEST_RUN_FAILED,     /* its start failed, or it never became ready */
        GUEST_RUN_SKIPPED,    /* a guest it starts after failed: not started */
        GUEST_RUN_UNDECLARED, /* removed from the file: left running as it is */
        GUEST_RUN_STOPPING,   /* its unit's stop job is in flight */
        _GUEST_RUN_STATE_MAX,
} GuestRunState;

/* A setting applied to a running domain, in a child (the store may not answer). */
typedef enum GuestLiveKey {
        GUEST_LIVE_MEMORY,
        GUEST_LIVE_VCPUS,
        _GUEST_LIVE_MAX,
} GuestLiveKey;

typedef struct GuestLive {
        struct GuestRun *run;
        struct XenChild *child;     /* in flight */
        uint32_t domid;
        uint64_t value;             /* memory in MiB, or vcpus */
} GuestLive;

typedef struct GuestRun {
        Manager *manager;
        char *name;                 /* NAME of [guests.NAME] */
        char *domain;               /* the domain's name */
        GuestRunState state;
        char *error;                /* why it failed or was skipped */
        char **pending;             /* settings changed by a reload that wait for a restart */
        usec_t deadline;            /* readiness, CLOCK_MONOTONIC */
        usec_t start_requested;     /* CLOCK_MONOTONIC */
        struct XenChild *child;     /* a readiness read in flight */
        uint32_t ready_domid;       /* what it reads */
        char *ready_key;
        GuestLive live[_GUEST_LIVE_MAX]; /* live changes in flight */
        bool adopted;               /* it ran already when this daemon first looked */
        bool ready_seen;            /* its readiness key was read */
        bool start_after_stop;      /* a restart, or a start asked for while it stops */
        bool await_gone;            /* a start after our stop: the domain that stop ended, */
        uint32_t gone_domid;        /* gone_domid, is not adopted; the start waits until it is gone */
        bool stopped;               /* stopped on request: not adopted again while it dies */
        /* its declaration and the runs it starts after (NULL: not declared), looked up once
         * while the manager's guest_epoch stays this epoch */
        unsigned epoch;
        const Guest *guest;
        struct GuestRun **deps;
        size_t n_deps;
} GuestRun;

const char *guest_run_state_to_string(GuestRunState s);

/* What a reload does to the declared guests, planned by guests_plan() for Diff and carried out
 * by guests_config_changed() for Reload from the same decisions. */
typedef enum GuestChangeKind {
        GUEST_CHANGE_START,      /* newly declared (or declared again) with autostart: started */
        GUEST_CHANGE_UNDECLARED, /* no longer declared: left as it is, reported */
        GUEST_CHANGE_LIVE,       /* a setting applied to the running domain (memory, vcpus) */
        GUEST_CHANGE_PENDING,    /* a setting that waits for a restart of the guest */
        _GUEST_CHANGE_KIND_MAX,
} GuestChangeKind;

typedef struct GuestChange {
        GuestChangeKind kind;
        char *guest;
        char *option;   /* LIVE, PENDING: "guests.NAME.settings.KEY" */
        uint64_t value; /* LIVE: memory in MiB, or vcpus */
        GuestLiveKey live; /* LIVE: which */
} GuestChange;

typedef struct GuestChanges {
        GuestChange *items;
        size_t n;
} GuestChanges;

const char *guest_change_kind_to_string(GuestChangeKind k);
void guest_changes_done(GuestChanges *c);
/* The changes a reload from old to new makes to the guests: those started, left undeclared,
 * changed live or pending a restart. Returns 0 or -ENOMEM. */
int guests_plan(Manager *m, const Config *old, const Config *new, GuestChanges *ret);

/* Once READY=1 went out: starts the declared guests. */
void guests_begin(Manager *m);
/* The configuration is now m->config: carries out plan, what guests_plan() said of the change
 * (the same Diff answered with): new guests start, removed ones are left running and
 * reported, live changes are applied and the rest waits for a restart of the guest. */
void guests_config_changed(Manager *m, const GuestChanges *plan);
/* Rendered files were written: when the guests' order drop-ins are among them, systemd reloads
 * its units, so that host shutdown stops the guests in reverse declared order. */
void guests_files_written(Manager *m, char *const *changed);
/* Counts and a status text for STATUS=: NULL when no guest is declared. *ret_degraded when one
 * failed or was skipped. */
char *guests_status(Manager *m, bool *ret_degraded);
/* Starts, stops or restarts one declared guest on request. Returns 0, -ENOENT (not declared),
 * or -errno. */
int guests_start_one(Manager *m, const char *name);
int guests_stop_one(Manager *m, const char *name);
int guests_restart_one(Manager *m, const char *name);
GuestRun *guests_find_run(Manager *m, const char *name);
/* The guest whose domain is called domain (declared ones first), NULL when none. */
GuestRun *guests_find_run_by_domain(Manager *m, const char *domain);
void guests_free(Manager *m);
