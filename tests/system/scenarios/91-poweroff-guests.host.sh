#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# (systemd shortens its status lines to the console's width: match the unit names' start.)
# On the host, after QEMU exited: the poweroff stopped the stack in order with the running
# guest handled by xendomains (saved to /var/lib/xen/save in the image), and no watchdog
# reset happened on the way down.
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
log=$SYSTEST_CONSOLE_LOG
image=${SYSTEST_ROOT_IMAGE:-}

if [[ $SYSTEST_RUNNER_FINISHED != 1 ]]; then
	skip "guests were handled at poweroff" "the runner did not finish, so no poweroff was asked for"
	exit 0
fi
if ! grep -q 'SYSTEST-GUEST poweroff-guest' "$SYSTEST_GUEST_RESULTS"/scenarios/89-guest-for-poweroff.log 2>/dev/null &&
	! grep -q 'ok - a guest that stays up is created' "$SYSTEST_GUEST_RESULTS"/scenarios/89-guest-for-poweroff.log 2>/dev/null; then
	skip "guests were handled at poweroff" "no guest was left running (the project is not installed?)"
	exit 0
fi
stripped=$(tr -d '\r' <"$log" | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g')
order() { # order A B: the console shows A before B
	local a b
	a=$(grep -n -m1 -- "$1" <<<"$stripped" | cut -d: -f1)
	b=$(grep -n -m1 -- "$2" <<<"$stripped" | cut -d: -f1)
	[[ -n $a && -n $b && $a -lt $b ]] || { echo "'$1' at ${a:-never}, '$2' at ${b:-never}"; return 1; }
}
check "the watchdog was stopped (disarmed) before xendomains" order 'Stopped xen-watchdog' 'Stopped xendomains'
check "xendomains stopped before the console daemon" order 'Stopped xendomains' 'Stopped xenconsoled'
if grep -q 'ok - the supervisor counts them up' "$SYSTEST_GUEST_RESULTS"/scenarios/89-guest-for-poweroff.log 2>/dev/null; then
	check "systemd stopped the declared guests in reverse order: pc first" order 'Stopped xen-guest@pc' 'Stopped xen-guest@pb'
	check "then pb, then pa" order 'Stopped xen-guest@pb' 'Stopped xen-guest@pa'
	check "the declared guests before xendomains" order 'Stopped xen-guest@pa' 'Stopped xendomains'
else
	fail "the declared guests stopped in reverse order" "89-guest-for-poweroff.sh did not leave them running"
fi
check_fail "no watchdog fired" grep -Eq 'Watchdog timer fired|watchdog.*(reset|rebooting)' "$log"
check "the host powered off" grep -q 'reboot: Power down' "$log"
if [[ -n $image && -f $image ]]; then
	check_match "xendomains saved the running guest into /var/lib/xen/save" 'poweroff-guest' \
		debugfs -R 'ls -l /var/lib/xen/save' "$image"
else
	skip "xendomains saved the running guest" "the image is not available to host scenarios (SYSTEST_ROOT_IMAGE)"
fi
