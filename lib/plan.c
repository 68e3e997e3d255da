/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reload plans. A reload restarts what reads a changed setting, not what reads a changed file:
 * a file holds settings of several components. */
#include "plan.h"
#include "strv.h"

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
        return !option_table[id].ocaml_store_only || config_store_is_ocaml(a) || config_store_is_ocaml(b);
}

int reload_plan_compute(const Config *old, const Config *new, ReloadPlan *ret) {
        ReloadPlan p = {};

        for (size_t i = 0; i < _OPTION_MAX; i++) {
                const OptionDef *oc = &option_table[i];

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
                if (option_table[i].reboot_reason && !config_value_equal(booted, current, i) &&
                    consumed(booted, current, i))
                        if (add_reason(&l, option_table[i].name, option_table[i].reboot_reason) < 0)
                                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}
