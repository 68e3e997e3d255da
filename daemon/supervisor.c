/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bring-up in dependency order with independent branches in flight together, adoption of
 * components already running, and health: bounded restarts of the restartable ones. */
#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "component.h"
#include "log.h"
#include "paths.h"
#include "render.h"
#include "supervisor.h"
#include "systemd-client.h"
#include "xen.h"
#include "xen-child.h"
#include "xen-watchdog.h"
#include "xs-probe.h"

#define STORE_READY_TIMEOUT_USEC (30 * 1000000ULL)

/* modprobe of one set of dom0_modules: the store's, or the backends'. The store's set alone
 * holds back xenstored, and only when its devices are missing (normally boot loaded every name
 * early, from the modules-load.d file that the package and every start render). The backends'
 * set is loaded in parallel and holds back xendomains only, whose guests need them. */
static const char *const *module_args(bool store) {
        static const char *args[2][4 + 32];
        const char **a = args[store];
        size_t n = 0;

        if (a[0])
                return a;
        a[n++] = "modprobe";
        a[n++] = "-q";
        a[n++] = "-a";
        a[n++] = "-b";
        for (const Dom0Module *m = dom0_modules; m->name; m++)
                if (m->store == store) {
                        assert(n < ELEMENTSOF(args[0]) - 1);
                        a[n++] = m->name;
                }
        return a;
}
static const char *const store_devices[] = { "/dev/xen/evtchn", "/dev/xen/gntdev", "/dev/xen/privcmd" };

static bool deps_active(Manager *m, const Component *c) {
        for (size_t i = 0; i < _COMP_MAX; i++)
                if ((c->def->after & COMP_BIT(i)) && m->components[i].state != COMPONENT_ACTIVE)
                        return false;
        return true;
}

static const SystemdUnitCallbacks unit_callbacks;
static const XsProbeCallbacks store_probe_callbacks;
static int watch_store(Manager *m);

/* Which once-a-boot components this boot has started: a file each under /run, which the next
 * boot starts without. It outlives the daemon, so that a restarted daemon (it exits on purpose
 * when the bus or systemd goes away) tells "died since" from "not started yet". */
static char *started_marker(const Component *c) {
        _cleanup_free_ char *rel = NULL;

        if (asprintf(&rel, XEN_DOM0_RUNDIR "/started/%s", c->def->name) < 0)
                return NULL;
        return manager_root_path(rel);
}

static void mark_started(const Component *c) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;

        if (!c->def->once_per_boot)
                return;
        path = started_marker(c);
        if (!path)
                return;
        /* mkdir -p of its directory, the root's /run included (the unit tier's scratch root) */
        for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
                *p = 0;
                (void) mkdir(path, 0755);
                *p = '/';
        }
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                log_warning_errno(-errno, "Cannot record that %s was started in this boot (%s); a restarted "
                                          "xen-dom0d would start it again if it died",
                                  c->def->name, path);
}

static bool was_started(const Component *c) {
        _cleanup_free_ char *path = started_marker(c);

        return path && access(path, F_OK) == 0;
}

static void component_became_active(Component *c) {
        mark_started(c);
        component_start_done(c);
        if (c->def->id == COMP_XENSTORED) {
                if (c->manager->store_ready)
                        c->manager->store_ready(c->manager);
                (void) watch_store(c->manager);
        }
}

/* Whether the components' environment file was written after c became active: a reload
 * interrupted between writing it and restarting c leaves c running with the old one. */
static bool environment_newer(const Component *c) {
        _cleanup_free_ char *path = manager_root_path(PATH_XENCOMMONS);
        struct stat st;

        if (!path || stat(path, &st) < 0 || c->active_enter_realtime == 0)
                return false;
        return (uint64_t) st.st_mtim.tv_sec * 1000000ULL + (uint64_t) st.st_mtim.tv_nsec / 1000ULL >
               c->active_enter_realtime;
}

/* Checks /proc/xen/capabilities for control_d: this host must be dom0. */
static bool is_control_domain(void) {
        char buf[128] = "";
        _cleanup_free_ char *path = manager_root_path("/proc/xen/capabilities");
        _cleanup_close_ int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -EBADF;
        ssize_t n;

        if (fd < 0)
                return false;
        n = read(fd, buf, sizeof buf - 1);
        if (n <= 0)
                return false;
        buf[n] = 0;
        return strstr(buf, "control_d") != NULL;
}

