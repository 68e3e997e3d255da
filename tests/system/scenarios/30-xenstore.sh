#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The store holds dom0's identity (written by xen-init-dom0).
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"

check "the Xen stack is up" stack_ensure_up || exit 0
check_match "xenstore-ls /local/domain/0 has domid 0" '^domid = "0"' xenstore-ls /local/domain/0
check_match "xenstore-ls /local/domain/0 has name Domain-0" '^name = "Domain-0"' xenstore-ls /local/domain/0
check_eq "xenstore-read /local/domain/0/name is Domain-0" Domain-0 xenstore-read /local/domain/0/name
