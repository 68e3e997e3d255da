#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Crash consistency of reload: xen-dom0d is killed with SIGKILL at each step of a reload
# (after validation, between two file renames, while a component restarts). systemd restarts
# it; the rendered files are then the complete set of the configuration it reports as live,
# never a mix, no temporary file is left, and the guest keeps running.
# systest-timeout: 420
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

if ! stack_has_project; then
	skip "a reload survives a crash at every step" "the project is not installed in this image"
	exit 0
fi
conf=/etc/xen/xen-dom0.conf
dropin=/run/systemd/system/xen-dom0.service.d
cp "$conf" /tmp/xen-dom0.conf.crash-orig
cleanup() {
	rm -rf "$dropin" /tmp/expected
	cp /tmp/xen-dom0.conf.crash-orig "$conf"
	systemctl daemon-reload
	systemctl restart xen-dom0.service
	guests_cleanup
}
trap cleanup EXIT
prop() { systemctl show -P "$2" "$1"; }
manager_prop() { busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager "$1"; }
live_trace() { busctl call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager GetConfig |
	grep -o '"xen.trace" "[a-z]*"' | cut -d'"' -f4; }
# the rendered set on disk equals what the configuration file renders to, file by file
complete_set() {
	local f rc=0
	rm -rf /tmp/expected
	xen-dom0d --render /tmp/expected --config "$conf" >/dev/null || return 1
	while IFS= read -r f; do
		cmp -s "/tmp/expected$f" "$f" || { echo "differs: $f"; rc=1; }
	done < <(cd /tmp/expected && find . -type f | sed 's|^\.||')
	return $rc
}
no_tmp_files() { ! find /run/xen-dom0 /etc/default/grub.d /etc/modules-load.d /etc/modprobe.d -name '.#*' | grep .; }

check_wait "the stack is running" 180 systemctl is-active --quiet xen-dom0.service
check "a guest runs" guest_create crash-guest stay
check "the guest printed its marker" guest_wait_up crash-guest
domid=$(xl domid crash-guest)
store_pid=$(prop xenstored.service MainPID)

trace=false
for step in validated rename:1 rename:3 restarting; do
	mkdir -p "$dropin"
	printf '[Service]\nEnvironment=XEN_DOM0D_CRASH_AT=%s\n' "$step" >"$dropin/50-crash.conf"
	systemctl daemon-reload
	systemctl restart xen-dom0.service
	wait_until 60 systemctl is-active --quiet xen-dom0.service
	daemon=$(prop xen-dom0.service MainPID)

	# flip xen.trace: that rewrites four files and restarts xenconsoled
	if [[ $trace == false ]]; then trace=true; else trace=false; fi
	cp /tmp/xen-dom0.conf.crash-orig "$conf"
	printf '\n[xen]\ntrace = %s\n' "$trace" >>"$conf"
	check_fail "$step: the reload does not complete (the daemon is killed)" systemctl reload xen-dom0.service
	check_match "$step: the daemon died at that step" "SIGKILL at reload step $step" \
		journalctl -b -u xen-dom0.service -o cat _PID="$daemon"
	restarted() { local p; p=$(prop xen-dom0.service MainPID); [[ $p != 0 && $p != "$daemon" ]] &&
		systemctl is-active --quiet xen-dom0.service; }
	check_wait "$step: systemd restarted the daemon" 60 restarted
	check "$step: the rendered files are the complete set of the file's configuration" complete_set
	check_eq "$step: and that configuration is the one reported live" "$trace" live_trace
	check "$step: no temporary file is left" no_tmp_files
	consoled_has() { tr '\0' ' ' <"/proc/$(prop xenconsoled.service MainPID)/cmdline" | grep -q -- "--log=$1 "; }
	check_wait "$step: xenconsoled runs with it" 30 consoled_has "$([[ $trace == true ]] && echo all || echo none)"
	check_eq "$step: the store was never restarted" "$store_pid" prop xenstored.service MainPID
	check_eq "$step: the guest keeps running" "$domid" xl domid crash-guest
	check_wait "$step: the manager reports running" 60 test "$(manager_prop State)" = 's "running"'
done