static void on_start_done(Manager *m, const char *unit, const char *result, const char *error, void *userdata) {
        Component *c = userdata;

        if (c->state == COMPONENT_RESTARTING && (error || !streq(result, "done"))) {
                supervisor_restart_failed(c, error, result);
                return;
        }
        if (error) {
                component_set_error(c, "systemd refused to start %s: %s", unit, error);
                log_event(LOG_ERR, MESSAGE_COMPONENT_FAILED, c->def->name, "Failed to start %s: %s", c->def->name,
                          error);
                component_failed(c);
        } else if (!streq(result, "done")) {
                component_set_error(c, "start job of %s ended with result '%s'", unit, result);
                log_event(LOG_ERR, MESSAGE_COMPONENT_FAILED, c->def->name, "%s failed to start: job %s; its dependents are not started",
                          c->def->name, result);
                component_failed(c);
                (void) systemd_fetch_result(c);
        } else if (c->def->id == COMP_XENSTORED) {
                /* Debian's store cannot tell systemd it is ready: ask it ourselves. */
                component_probing(c);
                if (xs_probe_start(c, m->event, now_usec(CLOCK_MONOTONIC) + STORE_READY_TIMEOUT_USEC,
                                   &store_probe_callbacks) < 0) {
                        component_set_error(c, "cannot probe the store");
                        component_failed(c);
                }
        } else {
                unsigned up;

                component_became_active(c);
                up = manager_components_up(m);
                /* Dependents first, the log line after: it is not on the critical path. */
                supervisor_dispatch(m);
                log_event(LOG_INFO, MESSAGE_COMPONENT_STARTED, c->def->name, "Started %s in %" PRIu64 " ms, %u of %d up",
                          c->def->name, c->startup_msec, up, _COMP_MAX);
                return;
        }
        supervisor_dispatch(m);
}

static int start_component(Component *c) {
        Manager *m = c->manager;
        int r;

        if (m->last_trigger && m->n_gaps < ELEMENTSOF(m->gap_samples) && m->bringup_end == 0)
                m->gap_samples[m->n_gaps++] = now_usec(CLOCK_MONOTONIC) - m->last_trigger;
        component_starting(c);
        r = systemd_job(m, "StartUnit", c->def->unit, on_start_done, c);
        if (r < 0) {
                component_set_error(c, "cannot queue the start of %s: %s", c->def->unit, strerror(-r));
                component_failed(c);
                return log_error_errno(r, "Failed to start %s", c->def->name);
        }
        manager_notify(m, "STATUS=starting %s, %u of %d up", c->def->name, manager_components_up(m), _COMP_MAX);
        return 0;
}

