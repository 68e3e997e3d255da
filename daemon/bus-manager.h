/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Manager object /org/xenproject/Dom0 and the objects below it. */
#pragma once

#include "manager.h"

int bus_manager_register(Manager *m);
void bus_manager_emit_changed(Manager *m, const char *property, ...);
/* The same, the names in a NULL-terminated list. */
void bus_manager_emit_changed_strv(Manager *m, char **properties);
void bus_manager_emit_reloaded(Manager *m, bool success, char **errors);
/* Replies with one "as" per list; the lists end with a NULL, and an empty list is passed as
 * a pointer to { NULL }. */
int bus_reply_strvs(sd_bus_message *msg, char **first, ...);
/* The message of an InvalidConfig error for d, as the caller of msg may see it. */
int bus_invalid_config_text(sd_bus_message *msg, const Diagnostics *d, char **ret);
