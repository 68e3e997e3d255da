#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Leaves a guest running for the host's poweroff: xendomains.service must save it on the way
# down (checked on the host by 91-poweroff-guests.host.sh once QEMU has exited).
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

if ! stack_has_project; then
	skip "a guest is left for the poweroff" "the project is not installed in this image"
	exit 0
fi
check_wait "xendomains is active" 120 systemctl is-active --quiet xendomains.service
check "a guest that stays up is created" guest_create poweroff-guest stay
check "it printed its marker" guest_wait_up poweroff-guest
check "the watchdog is armed" systemctl is-active --quiet xen-watchdog.service
check_eq "nothing is saved yet" "" bash -c 'ls -A /var/lib/xen/save 2>/dev/null; true'
