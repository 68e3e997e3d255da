/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reload: one prepare step (load, validate, render, compare with the disk, plan, and what will
 * wait for a reboot) that Diff answers with and Reload carries out: write the changed files as
 * one set, restart only the components a changed setting needs, record what waits for a
 * reboot. An invalid file changes nothing. */
#include <inttypes.h>
#include <systemd/sd-daemon.h>

#include "boot-entries.h"
#include "bus-manager.h"
#include "bus-names.h"
#include "component.h"
#include "log.h"
#include "manager.h"
#include "plan.h"
#include "reboot.h"
#include "guests.h"
#include "reload.h"
#include "render.h"
#include "stats.h"
#include "strv.h"
#include "supervisor.h"
#include "systemd-client.h"
#include "xen.h"
#include "xl-dryrun.h"

#define ERROR_INVALID_CONFIG BUS_ERROR_INVALID_CONFIG
#define ERROR_BUSY BUS_ERROR_BUSY
#define ERROR_WRITE SD_BUS_ERROR_IO_ERROR

/* Writes those of all that differ from the disk; changed, when given, holds them already. */
static int write_files(const FileSet *all, const FileSet *changed, char ***ret_changed, char **ret_error) {
        _cleanup_(write_result_done) WriteResult w = {};
        int r;

        /* An interrupted write (a crash between its steps) leaves temporary files behind. */
        r = fileset_clean_stale(all, manager_root());
        if (r > 0)
                log_notice("Removed %d temporary file%s of an interrupted write", r, r == 1 ? "" : "s");
        r = fileset_write(changed ?: all, manager_root(), &w);
        STRV_FOREACH_PAIR(f, b, w.backups)
                log_notice("Kept %s, not written by xen-dom0d, as %s", *f, *b);
        if (r < 0) {
                if (ret_error)
                        *ret_error = write_result_error(&w, r);
                return r;
        }
        if (ret_changed)
                *ret_changed = TAKE_PTR(w.changed);
        return 0;
}

int manager_render(Manager *m, const Config *c, char ***ret_changed, char **ret_error) {
        _cleanup_(fileset_done) FileSet s = {};
        int r;

        r = render_config(c, &s);
        if (r < 0)
                return r;
        return write_files(&s, NULL, ret_changed, ret_error);
}

void reload_prepared_done(ReloadPrepared *p) {
        config_free(p->config);
        fileset_done(&p->files);
        strv_free(p->changed_files);
        free(p->changed.files); /* shallow: files owns what they point to */
        reload_plan_done(&p->plan);
        option_reasons_done(&p->pending);
        if (p->guests) {
                guest_changes_done(p->guests);
                free(p->guests);
        }
        free(p->xl);
        *p = (ReloadPrepared) {};
}

/* Of the plan's restarts, those the reload carries out. */
static void plan_restarts(Manager *m, const Config *new, ReloadPrepared *p) {
        /* Enabled by this reload: the bring-up starts everything. Disabled: the running stack is
         * left alone. Still starting: the bring-up starts what is left with the new files. */
        if (!config_bool(new, OPT_ENABLE) || m->bringup_start == 0 || !m->settled)
                return;
        if (p->plan.enable_changed && !m->ready_sent)
                return;
        for (size_t i = 0; i < _COMP_MAX; i++) {
                const Component *c = &m->components[i];

                if (!(p->plan.restart & COMP_BIT(i)) || c->state != COMPONENT_ACTIVE)
                        continue;
                /* Its unit Requires= what is down (the store): a restart would start that again. */
                if (component_lost_need(m->components, c))
                        p->skipped |= COMP_BIT(i);
                else
                        p->restart |= COMP_BIT(i);
        }
}

struct XlDryRun *manager_xl_dryrun(Manager *m) {
        if (!m->xl_dryrun && xl_dryrun_new(m->event, &m->xl_dryrun) < 0)
                log_warning("Out of memory: the guests' settings are not checked by xl -N create");
        return m->xl_dryrun;
}

