#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The hypervisor as xen-dom0d reports it on a real host: XenCommandLine as Xen booted, five PV
# guests in ListDomains with their names and memory (and DomainAdded for each), DomainRemoved
# within 1 s of destroying one, and a reload that raises dom0's memory target within its
# booted maximum (dom0_mem=1024M,max:1536M) applied live and visible in xl list.
# systest-timeout: 420
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

if ! stack_has_project; then
	skip "xen-dom0d reports the hypervisor's domains" "the project is not installed in this image"
	exit 0
fi
conf=/etc/xen/xen-dom0.conf
cp "$conf" /tmp/70-xen-dom0.conf.orig
monitor_log=$SYSTEST_ARTIFACTS/signals.json
mkdir -p "$SYSTEST_ARTIFACTS"
cleanup() {
	guests_cleanup
	[[ -z ${monitor_pid:-} ]] || kill "$monitor_pid" 2>/dev/null
	if ! cmp -s /tmp/70-xen-dom0.conf.orig "$conf"; then
		cp /tmp/70-xen-dom0.conf.orig "$conf"
		timeout 60 systemctl reload xen-dom0 || true
	fi
	# dom0 back to its booted size for the scenarios after this one
	timeout 30 xl mem-set 0 1024m 2>/dev/null || true
}
trap cleanup EXIT

B() { busctl --json=short "$@"; }
mgr_call() { B call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager "$@"; }
mgr_prop() { B get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager "$1" | jq -r .data; }
xl_info() { xl info | sed -nE "s/^$1[[:space:]]*: //p"; }
# signal_ms MEMBER NAME: realtime µs of the last such signal about NAME, or fails.
signal_us() {
	jq -r --arg m "$1" --arg n "$2" 'select(.member == $m and .payload.data[1] == $n) | ."timestamp-realtime"' \
		"$monitor_log" 2>/dev/null | tail -n1 | grep .
}

check_wait "xen-dom0.service is active" 180 systemctl is-active --quiet xen-dom0.service || exit 0
check_wait "the daemon has opened Xen (XenVersion is set)" 60 test -n "$(mgr_prop XenVersion)"

# ---- host facts
check_eq "XenCommandLine is the command line Xen booted with (xl info)" "$(xl_info xen_commandline)" \
	mgr_prop XenCommandLine
check_match "XenVersion is the running Xen" "^$(xl_info xen_major)\.$(xl_info xen_minor)" mgr_prop XenVersion
check_eq "HostCPUs is xl info's nr_cpus" "$(xl_info nr_cpus)" mgr_prop HostCPUs
mib_prop() { B get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager "$1" | jq '.data / 1024 | floor'; }
check_eq "HostMemory is xl info's total_memory" "$(xl_info total_memory)" mib_prop HostMemory
dom0_mib() { xl list Domain-0 | awk 'NR == 2 { print $3 }'; }
check_eq "Dom0Memory is dom0's memory as xl list shows it" "$(dom0_mib)" mib_prop Dom0Memory
mgr_call ListDomains >"$SYSTEST_ARTIFACTS/list-before.json"
check_match "ListDomains has Domain-0 as domid 0" '^0 Domain-0$' jq -r '.data[0][] | "\(.[0]) \(.[1])"' \
	"$SYSTEST_ARTIFACTS/list-before.json"

# ---- five guests appear
B monitor --match "type='signal',interface='org.xenproject.Dom0.Manager'" >"$monitor_log" 2>/dev/null &
monitor_pid=$!
sleep 1
check "five PV guests start" guests_create 5 xdom stay || exit 0
listed() {
	mgr_call ListDomains | jq -r '.data[0][] | select(.[1] | startswith("xdom-")) | "\(.[1]) \(.[4] / 1024 | floor)"' |
		sort
}
from_xl() { xl list | awk '$1 ~ /^xdom-/ { print $1, $3 }' | sort; }
guest_names() { mgr_call ListDomains | jq -r '.data[0][] | .[1] | select(startswith("xdom-"))' | sort; }
check_eq "ListDomains lists the five guests by name" "$(printf 'xdom-%s\n' 1 2 3 4 5)" guest_names
check_eq "with the memory xl list shows (MiB)" "$(from_xl)" listed
check_match "each has 128 MiB" '^xdom-1 12[0-9]$' listed
for i in 1 2 3 4 5; do
	check_wait "DomainAdded for xdom-$i" 5 signal_us DomainAdded "xdom-$i"
