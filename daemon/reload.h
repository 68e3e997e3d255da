/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reloading the configuration: validate, render, restart what reads a changed setting. */
#pragma once

#include "manager.h"

/* Replies to message (NULL for SIGHUP) when the reload is done. */
int manager_reload(Manager *m, sd_bus_message *message);
/* Writes the files c renders. On error, ret_error is the failure in a sentence (NULL when out
 * of memory). */
int manager_render(Manager *m, const Config *c, char ***ret_changed, char **ret_error);