int reload_prepare(Manager *m, ReloadPrepared *ret, Diagnostics *d) {
        _cleanup_(reload_prepared_done) ReloadPrepared p = {};
        int64_t mem;
        int r;

        r = config_load(m->config_path, NULL, &p.config, d);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        r = reload_plan_compute(m->config, p.config, &p.plan);
        if (r < 0)
                return r;
        if (config_bool(p.config, OPT_ENABLE)) {
                r = render_config(p.config, &p.files);
                if (r < 0)
                        return r;
                p.changed_files = calloc(1, sizeof(char *));
                p.changed.files = calloc(p.files.n ?: 1, sizeof(RenderedFile));
                if (!p.changed_files || !p.changed.files)
                        return -ENOMEM;
                /* An unreadable file counts as changed: the write says what is wrong with it. */
                for (size_t i = 0; i < p.files.n; i++)
                        if (rendered_file_differs(&p.files.files[i], manager_root()) != 0) {
                                if (strv_extend(&p.changed_files, p.files.files[i].path) < 0)
                                        return -ENOMEM;
                                p.changed.files[p.changed.n++] = p.files.files[i];
                        }
                p.xl = xl_dryrun_command(p.config);
                if (p.xl && manager_xl_dryrun(m))
                        p.unchecked = xl_dryrun_findings(m->xl_dryrun, p.xl, p.config, &p.files, p.changed_files,
                                                         m->config_path, d);
                if (diagnostics_failed(d))
                        return -EINVAL;
        }
        plan_restarts(m, p.config, &p);
        p.guests = calloc(1, sizeof(GuestChanges));
        if (!p.guests)
                return -ENOMEM;
        r = guests_plan(m, m->config, p.config, p.guests);
        if (r < 0)
                return r;
        /* A dom0 memory target within the booted maximum applies live, no reboot needed. */
        mem = config_int(p.config, OPT_DOM0_MEMORY);
        p.memory_live = config_bool(p.config, OPT_ENABLE) && mem > 0 && mem != config_int(m->config, OPT_DOM0_MEMORY) &&
                        xen_dom0_memory_fits(m, (uint64_t) mem);
        r = reboot_pending_for(m, p.config, p.memory_live || (m->dom0_memory_live != 0 && m->dom0_memory_live == mem),
                               &p.pending);
        if (r < 0)
                return r;
        *ret = p;
        p = (ReloadPrepared) {};
        return 0;
}

static int on_queued_reload(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        m->reload_defer = sd_event_source_unref(m->reload_defer);
        log_info("Reloading for the SIGHUP that arrived during the last reload");
        (void) manager_reload(m, NULL);
        return 0;
}

/* message answers the caller of Reload; signal_message, which every listener on the bus gets,
 * must hold nothing of the file (NULL: the same text). */
