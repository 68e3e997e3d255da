/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The component graph of the Xen dom0 stack: proc-xen -> xenstored -> {xen-init-dom0,
 * xenconsoled -> qemu backend} -> xendomains -> watchdog, as Xen's own units order it, mirrored
 * by the units' After=/Requires=. */
#include "components.h"
#include "macro.h"

#define B(c) COMP_BIT(c)

const ComponentDef component_table[_COMP_MAX] = {
        [COMP_PROC_XEN] = {
                .id = COMP_PROC_XEN, .name = "proc-xen", .unit = "proc-xen.mount",
                .after = 0, .restart = RESTART_NEVER,
                .description = "the xenfs mount on /proc/xen",
        },
        [COMP_XENSTORED] = {
                .id = COMP_XENSTORED, .name = "xenstored", .unit = "xenstored.service",
                .after = B(COMP_PROC_XEN), .restart = RESTART_NEVER, .once_per_boot = true,
                .description = "the Xen store daemon",
        },
        [COMP_XEN_INIT_DOM0] = {
                .id = COMP_XEN_INIT_DOM0, .name = "xen-init-dom0", .unit = "xen-init-dom0.service",
                .after = B(COMP_XENSTORED), .restart = RESTART_NEVER, .once_per_boot = true,
                .description = "Domain 0's entries in the store",
        },
        [COMP_XENCONSOLED] = {
                .id = COMP_XENCONSOLED, .name = "xenconsoled", .unit = "xenconsoled.service",
                .after = B(COMP_XENSTORED), .restart = RESTART_ON_FAILURE, .reload_restartable = true,
                .description = "the guest console daemon",
        },
        [COMP_QEMU_BACKEND] = {
                .id = COMP_QEMU_BACKEND, .name = "xen-qemu-dom0-disk-backend",
                .unit = "xen-qemu-dom0-disk-backend.service",
                .after = B(COMP_XENSTORED) | B(COMP_XENCONSOLED), .restart = RESTART_ON_FAILURE,
                .description = "the qemu disk backend serving guests' qdisk disks",
        },
        [COMP_XENDOMAINS] = {
                .id = COMP_XENDOMAINS, .name = "xendomains", .unit = "xendomains.service",
                .after = B(COMP_XENSTORED) | B(COMP_XENCONSOLED) | B(COMP_XEN_INIT_DOM0) | B(COMP_QEMU_BACKEND),
                .restart = RESTART_NEVER, .once_per_boot = true,
                .description = "automatic start, save and restore of guests",
        },
        [COMP_WATCHDOG] = {
                .id = COMP_WATCHDOG, .name = "xen-watchdog", .unit = "xen-watchdog.service",
                .after = B(COMP_XENDOMAINS), .restart = RESTART_ON_FAILURE,
                .description = "the Xen watchdog",
        },
};

const ComponentDef *component_find(const char *name) {
        for (size_t i = 0; i < _COMP_MAX; i++)
                if (streq(component_table[i].name, name) || streq(component_table[i].unit, name))
                        return &component_table[i];
        return NULL;
}

void component_topo_order(ComponentId ret[static _COMP_MAX]) {
        uint32_t done = 0;
        size_t n = 0;

        /* Kahn's algorithm over a seven-node graph: pick the lowest ready id each round. */
        while (n < _COMP_MAX) {
                size_t before = n;
                for (size_t i = 0; i < _COMP_MAX; i++)
                        if (!(done & COMP_BIT(i)) && (component_table[i].after & ~done) == 0) {
                                ret[n++] = (ComponentId) i;
                                done |= COMP_BIT(i);
                                break;
                        }
                if (n == before)
                        abort(); /* a cycle: the table is wrong, and the tests say so */
        }
}

uint32_t component_dependents(ComponentId c) {
        uint32_t set = COMP_BIT(c), prev;

        do {
                prev = set;
                for (size_t i = 0; i < _COMP_MAX; i++)
                        if (component_table[i].after & set)
                                set |= COMP_BIT(i);
        } while (set != prev);
        return set & ~COMP_BIT(c);
}
