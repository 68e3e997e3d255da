/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the config-*.c files share and nothing else uses. */
#pragma once

#include "dom0-config.h"

/* Xen keeps at most 1023 bytes of its command line (xen_commandline_t) and drops the rest;
 * the parameters derived from other options take up to 91 of them. */
#define BOOT_PARAMS_MAX 900

/* The checks of a LIST of boot words and of one LINES line of shell assignment, for a whole value
 * and for a continuation line alike: 0, or -EINVAL with the reason, or -ENOMEM. */
int check_boot_words(char *const *words, char **reason);
int check_shell_assignment(const char *line, char **reason);

/* Computes the dependent defaults after parsing, so that an explicit value always wins; a refused
 * value counts as not given. Returns 0 or -ENOMEM. */
int config_finalize(Config *c);
