/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Component objects under /org/xenproject/Dom0/component/<name>. */
#pragma once

#include "manager.h"

int bus_component_register(Manager *m);
int bus_component_path(const Component *c, char **ret);
/* Announces every component whose state changed since the last announcement. */
void bus_component_emit_changes(Manager *m);
