/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The component graph and reload plans: the start order, and for each class of option change
 * the exact plan (restarts, pending reboot, notes). */
#include "components.h"
#include "plan-cases.h"
#include "plan.h"
#include "strv.h"
#include "test-util.h"

START_TEST(test_topo_order) {
        ComponentId order[_COMP_MAX];
        int pos[_COMP_MAX];

        component_topo_order(order);
        for (size_t i = 0; i < _COMP_MAX; i++)
                pos[order[i]] = (int) i;
        /* proc-xen -> xenstored -> {xen-init-dom0, xenconsoled -> qemu} -> xendomains -> watchdog */
        ck_assert_int_eq(order[0], COMP_PROC_XEN);
        ck_assert_int_eq(order[1], COMP_XENSTORED);
        ck_assert_int_lt(pos[COMP_XENCONSOLED], pos[COMP_QEMU_BACKEND]);
        ck_assert_int_lt(pos[COMP_XEN_INIT_DOM0], pos[COMP_XENDOMAINS]);
        ck_assert_int_lt(pos[COMP_QEMU_BACKEND], pos[COMP_XENDOMAINS]);
        ck_assert_int_eq(order[_COMP_MAX - 1], COMP_WATCHDOG);
        for (size_t i = 0; i < _COMP_MAX; i++)
                for (size_t j = 0; j < _COMP_MAX; j++)
                        if (component_table[i].after & COMP_BIT(j))
                                ck_assert_int_lt(pos[j], pos[i]);
}
END_TEST

START_TEST(test_parallel_branches) {
        /* xen-init-dom0 and xenconsoled depend on nothing but the store: they start together. */
        ck_assert_uint_eq(component_table[COMP_XEN_INIT_DOM0].after, COMP_BIT(COMP_XENSTORED));
        ck_assert_uint_eq(component_table[COMP_XENCONSOLED].after, COMP_BIT(COMP_XENSTORED));
}
END_TEST

START_TEST(test_dependents) {
        ck_assert_uint_eq(component_dependents(COMP_XENSTORED),
                          COMP_BIT(COMP_XEN_INIT_DOM0) | COMP_BIT(COMP_XENCONSOLED) | COMP_BIT(COMP_QEMU_BACKEND) |
                                  COMP_BIT(COMP_XENDOMAINS) | COMP_BIT(COMP_WATCHDOG));
        ck_assert_uint_eq(component_dependents(COMP_XENCONSOLED),
                          COMP_BIT(COMP_QEMU_BACKEND) | COMP_BIT(COMP_XENDOMAINS) | COMP_BIT(COMP_WATCHDOG));
        ck_assert_uint_eq(component_dependents(COMP_WATCHDOG), 0);
}
END_TEST

START_TEST(test_find) {
        ck_assert_ptr_eq(component_find("xenconsoled"), &component_table[COMP_XENCONSOLED]);
        ck_assert_ptr_eq(component_find("proc-xen.mount"), &component_table[COMP_PROC_XEN]);
        ck_assert_ptr_null(component_find("xend"));
        for (size_t i = 0; i < _COMP_MAX; i++)
                ck_assert(startswith(component_table[i].unit, component_table[i].name));
}
END_TEST

START_TEST(test_restart_policies) {
        /* Never restarted by a reload: the store, dom0's store entries, and the guests' keeper. */
        ck_assert(!component_table[COMP_XENSTORED].reload_restartable);
        ck_assert(!component_table[COMP_XEN_INIT_DOM0].reload_restartable);
        ck_assert(!component_table[COMP_XENDOMAINS].reload_restartable);
        ck_assert(!component_table[COMP_QEMU_BACKEND].reload_restartable);
        ck_assert_int_eq(component_table[COMP_XENSTORED].restart, RESTART_NEVER);
        ck_assert_int_eq(component_table[COMP_XENCONSOLED].restart, RESTART_ON_FAILURE);
        ck_assert_int_eq(component_table[COMP_WATCHDOG].restart, RESTART_ON_FAILURE);
        ck_assert_int_eq(component_table[COMP_QEMU_BACKEND].restart, RESTART_ON_FAILURE);
}
END_TEST

static Config *cfg(const char *text) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        Config *c = test_load(text, &d);
        ck_assert_msg(c, "%s", test_diag_text(&d));
        return c;
}

START_TEST(test_plans) {
        _cleanup_config_free_ Config *old = cfg(plans[_i].old), *new = cfg(plans[_i].new);
        _cleanup_(reload_plan_done) ReloadPlan p = {};
        _cleanup_free_ char *changed = NULL;

        ck_assert_int_eq(reload_plan_compute(old, new, &p), 0);
        changed = strv_join(p.changed, " ");
        ck_assert_msg(streq(changed, plans[_i].changed), "%s: changed %s", plans[_i].what, changed);
        ck_assert_msg(p.restart == plans[_i].restart, "%s: restart %x", plans[_i].what, p.restart);
        ck_assert_msg(p.reboot.n == plans[_i].n_reboot, "%s: %zu reboot reasons", plans[_i].what, p.reboot.n);
        ck_assert_msg(p.notes.n == plans[_i].n_notes, "%s: %zu notes", plans[_i].what, p.notes.n);
        /* each reason names a changed option */
        for (size_t i = 0; i < p.reboot.n; i++)
                ck_assert_msg(strv_contains(p.changed, p.reboot.items[i].option), "%s: reason of %s", plans[_i].what,
                              p.reboot.items[i].option);
}
END_TEST

