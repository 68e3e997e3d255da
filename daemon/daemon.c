/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's life: start-up order (configuration, rendering, bus, systemd, bring-up), the
 * signals, the connections, the hypervisor opened once the store answers, and the end. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "boot-entries.h"
#include "bus-manager.h"
#include "bus-names.h"
#include "component.h"
#include "daemon.h"
#include "guests.h"
#include "log.h"
#include "paths.h"
#include "plan.h"
#include "reboot.h"
#include "reload.h"
#include "stats.h"
#include "strv.h"
#include "supervisor.h"
#include "systemd-client.h"
#include "xen.h"
#include "xl-dryrun.h"
#include "xs-probe.h"

#define SYSTEMD_PRIVATE_SOCKET "/run/systemd/private"

#define BOOTED_CONFIG XEN_DOM0_RUNDIR "/booted.conf"

static void store_ready(Manager *m);

/* READY=1 went out: the boot entries and the declared guests follow the stack. */
static void on_ready(Manager *m) {
        boot_entries_start(m);
        guests_begin(m);
}

int manager_new(const char *config_path, Manager **ret) {
        Manager *m = calloc(1, sizeof(Manager));

        if (!m || !(m->config_path = strdup(config_path))) {
                free(m);
                return -ENOMEM;
        }
        /* how often the store's liveness is probed (0: never) */
        m->store_watch_usec = env_msec("XEN_DOM0D_STORE_WATCH_MSEC", 5 * 1000000ULL, true);
        /* how long modprobe may run before it is given up */
        m->modprobe_timeout_usec = env_msec("XEN_DOM0D_MODPROBE_TIMEOUT_MSEC", MODPROBE_TIMEOUT_USEC, false);
        for (size_t i = 0; i < _COMP_MAX; i++)
                component_init(&m->components[i], &component_table[i], m);
        m->store_ready = store_ready;
        m->ready = on_ready;
        m->guest_status = guests_status;
        *ret = m;
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < _COMP_MAX; i++) {
                xs_probe_cancel(&m->components[i]);
                component_done(&m->components[i]);
        }
        systemd_jobs_free(m);
        free(m->systemd_owner);
        sd_event_source_unref(m->xen_defer);
        sd_event_source_unref(m->store_watch);
        supervisor_modprobe_cancel(m);
        sd_event_source_unref(m->reload_defer);
        stats_stop(m);
        m->xl_dryrun = xl_dryrun_free(m->xl_dryrun);
        guests_free(m);
        xen_stop(m);
        sd_bus_message_unref(m->reload_message);
        strv_free(m->reload_restarted);
        strv_free(m->reload_files);
        reload_plan_done(&m->reload_plan);
        option_reasons_done(&m->pending_reboot);
        config_free(m->config);
        config_free(m->booted_config);
        boot_state_done(&m->boot);
        free(m->boot_error);
        free(m->config_path);
        free(m->status_text);
        if (m->systemd_bus != m->bus)
                sd_bus_flush_close_unref(m->systemd_bus);
        else
                sd_bus_unref(m->systemd_bus);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

/* Keeps a copy of the configuration the stack is first brought up with in this boot: the base
 * for "reboot pending". /run is empty at every boot. */
static int load_booted_config(Manager *m) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_free_ char *booted = manager_root_path(BOOTED_CONFIG);
        struct stat st;
        int r;

        if (!booted)
                return -ENOMEM;
        if (stat(booted, &st) < 0) {
                _cleanup_free_ char *dump = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&dump, &size);
                _cleanup_(fileset_done) FileSet s = {};
                _cleanup_(write_result_done) WriteResult w = {};

                if (!f)
                        return -ENOMEM;
                r = config_dump(m->config, f);
                fclose(f);
                if (r < 0)
                        return r;
                r = fileset_add(&s, BOOTED_CONFIG, TAKE_PTR(dump), size, 0644);
                if (r < 0)
                        return r;
                r = fileset_write(&s, manager_root(), &w);
                if (r < 0)
                        return log_warning_errno(r, "Failed to record the configuration of this boot");
        }
        r = config_load(booted, NULL, &m->booted_config, &d);
        if (r < 0)
                log_warning("The record of this boot's configuration (%s) is unreadable; pending reboot is not "
                            "computed",
                            BOOTED_CONFIG);
        else
                /* It is kept for what waits for a reboot, which no guest does: a thousand
                 * declared guests would be held twice. */
                guests_done(&m->booted_config->guests);
        return 0;
}