static void reload_finish(Manager *m, int error, const char *error_name, const char *message,
                          const char *signal_message) {
        sd_bus_message *msg = TAKE_PTR(m->reload_message);

        m->reloading = false;
        m->reloads[streq_ptr(error_name, ERROR_INVALID_CONFIG) ? RELOAD_REFUSED
                   : error || m->reload_restart_failed         ? RELOAD_FAILED
                                                               : RELOAD_SUCCEEDED]++;
        m->reload_restart_failed = false;
        if (error) {
                _cleanup_strv_free_ char **lines = NULL;
                (void) strv_split_ws("", &lines);
                for (const char *p = signal_message ?: message, *nl; p && *p; p = nl ? nl + 1 : NULL) {
                        nl = strchr(p, '\n');
                        (void) strv_consume(&lines, nl ? strndup(p, nl - p) : strdup(p));
                }
                bus_manager_emit_reloaded(m, false, lines);
        } else
                bus_manager_emit_reloaded(m, true, (char *[]) { NULL });
        if (msg) {
                if (error)
                        (void) sd_bus_reply_method_errorf(msg, error_name, "%s", message);
                else {
                        _cleanup_strv_free_ char **pending = option_reasons_to_strv(&m->pending_reboot);
                        char *none[] = { NULL };

                        if (pending)
                                (void) bus_reply_strvs(msg, m->reload_files ?: none, m->reload_restarted ?: none,
                                                       pending, NULL);
                        else
                                (void) sd_bus_reply_method_errno(msg, -ENOMEM, NULL);
                }
                sd_bus_message_unref(msg);
        }
        if (!error) {
                _cleanup_free_ char *files = strv_join(m->reload_files ?: (char *[]) { NULL }, " "),
                                    *restarted = strv_join(m->reload_restarted ?: (char *[]) { NULL }, " ");
                log_event(LOG_INFO, MESSAGE_RELOAD_APPLIED, NULL, "Reload applied: %s%zu file%s written%s%s, %s restarted%s",
                          m->reload_unchanged ? "no setting changed, " : "", strv_length(m->reload_files),
                          strv_length(m->reload_files) == 1 ? "" : "s", isempty(files) ? "" : ": ", strempty(files),
                          isempty(restarted) ? "nothing" : restarted,
                          m->pending_reboot.n > 0 ? "; a reboot is pending" : "");
        }
        m->reload_files = strv_free(m->reload_files);
        m->reload_restarted = strv_free(m->reload_restarted);
        m->reload_unchanged = false;
        manager_trim_memory("a reload");
        /* READY=1 ends the RELOADING=1 systemd got, which was sent only after the bring-up's
         * READY=1: before, it would end systemd's wait for the bring-up too early. */
        manager_update_state_notify(m, m->reload_announced ? "READY=1" : NULL);
        m->reload_visible = m->reload_announced = false;
        if (m->reload_queued && !m->reload_defer) {
                m->reload_queued = false;
                if (sd_event_add_defer(m->event, &m->reload_defer, on_queued_reload, m) < 0)
                        log_error("Cannot schedule the reload requested during the last one; send SIGHUP again");
        }
}

static void on_restart_done(Manager *m, const char *unit, const char *result, const char *error, void *userdata) {
        Component *c = userdata;

        if (error || !streq(result, "done")) {
                log_error("Restart of %s for the new configuration did not complete: %s", c->def->name,
                          error ?: result);
                m->reload_restart_failed = true;
                supervisor_restart_failed(c, error, result);
        } else {
                component_restart_done(c);
                log_info("Restarted %s for the new configuration", c->def->name);
        }
        if (--m->reload_jobs == 0)
                reload_finish(m, 0, NULL, NULL, NULL);
}

static void reload_memory_set(Manager *m, int r);
static void reload_continue(Manager *m);
static void reload_run(Manager *m);

static void on_reload_checked(void *userdata, bool cancelled) {
        Manager *m = userdata;

        if (!cancelled)
                reload_run(m);
}

int manager_reload(Manager *m, sd_bus_message *message) {
        uint64_t started;

        if (m->reloading) {
                if (message)
                        return sd_bus_reply_method_errorf(message, ERROR_BUSY, "A reload is already in progress");
                /* The file may have changed again since this reload read it: one more follows. */
                log_info("SIGHUP during a reload: another reload follows when this one ends");
                m->reload_queued = true;
                return 0;
        }
        m->reloading = true;
        m->reload_message = sd_bus_message_ref(message);
        started = now_usec(CLOCK_MONOTONIC);
        m->reload_visible = m->reload_announced = false;
        m->reload_check_round = 0;
        reload_run(m);
        /* Most reloads end within this call, and nobody could see them in progress: systemd and
         * the bus hear of a reload only when it waits for something (xl's checks, the store,
         * restarts), each of which tells systemd and the bus of its own change otherwise. */
        if (m->reloading) {
                m->reload_visible = true;
                if (m->ready_sent) {
                        char fields[64];

                        (void) snprintf(fields, sizeof fields, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, started);
                        m->reload_announced = true;
                        manager_update_state_notify(m, fields);
                } else /* systemd ignores RELOADING=1 while it waits for the bring-up's READY=1 */
                        manager_update_state(m);
        }
        return 0;
}

