/* Rendering: a validated configuration to the set of files the dom0 stack reads. Pure. */
#pragma once

#include "dom0-config.h"
#include "fileset.h"

/* The Xen command line derived from the options (trace, dom0 memory and vCPUs) followed by
 * xen.bootParams. Returns 0 or -ENOMEM. */
int render_boot_params(const Config *c, char ***ret);

/* Kernel modules the dom0 stack uses; the first ones are loaded at boot, the rest are legacy
 * names and aliases that are loaded only when present. */
extern const char *const dom0_modules[];
extern const char *const dom0_modules_legacy[];

/* Renders every file into ret (which must be empty). Returns 0 or -ENOMEM. */
int render_config(const Config *c, FileSet *ret);