/* Starts whatever has its dependencies up; marks what can never start; settles the bring-up. */
void supervisor_dispatch(Manager *m) {
        bool busy = false;

        if (m->shutting_down)
                return;
        for (size_t i = 0; i < _COMP_MAX; i++) {
                Component *c = &m->components[i];

                if (c->state != COMPONENT_PENDING)
                        continue;
                if (!c->active_state) { /* its state is not known yet */
                        busy = true;
                        continue;
                }
                if (component_lost_need(m->components, c)) {
                        component_skipped(c);
                        component_set_error(c, "not started: a component it needs is not up");
                        log_warning("Not starting %s: a component it needs is not up", c->def->name);
                        continue;
                }
                if (!deps_active(m, c)) {
                        busy = true;
                        continue;
                }
                if (c->def->id == COMP_XENDOMAINS && !m->backend_modules_loaded) {
                        busy = true;
                        continue;
                }
                if (c->def->id == COMP_XENSTORED) {
                        if (!m->store_modules_loaded) {
                                busy = true;
                                continue;
                        }
                        m->control_d = is_control_domain();
                        if (!m->control_d) {
                                component_skipped(c);
                                component_set_error(c, "/proc/xen/capabilities has no control_d: this is not Domain 0");
                                log_error("This host is not Xen's Domain 0 (no control_d in /proc/xen/capabilities): "
                                          "the stack is not started");
                                continue;
                        }
                }
                (void) start_component(c);
                i = (size_t) -1; /* a start may have settled others; look again from the top */
        }
        for (size_t i = 0; i < _COMP_MAX; i++)
                busy = busy || IN_SET(m->components[i].state, COMPONENT_PENDING, COMPONENT_STARTING,
                                            COMPONENT_PROBING);
        if (!busy && !m->settled) {
                m->settled = true;
                m->bringup_end = now_usec(CLOCK_MONOTONIC);
                if (m->n_gaps > 0) {
                        usec_t sorted[ELEMENTSOF(m->gap_samples)];
                        memcpy(sorted, m->gap_samples, sizeof(usec_t) * m->n_gaps);
                        for (unsigned a = 1; a < m->n_gaps; a++)
                                for (unsigned b = a; b > 0 && sorted[b - 1] > sorted[b]; b--) {
                                        usec_t t = sorted[b];
                                        sorted[b] = sorted[b - 1];
                                        sorted[b - 1] = t;
                                }
                        log_info("Bring-up settled in %" PRIu64 " ms: %u of %d up; scheduling gap median %" PRIu64
                                 " us, max %" PRIu64 " us over %u starts",
                                 (m->bringup_end - m->bringup_start) / 1000, manager_components_up(m), _COMP_MAX,
                                 sorted[m->n_gaps / 2], sorted[m->n_gaps - 1], m->n_gaps);
                } else
                        log_info("Bring-up settled in %" PRIu64 " ms: %u of %d up",
                                 (m->bringup_end - m->bringup_start) / 1000, manager_components_up(m), _COMP_MAX);
        }
        manager_update_state(m);
}

/* ---- health ------------------------------------------------------------------------- */

static int on_restart_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Component *c = userdata;

        c->restart_timer = sd_event_source_unref(c->restart_timer);
        if (c->manager->shutting_down)
                return 0;
        const char *lost = component_lost_need(c->manager->components, c);
        if (lost) {
                component_failed(c);
                component_set_error(c, "not restarted: %s, which it needs, went down meanwhile", lost);
                log_warning("Not restarting %s: %s, which it needs, went down meanwhile", c->def->name, lost);
                manager_update_state(c->manager);
                return 0;
        }
        component_restart_queued(c);
        if (systemd_job(c->manager, "StartUnit", c->def->unit, on_start_done, c) < 0) {
                component_failed(c);
                component_set_error(c, "cannot queue a restart");
                manager_update_state(c->manager);
        }
        return 0;
}

int supervisor_restart(Component *c, RestartReason why, const char *reason) {
        Manager *m = c->manager;
        usec_t delay;
        int r;

        if (c->restart_timer || c->state == COMPONENT_RESTARTING)
                return 0;
        r = component_restart(c, why, reason, &delay);
        if (r < 0) {
                manager_update_state(m);
                return r;
        }
        r = sd_event_add_time_relative(m->event, &c->restart_timer, CLOCK_MONOTONIC, delay, 1000, on_restart_timer, c);
        if (r < 0) {
                component_failed(c);
                return log_error_errno(r, "Failed to schedule the restart of %s", c->def->name);
        }
        manager_update_state(m);
        return 0;
}

/* One policy for every restart that did not come up, whoever asked for it (the health check, a
 * request on the bus, a reload): it is one more failure, and a restartable component is
 * restarted again within the same limit; xen-dom0d(8) promises this of a failure. */
void supervisor_restart_failed(Component *c, const char *error, const char *result) {
        char reason[256];

        snprintf(reason, sizeof reason, "its restart %s %s", error ? "was refused:" : "ended with result",
                 error ?: result);
        (void) systemd_fetch_result(c);
        component_failed(c);
        if (c->def->restart == RESTART_ON_FAILURE)
                (void) supervisor_restart(c, RESTART_REASON_RESTART_FAILED, reason);
        else
                manager_update_state(c->manager);
}

