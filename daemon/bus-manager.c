/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The org.xenproject.Dom0 Manager object: properties, the read-only methods open to everyone,
 * and the mutating ones behind bus_verify_manage(). The contract is the installed
 * introspection XML (conf/org.xenproject.Dom0.Manager.xml). */
#include <inttypes.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>

#include "boot-entries.h"
#include "bus-component.h"
#include "bus-domain.h"
#include "bus-guests.h"
#include "bus-manager.h"
#include "bus-names.h"
#include "bus-polkit.h"
#include "component.h"
#include "guests.h"
#include "log.h"
#include "manager.h"
#include "plan.h"
#include "read-as.h"
#include "reload.h"
#include "render.h"
#include "stats.h"
#include "strv.h"
#include "supervisor.h"
#include "systemd-client.h"
#include "xen.h"
#include "xl-dryrun.h"

#define CHECK_PATH_MAX 4096

static int property_get(sd_bus *bus, const char *path, const char *iface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", manager_state_to_string(m->state));
        if (streq(property, "StatusText"))
                return sd_bus_message_append(reply, "s", strempty(m->status_text));
        if (streq(property, "Version"))
                return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
        if (streq(property, "ConfigPath"))
                return sd_bus_message_append(reply, "s", m->config_path);
        if (streq(property, "ConfigLoadedTimestamp"))
                return sd_bus_message_append(reply, "t", m->config_loaded);
        if (streq(property, "PendingReboot"))
                return sd_bus_message_append(reply, "b", m->pending_reboot.n > 0);
        if (streq(property, "PendingRebootReasons")) {
                _cleanup_strv_free_ char **l = option_reasons_to_strv(&m->pending_reboot);
                return l ? sd_bus_message_append_strv(reply, l) : -ENOMEM;
        }
        if (streq(property, "BootEntriesState"))
                return sd_bus_message_append(reply, "s", boot_entries_state(m));
        if (streq(property, "BootEntriesMessage"))
                return sd_bus_message_append(reply, "s", boot_entries_message(m));
        if (streq(property, "BootLoader"))
                return sd_bus_message_append(reply, "s", m->boot_loaded ? strempty(m->boot.loader) : "");
        if (streq(property, "NextXenCommandLine"))
                return sd_bus_message_append(reply, "s", m->boot_loaded ? strempty(m->boot.next) : "");
        if (streq(property, "BootEntries")) {
                int r = sd_bus_message_open_container(reply, 'a', "(sssss)");
                for (size_t i = 0; r >= 0 && m->boot_loaded && i < m->boot.entries.n; i++) {
                        const BootEntry *e = &m->boot.entries.items[i];
                        r = sd_bus_message_append(reply, "(sssss)", strempty(e->id), strempty(e->title),
                                                  strempty(e->xen), strempty(e->xen_options), strempty(e->kernel));
                }
                return r < 0 ? r : sd_bus_message_close_container(reply);
        }
        if (streq(property, "BootParams")) {
                _cleanup_strv_free_ char **p = NULL;
                int r = render_boot_params(m->config, &p);
                if (r < 0)
                        return r;
                return sd_bus_message_append_strv(reply, p);
        }
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "Unknown property %s", property);
}

/* ---- Reload ---------------------------------------------------------------------------- */

static void do_reload(Manager *m, sd_bus_message *msg) {
        log_info("Reload requested over the bus by %s", strna(sd_bus_message_get_sender(msg)));
        (void) manager_reload(m, msg);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        if (m->reloading)
                return sd_bus_error_setf(error, BUS_ERROR_BUSY, "A reload is already in progress");
        return bus_verify_manage(m, msg, do_reload);
}

static void do_refresh_boot_entries(Manager *m, sd_bus_message *msg) {
        int r;

        log_info("Boot entry refresh requested over the bus by %s", strna(sd_bus_message_get_sender(msg)));
        r = boot_entries_refresh(m);
        if (r < 0)
                (void) sd_bus_reply_method_errorf(msg, SD_BUS_ERROR_FAILED, "%s", boot_entries_message(m));
        else
                (void) sd_bus_reply_method_return(msg, NULL);
}

static int method_refresh_boot_entries(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        if (!config_bool(m->config, OPT_ENABLE))
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED, "The Xen dom0 stack is disabled (xen.enable = false)");
        if (streq_ptr(config_enum(m->config, OPT_BOOT_ENTRIES_LOADER), "none"))
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                         "bootEntries.loader is none: xen-dom0d leaves the boot entries alone");
        return bus_verify_manage(m, msg, do_refresh_boot_entries);
}

