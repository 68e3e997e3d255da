#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# systemctl reload xen-dom0: a trace change restarts xenconsoled only (guests, xendomains and
# the store untouched, a reboot recorded as pending); a broken file changes nothing; a no-op
# reload writes and restarts nothing.
# systest-timeout: 300
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

if ! stack_has_project; then
	skip "reload applies a changed configuration" "the project is not installed in this image"
	exit 0
fi
trap guests_cleanup EXIT
conf=/etc/xen/xen-dom0.conf
prop() { systemctl show -P "$2" "$1"; }
manager_prop() { busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager "$1"; }
rendered() { find /run/xen-dom0 /etc/default/grub.d/xen-dom0.cfg /etc/modules-load.d/xen-dom0.conf \
	/etc/modprobe.d/xen-dom0.conf -type f ! -name booted.conf -printf '%p %T@ %s\n' | sort; }
cp "$conf" /tmp/xen-dom0.conf.orig

check_wait "the stack is running" 180 systemctl is-active --quiet xen-dom0.service
check "a guest runs" guest_create reload-guest stay
check "the guest printed its marker" guest_wait_up reload-guest
domid=$(xl domid reload-guest)
xenconsoled_pid=$(prop xenconsoled.service MainPID)
store_pid=$(prop xenstored.service MainPID)
qemu_pid=$(prop xen-qemu-dom0-disk-backend.service MainPID)
xendomains_t=$(prop xendomains.service ActiveEnterTimestampMonotonic)
init_t=$(prop xen-init-dom0.service ActiveEnterTimestampMonotonic)

# 1. A no-op reload: nothing written, nothing restarted.
before=$(rendered)
check "a no-op reload succeeds" systemctl reload xen-dom0
check_eq "a no-op reload rewrites no file (mtimes kept)" "$before" rendered
check_eq "a no-op reload restarts nothing" "$xenconsoled_pid" prop xenconsoled.service MainPID

# 2. trace = true: xenconsoled restarts with --log=all; everything else stays.
printf '\n[xen]\ntrace = true\n' >>"$conf"
t0=$(date +%s%N)
check "reload with xen.trace = true succeeds" systemctl reload xen-dom0
diag "reload that restarts xenconsoled took $((($(date +%s%N) - t0) / 1000000)) ms end to end"
check_match "xenconsoled now logs everything" 'log=all' tr '\0' ' ' <"/proc/$(prop xenconsoled.service MainPID)/cmdline"
check "xenconsoled was restarted" test "$(prop xenconsoled.service MainPID)" != "$xenconsoled_pid"
check_eq "xenstored was not restarted" "$store_pid" prop xenstored.service MainPID
check_eq "the qemu backend was not restarted" "$qemu_pid" prop xen-qemu-dom0-disk-backend.service MainPID
check_eq "xendomains keeps its activation time" "$xendomains_t" prop xendomains.service ActiveEnterTimestampMonotonic
check_eq "xen-init-dom0 keeps its activation time" "$init_t" prop xen-init-dom0.service ActiveEnterTimestampMonotonic
check_eq "the guest keeps its domid" "$domid" xl domid reload-guest
check_eq "a reboot is pending" "b true" manager_prop PendingReboot
check_match "the reason names xen.trace" 'xen.trace' manager_prop PendingRebootReasons
check_match "the boot parameters now carry loglvl=all" 'loglvl=all' cat /etc/default/grub.d/xen-dom0.cfg
check_eq "the manager is running again" 's "running"' manager_prop State

# 3. A broken file: the reload fails with the error, nothing changes.
before=$(stack_rendered_sums)
xenconsoled_pid=$(prop xenconsoled.service MainPID)
printf '\n[dom0Resources]\nmemory = lots\n' >>"$conf"
check_fail "reload of a broken file fails" systemctl reload xen-dom0
check_match "the journal names the error with its line" 'dom0Resources.memory: "lots" is not an unsigned integer' \
	journalctl -b -u xen-dom0.service -o cat -n 50
check_eq "the rendered files are byte-identical" "$before" stack_rendered_sums
check_eq "nothing was restarted" "$xenconsoled_pid" prop xenconsoled.service MainPID
check_eq "the old configuration is still live" 's "running"' manager_prop State
reload_error() { ! busctl call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager Reload 2>&1; }
check_match "the bus Reload fails with the error" 'memory: "lots" is not an unsigned integer' reload_error
check_eq "the guest keeps its domid" "$domid" xl domid reload-guest

# Back to the original file.
cp /tmp/xen-dom0.conf.orig "$conf"
check "reload of the original file succeeds" systemctl reload xen-dom0
check_eq "no reboot is pending any more" "b false" manager_prop PendingReboot