static void unit_failed(Component *c, const char *active, const char *sub) {
        Manager *m = c->manager;
        char reason[256];

        /* The state once: "failed", or "inactive (dead)" where the sub-state says more. */
        if (isempty(sub) || streq(sub, active))
                snprintf(reason, sizeof reason, "%s is %s", c->def->unit, active);
        else
                snprintf(reason, sizeof reason, "%s is %s (%s)", c->def->unit, active, sub);
        (void) systemd_fetch_result(c);

        if (c->def->id == COMP_XENSTORED) {
                component_failed(c);
                component_set_error(c,
                                    "the store daemon died; it is never restarted, only a reboot recovers the store");
                xs_probe_cancel(c);
                log_event(LOG_CRIT, MESSAGE_XENSTORED_LOST, c->def->name,
                          "xenstored died (%s): guests can no longer be managed. It is not restarted (a new store "
                          "would not know the running guests); reboot the host to recover. Dependents are left alone.",
                          reason);
                manager_update_state(m);
                return;
        }
        if (c->def->id == COMP_WATCHDOG) {
                unsigned n;
                int r = xen_watchdog_disarm_orphans(&n);
                if (r < 0 && r != -ENODEV)
                        log_warning_errno(r, "Cannot disarm the watchdog timer the dead xenwatchdogd left armed; "
                                             "the hypervisor may reset the host when it expires");
                else if (r >= 0 && n > 0)
                        log_warning("Disarmed %u Xen watchdog timer%s the dead xenwatchdogd left armed (it would "
                                    "have reset the host); the restarted one arms its own",
                                    n, n == 1 ? "" : "s");
        }
        const char *lost = component_lost_need(m->components, c);
        if (c->def->restart == RESTART_ON_FAILURE && lost) {
                /* Its unit Requires= what is down: a start would pull the store back up. */
                component_failed(c);
                component_set_error(c, "%s; not restarted: %s, which it needs, is down", reason, lost);
                log_event(LOG_ERR, MESSAGE_COMPONENT_FAILED, c->def->name,
                          "%s failed: %s; not restarted, because %s, which it needs, is down (starting it would "
                          "start that one again)",
                          c->def->name, reason, lost);
                manager_update_state(m);
                return;
        }
        if (c->def->restart == RESTART_ON_FAILURE) {
                (void) supervisor_restart(c, RESTART_REASON_FAILED, reason);
                return;
        }
        component_failed(c);
        component_set_error(c, "%s", reason);
        log_event(LOG_ERR, MESSAGE_COMPONENT_FAILED, c->def->name, "%s failed: %s; it is not restarted automatically",
                  c->def->name, reason);
        manager_update_state(m);
}

/* A once-a-boot component that this boot started, found down by a daemon that (re)started
 * since: what failed while no daemon watched is reported as if it had been watched. */
static void component_lost_before_adoption(Component *c) {
        component_failed(c);
        (void) systemd_fetch_result(c);
        if (c->def->id == COMP_XENSTORED) {
                component_set_error(c,
                                    "the store daemon died; it is never restarted, only a reboot recovers the store");
                log_event(LOG_CRIT, MESSAGE_XENSTORED_LOST, c->def->name,
                          "xenstored was started in this boot and is no longer running (%s): guests can no longer "
                          "be managed. It is not started again (a new store would not know the running guests); "
                          "reboot the host to recover.",
                          c->active_state);
                return;
        }
        component_set_error(c, "%s was started in this boot and is %s now; it is not started again before a reboot",
                            c->def->unit, c->active_state);
        log_event(LOG_ERR, MESSAGE_COMPONENT_FAILED, c->def->name,
                  "%s was started in this boot and is %s now; it is not started again before a reboot",
                  c->def->name, c->active_state);
}

