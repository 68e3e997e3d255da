/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "log.h"
#include "reboot.h"
#include "xen.h"

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
