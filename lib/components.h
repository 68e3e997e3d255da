/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The dom0 stack's components and their dependency graph: one definition, used by the
 * daemon's bring-up, its reload plans and their tests. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef enum ComponentId {
        COMP_PROC_XEN,
        COMP_XENSTORED,
        COMP_XEN_INIT_DOM0,
        COMP_XENCONSOLED,
        COMP_QEMU_BACKEND,
        COMP_XENDOMAINS,
        COMP_WATCHDOG,
        _COMP_MAX,
        _COMP_INVALID = -1,
} ComponentId;

#define COMP_BIT(c) (UINT32_C(1) << (c))

typedef enum RestartPolicy {
        RESTART_NEVER,      /* a failure is reported; never stopped or started again by us */
        RESTART_ON_FAILURE, /* started again after a failure, within the rate limit */
} RestartPolicy;

typedef struct ComponentDef {
        ComponentId id;
        const char *name;   /* the unit name without its suffix */
        const char *unit;
        uint32_t after;     /* components that must be up before this one starts */
        RestartPolicy restart;
        bool reload_restartable; /* may be restarted to apply a configuration change */
        bool once_per_boot; /* started at most once a boot: once it ends, only a reboot brings it back */
        const char *description;
} ComponentDef;

extern const ComponentDef component_table[_COMP_MAX];

const ComponentDef *component_find(const char *name_or_unit);
/* Components in an order compatible with the graph (every dependency before its dependents). */
void component_topo_order(ComponentId ret[static _COMP_MAX]);
/* Every component that depends on c, directly or not. */
uint32_t component_dependents(ComponentId c);
