/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Authorization of the mutating bus calls. */
#pragma once

#include "manager.h"

/* Runs cb(m, msg) once the sender of msg is known to be root or authorized by polkit;
 * otherwise replies AccessDenied (or InteractiveAuthorizationRequired) itself. */
typedef void (*authorized_callback_t)(Manager *m, sd_bus_message *msg);
int bus_verify_manage(Manager *m, sd_bus_message *msg, authorized_callback_t cb);
/* The caller's uid as the bus recorded it at connection time: never from /proc, which a
 * setuid or setgid exec after connecting would change. */
int bus_caller_uid(sd_bus_message *msg, uid_t *ret);
