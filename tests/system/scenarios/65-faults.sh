#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The fault campaign on a live host with a running guest, each fault in turn:
#   - SIGKILL of xen-watchdog, xenconsoled and the qemu backend: restarted within 5 s, the
#     restart logged with its reason and counted on the API; the watchdog timer the killed
#     xenwatchdogd left armed is disarmed, so the hypervisor does not reset the host;
#   - SIGSTOP (then SIGCONT) of each of them: the API keeps answering, nothing is restarted;
#   - a xenstored that stops answering (SIGSTOP): the API says degraded, a critical line is
#     logged, nothing is restarted, and all is well again once it answers; meanwhile
#     ListDomains and xen-dom0ctl domains answer within 10 s with the guests named before, a
#     reload that changes dom0's memory answers within 15 s with that memory pending, and the
#     daemon, silent store or not, is still the same process after its watchdog's 30 s;
#   - a component whose start fails: bounded restarts, then the daemon gives up and says so,
#     and an explicit restart recovers it once the cause is gone;
#   - a full /run, then a full root file system (/etc), during a reload: the reload fails
#     with the reason, no rendered file changes, nothing restarts; once space is back the same
#     reload applies.
# The guest keeps running through all of it. SIGKILL of xen-dom0d itself is 62's and 63's;
# a lost store and a restarted dbus-daemon end the host's usefulness, so they get a boot of
# their own (tests/system/faults).
# systest-timeout: 720
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

if ! stack_has_project; then
	skip "the stack survives faults" "the project is not installed in this image"
	exit 0
fi
conf=/etc/xen/xen-dom0.conf
dropin=/run/systemd/system/xen-qemu-dom0-disk-backend.service.d/50-systest-fail.conf
cp "$conf" /tmp/faults.conf.orig
cleanup() {
	rm -f /run/systest-fill /var/tmp/systest-fill /var/tmp/systest-fill-*
	if [[ -f $dropin ]]; then
		rm -f "$dropin"
		systemctl daemon-reload
	fi
	for u in xenstored xenconsoled xen-qemu-dom0-disk-backend xen-watchdog; do
		p=$(systemctl show -P MainPID "$u.service")
		[[ $p == 0 ]] || kill -CONT "$p" 2>/dev/null
	done
	cp /tmp/faults.conf.orig "$conf"
	guests_cleanup
}
trap cleanup EXIT

prop() { systemctl show -P "$2" "$1"; }
manager_prop() { busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager "$1"; }
comp_prop() { busctl get-property org.xenproject.Dom0 "/org/xenproject/Dom0/component/$(sed 's/-/_2d/g' <<<"$1")" \
	org.xenproject.Dom0.Component "$2"; }
restarts() { comp_prop "$1" Restarts | cut -d' ' -f2; }
since_log() { journalctl -b -u xen-dom0.service -o cat --since "@$1"; }
journal_has_since() { since_log "$1" | grep -q -- "$2"; }
api_answers() { timeout 10 busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager StatusText >/dev/null; }
# xen-dom0ctl status answers: 0 when running, 3 when not (as systemctl status); not a timeout
# The daemon answered: exit 0 or 3 (the stack not running), and not for want of a daemon.
ctl_status_answers() {
	local rc=0 err
	err=$(timeout 20 xen-dom0ctl --no-pager status 2>&1 >/dev/null) || rc=$?
	[[ ($rc == 0 || $rc == 3) && $err != *"xen-dom0d is not running"* ]]
}
list_domains() { timeout 10 busctl --timeout=10 call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager ListDomains; }
ctl_domains() { timeout 10 xen-dom0ctl --no-pager domains; }
bus_reload() { timeout 15 busctl --timeout=15 call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager Reload; }
pids() { for u in xenstored xenconsoled xen-qemu-dom0-disk-backend xen-watchdog xendomains; do echo "$u=$(prop "$u.service" MainPID)"; done; }
faults=0 survived=0
survive() { # survive NAME CMD...: a fault survived when every check CMD made passed
	local name=$1
	shift
	faults=$((faults + 1))
	if "$@"; then survived=$((survived + 1)); else diag "fault not survived: $name"; fi
}

