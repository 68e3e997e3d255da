/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Option to consumer mapping and reload plans. A reload restarts what reads a changed setting,
 * not what reads a changed file: a file holds settings of several components. */
#include "plan.h"
#include "strv.h"

#define RESTART(c) COMP_BIT(c)
#define STORE_REASON "the store daemon reads it at start and is never restarted"
#define OXENSTORED(reason_) { .reboot_reason = reason_, .ocaml_store_only = true }

const OptionConsumers option_consumers[_OPTION_MAX] = {
        [OPT_ENABLE] = { .note = "starts the stack when enabled; disabling leaves the running stack alone" },
        [OPT_DEBUG] = { .note = "acts through xen.trace and store.settings.testEAGAIN" },
        [OPT_TRACE] = { .restart = RESTART(COMP_XENCONSOLED),
                        .reboot_reason = "Xen log levels on the hypervisor command line and the store's tracing" },
        [OPT_PACKAGE] = { .reboot_reason = "the Xen tools of running components" },
        [OPT_BOOT_PARAMS] = { .reboot_reason = "the Xen hypervisor command line" },
        [OPT_QEMU_PACKAGE] = { .reboot_reason = "the qemu dom0 disk backend serves guest disks and is not restarted" },
        [OPT_QEMU_PID_FILE] = { .reboot_reason = "the qemu dom0 disk backend serves guest disks and is not restarted" },
        [OPT_EFI_BOOT_BUILDER_VERBOSITY] = { .note = "used when boot entries are next built" },
        [OPT_EFI_PATH] = { .reboot_reason = "the Xen EFI binary named in the boot specification" },
        [OPT_DOM0_MAX_VCPUS] = { .reboot_reason = "Domain 0 vCPUs on the hypervisor command line" },
        [OPT_DOM0_MEMORY] = { .reboot_reason = "Domain 0 memory on the hypervisor command line" },
        [OPT_DOM0_MAX_MEMORY] = { .reboot_reason = "Domain 0 maximum memory on the hypervisor command line" },
        [OPT_DOMAINS_EXTRA_CONFIG] = { .note = "xendomains reads it at its next start or stop" },
        [OPT_STORE_PATH] = { .reboot_reason = STORE_REASON },
        [OPT_STORE_TYPE] = { .reboot_reason = STORE_REASON },
        [OPT_STORE_PID_FILE] = { .reboot_reason = STORE_REASON },
        [OPT_STORE_TEST_EAGAIN] = OXENSTORED(STORE_REASON),
        [OPT_STORE_ENABLE_MERGE] = OXENSTORED(STORE_REASON),
        [OPT_STORE_PERSISTENT] = OXENSTORED(STORE_REASON),
        [OPT_STORE_RING_SCAN_INTERVAL] = OXENSTORED(STORE_REASON),
        [OPT_CONFLICT_BURST_LIMIT] = OXENSTORED(STORE_REASON),
        [OPT_CONFLICT_MAX_HISTORY_SECONDS] = OXENSTORED(STORE_REASON),
        [OPT_CONFLICT_RATE_LIMIT_IS_AGGREGATE] = OXENSTORED(STORE_REASON),
        [OPT_PERMS_ENABLE] = OXENSTORED(STORE_REASON),
        [OPT_PERMS_ENABLE_WATCH] = OXENSTORED(STORE_REASON),
        [OPT_QUOTA_ENABLE] = OXENSTORED(STORE_REASON),
        [OPT_QUOTA_MAX_ENTITY] = OXENSTORED(STORE_REASON),
        [OPT_QUOTA_MAX_SIZE] = OXENSTORED(STORE_REASON),
        [OPT_QUOTA_MAX_WATCH] = OXENSTORED(STORE_REASON),
        [OPT_QUOTA_TRANSACTION] = OXENSTORED(STORE_REASON),
        [OPT_QUOTA_MAX_REQUESTS] = OXENSTORED(STORE_REASON),
        [OPT_QUOTA_MAX_PATH] = OXENSTORED(STORE_REASON),
        [OPT_QUOTA_MAX_OUTSTANDING] = OXENSTORED(STORE_REASON),
        [OPT_QUOTA_MAX_WATCH_EVENTS] = OXENSTORED(STORE_REASON),
        [OPT_LOG_FILE] = OXENSTORED(STORE_REASON),
        [OPT_LOG_LEVEL] = OXENSTORED(STORE_REASON),
        [OPT_LOG_NB_FILES] = OXENSTORED(STORE_REASON),
        [OPT_ACCESS_LOG_FILE] = OXENSTORED(STORE_REASON),
        [OPT_ACCESS_LOG_NB_LINES] = OXENSTORED(STORE_REASON),
        [OPT_ACCESS_LOG_NB_CHARS] = OXENSTORED(STORE_REASON),
        [OPT_ACCESS_LOG_SPECIAL_OPS] = OXENSTORED(STORE_REASON),
        [OPT_XENFS_KVA] = OXENSTORED(STORE_REASON),
        [OPT_XENFS_PORT] = OXENSTORED(STORE_REASON),
        [OPT_METRICS_ENABLE] = { .note = "xen-dom0d writes the metrics file accordingly at once" },
        [OPT_METRICS_INTERVAL] = { .note = "xen-dom0d writes the metrics file accordingly at once" },
        [OPT_METRICS_DIRECTORY] = { .note = "xen-dom0d writes the metrics file accordingly at once" },
};

void reload_plan_done(ReloadPlan *p) {
        strv_free(p->changed);
        strv_free(p->reboot_reasons);
        strv_free(p->notes);
        *p = (ReloadPlan) {};
}

static int add_reason(char ***l, const char *option, const char *reason) {
        char *s;

        if (asprintf(&s, "%s: %s", option, reason) < 0)
                return -ENOMEM;
        return strv_consume(l, s);
}

/* Whether a change of id matters to anything running under either configuration. */
static bool consumed(const Config *a, const Config *b, OptionId id) {
        return !option_consumers[id].ocaml_store_only || config_store_is_ocaml(a) || config_store_is_ocaml(b);
}

int reload_plan_compute(const Config *old, const Config *new, ReloadPlan *ret) {
        ReloadPlan p = {};

        for (size_t i = 0; i < _OPTION_MAX; i++) {
                const OptionConsumers *oc = &option_consumers[i];

                if (config_value_equal(old, new, i))
                        continue;
                if (strv_extend(&p.changed, option_table[i].name) < 0)
                        goto oom;
                if (i == OPT_ENABLE)
                        p.enable_changed = true;
                if (!consumed(old, new, i))
                        continue;
                p.restart |= oc->restart;
                if (oc->reboot_reason && add_reason(&p.reboot_reasons, option_table[i].name, oc->reboot_reason) < 0)
                        goto oom;
                if (oc->note && add_reason(&p.notes, option_table[i].name, oc->note) < 0)
                        goto oom;
        }
        /* Defence in depth: only components that may be restarted for a change ever are. */
        for (size_t c = 0; c < _COMP_MAX; c++)
                if (!component_table[c].reload_restartable)
                        p.restart &= ~COMP_BIT(c);
        *ret = p;
        return 0;
oom:
        reload_plan_done(&p);
        return -ENOMEM;
}

int pending_reboot_reasons(const Config *booted, const Config *current, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < _OPTION_MAX; i++)
                if (option_consumers[i].reboot_reason && !config_value_equal(booted, current, i) &&
                    consumed(booted, current, i))
                        if (add_reason(&l, option_table[i].name, option_consumers[i].reboot_reason) < 0)
                                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}
