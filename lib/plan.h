/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reload plans: what a configuration change needs, computed per setting from what the option
 * table says reads each option: components to restart, or state that waits for a reboot. */
#pragma once

#include "components.h"
#include "dom0-config.h"

typedef struct ReloadPlan {
        char **changed;         /* names of the options whose effective value changed */
        uint32_t restart;       /* components to restart (never xenstored, xen-init-dom0, xendomains) */
        char **reboot_reasons;  /* "option: reason" for each change only a reboot applies */
        char **notes;           /* "option: note" for changes that apply later by themselves */
        bool enable_changed;
} ReloadPlan;

void reload_plan_done(ReloadPlan *p);
/* Compares two validated configurations. Returns 0 or -ENOMEM. */
int reload_plan_compute(const Config *old, const Config *new, ReloadPlan *ret);
/* The reboot reasons between the configuration the stack was booted with and the current one. */
int pending_reboot_reasons(const Config *booted, const Config *current, char ***ret);
