#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A PV guest (the dom0 kernel and a busybox initramfs) is created, shows up in
# xl list, prints its marker on its console, powers off and is gone.
# systest-timeout: 240
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"
trap guests_cleanup EXIT

name=systest-once
check "the Xen stack is up" stack_ensure_up || exit 0
check "xl create $name (created paused, console captured)" guest_create_paused "$name" poweroff || exit 0
check_match "xl list shows $name" "^${name}[[:space:]]" xl list
check "xl unpause $name" guest_unpause "$name"
check_wait "$name prints its marker line on its console" 180 guest_up "$name"
check_wait "$name powers off and is gone from xl list" 120 guest_gone "$name"
check_match "its console shows it powering off" "^SYSTEST-GUEST $name: powering off" guest_console "$name"
diag "console of $name:" "$(guest_console "$name")"
cp "$(guest_console_file "$name")" "$SYSTEST_ARTIFACTS/" 2>/dev/null
exit 0
