/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The component graph and reload plans: the start order, and for each class of option change
 * the exact plan (restarts, pending reboot, notes). */
#include "components.h"
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

static const struct {
        const char *what;
        const char *old, *new;
        uint32_t restart;
        const char *changed;  /* joined by blanks */
        size_t n_reboot;
        size_t n_notes;
} plans[] = {
        { "no-op", "[xen]\n", "[xen]\ndebug = false\n", 0, "", 0, 0 },
        { "trace", "[xen]\n", "[xen]\ntrace = true\n", COMP_BIT(COMP_XENCONSOLED),
          "xen.trace store.settings.xenstored.log.level", 2, 0 },
        { "debug", "[xen]\n", "[xen]\ndebug = true\n", COMP_BIT(COMP_XENCONSOLED),
          "xen.debug xen.trace store.settings.testEAGAIN store.settings.xenstored.log.level", 3, 1 },
        { "boot params", "[xen]\n", "[xen]\nbootParams = iommu=1\n", 0, "xen.bootParams", 1, 0 },
        { "dom0 memory", "[xen]\n", "[dom0Resources]\nmemory = 1024\n", 0,
          "dom0Resources.memory dom0Resources.maxMemory", 2, 0 },
        { "store quota", "[xen]\n", "[store.settings.quota]\nmaxSize = 4096\n", 0, "store.settings.quota.maxSize", 1, 0 },
        { "quota with the C store", "[store]\npath = /usr/sbin/xenstored\n",
          "[store]\npath = /usr/sbin/xenstored\n[store.settings.quota]\nmaxSize = 4096\n", 0,
          "store.settings.quota.maxSize", 0, 0 },
        { "store path", "[xen]\n", "[store]\npath = /usr/lib/xen-4.17/bin/xenstored\n", 0, "store.path store.type", 2, 0 },
        { "qemu binary", "[xen]\n", "[qemu]\npackage = /usr/bin/qemu-system-i386\n", 0, "qemu.package", 1, 0 },
        { "xendomains extra config", "[xen]\n", "[domains]\nextraConfig = XENDOMAINS_SAVE=\n", 0,
          "domains.extraConfig", 0, 1 },
        { "efi verbosity", "[xen]\n", "[efi]\nbootBuilderVerbosity = quiet\n", 0, "efi.bootBuilderVerbosity", 0, 1 },
        { "efi path", "[xen]\n", "[efi]\npath = /boot/efi/xen.efi\n", 0, "efi.path", 1, 0 },
};

START_TEST(test_plans) {
        _cleanup_config_free_ Config *old = cfg(plans[_i].old), *new = cfg(plans[_i].new);
        _cleanup_(reload_plan_done) ReloadPlan p = {};
        _cleanup_free_ char *changed = NULL;

        ck_assert_int_eq(reload_plan_compute(old, new, &p), 0);
        changed = strv_join(p.changed, " ");
        ck_assert_msg(streq(changed, plans[_i].changed), "%s: changed %s", plans[_i].what, changed);
        ck_assert_msg(p.restart == plans[_i].restart, "%s: restart %x", plans[_i].what, p.restart);
        ck_assert_msg(strv_length(p.reboot_reasons) == plans[_i].n_reboot, "%s: %zu reboot reasons", plans[_i].what,
                      strv_length(p.reboot_reasons));
        ck_assert_msg(strv_length(p.notes) == plans[_i].n_notes, "%s: %zu notes", plans[_i].what,
                      strv_length(p.notes));
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
        ck_assert_uint_ge(strv_length(p.reboot_reasons), 5);
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
        _cleanup_strv_free_ char **r = NULL, **none = NULL;

        ck_assert_int_eq(pending_reboot_reasons(booted, now, &r), 0);
        ck_assert_uint_eq(strv_length(r), 1);
        ck_assert_str_eq(r[0], "xen.bootParams: the Xen hypervisor command line");
        ck_assert_int_eq(pending_reboot_reasons(booted, booted, &none), 0);
        ck_assert_uint_eq(strv_length(none), 0);
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
        suite_add_tcase(s, tc);
        return s;
}
