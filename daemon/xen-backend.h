/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hypervisor behind a small ops table: libxl/libxenstore on a Xen host, or a fake that the
 * unit tier drives. xen.c holds the domain table and the bus side; a backend only answers. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "metrics.h"

typedef enum XenDomainState {
        XEN_DOMAIN_RUNNING,
        XEN_DOMAIN_BLOCKED,
        XEN_DOMAIN_PAUSED,
        XEN_DOMAIN_SHUTDOWN,
        XEN_DOMAIN_CRASHED,
        XEN_DOMAIN_DYING,
        _XEN_DOMAIN_STATE_MAX,
} XenDomainState;

const char *xen_domain_state_to_string(XenDomainState s);

/* Why a domain shut down, as the hypervisor numbers it (SHUTDOWN_* in Xen's sched.h). */
typedef enum XenShutdownReason {
        XEN_SHUTDOWN_POWEROFF,
        XEN_SHUTDOWN_REBOOT,
        XEN_SHUTDOWN_SUSPEND,
        XEN_SHUTDOWN_CRASH,
        XEN_SHUTDOWN_WATCHDOG,
        XEN_SHUTDOWN_SOFT_RESET,
        _XEN_SHUTDOWN_MAX,
} XenShutdownReason;

const char *xen_shutdown_reason_to_string(XenShutdownReason r);

typedef struct XenDomainInfo {
        uint32_t domid;
        uint8_t state;          /* XenDomainState */
        uint8_t flags;          /* METRICS_DOMAIN_*: the hypervisor's flags, several at once */
        uint8_t shutdown_reason; /* XenShutdownReason, when the SHUTDOWN flag is set */
        uint8_t uuid[16];
        uint32_t vcpus;         /* online */
        uint32_t max_vcpus;
        uint64_t memory_kib;    /* current */
        uint64_t max_memory_kib;
        uint64_t cpu_time_ns;
} XenDomainInfo;

typedef struct XenHostInfo {
        uint64_t total_kib;
        uint64_t free_kib;
        uint32_t cpus;
} XenHostInfo;

typedef struct XenBackend XenBackend;

/* What a backend tells xen.c, from the event loop only. */
typedef struct XenBackendCallbacks {
        /* A domain may have appeared or gone: list again and compare. */
        void (*domains_changed)(void *userdata);
        /* The backend can no longer report (error is a negative errno): end the daemon. */
        void (*disaster)(void *userdata, int error, const char *what);
        void *userdata;
} XenBackendCallbacks;

/* Every call returns 0 or a negative errno; no libxl error code ever leaves a backend. */
typedef struct XenBackendOps {
        const char *name;
        /* arg is what follows "NAME:" in XEN_DOM0D_BACKEND, or NULL. -ENODEV: no hypervisor here
         * at all (give up); any other error: not ready yet, worth trying again later. On failure,
         * *ret_why may hold a one-line reason (caller frees). */
        int (*open)(sd_event *e, const char *arg, const XenBackendCallbacks *cb, XenBackend **ret,
                    char **ret_why);
        void (*close)(XenBackend *b);
        int (*version)(XenBackend *b, char **ret_version, char **ret_cmdline);
        int (*host_info)(XenBackend *b, XenHostInfo *ret);
        /* Every domain the hypervisor knows, dying ones included, ordered by domid. */
        int (*list)(XenBackend *b, XenDomainInfo **ret, size_t *ret_n);
        /* -ESRCH when there is no such domain. */
        int (*domain_info)(XenBackend *b, uint32_t domid, XenDomainInfo *ret);

        /* The names of n domains, for a backend that names its domains itself (the fake),
         * called in the loop: names[i] for domids[i], left NULL while a domain has no name
         * yet, and when the toolstack created them (CLOCK_REALTIME µs, left 0 when it did not
         * record it, as for Domain 0). NULL for a Xen host, where the loop reads them from the
         * store (/local/domain/ID/name, and start_time in the domain's VM record) without
         * waiting for it. Optional. */
        int (*domain_names)(XenBackend *b, const uint32_t *domids, size_t n, char **names, uint64_t *start_usec);
        /* With domain_names: whether the store must answer a read first, as it must on a Xen
         * host (the fake with XEN_DOM0D_FAKE_STORE=1). Optional. */
        bool (*domain_names_ask_store)(XenBackend *b);

        /* Called only in a child process (xen-child.c), never in the loop: these talk to
         * xenstored, which may not answer. They use connections of their own, as what the
         * loop holds is not usable in a child.
         *
         * Sets the balloon target of a domain, within its maximum. */
        int (*set_memory_target)(XenBackend *b, uint32_t domid, uint64_t target_kib);

        /* In the loop, after set_memory_target succeeded in a child: a backend whose domains
         * live in the daemon's memory (the fake) records the new target here. Optional. */
        void (*memory_target_set)(XenBackend *b, uint32_t domid, uint64_t target_kib);
        /* Brings vcpus 0 to n-1 of a guest online and the rest offline; -EINVAL above the
         * domain's maximum. Called in a child, like set_memory_target. */
        int (*set_vcpus_online)(XenBackend *b, uint32_t domid, uint32_t n);
        /* In the loop, after set_vcpus_online succeeded: as memory_target_set. Optional. */
        void (*vcpus_online_set)(XenBackend *b, uint32_t domid, uint32_t n);
} XenBackendOps;

extern const XenBackendOps xen_backend_libxl;
extern const XenBackendOps xen_backend_fake;