static void on_unit_state(Component *c, const char *active, const char *sub, void *userdata) {
        Manager *m = c->manager;
        bool first = component_set_unit_state(c, active, sub);

        if (!c->active_state)
                return;

        if (first) {
                /* The initial state: adopt what already runs, and start the rest in order. */
                if (streq(c->active_state, "active") && c->state == COMPONENT_PENDING) {
                        component_adopted(c);
                        component_became_active(c);
                        log_info("Adopted %s, already active", c->def->name);
                        if (c->def->reload_restartable && environment_newer(c) && m->bringup_start) {
                                /* started with an environment that is no longer the rendered one */
                                log_event(LOG_NOTICE, MESSAGE_COMPONENT_RESTARTED, c->def->name,
                                          "Restarting %s: its environment file is newer than it (a reload was "
                                          "interrupted before restarting it)",
                                          c->def->name);
                                component_starting(c);
                                component_count_restart(c, RESTART_REASON_RELOAD);
                                if (systemd_job(m, "RestartUnit", c->def->unit, on_start_done, c) < 0)
                                        component_failed(c);
                        }
                }
                else if (c->def->once_per_boot && c->state == COMPONENT_PENDING && was_started(c))
                        component_lost_before_adoption(c);
                supervisor_dispatch(m);
                return;
        }

        if (m->shutting_down)
                return;

        if (streq(c->active_state, "failed")) {
                if (IN_SET(c->state, COMPONENT_ACTIVE, COMPONENT_PROBING))
                        unit_failed(c, c->active_state, c->sub_state);
        } else if (streq(c->active_state, "inactive")) {
                if (c->state == COMPONENT_ACTIVE) {
                        component_stopped(c);
                        component_set_error(c, "stopped (%s)", strna(c->sub_state));
                        log_warning("%s was stopped from outside xen-dom0d; it is not started again until asked",
                                    c->def->name);
                }
        } else if (streq(c->active_state, "active")) {
                if (IN_SET(c->state, COMPONENT_STOPPED, COMPONENT_FAILED)) {
                        component_became_active(c);
                        log_info("%s is active again", c->def->name);
                }
        }
        manager_update_state(m);
}

/* ---- bring-up ------------------------------------------------------------------------ */

typedef struct ModprobeRun {
        Manager *manager;
        bool store; /* the store's set, else the backends' */
        pid_t pid;
        sd_event_source *child, *timer;
} ModprobeRun;

static const char *modules_what(bool store) {
        return store ? "store's" : "backends'";
}

/* Forgets run; its child's source, when the child may still run, floats and reaps it. */
static void modprobe_forget(ModprobeRun *run, bool kill_it) {
        run->manager->modprobe[run->store ? 0 : 1] = NULL;
        run->timer = sd_event_source_disable_unref(run->timer);
        if (kill_it) {
                /* reaped whenever it ends: a module's init stuck in the kernel may outlive
                 * SIGKILL, and nothing waits for it */
                (void) kill(run->pid, SIGKILL);
                (void) sd_event_source_set_userdata(run->child, NULL);
                (void) sd_event_source_set_floating(run->child, true);
                sd_event_source_unref(run->child);
        } else
                sd_event_source_disable_unref(run->child);
        free(run);
}

/* The set is loaded, or given up: what waited for it goes on. */
static void modules_done(Manager *m, bool store) {
        if (store)
                m->store_modules_loaded = true;
        else
                m->backend_modules_loaded = true;
        m->last_trigger = now_usec(CLOCK_MONOTONIC);
        supervisor_dispatch(m);
}

static int on_modprobe_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        ModprobeRun *run = userdata;
        Manager *m;
        bool store;

        if (!run) {
                /* one given up at its deadline, reaped at last: the source frees itself */
                (void) sd_event_source_set_floating(s, false);
                return 0;
        }
        m = run->manager;
        store = run->store;
        if (si->si_code != CLD_EXITED || si->si_status != 0)
                log_debug("modprobe of the %s modules ended with status %d (missing modules are expected)",
                          modules_what(store), si->si_status);
        modprobe_forget(run, false);
        modules_done(m, store);
        return 0;
}

static int on_modprobe_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        ModprobeRun *run = userdata;
        Manager *m = run->manager;
        bool store = run->store;

        log_warning("modprobe of the %s modules (pid %d) did not end within %llu s: killed it; going on with the "
                    "modules loaded so far (lsmod lists them, dmesg may say why one hung)",
                    modules_what(store), (int) run->pid,
                    (unsigned long long) ((m->modprobe_timeout_usec + 999999ULL) / 1000000ULL));
        modprobe_forget(run, true);
        modules_done(m, store);
        return 0;
}

