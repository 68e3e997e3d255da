#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# xen-dom0d losing a connection under a running stack: the D-Bus daemon restarting (its name and
# API) and systemd re-executing itself, as a systemd upgrade does (it closes every connection to
# its private socket, which the daemon calls systemd on). Each time the daemon exits non-zero,
# systemd starts it again, and the new daemon adopts the stack: the API answers again, no
# component was restarted and the guest kept running.
# systest-timeout: 420
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

if ! stack_has_project; then
	skip "xen-dom0d survives losing its connections" "the project is not installed in this image"
	exit 0
fi
prop() { systemctl show -P "$2" "$1"; }
pids() { for u in xenstored xenconsoled xen-qemu-dom0-disk-backend xen-watchdog; do echo "$u=$(prop "$u.service" MainPID)"; done
	for u in xendomains xen-init-dom0 proc-xen.mount; do echo "$u=$(prop "$u" ActiveEnterTimestampMonotonic)"; done; }

check_wait "the stack is running" 180 stack_manager_is running || exit 0
SYSTEST_GUEST_HEARTBEAT=1 check "a guest runs" guest_create conn-guest stay || exit 0
check "the guest printed its marker" guest_wait_up conn-guest || exit 0
domid=$(xl domid conn-guest)

# survive WHAT LOGGED COMMAND...: COMMAND cuts the daemon off; the old one logs LOGGED.
survive() {
	local what=$1 logged=$2 before daemon alive t0 n0
	shift 2
	before=$(pids) daemon=$(prop xen-dom0.service MainPID) alive=$(guest_last_alive conn-guest) t0=$(date +%s)
	n0=$(prop xen-dom0.service NRestarts)
	check "$what: $* succeeds" "$@"
	new_daemon() { local p; p=$(prop xen-dom0.service MainPID); [[ $p != 0 && $p != "$daemon" ]]; }
	check_wait "$what: systemd starts xen-dom0d again" 60 new_daemon
	check_wait "$what: the new daemon answers on the bus and reports running" 60 stack_manager_is running
	check_match "$what: the old one logged it" "$logged" journalctl -b -u xen-dom0.service -o cat --since "@$t0"
	check_match "$what: the new one adopted the store" 'Adopted xenstored' \
		journalctl -b -u xen-dom0.service -o cat --since "@$t0"
	check "$what: systemd counts the restart (NRestarts went up)" test "$(prop xen-dom0.service NRestarts)" -gt "$n0"
	check_eq "$what: no component was restarted" "$before" pids
	check "$what: xen-dom0ctl status works again" timeout 30 xen-dom0ctl --no-pager status
	check_eq "$what: the guest keeps its domid" "$domid" xl domid conn-guest
	check_wait "$what: the guest kept running" 30 guest_alive_after conn-guest "$alive"
}
survive "dbus restarted" 'Lost the connection to the system bus' systemctl restart dbus.service
survive "systemd re-executed" 'Lost the connection to systemd' systemctl daemon-reexec
check "the guest is destroyed" guest_destroy conn-guest
