#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Declared guests run by the supervisor on a real host: three PV guests, sc after sb after sa,
# sb ready once its readiness key is in the store, which the guest itself writes half a minute
# after it booted (through its xenbus device). sc waits for it. Then kill -9 of the supervisor touches no
# guest and the new one adopts them; a reload sets sa's memory live, leaves its new kernel
# command line for restart-guest, and removes sc (left running, reported as undeclared).
# systest-timeout: 600
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

if ! stack_from_package; then
	skip "declared guests run in order" "xen-dom0d is not installed from a package in this image"
	exit 0
fi
conf=/etc/xen/xen-dom0.conf
cp "$conf" /tmp/xen-dom0.conf.order-orig
cleanup() {
	systemctl stop xen-guest@sa.service xen-guest@sb.service xen-guest@sc.service >/dev/null 2>&1
	cp /tmp/xen-dom0.conf.order-orig "$conf"
	systemctl reload xen-dom0 >/dev/null 2>&1
	for g in systest-sa systest-sb systest-sc; do xl destroy "$g" >/dev/null 2>&1; done
}
trap cleanup EXIT
prop() { systemctl show -P "$2" "$1"; }
manager_prop() { busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager "$1"; }
guest_state() { xen-dom0ctl --no-legend --no-pager guests | awk -v g="$1" '$1 == g { print $3 }'; }
guest_is() { [[ $(guest_state "$1") == "$2" ]]; }
started_at() { prop "xen-guest@$1.service" ExecMainStartTimestampMonotonic; }

# section NAME MEMORY [KEY=VALUE...]: a guest of the kit, its own keys
section() {
	local n=$1 mem=$2 kv
	shift 2
	printf '\n[guests.%s]\n' "$n"
	for kv in "$@"; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
	cat <<-EOF2
		[guests.$n.settings]
		name = "systest-$n"
		type = "pv"
		kernel = "$SYSTEST_GUEST_KERNEL"
		ramdisk = "$SYSTEST_GUEST_INITRD"
		extra = "console=hvc0 quiet systest.name=systest-$n systest.mode=stay systest.heartbeat=0${SECTION_EXTRA:+ $SECTION_EXTRA}"
		memory = $mem
		maxmem = 256
		vcpus = 1
		maxvcpus = 2
		on_poweroff = "destroy"
		on_reboot = "destroy"
		on_crash = "destroy"
	EOF2
}
check_wait "the stack is running" 180 systemctl is-active --quiet xen-dom0.service
{
	section sa 96
	SECTION_EXTRA="systest.ready=data/ready systest.readydelay=30" section sb 96 after=sa readiness=xenstore:data/ready readinessTimeout=600
	section sc 96 after=sb
} >>"$conf"
check "a reload declaring sa, sb after sa (readiness through the store), sc after sb" systemctl reload xen-dom0
check_wait "sa runs" 120 guest_exists systest-sa
check_wait "sb runs once sa is up" 120 guest_exists systest-sb
check_wait "sb waits for its readiness key (readying)" 30 guest_is sb readying
sleep 10
check_fail "sc is not started while sb has not written data/ready" guest_exists systest-sc
check_match "STATUS= says the supervisor waits for sb" 'starting guest sb, 1 of 3 guests up' manager_prop StatusText
sb_domid=$(xl domid systest-sb)
check_fail "sb has not written its key yet" xenstore-read "/local/domain/$sb_domid/data/ready"
check_wait "sc runs once sb's guest wrote its readiness key" 240 guest_exists systest-sc
check_eq "the key is in sb's home (nothing in dom0 writes it)" 1 xenstore-read "/local/domain/$sb_domid/data/ready"
check_wait "all three are up" 60 guest_is sc up
check_match "the manager's status counts them" '3 of 3 guests up' manager_prop StatusText
a=$(started_at sa) b=$(started_at sb) c=$(started_at sc)
diag "xl monitors started at (monotonic µs): sa $a, sb $b, sc $c"
check "the units started in the declared order: sa, then sb, then sc" test "$a" -lt "$b" -a "$b" -lt "$c"
check_match "xl is sa's unit's main process, the domain's monitor" '^xl$' ps -o comm= -p "$(prop xen-guest@sa.service MainPID)"
check_match "machinectl lists the guests, class vm, registered by xen-dom0d" '^systest-sa +vm +xen-dom0d' \
	machinectl list --no-legend
check_eq "machined's unit of sa is its xen-guest@ unit, its leader xl" "xen-guest@sa.service $(prop xen-guest@sa.service MainPID)" \
	sh -c 'echo "$(machinectl show systest-sa -p Unit --value) $(machinectl show systest-sa -p Leader --value)"'