void supervisor_modprobe_cancel(Manager *m) {
        for (size_t i = 0; i < ELEMENTSOF(m->modprobe); i++)
                if (m->modprobe[i])
                        modprobe_forget(m->modprobe[i], true);
}

/* Runs modprobe on one set of modules in a child, with a deadline; on_modprobe_exit() lets
 * what waited go on. */
static int load_modules(Manager *m, bool store, int nice_level) {
        const char *const *args = module_args(store);
        ModprobeRun *run = calloc(1, sizeof(ModprobeRun));
        pid_t parent = getpid(), pid;
        int r;

        if (!run)
                return -ENOMEM;
        pid = fork();
        if (pid < 0) {
                free(run);
                return -errno;
        }
        if (pid == 0) {
                /* not left behind by a killed daemon, and stopped with it: exec keeps the loop's
                 * signal mask, which blocks SIGTERM */
                if (child_setup(parent) < 0)
                        _exit(127);
                int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (nice_level != 0)
                        (void) setpriority(PRIO_PROCESS, 0, nice_level);
                if (fd >= 0) {
                        (void) dup2(fd, STDOUT_FILENO);
                        (void) dup2(fd, STDERR_FILENO);
                }
                /* XEN_DOM0D_MODPROBE: another modprobe, for tests without kernel modules */
                const char *modprobe = getenv("XEN_DOM0D_MODPROBE");
                execvp(isempty(modprobe) ? "modprobe" : modprobe, (char **) args);
                _exit(127);
        }
        *run = (ModprobeRun) { .manager = m, .store = store, .pid = pid };
        r = sd_event_add_child(m->event, &run->child, pid, WEXITED, on_modprobe_exit, run);
        if (r >= 0)
                r = sd_event_add_time_relative(m->event, &run->timer, CLOCK_MONOTONIC, m->modprobe_timeout_usec, 0,
                                               on_modprobe_timeout, run);
        if (r < 0) {
                (void) kill(pid, SIGKILL);
                if (run->child)
                        modprobe_forget(run, true);
                else {
                        (void) waitpid(pid, NULL, 0);
                        free(run);
                }
                return r;
        }
        m->modprobe[store ? 0 : 1] = run;
        return 0;
}

static bool store_devices_present(void) {
        for (size_t i = 0; i < ELEMENTSOF(store_devices); i++) {
                _cleanup_free_ char *path = manager_root_path(store_devices[i]);
                if (!path || access(path, F_OK) < 0)
                        return false;
        }
        return true;
}

int supervisor_begin(Manager *m) {
        int r;

        m->bringup_start = now_usec(CLOCK_MONOTONIC);
        if (store_devices_present())
                m->store_modules_loaded = true;
        else {
                r = load_modules(m, true, 0);
                if (r < 0) {
                        log_warning_errno(r, "Failed to run modprobe; relying on modules already loaded");
                        m->store_modules_loaded = true;
                }
        }
        /* Niced: at boot it runs while the bus, the store and the first components start on two
         * CPUs or fewer, and it has until xendomains to finish. */
        r = load_modules(m, false, 10);
        if (r < 0) {
                log_warning_errno(r, "Failed to run modprobe; relying on modules already loaded");
                m->backend_modules_loaded = true;
        }
        for (size_t i = 0; i < _COMP_MAX; i++) {
                r = systemd_watch_unit(&m->components[i], &unit_callbacks);
                if (r < 0)
                        return log_error_errno(r, "Failed to watch %s", m->components[i].def->unit);
        }
        manager_notify(m, "STATUS=starting the Xen dom0 stack");
        return 0;
}

/* ---- the store's liveness ------------------------------------------------------------ */

/* A store that stops answering (stopped, deadlocked, swamped) is as bad as a dead one for
 * guest management, and systemd cannot see it: the unit stays active. Each probe runs in a
 * child with a deadline (xs-probe.c), so a silent store never blocks the event loop. */
#define STORE_SILENT_AFTER_USEC (3 * 1000000ULL)

