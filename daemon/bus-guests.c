/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus-guests.h"
#include "bus-names.h"
#include "bus-polkit.h"
#include "guests.h"
#include "log.h"
#include "strv.h"
#include "xen.h"

/* One row: name, domain, unit, state, readiness, message, settings waiting for a restart. */
static int append_row(sd_bus_message *reply, const char *name, const char *domain, const char *unit,
                      const char *state, const char *readiness, const char *message, char **pending) {
        int r = sd_bus_message_open_container(reply, 'r', "ssssssas");
        if (r >= 0)
                r = sd_bus_message_append(reply, "sssss", name, domain, unit, state, readiness);
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", message);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, pending ?: (char *[]) { NULL });
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

int bus_guests_list(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        const Guests *gs = &m->config->guests;
        const XenDomain *doms;
        size_t n_doms = 0;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssssssas)");
        /* the declared ones, in the file's order */
        for (size_t i = 0; r >= 0 && i < gs->n; i++) {
                const Guest *g = &gs->items[i];
                GuestRun *run = guests_find_run(m, g->name);
                _cleanup_free_ char *unit = guest_unit_name(g->name), *readiness = guest_readiness(g);

                if (!unit || !readiness)
                        return -ENOMEM;
                r = append_row(reply, g->name, g->domain_name ?: g->name, unit,
                               run ? guest_run_state_to_string(run->state) : g->autostart ? "waiting" : "off",
                               readiness, run ? strempty(run->error) : "", run ? run->pending : NULL);
        }
        /* removed from the file but still tracked: left as they were */
        for (size_t i = 0; r >= 0 && i < m->n_guest_runs; i++) {
                GuestRun *run = m->guest_runs[i];
                _cleanup_free_ char *unit = NULL;

                if (run->state != GUEST_RUN_UNDECLARED)
                        continue;
                unit = guest_unit_name(run->name);
                if (!unit)
                        return -ENOMEM;
                r = append_row(reply, run->name, run->domain, unit, "undeclared", "",
                               xen_domain_by_name(m, run->domain) ? "running, no longer declared"
                                                                  : "no longer declared",
                               NULL);
        }
        /* and every other domain that runs: not declared, started by hand or by xendomains */
        doms = xen_domains(m, &n_doms);
        for (size_t i = 0; r >= 0 && i < n_doms; i++) {
                const XenDomain *d = &doms[i];
                bool known = d->domid == 0 || !d->name;

                for (size_t j = 0; !known && j < gs->n; j++)
                        known = streq(gs->items[j].domain_name ?: gs->items[j].name, d->name);
                for (size_t j = 0; !known && j < m->n_guest_runs; j++)
                        known = m->guest_runs[j]->state == GUEST_RUN_UNDECLARED &&
                                streq(m->guest_runs[j]->domain, d->name);
                if (!known)
                        r = append_row(reply, "", d->name, "", "undeclared", "", "running, not declared", NULL);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

typedef int (*guest_action_t)(Manager *m, const char *name);

static void do_action(Manager *m, sd_bus_message *msg, guest_action_t action, const char *verb) {
        const char *name;
        int r;

        if (sd_bus_message_rewind(msg, true) < 0 || sd_bus_message_read(msg, "s", &name) < 0) {
                (void) sd_bus_reply_method_errorf(msg, SD_BUS_ERROR_INVALID_ARGS, "Expected a guest name");
                return;
        }
        log_info("Guest %s: %s requested over the bus by %s", name, verb, strna(sd_bus_message_get_sender(msg)));
        r = action(m, name);
        if (r == -ENOENT)
                (void) sd_bus_reply_method_errorf(msg, BUS_ERROR_NO_SUCH_GUEST, "No declared guest '%s'", name);
        else if (r < 0)
                (void) sd_bus_reply_method_errnof(msg, r, "Cannot %s guest %s: %m", verb, name);
        else
                (void) sd_bus_reply_method_return(msg, NULL);
}

static void do_start(Manager *m, sd_bus_message *msg) {
        do_action(m, msg, guests_start_one, "start");
}
static void do_stop(Manager *m, sd_bus_message *msg) {
        do_action(m, msg, guests_stop_one, "stop");
}
static void do_restart(Manager *m, sd_bus_message *msg) {
        do_action(m, msg, guests_restart_one, "restart");
}

/* Refused before authorization: no such guest, or nothing to do it with. */
static int check_guest(Manager *m, sd_bus_message *msg, sd_bus_error *error) {
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        if (!config_bool(m->config, OPT_ENABLE))
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                         "The Xen dom0 stack is disabled (xen.enable = false)");
        if (!guests_find(&m->config->guests, name))
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_GUEST,
                                         "No declared guest '%.64s'%s: declare it as [guests.NAME] in %s", name,
                                         strlen(name) > 64 ? "..." : "", m->config_path);
        if (!m->guests_begun)
                return sd_bus_error_setf(error, BUS_ERROR_BUSY,
                                         "The stack is still starting; guests start once it is up");
        return 0;
}

int bus_guests_start(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        int r = check_guest(userdata, msg, error);
        return r < 0 ? r : bus_verify_manage(userdata, msg, do_start);
}
int bus_guests_stop(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        int r = check_guest(userdata, msg, error);
        return r < 0 ? r : bus_verify_manage(userdata, msg, do_stop);
}
int bus_guests_restart(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        int r = check_guest(userdata, msg, error);
        return r < 0 ? r : bus_verify_manage(userdata, msg, do_restart);
}
