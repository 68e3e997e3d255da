/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The boot-entry builder's shared model: what the Xen entries of a boot loader are, how much
 * the builder says, and the result it leaves for the daemon. The loader-specific parts are
 * boot-grub.c (Debian's update-grub and 20_linux_xen) and boot-sdboot.c (systemd-boot Type #1
 * entries and unified Xen EFI images). Nothing here talks to D-Bus or to Xen. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "macro.h"

/* efi.bootBuilderVerbosity, with the NixOS builder's meaning. */
typedef enum BootVerbosity {
        BOOT_VERBOSITY_QUIET,   /* nothing */
        BOOT_VERBOSITY_DEFAULT, /* one "Installing ... done." line */
        BOOT_VERBOSITY_INFO,    /* and a diff of the entries */
        BOOT_VERBOSITY_DEBUG,   /* and every step */
} BootVerbosity;

int boot_verbosity_from_string(const char *s); /* BootVerbosity or -EINVAL */

/* Where the builder's lines go, filtered by the verbosity. */
typedef struct BootLog {
        FILE *out;
        BootVerbosity verbosity;
} BootLog;

void boot_log(const BootLog *log, BootVerbosity level, const char *fmt, ...) _printf_(3, 4);

/* One Xen boot entry as the loader will show it. */
typedef struct BootEntry {
        char *id;             /* GRUB: the menu entry's id; systemd-boot: the entry file name */
        char *title;
        char *xen;            /* the hypervisor image the entry boots */
        char *xen_options;    /* Xen's command line */
        char *kernel;         /* dom0's kernel, and its command line */
        char *kernel_options;
        char *initrd;
} BootEntry;

typedef struct BootEntries {
        BootEntry *items;
        size_t n;
} BootEntries;

/* A whole text file. Returns 0, or -errno (-ENOENT: there is none). */
int boot_read_text(const char *path, char **ret);

void boot_entry_done(BootEntry *e);
void boot_entries_done(BootEntries *l);
/* Appends a copy of e (every field may be NULL). Returns 0 or -ENOMEM. */
int boot_entries_add(BootEntries *l, const BootEntry *e);
/* info verbosity: "-"/"+" lines for entries removed, added or changed between old and new. */
void boot_entries_log_diff(const BootLog *log, const BootEntries *old, const BootEntries *new);
