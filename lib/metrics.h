/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The metrics text: a snapshot of the host and the stack, written as OpenMetrics 1.0 (what
 * xen-dom0ctl metrics prints) or as Prometheus text 0.0.4 (what node_exporter's textfile
 * collector reads). Pure: the daemon fills the snapshot, this only writes it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum MetricsFormat {
        METRICS_OPENMETRICS,
        METRICS_PROMETHEUS,
        _METRICS_FORMAT_MAX,
        _METRICS_FORMAT_INVALID = -1,
} MetricsFormat;

const char *metrics_format_to_string(MetricsFormat f);
MetricsFormat metrics_format_from_string(const char *s);
/* The Content-Type of each format, for a reader that serves it. */
const char *metrics_format_content_type(MetricsFormat f);

/* A domain's state flags, as the hypervisor reports them (several may be set at once). */
enum {
        METRICS_DOMAIN_RUNNING = 1 << 0,
        METRICS_DOMAIN_BLOCKED = 1 << 1,
        METRICS_DOMAIN_PAUSED = 1 << 2,
        METRICS_DOMAIN_SHUTDOWN = 1 << 3,
        METRICS_DOMAIN_DYING = 1 << 4,
        _METRICS_DOMAIN_FLAG_COUNT = 5,
};
const char *metrics_domain_flag_name(unsigned bit_index);

/* Why the supervisor restarted a component: the label of the by-reason counter. */
typedef enum RestartReason {
        RESTART_REASON_FAILED,         /* the unit failed or died */
        RESTART_REASON_RESTART_FAILED, /* a restart did not come up: one more try */
        RESTART_REASON_REQUESTED,      /* RestartComponent() */
        RESTART_REASON_RELOAD,         /* a reload changed what it reads */
        _RESTART_REASON_MAX,
} RestartReason;

const char *restart_reason_to_string(RestartReason r);

typedef enum ReloadResult {
        RELOAD_SUCCEEDED,
        RELOAD_REFUSED, /* the new file is invalid: nothing changed */
        RELOAD_FAILED,  /* valid, but applying it failed */
        _RELOAD_RESULT_MAX,
} ReloadResult;

const char *reload_result_to_string(ReloadResult r);

typedef struct MetricsDomain {
        uint32_t domid;
        const char *name;
        char uuid[37];
        uint8_t flags;               /* METRICS_DOMAIN_* */
        const char *shutdown_reason; /* set when SHUTDOWN is */
        uint64_t cpu_time_ns;
        uint64_t memory_kib, max_memory_kib;
        uint32_t vcpus, max_vcpus;
        uint64_t start_time_usec;    /* CLOCK_REALTIME; 0: unknown */
        bool declared;               /* a declared guest runs in it: */
        const char *unit, *readiness; /* its unit and readiness */
        bool ready;                  /* it is up, its readiness met */
} MetricsDomain;

typedef struct MetricsComponent {
        const char *name;
        const char *state;                      /* one of MetricsSnapshot.component_states */
        uint64_t restarts[_RESTART_REASON_MAX];
        uint64_t last_restart_usec;             /* CLOCK_REALTIME; 0: never */
} MetricsComponent;

typedef struct MetricsSnapshot {
        bool have_xen;                 /* the hypervisor could be read: domains and host memory */
        const MetricsDomain *domains;
        size_t n_domains;
        uint64_t host_total_kib, host_free_kib;

        const char *state;             /* the supervisor's */
        const char *const *states;     /* every state it may be in, NULL-terminated */
        const MetricsComponent *components;
        size_t n_components;
        const char *const *component_states;
        uint64_t reloads[_RELOAD_RESULT_MAX];
        char **pending_reboot;         /* the options whose change waits for a reboot */

        bool have_store;               /* the store is the stack's (not xen.enable = false) */
        bool store_responsive;
        uint64_t store_probes, store_probe_usec, store_probe_failures;
        uint64_t store_last_answer_usec; /* CLOCK_REALTIME; 0: never */
        bool have_bringup;
        uint64_t bringup_usec;
        uint64_t self_cpu_usec;
        uint64_t self_rss_bytes;
} MetricsSnapshot;

/* Writes the snapshot; -EIO when f reports an error. */
int metrics_write(FILE *f, MetricsFormat format, const MetricsSnapshot *s);