/* ---- Check ----------------------------------------------------------------------------- */

static int append_findings(sd_bus_message *reply, const Diagnostics *d, DiagLevel level) {
        int r = sd_bus_message_open_container(reply, 'a', "(suss)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < d->n; i++) {
                const Diag *x = &d->items[i];
                if (x->level != level)
                        continue;
                r = sd_bus_message_append(reply, "(suss)", x->file, x->line, strempty(x->key), x->message);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int reply_check(sd_bus_message *msg, const Diagnostics *d) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = append_findings(reply, d, DIAG_ERROR);
        if (r >= 0)
                r = append_findings(reply, d, DIAG_WARNING);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

typedef struct CheckCall {
        Manager *manager;
        sd_bus_message *msg;
        char *path;
        bool counted;   /* an unprivileged caller's reader, counted against the cap */
} CheckCall;

/* Each Check() forks a reader; an ordinary user able to make reads block (a FUSE file) must
 * not be able to pile them up. A reader counts until its child is reaped, not only until its
 * answer: a child stuck in a FUSE wait outlives its 5 s deadline and SIGKILL. root's checks
 * are never refused. */
#define CHECK_READERS_MAX 16

static void check_read_done(int err, const char *data, size_t size, void *userdata) {
        CheckCall *cc = userdata;
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_config_free_ Config *c = NULL;

        if (err < 0) {
                const char *what = err == -ENODEV      ? "is not a regular file"
                                   : err == -EISDIR    ? "is a directory, not a configuration file"
                                   : err == -EFBIG     ? "file is too large"
                                   : err == -ETIMEDOUT ? "reading it timed out"
                                                       : NULL;
                if (what)
                        diag_add(&d, DIAG_ERROR, DIAG_PLAIN, cc->path, 0, NULL, "%s", what);
                else /* the errno text, as config_parse_file says it */
                        diag_add(&d, DIAG_ERROR, DIAG_PLAIN, cc->path, 0, NULL, "cannot open: %s", strerror(-err));
        } else
                (void) config_check_data(cc->path, data, size, NULL, &c, &d);
        if (reply_check(cc->msg, &d) < 0)
                (void) sd_bus_reply_method_errorf(cc->msg, SD_BUS_ERROR_NO_MEMORY, "Out of memory");
        cc->msg = sd_bus_message_unref(cc->msg);
}

static void check_call_free(CheckCall *cc) {
        if (!cc)
                return;
        sd_bus_message_unref(cc->msg);
        free(cc->path);
        free(cc);
}

static void check_read_released(void *userdata) {
        CheckCall *cc = userdata;

        if (cc->counted)
                cc->manager->check_readers--;
        check_call_free(cc);
}

/* The caller's groups from the account database, for the uid the bus vouches for. The bus
 * does not report a caller's groups, and /proc shows them as they are now: after a setgid
 * exec (unix_chkpwd has group shadow), not as the caller had them. A uid without an account
 * gets nogroup alone. */
static int caller_groups(uid_t uid, gid_t *ret_gid, gid_t **ret_groups, int *ret_n) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ gid_t *groups = NULL;
        struct passwd pw, *res = NULL;
        long bufsize = sysconf(_SC_GETPW_R_SIZE_MAX);
        int n = 16;

        if (bufsize <= 0)
                bufsize = 16384;
        buf = malloc(bufsize);
        if (!buf)
                return -ENOMEM;
        if (getpwuid_r(uid, &pw, buf, bufsize, &res) != 0 || !res) {
                *ret_gid = 65534;
                *ret_groups = NULL;
                *ret_n = 0;
                return 0;
        }
        for (;;) {
                gid_t *g = reallocarray(groups, n, sizeof(gid_t));
                if (!g)
                        return -ENOMEM;
                groups = g;
                int k = n;
                if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &k) >= 0) {
                        n = k;
                        break;
                }
                if (k <= n || k > 65536)
                        return -E2BIG;
                n = k;
        }
        *ret_gid = pw.pw_gid;
        *ret_groups = TAKE_PTR(groups);
        *ret_n = n;
        return 0;
}

