#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The toolstack sees the hypervisor and Domain-0.
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"

check "the Xen stack is up" stack_ensure_up || exit 0
check_match "xl info reports Xen 4.17" '^xen_version[[:space:]]+: 4\.17' xl info
check_match "xl list shows Domain-0 with domid 0" '^Domain-0[[:space:]]+0[[:space:]]' xl list
