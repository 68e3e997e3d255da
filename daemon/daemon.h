/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's life: start-up order (configuration, rendering, bus, systemd, bring-up), the
 * signals, the connections, and what ties the modules together. */
#pragma once

#include "manager.h"

int manager_new(const char *config_path, Manager **ret);
Manager *manager_free(Manager *m);
int manager_startup(Manager *m);
int manager_run(Manager *m);
