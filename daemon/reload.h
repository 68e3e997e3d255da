/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reloading the configuration: one prepare step that Diff answers with, and its commit:
 * write the files, restart what reads a changed setting. */
#pragma once

#include "manager.h"

/* What reloading the file would do, computed without doing any of it: Diff's answer is this,
 * and Reload is this, then carried out. */
typedef struct ReloadPrepared {
        Config *config;          /* the new configuration, validated */
        FileSet files;           /* what it renders; nothing while xen.enable is false */
        char **changed_files;    /* of those, the files that differ from what is on disk */
        FileSet changed;         /* the same files (shallow copies of those in files): what a
                                  * reload writes, compared with the disk once */
        ReloadPlan plan;
        uint32_t restart;        /* the components the reload restarts: the plan's, where the stack's
                                  * state lets them (running, bring-up settled, needs up) */
        uint32_t skipped;        /* the plan's that are not restarted: a dependency is down */
        bool memory_live;        /* dom0's new memory target is set live (within the booted maximum) */
        OptionReasons pending;   /* what waits for a reboot once it is in effect: against the
                                  * booted configuration and against the running hypervisor */
        struct GuestChanges *guests; /* what it does to the declared guests (guests_plan()) */
        char *xl;                /* the xl that checks the guests' settings; NULL: no check */
        size_t unchecked;        /* changed guests' settings xl has not judged yet: a caller runs
                                  * xl_dryrun_start() on them and prepares again */
} ReloadPrepared;

/* Rounds of xl's checks one Diff or Reload waits for: the file may change while xl runs. */
#define RELOAD_CHECK_ROUNDS_MAX 3

/* The daemon's checker of guests' settings, made on first use; NULL when out of memory. */
struct XlDryRun *manager_xl_dryrun(Manager *m);

void reload_prepared_done(ReloadPrepared *p);
/* Loads and validates the file (findings in d; -EINVAL when it is invalid), renders it,
 * compares with the disk and plans. The settings of new and changed guests are valid only when
 * xl accepted them: those it has not judged yet are counted in ret->unchecked. Returns 0,
 * -EINVAL or -ENOMEM. */
int reload_prepare(Manager *m, ReloadPrepared *ret, Diagnostics *d);
/* Replies to message (NULL for SIGHUP) when the reload is done. */
int manager_reload(Manager *m, sd_bus_message *message);
/* Writes the files c renders. On error, ret_error is the failure in a sentence (NULL when out
 * of memory). */
int manager_render(Manager *m, const Config *c, char ***ret_changed, char **ret_error);