START_TEST(test_never_restarted_by_any_change) {
        /* Flip every option at once: still only xenconsoled may restart. */
        _cleanup_config_free_ Config *old = cfg("[xen]\n");
        _cleanup_free_ char *path = test_srcpath("tests/data/render/full.conf"), *text = test_read_file(path, NULL);
        _cleanup_config_free_ Config *new = cfg(text);
        _cleanup_(reload_plan_done) ReloadPlan p = {};

        ck_assert_int_eq(reload_plan_compute(old, new, &p), 0);
        ck_assert_uint_eq(p.restart, COMP_BIT(COMP_XENCONSOLED));
        ck_assert_uint_ge(p.reboot.n, 5);
}
END_TEST

START_TEST(test_every_option_has_consumers) {
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                const OptionDef *oc = &option_table[i];
                ck_assert_msg(oc->restart || oc->reboot_reason || oc->note, "%s has no consumer",
                              option_table[i].name);
        }
}
END_TEST

START_TEST(test_pending_reboot) {
        _cleanup_config_free_ Config *booted = cfg("[xen]\n"),
                                     *now = cfg("[xen]\nbootParams = x=1\n[domains]\nextraConfig = A=1\n");
        _cleanup_(option_reasons_done) OptionReasons r = {}, none = {};
        _cleanup_strv_free_ char **shown = NULL;

        ck_assert_int_eq(pending_reboot_reasons(booted, now, &r), 0);
        ck_assert_uint_eq(r.n, 1);
        ck_assert_str_eq(r.items[0].option, "xen.bootParams");
        ck_assert_str_eq(r.items[0].text, "the Xen hypervisor command line");
        shown = option_reasons_to_strv(&r);
        ck_assert_str_eq(shown[0], "xen.bootParams: the Xen hypervisor command line");
        ck_assert_ptr_null(shown[1]);
        ck_assert_int_eq(pending_reboot_reasons(booted, booted, &none), 0);
        ck_assert_uint_eq(none.n, 0);
}
END_TEST

START_TEST(test_option_reasons) {
        _cleanup_(option_reasons_done) OptionReasons a = {}, b = {};

        ck_assert_int_eq(option_reasons_add(&a, "xen.trace", "one"), 0);
        ck_assert_int_eq(option_reasons_addf(&a, "dom0Resources.memory", "has %d MiB", 512), 0);
        ck_assert_int_eq(option_reasons_add(&a, "xen.trace", "one"), 0); /* once */
        ck_assert_int_eq(option_reasons_add(&a, "dom0Resources.memory", "two"), 0);
        /* one reason per option: a second text joins the first */
        ck_assert_uint_eq(a.n, 2);
        ck_assert_str_eq(a.items[1].text, "has 512 MiB; two");
        ck_assert_int_eq(option_reasons_add(&a, "dom0Resources.memory", "two"), 0);
        ck_assert_int_eq(option_reasons_add(&a, "dom0Resources.memory", "has 512 MiB"), 0);
        ck_assert_int_eq(option_reasons_add(&a, "dom0Resources.memory", "tw"), 0); /* a part, not a prefix */
        ck_assert_str_eq(a.items[1].text, "has 512 MiB; two; tw");
        ck_assert_int_eq(option_reasons_merge(&b, &a), 0);
        ck_assert(option_reasons_equal(&a, &b));
        ck_assert_int_eq(option_reasons_merge(&b, &a), 0); /* merging twice changes nothing */
        ck_assert(option_reasons_equal(&a, &b));
        option_reasons_drop(&b, "dom0Resources.memory");
        ck_assert_uint_eq(b.n, 1);
        ck_assert_str_eq(b.items[0].text, "one");
        ck_assert(!option_reasons_equal(&a, &b));
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("plan");
        TCase *tc = tcase_create("graph and plans");

        tcase_add_test(tc, test_topo_order);
        tcase_add_test(tc, test_parallel_branches);
        tcase_add_test(tc, test_dependents);
        tcase_add_test(tc, test_find);
        tcase_add_test(tc, test_restart_policies);
        tcase_add_loop_test(tc, test_plans, 0, ELEMENTSOF(plans));
        tcase_add_test(tc, test_never_restarted_by_any_change);
        tcase_add_test(tc, test_every_option_has_consumers);
        tcase_add_test(tc, test_pending_reboot);
        tcase_add_test(tc, test_option_reasons);
        suite_add_tcase(s, tc);
        return s;
}