check_wait "the stack is running" 180 stack_manager_is running || exit 0
SYSTEST_GUEST_HEARTBEAT=1 check "a guest runs" guest_create fault-guest stay || exit 0
check "the guest printed its marker" guest_wait_up fault-guest || exit 0
domid=$(xl domid fault-guest)
boot_id=$(cat /proc/sys/kernel/random/boot_id)

# ---- SIGKILL, each restartable component in turn (the watchdog first: its timer would expire
# while the others run, 30 s after the kill, if it were still armed)
sigkill() {
	local name=$1 unit=$1.service old n0 t0 ms alive ok=0
	old=$(prop "$unit" MainPID) n0=$(restarts "$name") alive=$(guest_last_alive fault-guest) t0=$(date +%s)
	local start_ns
	start_ns=$(date +%s%N)
	kill -9 "$old"
	healed() { local p; p=$(prop "$unit" MainPID); [[ $p != 0 && $p != "$old" ]] && systemctl is-active --quiet "$unit"; }
	check_wait "SIGKILL $name: restarted within 5 s" 5 healed || ok=1
	ms=$((($(date +%s%N) - start_ns) / 1000000))
	diag "SIGKILL $name: active again $ms ms after the kill"
	check_wait "SIGKILL $name: the restart is logged with its reason" 10 \
		journal_has_since "$t0" "Restarting $name: $unit is failed" || ok=1
	check_wait "SIGKILL $name: Restarts on the API went up by one" 10 test "$(restarts "$name")" = $((n0 + 1)) || ok=1
	check_wait "SIGKILL $name: the manager is running again" 15 stack_manager_is running || ok=1
	if [[ $name == xen-watchdog ]]; then
		check_wait "SIGKILL $name: the orphaned watchdog timer is disarmed" 10 \
			journal_has_since "$t0" "Disarmed 1 Xen watchdog timer" || ok=1
	fi
	check_wait "SIGKILL $name: the guest keeps running" 30 guest_alive_after fault-guest "$alive" || ok=1
	return $ok
}
t_watchdog_kill=$(date +%s)
survive "SIGKILL xen-watchdog" sigkill xen-watchdog
survive "SIGKILL xenconsoled" sigkill xenconsoled
survive "SIGKILL xen-qemu-dom0-disk-backend" sigkill xen-qemu-dom0-disk-backend

# ---- SIGSTOP: systemd sees nothing; the daemon must not hang or churn
sigstop() {
	local name=$1 unit=$1.service pid before ok=0
	pid=$(prop "$unit" MainPID) before=$(pids)
	kill -STOP "$pid"
	sleep 4
	check "SIGSTOP $name: the API answers" api_answers || ok=1
	check "SIGSTOP $name: xen-dom0ctl status answers" ctl_status_answers || ok=1
	kill -CONT "$pid"
	check_eq "SIGSTOP $name: nothing was restarted" "$before" pids || ok=1
	check_wait "SIGSTOP $name: the manager is running" 10 stack_manager_is running || ok=1
	return $ok
}
for c in xen-watchdog xenconsoled xen-qemu-dom0-disk-backend; do
	survive "SIGSTOP $c" sigstop "$c"
done

