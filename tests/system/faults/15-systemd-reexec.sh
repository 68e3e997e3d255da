#!/bin/bash
# systemd re-executing itself (as a systemd upgrade does) under a running stack: it closes
# every connection to its private socket, which xen-dom0d talks to systemd on. The daemon
# exits non-zero, systemd starts it again, and the new daemon adopts the stack: no component
# was restarted and the guest kept running.
# systest-timeout: 300
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

if ! stack_has_project; then
	skip "xen-dom0d survives systemd re-executing itself" "the project is not installed in this image"
	exit 0
fi
prop() { systemctl show -P "$2" "$1"; }
pids() { for u in xenstored xenconsoled xen-qemu-dom0-disk-backend xen-watchdog; do echo "$u=$(prop "$u.service" MainPID)"; done
	for u in xendomains xen-init-dom0 proc-xen.mount; do echo "$u=$(prop "$u" ActiveEnterTimestampMonotonic)"; done; }

check_wait "the stack is running" 180 stack_manager_is running || exit 0
SYSTEST_GUEST_HEARTBEAT=1 check "a guest runs" guest_create reexec-guest stay || exit 0
check "the guest printed its marker" guest_wait_up reexec-guest || exit 0
domid=$(xl domid reexec-guest)
before=$(pids) daemon=$(prop xen-dom0.service MainPID) alive=$(guest_last_alive reexec-guest) t0=$(date +%s)
n0=$(prop xen-dom0.service NRestarts)

check "systemctl daemon-reexec succeeds" systemctl daemon-reexec
new_daemon() { local p; p=$(prop xen-dom0.service MainPID); [[ $p != 0 && $p != "$daemon" ]]; }
check_wait "systemd starts xen-dom0d again" 60 new_daemon
check_wait "the new daemon reports running" 60 stack_manager_is running
check_match "the old one logged that it lost systemd" 'Lost the connection to systemd' \
	journalctl -b -u xen-dom0.service -o cat --since "@$t0"
check_match "the new one adopted the store" 'Adopted xenstored' journalctl -b -u xen-dom0.service -o cat --since "@$t0"
check "systemd counts the restart (NRestarts went up)" test "$(prop xen-dom0.service NRestarts)" -gt "$n0"
check_eq "no component was restarted" "$before" pids
check_eq "the guest keeps its domid" "$domid" xl domid reexec-guest
check_wait "the guest kept running" 30 guest_alive_after reexec-guest "$alive"
check "the guest is destroyed" guest_destroy reexec-guest
