/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Manager's own state: the State/StatusText that systemd and the bus see, where the host's
 * file system is, and the test-only fault injection of reloads. */
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <systemd/sd-daemon.h>

#include "bus-component.h"
#include "bus-manager.h"
#include "log.h"
#include "manager.h"
#include "strv.h"

static const char *const manager_states[_MANAGER_STATE_MAX] = {
        [MANAGER_STARTING] = "starting", [MANAGER_RUNNING] = "running",   [MANAGER_DEGRADED] = "degraded",
        [MANAGER_RELOADING] = "reloading", [MANAGER_STOPPING] = "stopping", [MANAGER_DISABLED] = "disabled",
};

const char *manager_state_to_string(ManagerState s) {
        return s >= 0 && s < _MANAGER_STATE_MAX ? manager_states[s] : NULL;
}

unsigned manager_components_up(Manager *m) {
        return component_count_active(m->components);
}

void manager_trim_memory(const char *what) {
        int released = malloc_trim(0);

        log_debug("After %s: %s memory to the kernel", what, released ? "gave" : "had no");
}

void manager_notify(Manager *m, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        if (s)
                (void) sd_notify(false, s);
}

const char *manager_root(void) {
        const char *r = getenv("XEN_DOM0D_ROOT");
        return isempty(r) ? "/" : r;
}

char *manager_root_path(const char *path) {
        const char *root = manager_root();
        char *s;

        if (streq(root, "/"))
                return strdup(path);
        return asprintf(&s, "%s%s", root, path) < 0 ? NULL : s;
}

static const char *crash_at;
static const Manager *crash_manager;

static void crash_on_rename(size_t n) {
        char point[32];

        /* Only a reload's writes: the render at start-up must not loop the daemon. */
        if (!crash_manager || !crash_manager->reloading)
                return;
        snprintf(point, sizeof point, "rename:%zu", n);
        manager_crash_point(point);
}

void manager_crash_points_init(const Manager *m) {
        crash_manager = m;
        crash_at = getenv("XEN_DOM0D_CRASH_AT");
        if (isempty(crash_at)) {
                crash_at = NULL;
                return;
        }
        log_warning("Test fault injection armed: SIGKILL at reload step %s", crash_at);
        fileset_rename_hook = crash_on_rename;
}

void manager_crash_point(const char *point) {
        if (crash_at && streq(crash_at, point)) {
                log_warning("Test fault injection: SIGKILL at reload step %s", point);
                fflush(stderr);
                (void) raise(SIGKILL);
        }
}

static ManagerState compute_state(Manager *m, char **ret_status) {
        unsigned up = manager_components_up(m);
        char *s = NULL;

        if (m->shutting_down) {
                *ret_status = strdup("stopping the supervisor; the stack keeps running");
                return MANAGER_STOPPING;
        }
        if (!config_bool(m->config, OPT_ENABLE)) {
                *ret_status = strdup("disabled by xen.enable = false: nothing rendered, nothing started");
                return MANAGER_DISABLED;
        }
        if (m->reloading && m->reload_visible) {
                *ret_status = strdup("reloading the configuration");
                return MANAGER_RELOADING;
        }
        if (!m->settled) {
                if (asprintf(&s, "starting the Xen dom0 stack, %u of %d up", up, _COMP_MAX) < 0)
                        s = NULL;
                *ret_status = s;
                return MANAGER_STARTING;
        }
        if (m->store_unresponsive && m->components[COMP_XENSTORED].state == COMPONENT_ACTIVE) {
                if (asprintf(&s, "degraded: xenstored does not answer, %u of %d up", up - 1, _COMP_MAX) < 0)
                        s = NULL;
                *ret_status = s;
                return MANAGER_DEGRADED;
        }
        if (up == _COMP_MAX) {
                bool guests_degraded = false;
                _cleanup_free_ char *guests = m->guest_status ? m->guest_status(m, &guests_degraded) : NULL;

                if (asprintf(&s, "%s: %u of %d components up%s%s%s", guests_degraded ? "degraded" : "running", up,
                             _COMP_MAX, guests ? ", " : "", strempty(guests),
                             m->pending_reboot.n > 0 ? ", reboot pending" : "") < 0)
                        s = NULL;
                *ret_status = s;
                return guests_degraded ? MANAGER_DEGRADED : MANAGER_RUNNING;
        }
        /* Name the first component that is not up, with why. */
        for (size_t i = 0; i < _COMP_MAX; i++) {
                Component *c = &m->components[i];
                if (c->state == COMPONENT_ACTIVE)
                        continue;
                if (asprintf(&s, "degraded: %s %s%s%s%s, %u of %d up", c->def->name,
                             component_state_to_string(c->state), c->result ? " (result " : "", strempty(c->result),
                             c->result ? ")" : "", up, _COMP_MAX) < 0)
                        s = NULL;
                break;
        }
        *ret_status = s;
        return MANAGER_DEGRADED;
}

void manager_update_state_notify(Manager *m, const char *fields) {
        _cleanup_free_ char *status = NULL;
        ManagerState s = compute_state(m, &status);
        bool state_changed = s != m->state, status_changed = status && !streq_ptr(status, m->status_text);

        m->state = s;
        if (status_changed) {
                free(m->status_text);
                m->status_text = TAKE_PTR(status);
        }
        /* One datagram: systemd handles each on its own, and tells the bus of each change. */
        if (fields && status_changed)
                manager_notify(m, "%s\nSTATUS=%s", fields, m->status_text);
        else if (fields)
                (void) sd_notify(false, fields);
        else if (status_changed)
                manager_notify(m, "STATUS=%s", m->status_text);
        if (!m->ready_sent && (m->settled || s == MANAGER_DISABLED)) {
                m->ready_sent = true;
                (void) sd_notify(false, "READY=1");
                log_event(s == MANAGER_DEGRADED ? LOG_ERR : LOG_INFO, MESSAGE_STACK_SETTLED, NULL,
                          "Xen dom0 stack settled, %s", strna(m->status_text));
                if (m->ready)
                        m->ready(m);
        }
        if (state_changed && status_changed)
                bus_manager_emit_changed(m, "State", "StatusText", NULL);
        else if (state_changed || status_changed)
                bus_manager_emit_changed(m, state_changed ? "State" : "StatusText", NULL);
        bus_component_emit_changes(m);
}

void manager_update_state(Manager *m) {
        manager_update_state_notify(m, NULL);
}