# ---- a xenstored that stops answering
store_silent() {
	local pid before t0 alive dpid start_ns ok=0
	pid=$(prop xenstored.service MainPID) before=$(pids) t0=$(date +%s) alive=$(guest_last_alive fault-guest)
	dpid=$(prop xen-dom0.service MainPID)
	kill -STOP "$pid"
	check_wait "silent store: the manager says degraded within 15 s" 15 stack_manager_is degraded || ok=1
	check_match "silent store: StatusText says why" 'xenstored does not answer' manager_prop StatusText || ok=1
	check_match "silent store: xenstored's LastError says so" 'does not answer' comp_prop xenstored LastError || ok=1
	check "silent store: a critical line with its MESSAGE_ID is logged" \
		bash -c "journalctl -b -u xen-dom0.service -p crit --since @$t0 MESSAGE_ID=c0d6a3b0e38f4f7e9a51b6f0d2e4a817 -o cat | grep -q 'xenstored does not answer'" || ok=1
	check "silent store: the API answers meanwhile" api_answers || ok=1
	check "silent store: xen-dom0ctl status answers meanwhile" ctl_status_answers || ok=1
	# What needs the store (names, dom0's memory target) runs off the daemon's loop with a
	# deadline: the guest named before the silence is still listed.
	check_match "silent store: ListDomains answers within 10 s, with the guest" '"fault-guest"' list_domains || ok=1
	check_match "silent store: xen-dom0ctl domains answers within 10 s, with the guest" 'fault-guest' ctl_domains || ok=1
	# dom0 booted with 1024 MiB, at most 1536: 1100 would be set live, in the store. The
	# target's deadline is 5 s; the reload's own work on this emulated host takes a few more.
	printf '\n[dom0Resources]\nmemory = 1100\n' >>"$conf"
	start_ns=$(date +%s%N)
	check "silent store: a reload changing dom0's memory answers within 15 s" bus_reload || ok=1
	diag "silent store: the reload answered after $((($(date +%s%N) - start_ns) / 1000000)) ms"
	check_wait "silent store: the memory target not set is logged" 10 \
		journal_has_since "$t0" "Cannot set Domain 0's memory target to 1100 MiB" || ok=1
	check_match "silent store: dom0's memory is left pending" 'dom0Resources.memory' manager_prop PendingRebootReasons || ok=1
	# Long enough into the silence for the service manager's watchdog (WatchdogSec=30s) to
	# have killed a daemon whose loop was stuck in the store.
	while (($(date +%s) - t0 < 35)); do sleep 1; done
	check "silent store: the API answers 35 s into the silence" api_answers || ok=1
	check_eq "silent store: the daemon was not restarted by its watchdog (same MainPID)" "$dpid" \
		prop xen-dom0.service MainPID || ok=1
	kill -CONT "$pid"
	check_wait "silent store: running again once it answers" 20 stack_manager_is running || ok=1
	check_wait "silent store: the recovery is logged" 10 journal_has_since "$t0" "xenstored answers again" || ok=1
	check_eq "silent store: nothing was restarted" "$before" pids || ok=1
	check_wait "silent store: the guest keeps running" 30 guest_alive_after fault-guest "$alive" || ok=1
	cp /tmp/faults.conf.orig "$conf"
	check "silent store: back to the original file once it answers" xen-dom0ctl --no-pager reload || ok=1
	check_eq "silent store: still the same daemon" "$dpid" prop xen-dom0.service MainPID || ok=1
	return $ok
}
survive "xenstored stops answering" store_silent

# ---- a component whose start fails: bounded restarts, giving up, recovery on request
start_fails() {
	local t0 alive ok=0 old
	t0=$(date +%s) alive=$(guest_last_alive fault-guest) old=$(prop xen-qemu-dom0-disk-backend.service MainPID)
	mkdir -p "$(dirname "$dropin")"
	printf '[Service]\nExecStartPre=/bin/false\n' >"$dropin"
	systemctl daemon-reload
	kill -9 "$old"
	check_wait "failing start: the daemon gives up after bounded restarts" 60 \
		journal_has_since "$t0" "xen-qemu-dom0-disk-backend: .*giving up" || ok=1
	check_eq "failing start: five restarts were tried" 5 \
		bash -c "journalctl -b -u xen-dom0.service -o cat --since @$t0 | grep -c '^Restarting xen-qemu-dom0-disk-backend'" || ok=1
	check_wait "failing start: the manager says degraded" 10 stack_manager_is degraded || ok=1
	check_match "failing start: StatusText names the component" 'xen-qemu-dom0-disk-backend' manager_prop StatusText || ok=1
	check_match "failing start: its LastError says it gave up" 'giving up' comp_prop xen-qemu-dom0-disk-backend LastError || ok=1
	check "failing start: the store, the console daemon and xendomains are untouched" \
		test "$(prop xenstored.service ActiveState)$(prop xenconsoled.service ActiveState)$(prop xendomains.service ActiveState)" = activeactiveactive || ok=1
	rm -f "$dropin"
	systemctl daemon-reload
	check "failing start: xen-dom0ctl restart brings it back once the cause is gone" \
		xen-dom0ctl --no-pager restart xen-qemu-dom0-disk-backend || ok=1
	check_wait "failing start: the manager is running again" 15 stack_manager_is running || ok=1
	check_wait "failing start: the guest keeps running" 30 guest_alive_after fault-guest "$alive" || ok=1
	return $ok
}
survive "a component whose start fails" start_fails

