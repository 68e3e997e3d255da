/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The boot entries: the daemon starts xen-dom0-boot-entries.service when the Xen command line it
 * rendered is not yet in the boot loader's entries, never waits for it in the event loop, and
 * reads the result the builder leaves when its job ends. */
#pragma once

#include "manager.h"

/* Once the stack settled: reads the builder's last result and refreshes the entries when they
 * were built for other inputs, or not built. */
void boot_entries_start(Manager *m);
/* After a reload wrote changed_files: refreshes when a boot input is among them. */
void boot_entries_files_changed(Manager *m, char *const *changed_files);
/* Starts the builder now (or once more after the run in flight). */
int boot_entries_refresh(Manager *m);

/* For the bus: current, refreshing, failed, unsupported, disabled, or unknown (never run). */
const char *boot_entries_state(const Manager *m);
/* Why it failed, which loader was found, or "" */
const char *boot_entries_message(const Manager *m);
