/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "boot-grub.h"
#include "log.h"
#include "reboot.h"
#include "render.h"
#include "strv.h"
#include "xen.h"

/* With a reboot pending, whether the next boot gets the configuration's command line: the boot
 * entries' state, as one more reason (bootEntries.loader), so that nothing fails silently. */
static int boot_entries_reason(Manager *m, const Config *c, OptionReasons *l) {
        const char *option = option_table[OPT_BOOT_ENTRIES_LOADER].name;
        _cleanup_strv_free_ char **params = NULL;
        _cleanup_free_ char *want = NULL;

        if (l->n == 0 || streq_ptr(config_enum(c, OPT_BOOT_ENTRIES_LOADER), "none"))
                return 0;
        if (m->boot_running)
                return option_reasons_addf(l, option, "the boot entries are being refreshed");
        if (m->boot_error)
                return option_reasons_addf(l, option, "the boot entries could not be refreshed: %s", m->boot_error);
        if (!m->boot_loaded)
                return 0; /* the stack has not settled: the builder has not run yet */
        if (streq_ptr(m->boot.state, "failed"))
                return option_reasons_addf(l, option, "the %s boot entries could not be refreshed: %s",
                                           strna(m->boot.loader), strna(m->boot.message));
        if (!streq_ptr(m->boot.state, "current"))
                return option_reasons_addf(l, option, "%s", strna(m->boot.message));
        if (render_boot_params(c, &params) < 0 || !(want = strv_join(params, " ")))
                return -ENOMEM;
        if (!grub_cmdline_contains(m->boot.next, want))
                return option_reasons_addf(l, option, "the %s boot entries are not refreshed for it yet",
                                           strna(m->boot.loader));
        return option_reasons_addf(l, option, "the %s boot entries are current: the next boot applies it",
                                   strna(m->boot.loader));
}

int reboot_pending_for(Manager *m, const Config *c, bool memory_live, OptionReasons *ret) {
        _cleanup_(option_reasons_done) OptionReasons l = {}, live = {};
        int r;

        if (m->booted_config) {
                r = pending_reboot_reasons(m->booted_config, c, &l);
                if (r < 0)
                        return r;
        }
        /* What the running hypervisor itself says differs from the configuration. */
        r = xen_pending_reasons(m, c, &live);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                log_debug("Cannot compare with the running hypervisor: %s", strerror(-r));
        if (option_reasons_merge(&l, &live) < 0)
                return -ENOMEM;
        /* A memory target set live needs no reboot. */
        if (memory_live)
                option_reasons_drop(&l, option_table[OPT_DOM0_MEMORY].name);
        if (boot_entries_reason(m, c, &l) < 0)
                return -ENOMEM;
        *ret = l;
        l = (OptionReasons) {};
        return 0;
}

int reboot_pending_update(Manager *m) {
        _cleanup_(option_reasons_done) OptionReasons l = {};
        int r;

        r = reboot_pending_for(m, m->config,
                               m->dom0_memory_live != 0 && m->dom0_memory_live == config_int(m->config, OPT_DOM0_MEMORY),
                               &l);
        if (r < 0)
                return r;
        if (option_reasons_equal(&l, &m->pending_reboot))
                return 0;
        option_reasons_done(&m->pending_reboot);
        m->pending_reboot = l;
        l = (OptionReasons) {};
        for (size_t i = 0; i < m->pending_reboot.n; i++)
                log_event(LOG_NOTICE, MESSAGE_REBOOT_PENDING, NULL, "Reboot pending: %s: %s",
                          m->pending_reboot.items[i].option, m->pending_reboot.items[i].text);
        return 1;
}