static int on_store_watch(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        Component *c = &m->components[COMP_XENSTORED];

        if (c->state != COMPONENT_ACTIVE || m->shutting_down) {
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
                return 0;
        }
        (void) sd_event_source_set_time_relative(s, m->store_watch_usec);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        if (c->probe_pid > 0 || c->probe_timer)
                return 0; /* the last probe is still waiting for its answer */
        if (xs_probe_start(c, m->event, now_usec(CLOCK_MONOTONIC) + STORE_SILENT_AFTER_USEC,
                           &store_probe_callbacks) < 0)
                log_warning("Cannot start a liveness probe of the store; trying again in %" PRIu64 " ms",
                            m->store_watch_usec / 1000);
        return 0;
}

/* Starts the periodic liveness probe of an active store (idempotent). */
static int watch_store(Manager *m) {
        int r;

        if (m->store_watch_usec == 0)
                return 0;
        if (m->store_watch) {
                r = sd_event_source_set_time_relative(m->store_watch, m->store_watch_usec);
                return r < 0 ? r : sd_event_source_set_enabled(m->store_watch, SD_EVENT_ONESHOT);
        }
        r = sd_event_add_time_relative(m->event, &m->store_watch, CLOCK_MONOTONIC, m->store_watch_usec, 100 * 1000,
                                       on_store_watch, m);
        if (r < 0)
                return log_warning_errno(r, "Failed to schedule the store's liveness probe");
        /* Below the bus and systemd's signals: a probe result is never urgent. */
        (void) sd_event_source_set_priority(m->store_watch, SD_EVENT_PRIORITY_NORMAL + 10);
        return 0;
}

static void store_liveness(Component *c, bool ok, const char *error) {
        Manager *m = c->manager;

        if (!ok && !m->store_unresponsive) {
                m->store_unresponsive = true;
                component_set_error(c, "the store does not answer: %s within %llu s", strna(error),
                                    STORE_SILENT_AFTER_USEC / 1000000ULL);
                log_event(LOG_CRIT, MESSAGE_XENSTORED_SILENT, c->def->name,
                          "xenstored does not answer (%s within %llu s): guests cannot be managed until it does. "
                          "It is not restarted; its dependents are left alone.",
                          strna(error), STORE_SILENT_AFTER_USEC / 1000000ULL);
                manager_update_state(m);
        } else if (ok && m->store_unresponsive) {
                m->store_unresponsive = false;
                component_clear_error(c);
                log_event(LOG_NOTICE, MESSAGE_XENSTORED_ANSWERS, c->def->name, "xenstored answers again");
                manager_update_state(m);
                xen_store_answers(m);
        }
}

static void on_store_probed(Component *c, bool ok, const char *error, void *userdata) {
        Manager *m = c->manager;

        /* For the metrics: how long the store took to answer, readiness probes included. */
        if (ok) {
                m->store_probes++;
                m->store_probe_usec += now_usec(CLOCK_MONOTONIC) - c->probe_started;
                m->store_last_answer = now_usec(CLOCK_REALTIME);
        } else
                m->store_probe_failures++;

        if (c->state == COMPONENT_ACTIVE) {
                store_liveness(c, ok, error);
                return;
        }
        if (c->state != COMPONENT_PROBING)
                return;
        m->last_trigger = now_usec(CLOCK_MONOTONIC);
        if (ok) {
                unsigned up;

                component_became_active(c);
                up = manager_components_up(m);
                supervisor_dispatch(m);
                log_event(LOG_INFO, MESSAGE_COMPONENT_STARTED, c->def->name,
                          "Started %s in %" PRIu64 " ms (the store answers), %u of %d up", c->def->name,
                          c->startup_msec, up, _COMP_MAX);
                return;
        } else {
                component_failed(c);
                component_set_error(c, "%s within %llu s", error, STORE_READY_TIMEOUT_USEC / 1000000ULL);
                log_event(LOG_ERR, MESSAGE_COMPONENT_FAILED, c->def->name,
                          "xenstored started but %s within %llu s; its dependents are not started", error,
                          STORE_READY_TIMEOUT_USEC / 1000000ULL);
        }
        supervisor_dispatch(m);
}

static const SystemdUnitCallbacks unit_callbacks = {
        .unit_state = on_unit_state,
};

static const XsProbeCallbacks store_probe_callbacks = {
        .probed = on_store_probed,
};
