#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A killed xenconsoled is healed within 5 s; a killed xen-dom0d is restarted by systemd and
# adopts the running stack: no component restarts and the guest keeps running.
# systest-timeout: 240
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

if ! stack_has_project; then
	skip "xen-dom0d heals the stack" "the project is not installed in this image"
	exit 0
fi
trap guests_cleanup EXIT
prop() { systemctl show -P "$2" "$1"; }
pids() { for u in xenstored xenconsoled xen-qemu-dom0-disk-backend xen-watchdog; do prop "$u.service" MainPID; done; }
manager_prop() { busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager "$1"; }

check_wait "the stack is running" 180 systemctl is-active --quiet xen-dom0.service
check "a guest runs" guest_create heal-guest stay
check "the guest printed its marker" guest_wait_up heal-guest
domid=$(xl domid heal-guest)

# kill -9 xenconsoled
old=$(prop xenconsoled.service MainPID)
t0=$(date +%s%N)
kill -9 "$old"
healed() { local p; p=$(prop xenconsoled.service MainPID); [[ $p != 0 && $p != "$old" ]] && systemctl is-active --quiet xenconsoled.service; }
check_wait "xenconsoled is healed within 5 s" 5 healed
diag "xenconsoled healed $((($(date +%s%N) - t0) / 1000000)) ms after kill -9"
check_match "the restart is logged with its reason" 'Restarting xenconsoled: xenconsoled.service is failed' \
	journalctl -b -u xen-dom0.service -o cat -n 30
check_wait "the manager is running again" 10 test "$(manager_prop State)" = 's "running"'

# kill -9 xen-dom0d
before=$(pids)
daemon=$(prop xen-dom0.service MainPID)
kill -9 "$daemon"
restarted() { local p; p=$(prop xen-dom0.service MainPID); [[ $p != 0 && $p != "$daemon" ]] && systemctl is-active --quiet xen-dom0.service; }
check_wait "systemd restarts xen-dom0d" 30 restarted
check_eq "no component was restarted" "$before" pids
check_eq "the guest keeps running with its domid" "$domid" xl domid heal-guest
check_match "the new daemon adopted the stack" 'Adopted xenstored' journalctl -b -u xen-dom0.service -o cat -n 40
check_wait "the manager reports running" 30 test "$(manager_prop State)" = 's "running"'

# systemctl stop xen-dom0 stops only the supervisor
check "stopping xen-dom0 succeeds" systemctl stop xen-dom0.service
check_eq "the stack keeps running without its supervisor" "$before" pids
check "xen-dom0 starts again" systemctl start xen-dom0.service
check_eq "and still nothing was restarted" "$before" pids
