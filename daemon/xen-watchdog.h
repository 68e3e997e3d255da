/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Xen watchdog timers orphaned by a dead xenwatchdogd (xen-watchdog.c). */
#pragma once

/* Disarms every watchdog timer of Domain 0; the number disarmed in *ret_disarmed.
 * -ENODEV when this is not a Xen host. Only while no xenwatchdogd runs. */
int xen_watchdog_disarm_orphans(unsigned *ret_disarmed);
