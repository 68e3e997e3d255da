/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The supervisor's state: one Manager owning the event loop, the bus, the live configuration
 * and the seven components; the State and StatusText that systemd and the bus see. */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "component.h"
#include "boot-state.h"
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
        OptionReasons pending_reboot; /* what waits for a reboot, each with its option */
        usec_t config_loaded;       /* CLOCK_REALTIME */

        ManagerState state;
        char *status_text;
        bool settled;               /* bring-up finished (everything up, or a failure is final) */
        bool ready_sent;
        bool shutting_down;
        bool store_modules_loaded;  /* the store's devices are there, or their modprobe ended */
        bool backend_modules_loaded; /* the backends' modprobe ended (xendomains waits for it) */
        struct ModprobeRun *modprobe[2]; /* the store's set, the backends' set, while it runs */
        usec_t modprobe_timeout_usec;
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
        bool reload_unchanged;       /* this reload found no setting changed */
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
        uint32_t reload_restart;    /* the components it restarts, as reload_prepare() said */
        uint32_t reload_skipped;    /* and those a down dependency keeps from it */
        sd_event_source *reload_defer;
        unsigned reload_check_round; /* xl's checks of guests' settings this reload waited for */
        bool reload_visible;         /* the reload waits for something: State says reloading */
        bool reload_announced;       /* and systemd got RELOADING=1 */
        struct XlDryRun *xl_dryrun;  /* those checks, and the verdicts kept (xl-dryrun.c) */

        /* the boot entries (boot-entries.c): what xen-dom0-boot-entries.service left last */
        BootState boot;
        bool boot_loaded;           /* boot holds a state read from the builder */
        bool boot_running;          /* the builder's start job is in flight */
        usec_t boot_started;        /* CLOCK_REALTIME: when it was asked to start */
        bool boot_again;            /* the inputs changed while it ran: once more after it */
        char *boot_error;           /* the builder failed without leaving a state */
        /* the declared guests (guests.c) */
        struct GuestRun **guest_runs;
        size_t n_guest_runs;
        /* the runs by the index of their guest in guest_index_config's guests (guests.c) */
        struct GuestRun **guest_index;
        const Config *guest_index_config;
        unsigned guest_epoch;       /* changes with the configuration and the set of guest runs */
        bool guests_renamed;        /* some guest's domain is not called as the guest */
        sd_event_source *guest_timer;
        sd_event_source *guest_defer; /* a look at the guests once the bus is read (guests.c) */
        bool guests_begun;
        bool guests_trim_due;       /* guests were started: trim once none is starting */
        /* Set by the daemon: the declared guests' part of StatusText (guests.c), NULL when none;
         * *ret_degraded when one failed. */
        char *(*guest_status)(Manager *m, bool *ret_degraded);
        /* Set by the daemon: called once, when READY=1 went out. */
        void (*ready)(Manager *m);

        /* the hypervisor's side (xen.c and the backends) */
        struct XenState *xen;
        /* Set by the daemon: the store is up (probed or adopted), the hypervisor may be opened. */
        void (*store_ready)(Manager *m);

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
unsigned manager_components_up(Manager *m);

/* Recomputes State and StatusText and tells systemd and the bus when they changed. */
void manager_update_state(Manager *m);
/* The same, with the notification FIELDS ("READY=1") sent along with the new status. */
void manager_update_state_notify(Manager *m, const char *fields);
void manager_notify(Manager *m, const char *fmt, ...) _printf_(2, 3);
/* Gives the pages a burst of work freed back to the kernel (malloc_trim()): rendering a
 * thousand guests' files, or starting them, peaks at megabytes that malloc would otherwise keep
 * for the daemon's lifetime. what names the burst in the debug log. */
void manager_trim_memory(const char *what);

/* Test-only fault injection (XEN_DOM0D_CRASH_AT=validated|rename:N|restarting): the daemon
 * kills itself with SIGKILL at that step of a reload. */
void manager_crash_point(const char *point);
void manager_crash_points_init(const Manager *m);
