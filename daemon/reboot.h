/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pending reboot: what the configuration asks that only a reboot applies, against the
 * configuration this boot started with and against what the running hypervisor says. */
#pragma once

#include "manager.h"

/* Recomputes m->pending_reboot and logs new reasons. Returns 1 when the list changed (the
 * caller announces it), 0 when not, -errno on failure. */
int reboot_pending_update(Manager *m);
