/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reload plans. A reload restarts what reads a changed setting, not what reads a changed file:
 * a file holds settings of several components. */
#include <stdarg.h>

#include "plan.h"
#include "strv.h"

void option_reasons_done(OptionReasons *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].text);
        free(l->items);
        *l = (OptionReasons) {};
}

/* The reason of an option, one per option; NULL when it has none. */
static OptionReason *find(const OptionReasons *l, const char *option) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->items[i].option, option))
                        return &l->items[i];
        return NULL;
}

/* Whether text is one of the "; "-separated parts of all. */
static bool has_part(const char *all, const char *text) {
        size_t n = strlen(text);

        for (const char *p = all; p; p = strstr(p, "; "), p = p ? p + 2 : NULL)
                if (strncmp(p, text, n) == 0 && (p[n] == '\0' || strncmp(p + n, "; ", 2) == 0))
                        return true;
        return false;
}

/* An option has one reason: a second text is joined to the first with "; ", so that a list
 * shows each option once, whoever found the reasons (the configuration, the hypervisor). */
static int add_take(OptionReasons *l, const char *option, char *text) {
        OptionReason *n, *have;
        int r;

        if (!text)
                return -ENOMEM;
        have = find(l, option);
        if (have) {
                char *joined;

                if (has_part(have->text, text)) {
                        free(text);
                        return 0;
                }
                r = asprintf(&joined, "%s; %s", have->text, text);
                free(text);
                if (r < 0)
                        return -ENOMEM;
                free(have->text);
                have->text = joined;
                return 0;
        }
        n = reallocarray(l->items, l->n + 1, sizeof(OptionReason));
        if (!n) {
                free(text);
                return -ENOMEM;
        }
        l->items = n;
        l->items[l->n++] = (OptionReason) { option, text };
        return 0;
}

int option_reasons_add(OptionReasons *l, const char *option, const char *text) {
        return add_take(l, option, strdup(text));
}

int option_reasons_addf(OptionReasons *l, const char *option, const char *fmt, ...) {
        va_list ap;
        char *t;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&t, fmt, ap);
        va_end(ap);
        return add_take(l, option, r < 0 ? NULL : t);
}

int option_reasons_merge(OptionReasons *l, const OptionReasons *src) {
        for (size_t i = 0; i < src->n; i++)
                if (option_reasons_add(l, src->items[i].option, src->items[i].text) < 0)
                        return -ENOMEM;
        return 0;
}

void option_reasons_drop(OptionReasons *l, const char *option) {
        size_t k = 0;

        for (size_t i = 0; i < l->n; i++)
                if (streq(l->items[i].option, option))
                        free(l->items[i].text);
                else
                        l->items[k++] = l->items[i];
        l->n = k;
}

bool option_reasons_equal(const OptionReasons *a, const OptionReasons *b) {
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (!streq(a->items[i].option, b->items[i].option) || !streq(a->items[i].text, b->items[i].text))
                        return false;
        return true;
}

char **option_reasons_to_strv(const OptionReasons *l) {
        _cleanup_strv_free_ char **s = calloc(l->n + 1, sizeof(char *));

        if (!s)
                return NULL;
        for (size_t i = 0; i < l->n; i++)
                if (asprintf(&s[i], "%s: %s", l->items[i].option, l->items[i].text) < 0) {
                        s[i] = NULL;
                        return NULL;
                }
        return TAKE_PTR(s);
}

void reload_plan_done(ReloadPlan *p) {
        strv_free(p->changed);
        option_reasons_done(&p->reboot);
        option_reasons_done(&p->notes);
        *p = (ReloadPlan) {};
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
                if (oc->reboot_reason && option_reasons_add(&p.reboot, oc->name, oc->reboot_reason) < 0)
                        goto oom;
                if (oc->note && option_reasons_add(&p.notes, oc->name, oc->note) < 0)
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

int pending_reboot_reasons(const Config *booted, const Config *current, OptionReasons *ret) {
        _cleanup_(option_reasons_done) OptionReasons l = {};

        for (size_t i = 0; i < _OPTION_MAX; i++)
                if (option_table[i].reboot_reason && !config_value_equal(booted, current, i) &&
                    consumed(booted, current, i))
                        if (option_reasons_add(&l, option_table[i].name, option_table[i].reboot_reason) < 0)
                                return -ENOMEM;
        *ret = l;
        l = (OptionReasons) {};
        return 0;
}
