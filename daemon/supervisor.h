/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bring-up in dependency order, adoption, health restarts and the store's liveness. */
#pragma once

#include "manager.h"

/* How long a modprobe may run. At boot, from a slow disk or under emulation, it takes seconds;
 * one that hangs (a module's init stuck, an install command that waits) must not hold the
 * stack back for ever. */
#define MODPROBE_TIMEOUT_USEC (60 * 1000000ULL)

int supervisor_begin(Manager *m);
/* Forgets the modprobe runs in flight (the daemon ends: they die with it). */
void supervisor_modprobe_cancel(Manager *m);
/* Starts whatever has its dependencies up; marks what can never start; settles the bring-up. */
void supervisor_dispatch(Manager *m);
/* A health restart of c after a failure, bounded and backing off. */
int supervisor_restart(Component *c, RestartReason why, const char *reason);
/* A restart of c (a health restart, by request, for a reload) did not come up: error is why
 * systemd refused it, else result is the job's. One more failure: c is restarted within the
 * same limit when it is restartable. */
void supervisor_restart_failed(Component *c, const char *error, const char *result);
