/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The systemd client. Subscribe() and the JobRemoved match come before any StartUnit; a job is
 * matched to its JobRemoved by object path, including a JobRemoved that overtakes the reply. */
#include "log.h"
#include "systemd-client.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define EARLY_MAX 32

typedef struct Job {
        struct Job *next;
        Manager *manager;
        char *unit;
        char *path;             /* NULL until systemd replied */
        job_callback_t cb;
        void *userdata;
        sd_bus_slot *slot;
} Job;

typedef struct EarlyJob {
        struct EarlyJob *next;
        char *path;
        char *result;
} EarlyJob;

/* The sender to match systemd's signals on: on its private socket messages carry none. On the
 * bus the well-known name lets dbus-daemon route only systemd's broadcasts to us; it does not
 * stop a signal that any client sends to us by destination, and sd-bus lets a match on a
 * well-known name pass every unique sender. from_systemd() decides. */
static const char *sender(Manager *m) {
        return sd_bus_is_bus_client(m->systemd_bus) > 0 ? SD_DEST : NULL;
}

/* Whether msg, a signal that names systemd's objects, is systemd's: on its private socket
 * systemd is the only peer; on the bus only the unique name that owns org.freedesktop.systemd1
 * counts, which dbus-daemon stamps on every message and no client can choose. */
static bool from_systemd(Manager *m, sd_bus_message *msg) {
        const char *s;

        if (sd_bus_is_bus_client(m->systemd_bus) <= 0)
                return true;
        s = sd_bus_message_get_sender(msg);
        if (m->systemd_owner && streq_ptr(s, m->systemd_owner))
                return true;
        /* Once: any local user can send these, the journal must not be theirs to fill. */
        if (!m->forged_logged) {
                m->forged_logged = true;
                log_warning("Ignoring %s from %s, which is not systemd (%s); further ones are not logged",
                            strna(sd_bus_message_get_member(msg)), strna(s), strna(m->systemd_owner));
        }
        return false;
}

static void set_systemd_owner(Manager *m, const char *owner) {
        char *o = NULL;

        if (!isempty(owner) && !(o = strdup(owner))) {
                /* Trusting no sender until the next change beats trusting a stale one. */
                log_error("Out of memory: ignoring systemd's signals until its bus name changes");
        }
        free(m->systemd_owner);
        m->systemd_owner = o;
}

static void job_free(Job *j) {
        sd_bus_slot_unref(j->slot);
        free(j->unit);
        free(j->path);
        free(j);
}

static void job_unlink(Manager *m, Job *j) {
        for (Job **p = &m->jobs; *p; p = &(*p)->next)
                if (*p == j) {
                        *p = j->next;
                        return;
                }
}

static void job_finish(Manager *m, Job *j, const char *result, const char *error) {
        job_unlink(m, j);
        j->cb(m, j->unit, result, error, j->userdata);
        job_free(j);
}

static void early_jobs_free(EarlyJob *e) {
        while (e) {
                EarlyJob *next = e->next;
                free(e->path);
                free(e->result);
                free(e);
                e = next;
        }
}

void systemd_jobs_free(Manager *m) {
        while (m->jobs) {
                Job *j = m->jobs;
                m->jobs = j->next;
                job_free(j);
        }
        early_jobs_free(TAKE_PTR(m->early_jobs));
}

/* A message that may let a component start (a JobRemoved, a unit's initial state): the scheduling
 * gap runs from when the kernel received it, so that it includes our own queueing. */
static void note_trigger(Manager *m, sd_bus_message *msg) {
        uint64_t t = 0;

        if (sd_bus_message_get_monotonic_usec(msg, &t) < 0 || t == 0)
                t = now_usec(CLOCK_MONOTONIC);
        m->last_trigger = t;
}

static Job *job_by_path(Manager *m, const char *path) {
        for (Job *j = m->jobs; j; j = j->next)
                if (j->path && streq(j->path, path))
                        return j;
        return NULL;
}

