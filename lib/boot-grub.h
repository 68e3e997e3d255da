/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GRUB, Debian's way: update-grub runs grub-mkconfig, whose 20_linux_xen reads
 * GRUB_CMDLINE_XEN_DEFAULT from /etc/default/grub.d/xen-dom0.cfg and writes the Xen entries of
 * grub.cfg. The builder runs it, then reads grub.cfg back to know what the next boot gets. */
#pragma once

#include <stdint.h>

#include "boot-entries.h"

#define GRUB_CFG_DEFAULT "/boot/grub/grub.cfg"

typedef struct GrubParams {
        const char *update_grub;  /* the program; NULL: "update-grub" from PATH */
        const char *grub_cfg;     /* NULL: GRUB_CFG_DEFAULT */
        const char *xen_options;  /* the Xen command line the default Xen entry must carry */
        const BootLog *log;
        uint64_t *ret_tool_usec;  /* when set: how long update-grub ran */
} GrubParams;

/* The Xen entries of a grub.cfg text, in file order (the first is the default one when Debian's
 * grub.d/xen.cfg makes Xen the default). Returns 0 or -ENOMEM. */
int grub_parse_cfg(const char *text, BootEntries *ret);
int grub_read_xen_entries(const char *grub_cfg, BootEntries *ret);
/* Whether the words of want appear, in order and next to each other, among the words of have. */
bool grub_cmdline_contains(const char *have, const char *want);
/* Runs update-grub and checks the result. Returns 0, or a negative errno with *ret_error set to
 * one sentence saying why; ret_entries gets the Xen entries grub.cfg holds afterwards. */
int grub_refresh(const GrubParams *p, BootEntries *ret_entries, char **ret_error);
