/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the boot entry builder leaves for the daemon (PATH_BOOT_ENTRIES_STATE, JSON): which
 * loader it served, whether the entries are current, and what the next boot will run. */
#pragma once

#include <stdint.h>

#include "boot-entries.h"

typedef struct BootState {
        char *setting;      /* bootEntries.loader the run was for: auto, grub, systemd-boot, none */
        char *loader;       /* the loader served: grub, systemd-boot; NULL when none */
        char *state;        /* current, failed, unsupported (no loader found), disabled (none) */
        char *message;      /* one sentence: why it failed, or which loader was found */
        char *xen_efi;      /* the inputs the entries were built from */
        char *xen_options;
        char *next;         /* the Xen command line of the default entry, as the loader has it */
        char *esp;          /* systemd-boot: the ESP served */
        char **sources;     /* systemd-boot: the kernels' entry files the Xen entries were built from */
        uint64_t finished_usec; /* CLOCK_REALTIME */
        uint64_t total_usec;    /* how long the run took */
        uint64_t tool_usec;     /* of which the loader's own tool (update-grub) */
        BootEntries entries;
} BootState;

void boot_state_done(BootState *s);
/* Writes s atomically (a temporary file beside path, fsynced, renamed). 0 or -errno. */
int boot_state_write(const char *path, const BootState *s);
/* The Type #1 entry files of kernels on the ESP (loader/entries/NAME.conf, not ours), sorted.
 * Returns 0 (an empty list when there is no such directory) or -errno. */
int boot_kernel_entry_files(const char *esp, char ***ret);
/* 0, -ENOENT when there is none, -EBADMSG when it is not a state this version reads. */
int boot_state_read(const char *path, BootState *ret);
