/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The systemd client: jobs tracked to their JobRemoved result and unit state followed through
 * PropertiesChanged, all asynchronous on the daemon's bus connection. */
#pragma once

#include "manager.h"

/* Called once with the job's result (done, canceled, timeout, failed, dependency, skipped), or
 * with an error text when systemd refused the call. */
typedef void (*job_callback_t)(Manager *m, const char *unit, const char *result, const char *error, void *userdata);

/* Subscribes to the manager's signals. Must run before the first job. */
int systemd_subscribe(Manager *m);
/* Queues method ("StartUnit", "RestartUnit", "StopUnit") on unit in "replace" mode. */
int systemd_job(Manager *m, const char *method, const char *unit, job_callback_t cb, void *userdata);
typedef struct SystemdUnitCallbacks {
        /* The unit's ActiveState and SubState (either NULL: unchanged), the first time with the
         * state it has, then at every change; "unknown" when it cannot be read. */
        void (*unit_state)(Component *c, const char *active_state, const char *sub_state, void *userdata);
        void *userdata;
} SystemdUnitCallbacks;

/* Loads the unit, follows its ActiveState/SubState, and reports the current state once, then
 * every change, to callbacks (which must outlive c). */
int systemd_watch_unit(Component *c, const SystemdUnitCallbacks *callbacks);
/* Reads the unit's Result property (why it failed) into c->result, asynchronously. */
int systemd_fetch_result(Component *c);
/* Asks systemd to reload its unit files (daemon-reload); cb gets error NULL on success. */
int systemd_daemon_reload(Manager *m, job_callback_t cb, void *userdata);
void systemd_jobs_free(Manager *m);
