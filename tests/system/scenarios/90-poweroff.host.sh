#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# On the host, after QEMU exited: dom0 powered the machine off cleanly (no
# crash, no watchdog reset, no reboot).
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
log=$SYSTEST_CONSOLE_LOG

if [[ $SYSTEST_RUNNER_FINISHED != 1 ]]; then
	skip "dom0 powered off cleanly" "the runner did not finish, so no clean poweroff was asked for"
	exit 0
fi
check "the dom0 kernel powered down" grep -q 'reboot: Power down' "$log"
check_fail "no watchdog fired" grep -Eq 'Watchdog timer fired|watchdog.*rebooting' "$log"
check_fail "no crash or panic of Xen or dom0" grep -Eq 'Kernel panic|Panic on CPU|Dom0 crashed|domain_crash' "$log"
check_fail "no reboot was attempted" grep -Eq 'reboot: Restarting system|Hardware Dom0 shutdown: rebooting' "$log"
