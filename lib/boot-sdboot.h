/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd-boot: a unified Xen EFI image and a loader entry for each Type #1 entry that
 * kernel-install put on the ESP, as the NixOS xen boot builder makes them. */
#pragma once

#include "boot-entries.h"

/* Where the unified Xen images go, relative to the ESP, and the way back up from there to the
 * ESP's root in the form Xen's .config takes (see boot-sdboot.c). */
#define SDBOOT_XEN_DIR "EFI/xen"
#define SDBOOT_XEN_DIR_UP "..\\..\\"

/* A Type #1 loader entry (a .conf file in loader/entries) of a Linux kernel. */
typedef struct SdbootKernelEntry {
        char *id;             /* file name without ".conf" */
        char *title;
        char *version;
        char *machine_id;
        char *sort_key;
        char *linux_path;     /* "linux" key: path on the ESP */
        char **initrds;       /* "initrd" keys, in order */
        char *options;        /* "options" keys joined with spaces */
} SdbootKernelEntry;

typedef struct SdbootParams {
        const char *esp;          /* the ESP's mount point */
        const char *xen_efi;      /* efi.path: the hypervisor's EFI image */
        const char *xen_options;  /* Xen's command line */
        const char *objcopy;      /* NULL: "objcopy" from PATH */
        const BootLog *log;
} SdbootParams;

/* Parses a Type #1 entry file's text. Returns 0, -EINVAL when it is not a Linux entry (no
 * "linux" key, or it is one of ours), -ENOMEM. */
int sdboot_parse_entry(const char *id, const char *text, SdbootKernelEntry *ret);
void sdboot_kernel_entry_done(SdbootKernelEntry *e);
/* A path on the ESP ("/a/b/linux") as a file name in Xen's .config: relative to SDBOOT_XEN_DIR,
 * with backslashes ("..\..\a\b\linux"). -EINVAL for a path that is not absolute or that
 * Xen cannot take (a blank, a '#', a byte outside printable ASCII). */
int sdboot_xen_file_name(const char *esp_path, char **ret);
/* The .config section of the unified image for kernel entry k (text, caller frees). */
int sdboot_xen_config(const SdbootKernelEntry *k, const char *xen_options, char **ret);
/* The text of our loader entry for k, booting image (a path on the ESP, "/EFI/xen/..."). */
int sdboot_xen_entry(const SdbootKernelEntry *k, const char *image, char **ret);
/* loader.conf's text with its default line set to id (added when there is none); every other line
 * kept as it is. */
int sdboot_loader_conf_set_default(const char *text, const char *id, char **ret);
/* Builds the images and entries for every kernel entry on the ESP, removes stale Xen entries
 * and images, and makes the Xen entry of the newest kernel the default. A new file is written
 * beside the old one and renamed into place; on failure the old entries stay and *ret_error
 * says why in one sentence. ret_entries gets the Xen entries as they now are. */
int sdboot_refresh(const SdbootParams *p, BootEntries *ret_entries, char **ret_error);
/* Reads the Xen entries that are on the ESP now (for listing and for the info diff). */
int sdboot_read_xen_entries(const char *esp, BootEntries *ret);
