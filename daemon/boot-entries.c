/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot-entries.h"
#include "bus-manager.h"
#include "log.h"
#include "paths.h"
#include "reboot.h"
#include "render.h"
#include "strv.h"
#include "systemd-client.h"

static bool loader_disabled(const Manager *m) {
        return streq_ptr(config_enum(m->config, OPT_BOOT_ENTRIES_LOADER), "none");
}

/* Whether the last result was built from the configuration's inputs. */
static bool state_matches_config(const Manager *m) {
        _cleanup_strv_free_ char **params = NULL;
        _cleanup_free_ char *line = NULL;

        if (!m->boot_loaded || render_boot_params(m->config, &params) < 0 || !(line = strv_join(params, " ")))
                return false;
        return streq_ptr(m->boot.setting, config_enum(m->config, OPT_BOOT_ENTRIES_LOADER)) &&
               streq_ptr(m->boot.xen_efi, config_str(m->config, OPT_EFI_PATH)) && streq_ptr(m->boot.xen_options, line);
}

static void announce(Manager *m) {
        if (reboot_pending_update(m) > 0)
                bus_manager_emit_changed(m, "PendingReboot", "PendingRebootReasons", NULL);
        bus_manager_emit_changed(m, "BootEntriesState", "BootEntriesMessage", "BootLoader", "NextXenCommandLine",
                                 "BootEntries", NULL);
}

static int read_state(Manager *m) {
        _cleanup_free_ char *path = manager_root_path(PATH_BOOT_ENTRIES_STATE);
        BootState s = {};
        int r;

        if (!path)
                return -ENOMEM;
        r = boot_state_read(path, &s);
        if (r < 0)
                return r;
        boot_state_done(&m->boot);
        m->boot = s;
        m->boot_loaded = true;
        return 0;
}

static void on_builder_done(Manager *m, const char *unit, const char *result, const char *error, void *userdata) {
        usec_t started = m->boot_started;
        int r;

        m->boot_running = false;
        free(m->boot_error);
        m->boot_error = NULL;
        r = read_state(m);
        if (error)
                r = asprintf(&m->boot_error, "%s could not be started: %s", unit, error);
        else if (r < 0 || m->boot.finished_usec < started)
                /* It ended without writing a result of this run (it crashed, or it is not installed). */
                r = asprintf(&m->boot_error, "%s ended (%s) without recording a result in %s; see \"journalctl -u %s\"",
                             unit, strna(result), PATH_BOOT_ENTRIES_STATE, unit);
        else
                r = 0;
        if (r < 0)
                m->boot_error = NULL;
        if (m->boot_error)
                log_event(LOG_ERR, MESSAGE_BOOT_ENTRIES_FAILED, NULL, "Boot entries not refreshed: %s", m->boot_error);
        else if (streq_ptr(m->boot.state, "failed"))
                log_event(LOG_ERR, MESSAGE_BOOT_ENTRIES_FAILED, NULL, "Boot entries (%s) not refreshed: %s",
                          strna(m->boot.loader), strna(m->boot.message));
        else if (streq_ptr(m->boot.state, "current"))
                log_info("Boot entries (%s) current: the next boot runs Xen with \"%s\"", strna(m->boot.loader),
                         strempty(m->boot.next));
        else
                log_notice("Boot entries: %s", strna(m->boot.message));
        if (m->boot_again) {
                m->boot_again = false;
                (void) boot_entries_refresh(m);
        }
        announce(m);
}

int boot_entries_refresh(Manager *m) {
        int r;

        if (!config_bool(m->config, OPT_ENABLE))
                return 0;
        if (m->boot_running) {
                m->boot_again = true;
                return 0;
        }
        if (loader_disabled(m)) {
                announce(m);
                return 0;
        }
        /* In the manager, not in the job: a job still in flight when the daemon exits owns
         * nothing (one run at a time, boot_running says). */
        m->boot_started = now_usec(CLOCK_REALTIME);
        r = systemd_job(m, "StartUnit", BOOT_ENTRIES_UNIT, on_builder_done, NULL);
        if (r < 0) {
                free(m->boot_error);
                if (asprintf(&m->boot_error, "Cannot start %s: %s", BOOT_ENTRIES_UNIT, strerror(-r)) < 0)
                        m->boot_error = NULL;
                log_event(LOG_ERR, MESSAGE_BOOT_ENTRIES_FAILED, NULL, "Boot entries not refreshed: %s",
                          strna(m->boot_error));
                announce(m);
                return r;
        }
        log_debug("Started %s", BOOT_ENTRIES_UNIT);
        m->boot_running = true;
        announce(m);
        return 0;
}

/* systemd-boot: a kernel installed or removed while xen-dom0d did not run (kernel-install's
 * plugin could not reach it) changed the entries the Xen ones are built from. GRUB needs no such
 * check: Debian's kernel packages run update-grub, which reads our snippet. */
static bool kernels_changed(const Manager *m) {
        _cleanup_strv_free_ char **now = NULL;
        _cleanup_free_ char *esp = NULL;

        if (!streq_ptr(m->boot.loader, "systemd-boot") || !m->boot.esp)
                return false;
        esp = manager_root_path(m->boot.esp);
        if (!esp || boot_kernel_entry_files(esp, &now) < 0)
                return true;
        return !strv_equal(now, m->boot.sources);
}

void boot_entries_start(Manager *m) {
        if (!config_bool(m->config, OPT_ENABLE))
                return;
        (void) read_state(m);
        if (state_matches_config(m) && streq_ptr(m->boot.state, "current") && !kernels_changed(m)) {
                log_debug("Boot entries (%s) are current", strna(m->boot.loader));
                announce(m);
                return;
        }
        (void) boot_entries_refresh(m);
}

void boot_entries_files_changed(Manager *m, char *const *changed_files) {
        if (strv_contains(changed_files, PATH_BOOT_ENTRIES_ENV) || strv_contains(changed_files, PATH_GRUB_SNIPPET))
                (void) boot_entries_refresh(m);
}

const char *boot_entries_state(const Manager *m) {
        if (m->boot_running)
                return "refreshing";
        /* Turned off after a failure: what failed before is no longer ours to report. */
        if (loader_disabled(m))
                return "disabled";
        if (m->boot_error)
                return "failed";
        if (!m->boot_loaded)
                return "unknown";
        return strna(m->boot.state);
}

const char *boot_entries_message(const Manager *m) {
        if (loader_disabled(m))
                return "bootEntries.loader is none: xen-dom0d leaves the boot entries alone";
        if (m->boot_error)
                return m->boot_error;
        return m->boot_loaded ? strempty(m->boot.message) : "";
}