/* libxenstore and libxl block while no store answers: the Xen backend is opened only once the
 * store is known to be up (probed or adopted), never before. */
static void update_pending(Manager *m) {
        if (reboot_pending_update(m) > 0)
                bus_manager_emit_changed(m, "PendingReboot", "PendingRebootReasons", NULL);
}

static void on_xen_properties(Manager *m, char **properties, void *userdata) {
        bus_manager_emit_changed_strv(m, properties);
}

static void on_xen_opened(Manager *m, void *userdata) {
        update_pending(m);
}

static const XenCallbacks xen_callbacks = {
        .properties_changed = on_xen_properties,
        .opened = on_xen_opened,
};

static int on_store_ready(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        int r;

        r = xen_start(m, &xen_callbacks);
        if (r < 0)
                log_warning_errno(r, "Failed to open the Xen backend; guests and host facts are unavailable");
        update_pending(m);
        return 0;
}

static void store_ready(Manager *m) {
        int r;

        if (m->xen_started)
                return;
        m->xen_started = true;
        /* Deferred at idle priority: opening libxl is not on the bring-up's critical path. */
        r = sd_event_add_defer(m->event, &m->xen_defer, on_store_ready, m);
        if (r >= 0)
                r = sd_event_source_set_priority(m->xen_defer, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->xen_defer, SD_EVENT_ONESHOT);
        if (r < 0)
                (void) on_store_ready(NULL, m);
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        m->shutting_down = true;
        (void) sd_notify(false, "STOPPING=1\nSTATUS=stopping the supervisor; the stack keeps running");
        log_info("Stopping on %s; the Xen dom0 stack keeps running", strsignal(si->ssi_signo));
        return sd_event_exit(m->event, 0);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_info("Reloading on SIGHUP");
        (void) manager_reload(m, NULL);
        return 0;
}

/* The system bus went away (dbus-daemon restarted or died), or systemd's private socket did (a
 * daemon-reexec closes every connection to it). Nothing of the stack depends on our connections,
 * so we do not try to carry on half-deaf: exit non-zero, systemd starts us again
 * (Restart=on-failure), and the new daemon adopts the running stack. */
static int on_bus_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        log_error("Lost the connection to %s; exiting so that systemd starts xen-dom0d again "
                  "(the Xen dom0 stack keeps running and is adopted)",
                  sd_bus_message_get_bus(msg) == m->bus ? "the system bus" : "systemd");
        return sd_event_exit(m->event, -ECONNRESET);
}

/* Watches for BUS going away. */
static int watch_disconnect(Manager *m, sd_bus *bus) {
        return sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                   "org.freedesktop.DBus.Local", "Disconnected", on_bus_disconnected, m);
}

/* A bus connection with receive timestamps negotiated before it starts: the scheduling gap is
 * measured from when a JobRemoved reached us. bus_client: through a bus daemon (Hello, names,
 * matches installed there) rather than straight to a peer. */
static int open_bus(const char *address, bool bus_client, const char *description, sd_bus **ret) {
        sd_bus *b = NULL;
        int r;

        r = sd_bus_new(&b);
        if (r < 0)
                return r;
        if ((r = sd_bus_set_address(b, address)) < 0 || (r = sd_bus_set_bus_client(b, bus_client)) < 0 ||
            (r = sd_bus_negotiate_timestamp(b, true)) < 0 || (r = sd_bus_set_description(b, description)) < 0 ||
            (r = sd_bus_start(b)) < 0) {
                sd_bus_unref(b);
                return r;
        }
        *ret = b;
        return 0;
}

/* systemd answers root on its private socket too, the same API without the bus daemon in
 * between (systemctl uses it the same way). At boot, dbus.service starts together with
 * xen-dom0.service at basic.target and takes seconds in emulation: talking to systemd directly,
 * the bring-up does not wait for it; only our own name and API do. Used only on the machine's
 * own system bus (own_bus): not when a test points the system bus elsewhere. */
