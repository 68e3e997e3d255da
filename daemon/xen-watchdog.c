/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Xen watchdog timers left armed by a xenwatchdogd that died without disarming them.
 *
 * xenwatchdogd arms a per-domain watchdog timer in the hypervisor and pets it; SIGUSR1 (the
 * unit's KillSignal) disarms it. Killed any other way (SIGKILL, the OOM killer, a crash), it
 * leaves its timer armed, and the hypervisor resets the whole host when it expires, although
 * dom0 is alive and a new xenwatchdogd runs with a timer of its own. Before that restart, the
 * supervisor disarms the orphans: a domain has at most two such timers, and no one else on a
 * host run by xen-dom0d uses them. */
#include <errno.h>
#include <unistd.h>
#include <xenctrl.h>

#include "xen-watchdog.h"

/* NR_DOMAIN_WATCHDOG_TIMERS in the hypervisor (xen/include/xen/sched.h): ids are 1 and 2. */
#define WATCHDOG_IDS 2

int xen_watchdog_disarm_orphans(unsigned *ret_disarmed) {
        xc_interface *xch;
        unsigned n = 0;

        *ret_disarmed = 0;
        if (access("/dev/xen/privcmd", F_OK) < 0 && access("/proc/xen/privcmd", F_OK) < 0)
                return -ENODEV; /* not a Xen host (the unit tier): nothing to disarm */
        xch = xc_interface_open(NULL, NULL, 0);
        if (!xch)
                return errno > 0 ? -errno : -EIO;
        /* A timeout of 0 disarms and frees the timer; an id not in use fails with EINVAL. */
        for (uint32_t id = 1; id <= WATCHDOG_IDS; id++)
                if (xc_watchdog(xch, id, 0) == 0)
                        n++;
        xc_interface_close(xch);
        *ret_disarmed = n;
        return 0;
}