done
check_eq "the object of xdom-2 has its domid" "u $(xl domid xdom-2)" \
	busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0/domain/xdom_2d2 org.xenproject.Dom0.Domain DomID

# ---- one is destroyed
t0=$(date +%s%6N)
check "xl destroy xdom-3" xl destroy xdom-3
t1=$(date +%s%6N)
if wait_until 5 signal_us DomainRemoved xdom-3; then
	ts=$(signal_us DomainRemoved xdom-3)
	diag "DomainRemoved $(((ts - t0) / 1000)) ms after xl destroy started, $(((ts - t1) / 1000)) ms after it returned (xl destroy took $(((t1 - t0) / 1000)) ms)"
	if ((ts - t1 <= 1000000)); then pass "DomainRemoved within 1 s of the guest dying"; else
		fail "DomainRemoved within 1 s of the guest dying" "$(((ts - t1) / 1000)) ms after xl destroy returned"
	fi
else
	fail "DomainRemoved within 1 s of the guest dying" "no DomainRemoved for xdom-3 within 5 s"
fi
check_eq "ListDomains no longer has xdom-3" "$(printf 'xdom-%s\n' 1 2 4 5)" guest_names
check_fail "its object is gone" busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0/domain/xdom_2d3 \
	org.xenproject.Dom0.Domain Name
cp "$monitor_log" "$SYSTEST_ARTIFACTS/signals-after-destroy.json"

# ---- dom0's memory target raised live by a reload, within its booted maximum
before=$(dom0_mib)
diag "dom0 has $before MiB; Xen booted it with: $(xl_info xen_commandline | grep -o 'dom0_mem=[^ ]*')"
since=$(date '+%Y-%m-%d %H:%M:%S')
printf '\n[dom0Resources]\nmemory = 1280\nmaxMemory = 1536\n' >>"$conf"
check "reload with dom0Resources.memory = 1280 succeeds" systemctl reload xen-dom0
applied() { journalctl -b -u xen-dom0.service --since "$since" -o cat | grep -E "Domain 0's memory target|Domain 0 memory .* reboot"; }
check_wait "the reload sets dom0's memory target live" 5 applied
check_match "the daemon says it set the target live" "Set Domain 0's memory target to 1280 MiB live" applied
dom0_near_1280() { local m; m=$(dom0_mib); ((m >= 1270 && m <= 1290)); }
check_wait "xl list shows Domain-0 at 1280 MiB" 60 dom0_near_1280
diag "xl list: $(xl list Domain-0 | tail -n1)"
check_fail "no reason says dom0 lacks the configured memory" sh -c \
	"busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager PendingRebootReasons | grep -q 'Domain 0 has'"

# A target above the booted maximum is left for a reboot.
cp /tmp/70-xen-dom0.conf.orig "$conf"
since=$(date '+%Y-%m-%d %H:%M:%S')
printf '\n[dom0Resources]\nmemory = 2048\n' >>"$conf"
check "reload with dom0Resources.memory = 2048 (above the maximum) succeeds" systemctl reload xen-dom0
# The reload does not try a target that does not fit: it says a reboot is pending, and why.
check_match "the reload leaves it for a reboot" "Reload applied: .*; a reboot is pending" \
	journalctl -b -u xen-dom0.service --since "$since" -o cat
check_match "the pending reasons name dom0's memory" 'dom0Resources.memory' \
	busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager PendingRebootReasons
check "dom0 memory did not move past its maximum" test "$(dom0_mib)" -le 1536