/* Prepares, then carries out; called again once xl judged the guests it had not. */
static void reload_run(Manager *m) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(reload_prepared_done) ReloadPrepared p = {};
        _cleanup_free_ char *error = NULL;
        sd_bus_message *message = m->reload_message;
        int r;

        r = reload_prepare(m, &p, &d);
        if (r == -ENOMEM) {
                reload_finish(m, r, SD_BUS_ERROR_NO_MEMORY, "out of memory", NULL);
                return;
        }
        if (r < 0) {
                /* The journal and root get every finding as it is; another caller, and the
                 * signal, only what quotes nothing of the file. */
                _cleanup_free_ char *text = NULL, *redacted = diagnostics_to_string(&d, true);
                (void) bus_invalid_config_text(message, &d, &text);
                for (size_t i = 0; i < d.n; i++) {
                        _cleanup_free_ char *s = diag_format(&d.items[i]);
                        log_full(d.items[i].level == DIAG_ERROR ? LOG_ERR : LOG_WARNING, "%s", strna(s));
                }
                log_event(LOG_ERR, MESSAGE_RELOAD_REFUSED, NULL,
                          "Reload refused: %s has %zu error%s; the running configuration stays in effect",
                          m->config_path, d.n_errors, d.n_errors == 1 ? "" : "s");
                reload_finish(m, r, ERROR_INVALID_CONFIG, text ?: "invalid configuration",
                              redacted ?: "invalid configuration");
                return;
        }
        if (p.unchecked > 0) {
                if (m->reload_check_round++ < RELOAD_CHECK_ROUNDS_MAX) {
                        r = xl_dryrun_start(m->xl_dryrun, p.xl, p.config, &p.files, p.changed_files, false,
                                            on_reload_checked, m);
                        if (r < 0) {
                                /* unchecked settings are not taken: nothing changes */
                                reload_finish(m, r, SD_BUS_ERROR_NO_MEMORY, "out of memory", NULL);
                                return;
                        }
                        log_info("Reload: xl -N create checks the settings of %zu guest%s first", p.unchecked,
                                 p.unchecked == 1 ? "" : "s");
                        return;
                }
                /* Only the file changing under each round gets here: its author is root. */
                log_warning("Reload: the settings of %zu guest%s changed while xl checked them: they are not checked",
                            p.unchecked, p.unchecked == 1 ? "" : "s");
        }
        for (size_t i = 0; i < d.n; i++) {
                _cleanup_free_ char *s = diag_format(&d.items[i]);
                log_warning("%s", strna(s));
        }
        manager_crash_point("validated");

        if (config_bool(p.config, OPT_ENABLE)) {
                /* Compared with the disk just now, in this same call: only the changed are
                 * written, and not compared once more. */
                r = write_files(&p.files, &p.changed, &m->reload_files, &error);
                if (r < 0) {
                        /* The old configuration stays live: the write put the old files back, or
                         * the message names those it could not. */
                        log_event(LOG_ERR, MESSAGE_RELOAD_REFUSED, NULL, "Reload failed: %s", strna(error));
                        reload_finish(m, r, ERROR_WRITE, error ?: "write failed", NULL);
                        return;
                }
                guests_files_written(m, m->reload_files);
        }

        /* The new configuration is live from here on. */
        _cleanup_config_free_ Config *old = TAKE_PTR(m->config);
        m->config = TAKE_PTR(p.config);
        guests_config_changed(m, p.guests);
        m->config_loaded = now_usec(CLOCK_REALTIME);
        m->reload_plan = p.plan;
        p.plan = (ReloadPlan) {};
        m->reload_restart = p.restart;
        m->reload_skipped = p.skipped;
        /* dom0's memory target is written into the store, which may not answer: the reload goes
         * on once it is set or its deadline passed, and a target not set stays a pending reboot
         * reason. */
        if (p.memory_live &&
            xen_apply_dom0_memory(m, (uint64_t) config_int(m->config, OPT_DOM0_MEMORY), reload_memory_set) > 0)
                return;
        reload_continue(m);
}

