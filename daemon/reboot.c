/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "log.h"
#include "reboot.h"
#include "strv.h"
#include "xen.h"

int reboot_pending_update(Manager *m) {
        _cleanup_strv_free_ char **live = NULL;
        char **l = NULL;
        int r;

        if (m->booted_config) {
                r = pending_reboot_reasons(m->booted_config, m->config, &l);
                if (r < 0)
                        return r;
                /* The memory target a reload already set live needs no reboot. */
                if (m->dom0_memory_live != 0 && m->dom0_memory_live == config_int(m->config, OPT_DOM0_MEMORY))
                        for (size_t i = 0; l && l[i]; i++)
                                if (startswith(l[i], "dom0Resources.memory:")) {
                                        free(l[i]);
                                        memmove(l + i, l + i + 1, (strv_length(l + i + 1) + 1) * sizeof(char *));
                                        i--;
                                }
        }
        /* What the running hypervisor itself says differs from the configuration. */
        r = xen_pending_reasons(m, &live);
        if (r < 0)
                log_debug("Cannot compare with the running hypervisor: %s", strerror(-r));
        STRV_FOREACH(p, live)
                if (!strv_contains(l, *p) && strv_extend(&l, *p) < 0) {
                        strv_free(l);
                        return -ENOMEM;
                }
        if (!strv_equal(l, m->pending_reboot)) {
                strv_free(m->pending_reboot);
                m->pending_reboot = l;
                STRV_FOREACH(p, m->pending_reboot)
                        log_event(LOG_NOTICE, MESSAGE_REBOOT_PENDING, NULL, "Reboot pending: %s", *p);
                return 1;
        }
        strv_free(l);
        return 0;
}

