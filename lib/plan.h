/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reload plans: what a configuration change needs, computed per setting from what the option
 * table says reads each option: components to restart, or state that waits for a reboot. */
#pragma once

#include "components.h"
#include "dom0-config.h"
#include "macro.h"

/* Why an option's value is not, or not yet, in effect: an option and a text of its own. */
typedef struct OptionReason {
        const char *option;     /* the option's name, a string of the option table */
        char *text;
} OptionReason;

typedef struct OptionReasons {
        OptionReason *items;
        size_t n;
} OptionReasons;

void option_reasons_done(OptionReasons *l);
/* Adds (option, text). An option has one reason: a text for an option the list has is joined
 * to its reason with "; ", unless the reason holds it already. Returns 0 or -ENOMEM. */
int option_reasons_add(OptionReasons *l, const char *option, const char *text);
int option_reasons_addf(OptionReasons *l, const char *option, const char *fmt, ...) _printf_(3, 4);
/* Adds src's reasons, as option_reasons_add() each. */
int option_reasons_merge(OptionReasons *l, const OptionReasons *src);
/* Removes every reason of the option. */
void option_reasons_drop(OptionReasons *l, const char *option);
bool option_reasons_equal(const OptionReasons *a, const OptionReasons *b);
/* "option: text" each, as the bus and the journal show them; NULL on OOM. */
char **option_reasons_to_strv(const OptionReasons *l);

typedef struct ReloadPlan {
        char **changed;         /* names of the options whose effective value changed */
        uint32_t restart;       /* components to restart (never xenstored, xen-init-dom0, xendomains) */
        OptionReasons reboot;   /* each change only a reboot applies */
        OptionReasons notes;    /* changes that apply later by themselves */
        bool enable_changed;
} ReloadPlan;

void reload_plan_done(ReloadPlan *p);
/* Compares two validated configurations. Returns 0 or -ENOMEM. */
int reload_plan_compute(const Config *old, const Config *new, ReloadPlan *ret);
/* The reboot reasons between the configuration the stack was booted with and the current one. */
int pending_reboot_reasons(const Config *booted, const Config *current, OptionReasons *ret);
