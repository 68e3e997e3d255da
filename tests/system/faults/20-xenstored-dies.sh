#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# xenstored killed (the last fault of this boot: only a reboot recovers the store). The
# daemon logs a critical, catalogued message, reports degraded, never starts the store
# again, and neither restarts nor churns its dependents; a dependent that dies afterwards
# stays down (its start would pull the store back up) and a request to restart it is refused.
# The daemon keeps answering and the guest keeps running. The boot's power-off afterwards is
# checked by the harness: xendomains' stop gives up at once instead of blocking for ever in xl.
# systest-timeout: 300
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

if ! stack_has_project; then
	skip "xen-dom0d on a host whose store died" "the project is not installed in this image"
	exit 0
fi
prop() { systemctl show -P "$2" "$1"; }
manager_prop() { busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager "$1"; }
# never_new UNIT OLD-PID: the unit runs OLD-PID still, or nothing: never a new process
never_new() { local p; p=$(prop "$1" MainPID); [[ $p == "$2" || $p == 0 ]]; }

check_wait "the stack is running" 180 stack_manager_is running || exit 0
SYSTEST_GUEST_HEARTBEAT=1 check "a guest runs" guest_create store-guest stay || exit 0
check "the guest printed its marker" guest_wait_up store-guest || exit 0
store=$(prop xenstored.service MainPID) consoled=$(prop xenconsoled.service MainPID)
qemu=$(prop xen-qemu-dom0-disk-backend.service MainPID) watchdog=$(prop xen-watchdog.service MainPID)
xendomains_t=$(prop xendomains.service ActiveEnterTimestampMonotonic)
alive=$(guest_last_alive store-guest) t0=$(date +%s) domid=$(xl domid store-guest)

kill -9 "$store"
check_wait "the manager says degraded within 10 s" 10 stack_manager_is degraded
check_match "StatusText names the store" 'xenstored' manager_prop StatusText
check "a critical line with its MESSAGE_ID is logged" bash -c \
	"journalctl -b -u xen-dom0.service -p crit --since @$t0 MESSAGE_ID=6577abb789c149bf94666f2cd47f2cfb -o cat | grep -q 'xenstored died'"
sleep 10
check_eq "xenstored is not started again (10 s later)" "0" prop xenstored.service MainPID
check "no xenstored process runs" bash -c '! pgrep -x "oxenstored|xenstored" >/dev/null'
check "xenconsoled: the same process or none, never a new one" never_new xenconsoled.service "$consoled"
check "the qemu backend: the same process or none" never_new xen-qemu-dom0-disk-backend.service "$qemu"
check_eq "the watchdog is untouched" "$watchdog" prop xen-watchdog.service MainPID
check_eq "xendomains is untouched" "$xendomains_t" prop xendomains.service ActiveEnterTimestampMonotonic
refused() { ! timeout 30 xen-dom0ctl --no-pager restart xenconsoled 2>&1; }
check_match "restarting xenconsoled is refused, naming the store" 'xenstored' refused
check "and it did not start the store" bash -c '! pgrep -x "oxenstored|xenstored" >/dev/null'
check "xen-dom0ctl status still answers" bash -c 'timeout 30 xen-dom0ctl --no-pager status; [ $? -ne 124 ]'
check "the daemon is still the same running process" systemctl is-active --quiet xen-dom0.service
if [[ $(prop xenconsoled.service MainPID) == "$consoled" ]]; then
	check_wait "the guest keeps running (its console still prints)" 30 guest_alive_after store-guest "$alive"
else
	diag "xenconsoled exited with the store; the guest's console stops with it"
	check "the guest's domain still exists in the hypervisor" bash -c "timeout 20 xl debug-keys q && xl dmesg | grep -q 'General information for domain $domid:'"
fi

# The daemon restarted after the store died (it exits on purpose when the bus or systemd goes
# away): the record of this boot's bring-up under /run keeps it from starting a second store
# under the running guest, and the loss is reported as before.
daemon_pid=$(prop xen-dom0.service MainPID) t1=$(date +%s)
systemctl kill -s KILL xen-dom0.service
new_daemon() { local p; p=$(prop xen-dom0.service MainPID); [[ $p != 0 && $p != "$daemon_pid" ]]; }
check_wait "xen-dom0d is started again by systemd" 30 new_daemon
check_wait "the restarted daemon says degraded" 60 stack_manager_is degraded
check_match "its StatusText names the store" 'xenstored' manager_prop StatusText
sleep 10
check_eq "xenstored is still not started again (10 s after the daemon's restart)" "0" prop xenstored.service MainPID
check "still no xenstored process" bash -c '! pgrep -x "oxenstored|xenstored" >/dev/null'
check "the restarted daemon logged the store's loss, critical, with its MESSAGE_ID" bash -c \
	"journalctl -b -u xen-dom0.service -p crit --since @$t1 MESSAGE_ID=6577abb789c149bf94666f2cd47f2cfb -o cat | grep -q 'xenstored was started in this boot'"
check_eq "xendomains is untouched by the restart" "$xendomains_t" prop xendomains.service ActiveEnterTimestampMonotonic