static int method_check(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ gid_t *groups = NULL;
        const char *path;
        CheckCall *cc;
        uid_t uid;
        gid_t gid;
        int r, n_groups;

        r = sd_bus_message_read(msg, "s", &path);
        if (r < 0)
                return r;
        if (isempty(path))
                path = m->config_path;
        if (strlen(path) >= CHECK_PATH_MAX || path[0] != '/')
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "The path must be absolute and shorter than %d bytes", CHECK_PATH_MAX);
        /* The caller's identity, so that the file is read with its rights, not ours. */
        if (bus_caller_uid(msg, &uid) < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Cannot tell who the caller is");
        if (uid != 0 && m->check_readers >= CHECK_READERS_MAX)
                return sd_bus_error_setf(error, BUS_ERROR_BUSY,
                                         "Too many checks by ordinary users in progress (%d), try again",
                                         CHECK_READERS_MAX);
        r = caller_groups(uid, &gid, &groups, &n_groups);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Cannot tell the caller's groups: %s",
                                         strerror(-r));

        cc = calloc(1, sizeof(CheckCall));
        if (!cc || !(cc->path = strdup(path))) {
                free(cc);
                return -ENOMEM;
        }
        cc->manager = m;
        cc->msg = sd_bus_message_ref(msg);
        r = read_file_as(m->event, path, uid, gid, groups, (size_t) n_groups, check_read_done,
                         check_read_released, cc);
        if (r < 0) {
                check_call_free(cc);
                return r;
        }
        if (uid != 0) {
                cc->counted = true;
                m->check_readers++;
        }
        return 1;
}

/* ---- Diff ------------------------------------------------------------------------------ */

/* The daemon reads the configuration with its own rights, and the file may be root's alone
 * (a password pasted into a value by mistake). Only root, or the account the daemon runs as,
 * as the bus vouches for it, gets the findings as they are; any other caller, polkit-authorized
 * or not, gets them without the file's text (diag_format_redacted()) and a last line saying so.
 * Check() reads a file with the caller's own rights and shows it all it could read itself. */
int bus_invalid_config_text(sd_bus_message *msg, const Diagnostics *d, char **ret) {
        _cleanup_free_ char *text = NULL;
        uid_t uid;
        bool redacted;

        redacted = !msg || bus_caller_uid(msg, &uid) < 0 || (uid != 0 && uid != geteuid());
        text = diagnostics_to_string(d, redacted);
        if (!text)
                return -ENOMEM;
        if (redacted) {
                char *t;
                if (asprintf(&t, "%s%s%s", text, *text ? "\n" : "", BUS_INVALID_CONFIG_REDACTED) < 0)
                        return -ENOMEM;
                *ret = t;
                return 0;
        }
        *ret = TAKE_PTR(text);
        return 0;
}

/* A Diff waiting for xl's look at the guests it would change. */
typedef struct DiffWait {
        Manager *manager;
        sd_bus_message *message;
        unsigned round;
} DiffWait;

static int diff_answer(Manager *m, sd_bus_message *msg, unsigned round);

static void on_diff_checked(void *userdata, bool cancelled) {
        DiffWait *w = userdata;

        if (!cancelled) {
                int r = diff_answer(w->manager, w->message, w->round);
                if (r < 0)
                        (void) sd_bus_reply_method_errno(w->message, r, NULL);
        }
        sd_bus_message_unref(w->message);
        free(w);
}

/* What a Reload would do now, from the same reload_prepare() that Reload carries out, and
 * after the same checks by xl. Replies, or returns a negative errno to reply with; 1 when the
 * answer waits for xl. */