static int on_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *path, *unit, *result;
        uint32_t id;
        EarlyJob *e;
        int r;

        if (!from_systemd(m, msg))
                return 0;
        r = sd_bus_message_read(msg, "uoss", &id, &path, &unit, &result);
        if (r < 0) {
                log_warning_errno(r, "Failed to parse JobRemoved");
                return 0;
        }
        /* systemd merges a job asked for while one of the same type is queued for the unit, and
         * answers both calls with one path: every Job holding it ends here. The search starts over
         * after each, since a callback may change the list. */
        bool finished = false;
        for (Job *j = job_by_path(m, path); j; j = job_by_path(m, path)) {
                if (!finished)
                        note_trigger(m, msg);
                finished = true;
                job_finish(m, j, result, NULL);
        }
        if (finished)
                return 0;
        /* Not ours, or its reply has not arrived yet: remember it only while a reply is due. */
        bool waiting = false;
        for (Job *j = m->jobs; j; j = j->next)
                waiting = waiting || !j->path;
        if (!waiting)
                return 0;
        e = calloc(1, sizeof(EarlyJob));
        if (!e || !(e->path = strdup(path)) || !(e->result = strdup(result))) {
                if (e)
                        free(e->path);
                free(e);
                return 0;
        }
        e->next = m->early_jobs;
        m->early_jobs = e;
        /* keep the list short */
        unsigned n = 0;
        for (EarlyJob **p = &m->early_jobs; *p; p = &(*p)->next)
                if (++n >= EARLY_MAX) {
                        early_jobs_free(TAKE_PTR((*p)->next));
                        break;
                }
        return 0;
}

static int on_job_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Job *j = userdata;
        Manager *m = j->manager;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *path;
        int r;

        j->slot = sd_bus_slot_unref(j->slot);
        if (e) {
                job_finish(m, j, NULL, e->message ?: e->name);
                return 0;
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0 || !(j->path = strdup(path))) {
                job_finish(m, j, NULL, "unreadable reply from systemd");
                return 0;
        }
        /* An early JobRemoved stays listed after it served: a merged job's second reply may
         * still come for it. The list is bounded (EARLY_MAX). */
        for (EarlyJob *x = m->early_jobs; x; x = x->next)
                if (streq(x->path, path)) {
                        job_finish(m, j, x->result, NULL);
                        return 0;
                }
        return 0;
}

int systemd_job(Manager *m, const char *method, const char *unit, job_callback_t cb, void *userdata) {
        Job *j = calloc(1, sizeof(Job));
        int r;

        if (!j || !(j->unit = strdup(unit))) {
                free(j);
                return -ENOMEM;
        }
        j->manager = m;
        j->cb = cb;
        j->userdata = userdata;
        r = sd_bus_call_method_async(m->systemd_bus, &j->slot, SD_DEST, SD_PATH, SD_MANAGER, method, on_job_reply, j, "ss",
                                     unit, "replace");
        if (r < 0) {
                job_free(j);
                return r;
        }
        j->next = m->jobs;
        m->jobs = j;
        return 0;
}

static int on_subscribe_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        /* Already subscribed (a reconnect) is fine; anything else only costs us early signals. */
        if (e && !sd_bus_error_has_name(e, "org.freedesktop.systemd1.AlreadySubscribed"))
                log_warning("Subscribe() to systemd failed: %s", e->message ?: e->name);
        return 0;
}

static int subscribe(Manager *m) {
        return sd_bus_call_method_async(m->systemd_bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", on_subscribe_reply,
                                        m, NULL);
}

/* systemd's unique name changes when it re-executes itself or restarts and connects again. */
static int on_systemd_owner_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const char *name, *old_owner, *new_owner;

        /* Only the bus itself sends as org.freedesktop.DBus: a client's signal carries its
         * unique name, and sd-bus would let it through this match too. */
        if (!streq_ptr(sd_bus_message_get_sender(msg), "org.freedesktop.DBus"))
                return 0;
        if (sd_bus_message_read(msg, "sss", &name, &old_owner, &new_owner) < 0 || !streq(name, SD_DEST))
                return 0;
        set_systemd_owner(m, new_owner);
        if (isempty(new_owner)) {
                log_warning("systemd left the bus; its signals are ignored until it is back");
                return 0;
        }
        log_info("systemd is on the bus as %s", new_owner);
        /* The new connection does not know us as a subscriber, and an existing subscription is
         * only reported as such. */
        (void) subscribe(m);
        return 0;
}

