/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plan table: for each class of option change, the configuration before and after and the
 * exact plan. test-plan checks reload_plan_compute() against it; plan-cases writes the files out
 * for test-supervisor.sh, which runs each case through Diff and then Reload on the real daemon. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "components.h"

static const struct PlanCase {
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
