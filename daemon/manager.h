/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The supervisor's state: one Manager owning the event loop, the bus, the live configuration
 * and the seven components. */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "component.h"
#include "components.h"
#include "dom0-config.h"
#include "fileset.h"
#include "metrics.h"
#include "plan.h"

typedef enum ManagerState {
        MANAGER_STARTING,
        MANAGER_RUNNING,
        MANAGER_DEGRADED,
        MANAGER_RELOADING,
        MANAGER_STOPPING,
        MANAGER_DISABLED,
        _MANAGER_STATE_MAX,
} ManagerState;

struct Manager {
        sd_event *event;
        sd_bus *bus;
        sd_bus *systemd_bus;        /* systemd's private socket, else a reference to bus */
        char *config_path;
        Config *config;
        Config *booted_config;      /* what the running stack was started with, for pending reboot */
        char **pending_reboot;
        usec_t config_loaded;       /* CLOCK_REALTIME */

        ManagerState state;
        char *status_text;
        bool settled;               /* bring-up finished (everything up, or a failure is final) */
        bool ready_sent;
        bool shutting_down;
        bool store_modules_loaded;  /* the store's devices are there, or their modprobe ended */
        sd_event_source *store_modprobe;
        bool backend_modules_loaded; /* the backends' modprobe ended (xendomains waits for it) */
        bool control_d;
        bool xen_started;           /* the Xen backend was opened (after the store answered) */
        sd_event_source *xen_defer; /* opening it, at idle priority */
        unsigned check_readers;     /* Check() readers in flight */
        int64_t dom0_memory_live;   /* MiB set live by a reload (0: none): not a reboot reason */
        usec_t bringup_start;
        usec_t bringup_end;

        /* what the metrics count (stats.c) */
        uint64_t reloads[_RELOAD_RESULT_MAX];
        bool reload_restart_failed;  /* a restart of this reload did not complete */
        uint64_t store_probes, store_probe_usec, store_probe_failures;
        uint64_t store_last_answer;  /* CLOCK_REALTIME */
        sd_event_source *metrics_timer;
        char *metrics_error;         /* why the last write failed, logged once */
        char *metrics_file;          /* the file written last */

        Component components[_COMP_MAX];

        /* systemd client */
        struct Job *jobs;
        struct EarlyJob *early_jobs;
        char *systemd_owner;        /* on the bus: systemd's unique name, NULL while it has none */
        bool forged_logged;         /* a signal not from systemd was logged once */

        /* the reload in progress */
        bool reloading;
        sd_bus_message *reload_message;
        unsigned reload_jobs;
        char **reload_restarted;
        char **reload_files;
        bool reload_queued;         /* a SIGHUP arrived during the reload: one more follows it */
        ReloadPlan reload_plan;     /* while the reload waits for dom0's memory target */
        sd_event_source *reload_defer;

        /* the hypervisor's side (xen.c and the backends) */
        struct XenState *xen;

        /* the store's liveness: probed every store_watch_usec once it is up */
        sd_event_source *store_watch;
        usec_t store_watch_usec;
        bool store_unresponsive;

        /* bring-up scheduling gap: from the event that made a component startable (a dependency's
         * JobRemoved as received by the kernel, the store answering, the modules loaded) to its
         * StartUnit call */
        usec_t gap_samples[64];
        unsigned n_gaps;
        usec_t last_trigger;
};

/* Where the host's file system is: "/" normally; the unit tier points XEN_DOM0D_ROOT at a
 * scratch directory so that a test daemon renders there and reads /proc/xen from there. */
const char *manager_root(void);
/* manager_root() + path; caller frees. */
char *manager_root_path(const char *path);

const char *manager_state_to_string(ManagerState s);

int manager_new(const char *config_path, Manager **ret);
Manager *manager_free(Manager *m);
int manager_startup(Manager *m);
int manager_run(Manager *m);

/* Recomputes State and StatusText and tells systemd and the bus when they changed. */
void manager_update_state(Manager *m);
void manager_notify(Manager *m, const char *fmt, ...) _printf_(2, 3);

/* Test-only fault injection (XEN_DOM0D_CRASH_AT=validated|rename:N|restarting): the daemon
 * kills itself with SIGKILL at that step of a reload. */
void manager_crash_point(const char *point);
void manager_crash_points_init(const Manager *m);

/* supervisor.c */
int supervisor_begin(Manager *m);
void supervisor_dispatch(Manager *m);
int supervisor_restart(Component *c, RestartReason why, const char *reason);
/* A restart of c (a health restart, by request, for a reload) did not come up: error is why
 * systemd refused it, else result is the job's. One more failure: c is restarted within the
 * same limit when it is restartable. */
void supervisor_restart_failed(Component *c, const char *error, const char *result);
unsigned manager_components_up(Manager *m);

/* reload.c: replies to message (NULL for SIGHUP) when the reload is done. */
int manager_reload(Manager *m, sd_bus_message *message);
/* Writes the files c renders. On error, ret_error is the failure in a sentence (NULL when out
 * of memory). */
int manager_render(Manager *m, const Config *c, char ***ret_changed, char **ret_error);
int manager_compute_pending(Manager *m);
void manager_store_ready(Manager *m);

/* bus-manager.c, bus-component.c */
int bus_manager_register(Manager *m);
void bus_manager_emit_changed(Manager *m, const char *property, ...);
/* The same, the names in a NULL-terminated list. */
void bus_manager_emit_changed_strv(Manager *m, char **properties);
void bus_manager_emit_reloaded(Manager *m, bool success, char **errors);
int bus_component_register(Manager *m);
int bus_component_path(const Component *c, char **ret);
void bus_component_emit_changes(Manager *m);
/* Replies with one "as" per list; the lists end with a NULL, and an empty list is passed as
 * a pointer to { NULL }. */
int bus_reply_strvs(sd_bus_message *msg, char **first, ...);
/* The message of an InvalidConfig error for d, as the caller of msg may see it. */
int bus_invalid_config_text(sd_bus_message *msg, const Diagnostics *d, char **ret);

/* stats.c: the metrics. Writes the metrics text of the moment to f. */
int stats_write(Manager *m, MetricsFormat format, FILE *f);
/* Starts, moves or stops the textfile writer as the configuration says. */
void stats_configure(Manager *m);
/* Stops writing and removes the file written, whose values would go stale. */
void stats_stop(Manager *m);
int bus_stats_get_metrics(sd_bus_message *msg, void *userdata, sd_bus_error *error);