static int on_get_name_owner(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *owner;

        if (e) {
                log_warning("systemd is not on the bus (%s); its signals are ignored until it is", e->message ?: e->name);
                return 0;
        }
        if (sd_bus_message_read(reply, "s", &owner) < 0) {
                log_warning("Unreadable answer to GetNameOwner(%s); ignoring systemd's signals until it changes", SD_DEST);
                return 0;
        }
        set_systemd_owner(m, owner);
        return 0;
}

int systemd_subscribe(Manager *m) {
        int r;

        if (sd_bus_is_bus_client(m->systemd_bus) > 0) {
                /* The owner changes followed first, then the current owner asked: the bus answers
                 * in order, so whichever of the two is newer arrives last. And both before the
                 * JobRemoved of any job, which only starts after this. */
                r = sd_bus_add_match_async(m->systemd_bus, NULL,
                                           "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                           "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                           "arg0='" SD_DEST "'",
                                           on_systemd_owner_changed, NULL, m);
                if (r < 0)
                        return r;
                r = sd_bus_call_method_async(m->systemd_bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "GetNameOwner", on_get_name_owner, m, "s", SD_DEST);
                if (r < 0)
                        return r;
        }
        r = sd_bus_match_signal_async(m->systemd_bus, NULL, sender(m), SD_PATH, SD_MANAGER, "JobRemoved",
                                      on_job_removed, NULL, m);
        if (r < 0)
                return r;
        return subscribe(m);
}

