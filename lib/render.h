/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rendering: a validated configuration to the set of files the dom0 stack reads. Pure. */
#pragma once

#include "dom0-config.h"
#include "fileset.h"

/* The Xen command line derived from the options (trace, dom0 memory and vCPUs) followed by
 * xen.bootParams. Returns 0 or -ENOMEM. */
int render_boot_params(const Config *c, char ***ret);

/* A kernel module the dom0 stack uses. The store's set (its event channel, grant and privcmd
 * devices) holds back xenstored when its devices are missing; the backends' set holds back
 * xendomains. Legacy names and aliases are loaded when present, never listed for boot. */
typedef struct Dom0Module {
        const char *name;
        bool store;
        bool legacy;
} Dom0Module;

/* Ends with a NULL name. */
extern const Dom0Module dom0_modules[];

/* Renders every file into ret (which must be empty). Returns 0 or -ENOMEM. */
int render_config(const Config *c, FileSet *ret);
