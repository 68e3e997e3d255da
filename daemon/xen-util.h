/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure helpers of the Xen side: the one translation of libxl error codes, and reading the
 * hypervisor's command line. No hypervisor calls here, so the unit tier tests them directly. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* libxl's error codes are small negative numbers that collide with -errno values (ERROR_FAIL
 * is -3, which reads as -ESRCH): this is the only place where they become -errno. 0 stays 0;
 * anything unknown, and positive codes from event hooks, become -EIO. */
int xen_libxl_error_to_errno(int libxl_error);

/* Whether the blank-separated command line has exactly this parameter (a whole word). */
bool xen_cmdline_has(const char *cmdline, const char *param);

/* dom0_mem of the command line, in KiB: the amount and the maximum ("max:"), each 0 when not
 * given or not understood (a negative or relative amount). Returns true when dom0_mem is there. */
bool xen_cmdline_dom0_mem(const char *cmdline, uint64_t *ret_amount_kib, uint64_t *ret_max_kib);

/* dom0_max_vcpus of the command line ("N" or "MIN-MAX": the maximum), 0 when absent. */
unsigned xen_cmdline_dom0_max_vcpus(const char *cmdline);