/* Reads ActiveState and SubState out of an a{sv} (GetAll reply or PropertiesChanged). */
static int read_unit_props(sd_bus_message *msg, char **active, char **sub, uint64_t *active_enter) {
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *name, *value;

                r = sd_bus_message_read(msg, "s", &name);
                if (r < 0)
                        return r;
                if (streq(name, "ActiveEnterTimestamp") && active_enter) {
                        r = sd_bus_message_read(msg, "v", "t", active_enter);
                        if (r < 0)
                                return r;
                } else if (streq(name, "ActiveState") || streq(name, "SubState")) {
                        r = sd_bus_message_read(msg, "v", "s", &value);
                        if (r < 0)
                                return r;
                        char **t = streq(name, "ActiveState") ? active : sub;
                        free(*t);
                        *t = strdup(value);
                        if (!*t)
                                return -ENOMEM;
                } else {
                        r = sd_bus_message_skip(msg, "v");
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

static void deliver(Component *c, char *active, char *sub) {
        c->unit_callbacks->unit_state(c, active, sub, c->unit_callbacks->userdata);
        free(active);
        free(sub);
}

static int on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        Component *c = userdata;
        const char *iface;
        char *active = NULL, *sub = NULL;
        int r;

        if (!from_systemd(c->manager, msg))
                return 0;
        r = sd_bus_message_read(msg, "s", &iface);
        if (r < 0 || !streq(iface, "org.freedesktop.systemd1.Unit"))
                return 0;
        r = read_unit_props(msg, &active, &sub, &c->active_enter_realtime);
        if (r < 0) {
                free(active);
                free(sub);
                log_warning_errno(r, "Failed to parse PropertiesChanged of %s", c->def->unit);
                return 0;
        }
        if (active || sub)
                deliver(c, active, sub);
        else {
                free(active);
                free(sub);
        }
        return 0;
}

static int on_get_all(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Component *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        char *active = NULL, *sub = NULL;
        int r;

        if (e) {
                log_error("Failed to read the state of %s: %s", c->def->unit, e->message ?: e->name);
                deliver(c, strdup("unknown"), NULL);
                return 0;
        }
        r = read_unit_props(reply, &active, &sub, &c->active_enter_realtime);
        if (r < 0) {
                log_error_errno(r, "Failed to parse the state of %s", c->def->unit);
                free(active);
                free(sub);
                deliver(c, strdup("unknown"), NULL);
                return 0;
        }
        /* An adopted unit's dependents may start now. */
        note_trigger(c->manager, reply);
        deliver(c, active, sub);
        return 0;
}

static int on_load_unit(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Component *c = userdata;
        Manager *m = c->manager;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *path;
        int r;

        if (e) {
                log_error("Failed to load %s: %s", c->def->unit, e->message ?: e->name);
                deliver(c, strdup("unknown"), NULL);
                return 0;
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0 || !(c->object_path = strdup(path))) {
                deliver(c, strdup("unknown"), NULL);
                return 0;
        }
        /* The match first, then the read: no change can fall between them. */
        /* Only the Unit interface's changes (arg0): the bus drops the Service and Mount ones, which
         * would otherwise queue ahead of the JobRemoved that a dependent waits for. On systemd's
         * private socket every unit's signals arrive and the match only filters them here. */
        _cleanup_free_ char *match = NULL;
        const char *from = sender(m);
        if (asprintf(&match,
                     "type='signal',%s%s%spath='%s',interface='org.freedesktop.DBus.Properties',"
                     "member='PropertiesChanged',arg0='org.freedesktop.systemd1.Unit'",
                     from ? "sender='" : "", strempty(from), from ? "'," : "", path) < 0)
                r = -ENOMEM;
        else
                r = sd_bus_add_match_async(m->systemd_bus, &c->properties_slot, match, on_properties_changed, NULL, c);
        if (r >= 0)
                r = sd_bus_call_method_async(m->systemd_bus, NULL, SD_DEST, path, "org.freedesktop.DBus.Properties", "GetAll",
                                             on_get_all, c, "s", "org.freedesktop.systemd1.Unit");
        if (r < 0) {
                log_error_errno(r, "Failed to watch %s", c->def->unit);
                deliver(c, strdup("unknown"), NULL);
        }
        return 0;
}

int systemd_watch_unit(Component *c, const SystemdUnitCallbacks *callbacks) {
        c->unit_callbacks = callbacks;
        return sd_bus_call_method_async(c->manager->systemd_bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "LoadUnit", on_load_unit,
                                        c, "s", c->def->unit);
}

static int on_result(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Component *c = userdata;
        const char *result;

        if (sd_bus_message_get_error(reply) || sd_bus_message_read(reply, "v", "s", &result) < 0)
                return 0;
        component_set_result(c, result);
        manager_update_state(c->manager);
        return 0;
}

int systemd_fetch_result(Component *c) {
        const char *iface = endswith(c->def->unit, ".mount") ? "org.freedesktop.systemd1.Mount"
                                                              : "org.freedesktop.systemd1.Service";
        if (!c->object_path)
                return -ENOENT;
        return sd_bus_call_method_async(c->manager->systemd_bus, NULL, SD_DEST, c->object_path,
                                        "org.freedesktop.DBus.Properties", "Get", on_result, c, "ss", iface, "Result");
}

typedef struct ReloadCall {
        Manager *m;
        job_callback_t cb;
        void *userdata;
} ReloadCall;

static int on_daemon_reload(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        ReloadCall *rc = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        rc->cb(rc->m, NULL, e ? NULL : "done", e ? (e->message ?: e->name) : NULL, rc->userdata);
        free(rc);
        return 0;
}

int systemd_daemon_reload(Manager *m, job_callback_t cb, void *userdata) {
        ReloadCall *rc = calloc(1, sizeof(ReloadCall));
        int r;

        if (!rc)
                return -ENOMEM;
        *rc = (ReloadCall) { .m = m, .cb = cb, .userdata = userdata };
        r = sd_bus_call_method_async(m->systemd_bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "Reload", on_daemon_reload, rc,
                                     NULL);
        if (r < 0)
                free(rc);
        return r;
}