static int diff_answer(Manager *m, sd_bus_message *msg, unsigned round) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(reload_prepared_done) ReloadPrepared p = {};
        _cleanup_strv_free_ char **restarts = NULL, **pending = NULL;
        int r;

        r = reload_prepare(m, &p, &d);
        if (r == -EINVAL) {
                _cleanup_free_ char *text = NULL;

                r = bus_invalid_config_text(msg, &d, &text);
                if (r < 0)
                        return r;
                return sd_bus_reply_method_errorf(msg, BUS_ERROR_INVALID_CONFIG, "%s", text);
        }
        if (r < 0)
                return r;
        if (p.unchecked > 0 && round < RELOAD_CHECK_ROUNDS_MAX) {
                DiffWait *w = calloc(1, sizeof(DiffWait));

                if (!w)
                        return -ENOMEM;
                *w = (DiffWait) { .manager = m, .message = sd_bus_message_ref(msg), .round = round + 1 };
                r = xl_dryrun_start(m->xl_dryrun, p.xl, p.config, &p.files, p.changed_files, true, on_diff_checked, w);
                if (r >= 0)
                        return 1;
                sd_bus_message_unref(w->message);
                free(w);
                if (r == -EBUSY)
                        return sd_bus_reply_method_errorf(msg, BUS_ERROR_BUSY,
                                                          "Too many callers wait for xl's check of the guests' settings; "
                                                          "try again in a moment");
                return r;
        }
        restarts = calloc(1, sizeof(char *));
        if (!restarts)
                return -ENOMEM;
        for (size_t i = 0; i < _COMP_MAX; i++)
                if ((p.restart & COMP_BIT(i)) && strv_extend(&restarts, component_table[i].name) < 0)
                        return -ENOMEM;
        pending = option_reasons_to_strv(&p.pending);
        if (!pending)
                return -ENOMEM;

        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char *none[] = { NULL };
        uid_t uid;
        /* The values themselves only to whom the file's findings are shown as they are. */
        bool values = bus_caller_uid(msg, &uid) >= 0 && (uid == 0 || uid == geteuid());

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, p.plan.changed ?: none);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, p.changed_files ?: none);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, restarts);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, pending);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sss)");
        STRV_FOREACH(name, values ? p.plan.changed : NULL) {
                const OptionDef *def = option_by_name(*name);
                _cleanup_free_ char *old = def ? config_value_to_string(m->config, def->id) : NULL,
                                    *new = def ? config_value_to_string(p.config, def->id) : NULL;

                if (r < 0)
                        break;
                if (!old || !new)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "(sss)", *name, old, new);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        /* (guest, start | undeclared | live | pending-restart, option or "") */
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sss)");
        for (size_t i = 0; r >= 0 && i < p.guests->n; i++) {
                const GuestChange *x = &p.guests->items[i];
                r = sd_bus_message_append(reply, "(sss)", x->guest, guest_change_kind_to_string(x->kind),
                                          x->option ?: "");
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_diff(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return diff_answer(userdata, msg, 0);
}

int bus_reply_strvs(sd_bus_message *msg, char **first, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(reply, first ?: (char *[]) { NULL });
        va_start(ap, first);
        for (char **l = va_arg(ap, char **); r >= 0 && l != NULL; l = va_arg(ap, char **))
                r = sd_bus_message_append_strv(reply, l);
        va_end(ap);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* ---- GetConfig ------------------------------------------------------------------------- */

static int method_get_config(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool is_default[_OPTION_MAX];
        int r;

        r = config_default_flags(m->config, is_default);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssb)");
        for (size_t i = 0; r >= 0 && i < _OPTION_MAX; i++) {
                _cleanup_free_ char *v = config_value_to_string(m->config, i);
                if (!v)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "(ssb)", option_table[i].name, v, is_default[i]);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* ---- ListComponents, RestartComponent ------------------------------------------------- */

static int method_list_components(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sssssuto)");
        for (size_t i = 0; r >= 0 && i < _COMP_MAX; i++) {
                Component *c = &m->components[i];
                _cleanup_free_ char *path = NULL;

                r = bus_component_path(c, &path);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "(sssssuto)", c->def->name, c->def->unit,
                                                  component_state_to_string(c->state), strempty(c->active_state),
                                                  strempty(c->sub_state), component_restarts(c), c->startup_msec, path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

typedef struct RestartCall {
        sd_bus_message *msg;
        Component *component;
} RestartCall;

static void on_component_restarted(Manager *m, const char *unit, const char *result, const char *error,
                                   void *userdata) {
        RestartCall *rc = userdata;
        Component *c = rc->component;

        if (error || !streq(result, "done")) {
                log_error("Restart of %s on request failed: %s", c->def->name, error ?: result);
                (void) sd_bus_reply_method_errorf(rc->msg, SD_BUS_ERROR_FAILED, "Restart of %s failed: %s",
                                                  c->def->name, error ?: result);
                supervisor_restart_failed(c, error, result);
        } else {
                component_restart_done(c);
                log_info("Restarted %s on request", c->def->name);
                (void) sd_bus_reply_method_return(rc->msg, NULL);
        }
        manager_update_state(m);
        sd_bus_message_unref(rc->msg);
        free(rc);
}

static int restart_refused(Manager *m, const ComponentDef *def, sd_bus_error *error);

static void do_restart_component(Manager *m, sd_bus_message *msg) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *name;
        const ComponentDef *def;
        RestartCall *rc;
        Component *c;
        bool start_only;
        int r;

        if (sd_bus_message_rewind(msg, true) < 0 || sd_bus_message_read(msg, "s", &name) < 0) {
                (void) sd_bus_reply_method_errorf(msg, SD_BUS_ERROR_INVALID_ARGS, "Expected a component name");
                return;
        }
        def = component_find(name);
        c = &m->components[def->id];
        r = restart_refused(m, def, &error);
        if (r < 0) {
                (void) sd_bus_reply_method_error(msg, &error);
                return;
        }
        start_only = def->id == COMP_QEMU_BACKEND;
        rc = calloc(1, sizeof(RestartCall));
        if (!rc) {
                (void) sd_bus_reply_method_errorf(msg, SD_BUS_ERROR_NO_MEMORY, "Out of memory");
                return;
        }
        *rc = (RestartCall) { .msg = sd_bus_message_ref(msg), .component = c };
        component_restarting(c, RESTART_REASON_REQUESTED);
        log_info("%s %s on request of %s", start_only ? "Starting" : "Restarting", def->name,
                 strna(sd_bus_message_get_sender(msg)));
        r = systemd_job(m, start_only ? "StartUnit" : "RestartUnit", def->unit, on_component_restarted, rc);
        if (r < 0) {
                (void) sd_bus_reply_method_errorf(msg, SD_BUS_ERROR_FAILED, "Cannot restart %s: %s", def->name,
                                                  strerror(-r));
                sd_bus_message_unref(rc->msg);
                free(rc);
        }
        manager_update_state(m);
}

/* Why the component may not be restarted now, as a bus error; 0 when it may. Asked before the
 * authorization and again once it is granted: polkit may take its time (a person answering a
 * prompt), and a reload or another restart may have begun meanwhile. */
static int restart_refused(Manager *m, const ComponentDef *def, sd_bus_error *error) {
        if (m->reloading)
                return sd_bus_error_setf(error, BUS_ERROR_BUSY, "A reload is in progress");
        if (!config_bool(m->config, OPT_ENABLE))
                return sd_bus_error_setf(error, BUS_ERROR_NOT_RESTARTABLE,
                                         "The stack is disabled (xen.enable = false)");
        if (m->components[def->id].state == COMPONENT_RESTARTING)
                return sd_bus_error_setf(error, BUS_ERROR_BUSY, "%s is already being restarted", def->name);
        const char *lost = component_lost_need(m->components, &m->components[def->id]);
        if (lost)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_RESTARTABLE,
                                         "%s needs a component that is down (%s); starting it would start that "
                                         "one again, which only a reboot may do",
                                         def->name, lost);
        if (def->id == COMP_QEMU_BACKEND && m->components[def->id].state == COMPONENT_ACTIVE)
                /* It refuses manual stops: it may only be started again when it is down. */
                return sd_bus_error_setf(error, BUS_ERROR_NOT_RESTARTABLE,
                                         "%s serves guests' disks and is running: it is never restarted", def->name);
        return 0;
}

static int method_restart_component(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const ComponentDef *def;
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        def = component_find(name);
        if (!def)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_COMPONENT, "No component '%.64s'%s", name,
                                         strlen(name) > 64 ? "..." : "");
        if (def->restart != RESTART_ON_FAILURE)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_RESTARTABLE,
                                         "%s is never restarted while the host runs", def->name);
        r = restart_refused(m, def, error);
        if (r < 0)
                return r;
        return bus_verify_manage(m, msg, do_restart_component);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("State", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StatusText", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Version", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ConfigPath", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ConfigLoadedTimestamp", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PendingReboot", "b", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PendingRebootReasons", "as", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("BootParams", "as", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("BootEntriesState", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("BootEntriesMessage", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("BootLoader", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("NextXenCommandLine", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("BootEntries", "a(sssss)", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("XenVersion", "s", bus_xen_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("XenCommandLine", "s", bus_xen_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("HostMemory", "t", bus_xen_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("FreeMemory", "t", bus_xen_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("HostCPUs", "u", bus_xen_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("Dom0Memory", "t", bus_xen_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("Dom0VCPUs", "u", bus_xen_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_METHOD_WITH_NAMES("Reload", "", , "asasas",
                                 SD_BUS_PARAM(files) SD_BUS_PARAM(restarted) SD_BUS_PARAM(pending_reboot),
                                 method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("RefreshBootEntries", "", "", method_refresh_boot_entries, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Check", "s", SD_BUS_PARAM(path), "a(suss)a(suss)",
                                 SD_BUS_PARAM(errors) SD_BUS_PARAM(warnings), method_check,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Diff", "", , "asasasasa(sss)a(sss)",
                                 SD_BUS_PARAM(changed_options) SD_BUS_PARAM(files) SD_BUS_PARAM(restarts)
                                         SD_BUS_PARAM(pending_reboot) SD_BUS_PARAM(changed_values)
                                                 SD_BUS_PARAM(guests),
                                 method_diff, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetConfig", "", , "a(ssb)", SD_BUS_PARAM(options), method_get_config,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListComponents", "", , "a(sssssuto)", SD_BUS_PARAM(components),
                                 method_list_components, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListDomains", "", , "a(ussstuto)", SD_BUS_PARAM(domains), bus_xen_list_domains,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetDomainStats", "", , "a(ussstttuuasstssb)", SD_BUS_PARAM(domains),
                                 bus_xen_get_domain_stats, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetMetrics", "s", SD_BUS_PARAM(format), "s", SD_BUS_PARAM(text),
                                 bus_stats_get_metrics, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("RestartComponent", "s", SD_BUS_PARAM(name), "", , method_restart_component,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListGuests", "", , "a(ssssssas)", SD_BUS_PARAM(guests), bus_guests_list,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("StartGuest", "s", SD_BUS_PARAM(name), "", , bus_guests_start,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("StopGuest", "s", SD_BUS_PARAM(name), "", , bus_guests_stop,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("RestartGuest", "s", SD_BUS_PARAM(name), "", , bus_guests_restart,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("ComponentStateChanged", "ssss",
                                 SD_BUS_PARAM(name) SD_BUS_PARAM(state) SD_BUS_PARAM(active_state)
                                         SD_BUS_PARAM(sub_state),
                                 0),
        SD_BUS_SIGNAL_WITH_NAMES("DomainAdded", "uso", SD_BUS_PARAM(domid) SD_BUS_PARAM(name) SD_BUS_PARAM(path), 0),
        SD_BUS_SIGNAL_WITH_NAMES("DomainRemoved", "uso", SD_BUS_PARAM(domid) SD_BUS_PARAM(name) SD_BUS_PARAM(path),
                                 0),
        SD_BUS_SIGNAL_WITH_NAMES("Reloaded", "bas", SD_BUS_PARAM(success) SD_BUS_PARAM(errors), 0),
        SD_BUS_VTABLE_END
};

int bus_manager_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register %s", DOM0_OBJECT_PATH);
        r = bus_component_register(m);
        if (r < 0)
                return r;
        r = bus_domain_register(m);
        if (r < 0)
                return r;
        r = sd_bus_add_object_manager(m->bus, NULL, DOM0_OBJECT_MANAGER_PATH);
        if (r < 0)
                return log_error_errno(r, "Failed to add the object manager");
        return 0;
}

void bus_manager_emit_changed_strv(Manager *m, char **properties) {
        if (m->bus && properties && properties[0])
                (void) sd_bus_emit_properties_changed_strv(m->bus, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, properties);
}

void bus_manager_emit_changed(Manager *m, const char *property, ...) {
        char *names[8] = {};
        size_t n = 0;
        va_list ap;

        if (!m->bus)
                return;
        va_start(ap, property);
        for (const char *p = property; p && n < ELEMENTSOF(names) - 1; p = va_arg(ap, const char *))
                names[n++] = (char *) p;
        va_end(ap);
        if (n > 0)
                (void) sd_bus_emit_properties_changed_strv(m->bus, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, names);
}

void bus_manager_emit_reloaded(Manager *m, bool success, char **errors) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *sig = NULL;

        if (!m->bus)
                return;
        if (sd_bus_message_new_signal(m->bus, &sig, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "Reloaded") < 0 ||
            sd_bus_message_append(sig, "b", success) < 0 ||
            sd_bus_message_append_strv(sig, errors ?: (char *[]) { NULL }) < 0 || sd_bus_send(m->bus, sig, NULL) < 0)
                log_warning("Failed to emit the Reloaded signal");
}