static void reload_memory_set(Manager *m, int r) {
        if (r > 0)
                m->dom0_memory_live = config_int(m->config, OPT_DOM0_MEMORY);
        reload_continue(m);
}

/* The second half of a reload, with the new configuration live. */
static void reload_continue(Manager *m) {
        _cleanup_(reload_plan_done) ReloadPlan plan = m->reload_plan;
        int r;

        m->reload_plan = (ReloadPlan) {};
        if (reboot_pending_update(m) > 0)
                bus_manager_emit_changed(m, "PendingReboot", "PendingRebootReasons", NULL);
        bus_manager_emit_changed(m, "ConfigLoadedTimestamp", "BootParams", NULL);
        stats_configure(m);

        STRV_FOREACH(p, m->reload_files)
                log_info("Reload wrote %s", *p);
        /* Not waited for: the builder runs as its own unit while the reload goes on. */
        if (m->ready_sent)
                boot_entries_files_changed(m, m->reload_files);
        for (size_t i = 0; i < plan.notes.n; i++)
                log_info("Reload: %s: %s", plan.notes.items[i].option, plan.notes.items[i].text);
        /* said by the line that ends the reload */
        m->reload_unchanged = strv_length(plan.changed) == 0;

        if (config_bool(m->config, OPT_ENABLE) && m->bringup_start == 0) {
                /* Enabled by this reload: bring the stack up now. */
                reload_finish(m, 0, NULL, NULL, NULL);
                m->ready_sent = true;
                r = supervisor_begin(m);
                if (r < 0)
                        log_error_errno(r, "Failed to begin the bring-up");
                return;
        }
        if (!config_bool(m->config, OPT_ENABLE) || !m->settled) {
                /* Disabled: leave the running stack alone. Still starting: the bring-up starts
                 * whatever is left with the new files. */
                reload_finish(m, 0, NULL, NULL, NULL);
                return;
        }
        if (plan.enable_changed && !m->ready_sent) {
                reload_finish(m, 0, NULL, NULL, NULL);
                return;
        }

        for (size_t i = 0; i < _COMP_MAX; i++) {
                Component *c = &m->components[i];
                const char *lost;

                if (!((m->reload_restart | m->reload_skipped) & COMP_BIT(i)))
                        continue;
                /* As prepared; the stack may have moved while dom0's memory target was set. */
                lost = component_lost_need(m->components, c);
                if (lost || (m->reload_skipped & COMP_BIT(i))) {
                        log_warning("Not restarting %s for the new configuration: %s, which it needs, is down "
                                    "(a restart would start it again); it keeps its old settings",
                                    c->def->name, lost ?: "a component");
                        continue;
                }
                if (c->state != COMPONENT_ACTIVE) {
                        log_warning("Not restarting %s for the new configuration: it is %s now", c->def->name,
                                    component_state_to_string(c->state));
                        continue;
                }
                r = systemd_job(m, "RestartUnit", c->def->unit, on_restart_done, c);
                if (r < 0) {
                        log_error_errno(r, "Failed to restart %s", c->def->name);
                        continue;
                }
                component_restarting(c, RESTART_REASON_RELOAD);
                (void) strv_extend(&m->reload_restarted, c->def->name);
                m->reload_jobs++;
                log_info("Restarting %s for the new configuration", c->def->name);
        }
        if (m->reload_jobs > 0)
                manager_crash_point("restarting");
        if (m->reload_jobs == 0)
                reload_finish(m, 0, NULL, NULL, NULL);
}
