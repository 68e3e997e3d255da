/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pending reboot: what the configuration asks that only a reboot applies, against the
 * configuration this boot started with and against what the running hypervisor says. */
#pragma once

#include "manager.h"

/* The reboot reasons of configuration c: against the booted configuration and the running
 * hypervisor; with memory_live, dom0's memory is taken as set live (no reason). */
int reboot_pending_for(Manager *m, const Config *c, bool memory_live, OptionReasons *ret);
/* Recomputes m->pending_reboot and logs new reasons. Returns 1 when the list changed (the
 * caller announces it), 0 when not, -errno on failure. */
int reboot_pending_update(Manager *m);