# At host shutdown systemd stops units in reverse order of After=: sc before sb before sa.
check_match "systemd orders sc's unit after sb's (the daemon's drop-in)" 'xen-guest@sb\.service' prop xen-guest@sc.service After
check_match "and sb's after sa's" 'xen-guest@sa\.service' prop xen-guest@sb.service After

# kill -9 of the supervisor: the guests and their monitors are not touched; the new supervisor
# adopts them and starts nothing.
domids="$(xl domid systest-sa) $(xl domid systest-sb) $(xl domid systest-sc)"
pids="$(prop xen-guest@sa.service MainPID) $(prop xen-guest@sb.service MainPID) $(prop xen-guest@sc.service MainPID)"
old=$(prop xen-dom0.service MainPID)
check "kill -9 of xen-dom0d" systemctl kill -s KILL xen-dom0.service
check_wait "systemd starts a new supervisor" 120 sh -c "[ \"\$(systemctl show -P MainPID xen-dom0.service)\" != $old ] && systemctl is-active --quiet xen-dom0.service"
check_wait "the new one reports the three guests up" 120 guest_is sc up
check_eq "the guests keep their domain ids" "$domids" sh -c 'echo "$(xl domid systest-sa) $(xl domid systest-sb) $(xl domid systest-sc)"'
check_eq "their xl monitors are the same processes" "$pids" sh -c 'for g in sa sb sc; do printf "%s " "$(systemctl show -P MainPID xen-guest@$g.service)"; done | sed "s/ \$//"'

# A reload: sa's memory and vcpus change (set live, within its maxmem and maxvcpus) and so
# does its kernel command line (pending a restart of the guest); sc is removed (left running).
# Diff says so first.
sed -i '/^\[guests.sa.settings\]/,/^\[/ { s/^memory = 96$/memory = 128/; s/^vcpus = 1$/vcpus = 2/; s/systest.heartbeat=0"$/systest.heartbeat=0 systest.note=changed"/ }' "$conf"
sed -i '/^\[guests.sc\]/,$d' "$conf"
sa_domid=$(xl domid systest-sa)
xen-dom0ctl --no-pager diff >/tmp/guests-diff.txt 2>&1
diag "xen-dom0ctl diff: $(tr '\n' '|' </tmp/guests-diff.txt)"
check_match "Diff predicts sa's memory live" 'sa: guests\.sa\.settings\.memory applied live' cat /tmp/guests-diff.txt
check_match "and its vcpus live" 'sa: guests\.sa\.settings\.vcpus applied live' cat /tmp/guests-diff.txt
check_match "and its kernel command line pending" 'sa: guests\.sa\.settings\.extra waits for xen-dom0ctl restart-guest sa' \
	cat /tmp/guests-diff.txt
check_match "and sc left running, undeclared" 'sc: no longer declared, left running as it is' cat /tmp/guests-diff.txt
check "a reload changing sa's memory, vcpus and kernel command line, and removing sc" systemctl reload xen-dom0
check_wait "sa's memory target is set live: 128 MiB in the store, as libxl writes it" 60 \
	sh -c "[ \"\$(xenstore-read /local/domain/\$(xl domid systest-sa)/memory/target)\" = 131072 ]"
sleep 5
diag "xl list after it (the guest's balloon driver follows the target): $(xl list systest-sa | tail -n 1)"
check_eq "sa keeps its domain id" "$sa_domid" xl domid systest-sa
check_wait "sa's second vcpu is made available live (libxl writes it to the store)" 60 \
	sh -c "[ \"\$(xenstore-read /local/domain/$sa_domid/cpu/1/availability)\" = online ]"
check_match "sa's new kernel command line waits for a restart of the guest" 'guests\.sa\.settings\.extra' \
	xen-dom0ctl --no-pager guests
check_fail "its memory and vcpus do not: they are applied" sh -c 'xen-dom0ctl --no-pager guests | grep -Eq "guests\.sa\.settings\.(memory|vcpus)"'
check "sc still runs" guest_exists systest-sc
check_wait "sc is listed as undeclared" 30 guest_is sc undeclared
check "xen-dom0ctl restart-guest sa applies the rest" xen-dom0ctl restart-guest sa
check_wait "sa runs again, with a new domain id" 120 sh -c "d=\$(xl domid systest-sa 2>/dev/null) && [ \"\$d\" != $sa_domid ]"
check_wait "sa is up again" 120 guest_is sa up
check_match "sa runs with the new kernel command line" 'systest.note=changed' xl list -l systest-sa
check_fail "nothing of sa is pending any more" sh -c 'xen-dom0ctl --no-pager guests | grep -q "guests\.sa\.settings"'
exit 0