# ---- a full file system during a reload
# fill DIR FILE: takes every free block of DIR's file system, for root too.
fill() {
	local free
	free=$(stat -f -c '%f * %S' "$1")
	fallocate -l $(($free)) "$2" 2>/dev/null || fallocate -l $(($free - 64 * 1024 * 1024)) "$2" 2>/dev/null || :
	local i=0 sz
	for sz in 16777216 1048576 65536 4096; do
		while fallocate -l "$sz" "$2-$i" 2>/dev/null; do i=$((i + 1)); done
	done
}
is_full() { ! (echo x >"$1/.systest-probe") 2>/dev/null; }
full_reload() {
	local what=$1 dir=$2 file=$3 before pids0 pending ok=0 out
	before=$(stack_rendered_sums) pids0=$(pids) pending=$(manager_prop PendingReboot)
	printf '\n[xen]\ntrace = true\n' >>"$conf"
	fill "$dir" "$file"
	if ! is_full "$dir"; then
		rm -f "$file" "$file"-*
		fail "full $what: the file system could not be filled" "$(df -h "$dir")"
		cp /tmp/faults.conf.orig "$conf"
		return 1
	fi
	out=$(timeout 60 xen-dom0ctl --no-pager reload 2>&1) && { rm -f "$file" "$file"-*; fail "full $what: the reload fails" "$out"; ok=1; }
	rm -f "$file" "$file"-* "$dir/.systest-probe"
	[[ $ok == 1 ]] || pass "full $what: the reload fails"
	diag "the refused reload said: $out"
	check_match "full $what: and says the disk is full" 'No space left on device' echo "$out" || ok=1
	check_eq "full $what: no rendered file changed" "$before" stack_rendered_sums || ok=1
	check_eq "full $what: nothing was restarted" "$pids0" pids || ok=1
	check_eq "full $what: no reboot newly pending" "$pending" manager_prop PendingReboot || ok=1
	check_wait "full $what: the manager is running" 10 stack_manager_is running || ok=1
	check "full $what: with space back, the same reload applies" xen-dom0ctl --no-pager reload || ok=1
	check_match "full $what: xenconsoled now runs with the new setting" 'log=all' \
		tr '\0' ' ' <"/proc/$(prop xenconsoled.service MainPID)/cmdline" || ok=1
	cp /tmp/faults.conf.orig "$conf"
	check "full $what: back to the original file" xen-dom0ctl --no-pager reload || ok=1
	return $ok
}
survive "a full /run during a reload" full_reload /run /run /run/systest-fill
survive "a full root file system (/etc) during a reload" full_reload /etc / /var/tmp/systest-fill

# ---- the end: the guest, the host
check_eq "the guest keeps its domid through the campaign" "$domid" xl domid fault-guest
check_eq "the host was not reset (same boot)" "$boot_id" cat /proc/sys/kernel/random/boot_id
# The killed xenwatchdogd's timer (30 s) would have fired long ago.
elapsed=$(($(date +%s) - t_watchdog_kill))
diag "$elapsed s since the watchdog was killed"
check "no watchdog timer fired in the hypervisor's log" bash -c '! xl dmesg | grep -qi "watchdog timer fired"'
check_eq "every fault injected was survived ($faults)" "$faults" echo "$survived"
diag "faults injected: $faults, survived: $survived"
