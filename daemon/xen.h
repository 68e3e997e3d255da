/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the daemon sees of the hypervisor: guests, the running Xen command line, host and dom0
 * resources. Behind a backend ops table (libxl/libxenstore/libxenctrl, or a fake for tests). */
#pragma once

#include "manager.h"

/* Opens the backend and starts watching domains; the bus objects follow. A failure leaves the
 * daemon running without Xen facts (logged). */
int xen_start(Manager *m);
void xen_stop(Manager *m);

/* Manager properties XenVersion, XenCommandLine, HostMemory, FreeMemory, HostCPUs, Dom0Memory,
 * Dom0VCPUs, and the ListDomains method (bus-manager.c routes them here). */
int bus_xen_property(sd_bus *bus, const char *path, const char *iface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error);
int bus_xen_list_domains(sd_bus_message *msg, void *userdata, sd_bus_error *error);
/* GetDomainStats: every domain's statistics, read in one pass. */
int bus_xen_get_domain_stats(sd_bus_message *msg, void *userdata, sd_bus_error *error);
/* Domain objects under /org/xenproject/Dom0/domain. */
int bus_xen_register(Manager *m);

/* The domains' statistics, read in one pass over the hypervisor, and the host's memory, for
 * the metrics; the names are borrowed until the loop runs again. -ENXIO while the hypervisor
 * cannot be read. */
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

/* The store answers again after a silence: what it could not tell meanwhile is asked again. */
void xen_store_answers(Manager *m);