static int open_systemd_bus(Manager *m, bool own_bus) {
        int r;

        if (own_bus && geteuid() == 0 && sd_booted() > 0 && access(SYSTEMD_PRIVATE_SOCKET, F_OK) == 0) {
                r = open_bus("unix:path=" SYSTEMD_PRIVATE_SOCKET, false, "systemd", &m->systemd_bus);
                if (r >= 0) {
                        if ((r = sd_bus_attach_event(m->systemd_bus, m->event, SD_EVENT_PRIORITY_NORMAL)) < 0 ||
                            (r = watch_disconnect(m, m->systemd_bus)) < 0)
                                return log_error_errno(r, "Failed to watch the connection to systemd");
                        log_debug("Talking to systemd through " SYSTEMD_PRIVATE_SOCKET);
                        return 0;
                }
                log_warning_errno(r, "Failed to connect to " SYSTEMD_PRIVATE_SOCKET "; talking to systemd over the system bus");
        }
        m->systemd_bus = sd_bus_ref(m->bus);
        return 0;
}

int manager_startup(Manager *m) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        const char *bus_address = secure_getenv("DBUS_SYSTEM_BUS_ADDRESS");
        sigset_t mask;
        int r;

        manager_crash_points_init(m);

        r = config_load(m->config_path, NULL, &m->config, &d);
        for (size_t i = 0; i < d.n; i++) {
                _cleanup_free_ char *s = diag_format(&d.items[i]);
                log_full(d.items[i].level == DIAG_ERROR ? LOG_ERR : LOG_WARNING, "%s", strna(s));
        }
        if (r < 0) {
                log_error("%s: %zu error%s; not starting the Xen dom0 stack. Fix the file and start xen-dom0 again "
                          "(check it with: xen-dom0d --check)",
                          m->config_path, d.n_errors, d.n_errors == 1 ? "" : "s");
                (void) sd_notifyf(false, "STATUS=invalid configuration %s: %zu errors", m->config_path, d.n_errors);
                return -EINVAL;
        }
        m->config_loaded = now_usec(CLOCK_REALTIME);
        log_debug("Loaded %s", m->config_path);

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop");
        /* WATCHDOG=1 from the loop itself when the unit sets WatchdogSec=: a loop that stalls
         * ends in a restart, and a restarted daemon adopts the running stack. */
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the service watchdog, continuing without it");
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(-errno, "Failed to block signals");
        if ((r = sd_event_add_signal(m->event, NULL, SIGTERM, on_sigterm, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGINT, on_sigterm, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m)) < 0)
                return log_error_errno(r, "Failed to watch signals");

        r = open_bus(bus_address ?: "unix:path=/run/dbus/system_bus_socket", true, "system", &m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus at %s (is dbus.service running?)",
                                       bus_address ?: "unix:path=/run/dbus/system_bus_socket");
        log_debug("Connected to the system bus");
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop");
        r = watch_disconnect(m, m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to watch for the bus going away");
        r = open_systemd_bus(m, !bus_address);
        if (r < 0)
                return r;

        if (config_bool(m->config, OPT_ENABLE)) {
                _cleanup_strv_free_ char **changed = NULL;
                _cleanup_free_ char *error = NULL;

                /* Re-rendered at every start, so a new boot always uses the current file. */
                r = manager_render(m, m->config, &changed, &error);
                if (r < 0) {
                        if (!error)
                                return log_error_errno(r, "Failed to write the rendered files");
                        log_error("%s", error);
                        return r;
                }
                STRV_FOREACH(p, changed)
                        log_debug("Wrote %s", *p);
                guests_files_written(m, changed);
                (void) load_booted_config(m);
                update_pending(m);
        }

        r = bus_manager_register(m);
        if (r < 0)
                return r;
        stats_configure(m);
        /* With the stack disabled, Xen is someone else's: look only when a store already answers
         * (or a test chose a backend), and at once, before the name is requested: no bring-up
         * needs it kept off (store_ready() defers it), and no caller must find ListDomains
         * empty while guests run. With the stack enabled it opens once our store is up. */
        if (!config_bool(m->config, OPT_ENABLE) &&
            (getenv("XEN_DOM0D_BACKEND") || access("/run/xenstored/socket", F_OK) == 0)) {
                m->xen_started = true;
                (void) on_store_ready(NULL, m);
        }
        r = systemd_subscribe(m);
        if (r < 0)
                return log_error_errno(r, "Failed to subscribe to systemd");
        r = sd_bus_request_name_async(m->bus, NULL, DOM0_BUS_NAME, 0, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to request the bus name " DOM0_BUS_NAME);

        if (!config_bool(m->config, OPT_ENABLE)) {
                log_notice("xen.enable = false in %s: nothing rendered, nothing started", m->config_path);
                manager_update_state(m);
                return 0;
        }
        return supervisor_begin(m);
}

int manager_run(Manager *m) {
        return sd_event_loop(m->event);
}
