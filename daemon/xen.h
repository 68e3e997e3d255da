/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the daemon sees of the hypervisor: guests, the running Xen command line, host and dom0
 * resources. Behind a backend ops table (libxl/libxenstore/libxenctrl, or a fake for tests). */
#pragma once

#include "manager.h"

/* One domain as the bus sees it. Kept small: a host may run thousands. */
typedef struct XenDomain {
        uint32_t domid;
        uint8_t state;
        uint8_t flags;
        uint8_t shutdown_reason;
        uint8_t uuid[16];
        uint32_t vcpus, max_vcpus;
        uint64_t memory_kib, max_memory_kib;
        uint64_t cpu_time_ns;
        uint64_t start_usec; /* CLOCK_REALTIME, 0: unknown */
        char *name;
} XenDomain;

typedef struct XenCallbacks {
        /* Manager properties the hypervisor tells (host facts, dom0's memory) changed; properties
         * is NULL-terminated. */
        void (*properties_changed)(Manager *m, char **properties, void *userdata);
        /* The backend opened: what only the running hypervisor tells can be compared now. */
        void (*opened)(Manager *m, void *userdata);
        void *userdata;
} XenCallbacks;

/* Opens the backend and starts watching domains; the bus objects follow; callbacks (which must
 * outlive it) hear of changes. A failure leaves the daemon running without Xen facts (logged). */
int xen_start(Manager *m, const XenCallbacks *callbacks);
void xen_stop(Manager *m);

/* Manager properties XenVersion, XenCommandLine, HostMemory, FreeMemory, HostCPUs, Dom0Memory,
 * Dom0VCPUs, and the ListDomains method (bus-manager.c routes them here). */
int bus_xen_property(sd_bus *bus, const char *path, const char *iface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_xen_list_domains(sd_bus_message *msg, void *userdata, sd_bus_error *error);
/* GetDomainStats: every domain's statistics, read in one pass. */
int bus_xen_get_domain_stats(sd_bus_message *msg, void *userdata, sd_bus_error *error);
/* The domains known, ordered by domid; none while the hypervisor cannot be read. */
const XenDomain *xen_domains(Manager *m, size_t *ret_n);
/* The domain called name, its memory and CPU time read afresh; NULL when there is none. */
XenDomain *xen_domain_by_name(Manager *m, const char *name);
void xen_format_uuid(const uint8_t u[16], char buf[static 37]);
/* Its shutdown reason when it shut down, else "". */
const char *xen_domain_shutdown_reason(const XenDomain *d);
/* The domain's flags as an "as". */
int bus_xen_append_flags(sd_bus_message *reply, uint8_t flags);

/* The domains' statistics, read in one pass over the hypervisor, and the host's memory, for
 * the metrics; the names are borrowed until the loop runs again. -ENXIO while the hypervisor
 * cannot be read. */
/* Frees the n domains of a snapshot and what they hold. */
void xen_metrics_snapshot_free(MetricsDomain *l, size_t n);
int xen_metrics_snapshot(Manager *m, MetricsDomain **ret_domains, size_t *ret_n, uint64_t *ret_total_kib,
                         uint64_t *ret_free_kib);

/* Reasons a reboot is pending that only the running hypervisor can tell: the rendered boot
 * parameters against its command line, dom0 memory and vCPUs against what dom0 has. */
int xen_pending_reasons(Manager *m, const Config *c, OptionReasons *ret);

/* Applies a new dom0 memory target live when it fits the booted maximum. libxl writes it into
 * the store, which may not answer: it is set in a child with a deadline. Returns 1 when that
 * started, and done() follows with 1 (applied) or -errno; 0 when it needs a reboot; -errno on
 * failure. */
typedef void (*XenMemoryDone)(Manager *m, int r);
/* Whether xen_apply_dom0_memory() would set mib live (it fits the booted maximum). */
bool xen_dom0_memory_fits(Manager *m, uint64_t mib);
int xen_apply_dom0_memory(Manager *m, uint64_t mib, XenMemoryDone done);

/* A guest's balloon target: set in a child (libxl writes it into the store, which may not
 * answer), xen_guest_memory_run() being what the child runs; then, back in the loop,
 * xen_guest_memory_set() lets a backend whose domains live in the daemon (the fake) record it. */
int xen_guest_memory_run(Manager *m, uint32_t domid, uint64_t kib);
void xen_guest_memory_set(Manager *m, uint32_t domid, uint64_t kib);
/* The same for a guest's online vcpus (0 to n-1). */
int xen_guest_vcpus_run(Manager *m, uint32_t domid, uint32_t n);
void xen_guest_vcpus_set(Manager *m, uint32_t domid, uint32_t n);

/* The store answers again after a silence: what it could not tell meanwhile is asked again. */
void xen_store_answers(Manager *m);
