#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# /proc/xen is mounted and dom0 is the control domain.
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"

check "the Xen stack is up (project units or Debian's xen.service)" stack_ensure_up
check_wait "xenfs is mounted on /proc/xen" 30 findmnt -t xenfs /proc/xen
check_match "/proc/xen/capabilities shows control_d" '^control_d$' cat /proc/xen/capabilities
