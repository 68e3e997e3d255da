#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bench (bench/libvirt-stats.sh; the image with bench/libvirt/packages.list): every domain's
# statistics, xen-dom0d's GetDomainStats against libvirt-dbus on its Xen connection
# (GetAllDomainStats, or where libvirt lacks it the calls a client makes per domain), with
# GUESTS small PV guests that both see. libvirt's libxl driver knows only the domains it
# created, so libvirt creates them (virsh create --paused: they never run, which spares the
# emulated CPUs). Writes "KEY VALUE" lines to $SYSTEST_ARTIFACTS/bench.txt; nothing is judged
# but that both answer about the same domains.
# systest-timeout: 1500
# shellcheck source=../../tests/system/lib/check.sh
. "$SYSTEST_LIB/check.sh"

out=$SYSTEST_ARTIFACTS/bench.txt
record() { printf '%s %s\n' "$1" "$2" >>"$out"; diag "$1 $2"; }
bin=/usr/lib/xen-dom0d-bench
client=$bin/stats-call
# GUESTS, MEMORY (MiB each), ROUNDS (of the one-call ways), SWEEP_ROUNDS (of the per-domain
# ways), WINDOW (calls in flight), CREATE_BUDGET (seconds for creating the guests), from
# bench/libvirt-stats.sh.
GUESTS=100 MEMORY=16 ROUNDS=200 SWEEP_ROUNDS=20 WINDOW=32 CREATE_BUDGET=720
# shellcheck disable=SC1091 # written by bench/libvirt-stats.sh into the image
[[ ! -f $bin/libvirt-stats.env ]] || . "$bin/libvirt-stats.env"
kernel=/usr/lib/grub-xen/grub-x86_64-xen.bin
uri=xen:///system
dir=/run/xen-dom0d-bench/libvirt
mkdir -p "$dir"

created=()
cleanup() {
	local name
	for name in "${created[@]}"; do
		timeout 60 virsh -q -c "$uri" destroy "$name" >/dev/null 2>&1
	done
}
trap cleanup EXIT

check_wait "xen-dom0.service is active" 300 systemctl is-active --quiet xen-dom0.service || exit 0
check "the libvirt stats client is installed" test -x "$client" || exit 0
check "the guests' PV kernel is installed ($kernel)" test -f "$kernel" || exit 0
SYSTEST_STEP_TIMEOUT=300 check "libvirtd starts" systemctl start libvirtd.service || exit 0
check_wait "virsh reaches $uri" 120 virsh -q -c "$uri" version || exit 0
# shellcheck disable=SC2016 # a dpkg-query format, not an expansion
record libvirt.versions "$(dpkg-query -W -f='${Package}=${Version} ' libvirt-daemon libvirt-daemon-driver-xen libvirt-dbus)"

# free_mib: the hypervisor's free memory in MiB.
free_mib() { timeout 60 xl info | awk '$1 == "free_memory" { print $3 }'; }
record libvirt.free_mib_before "$(free_mib)"

# Create until GUESTS exist, the memory runs out (a guest needs MEMORY and a little for its
# page tables and the hypervisor's own structures) or the time budget is spent.
stopped="all $GUESTS created"
start=$EPOCHREALTIME
for ((i = 1; i <= GUESTS; i++)); do
	name=lvbench-$i
	free=$(free_mib)
	if ((${free:-0} < MEMORY + 4)); then
		stopped="the hypervisor's free memory ran out (${free:-?} MiB left before guest $i)"
		break
	fi
	elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", b - a }')
	if ((elapsed > CREATE_BUDGET)); then
		stopped="the time budget for creating guests (${CREATE_BUDGET}s) was spent before guest $i"
		break
	fi
	cat >"$dir/$name.xml" <<-EOF
		<domain type='xen'>
		  <name>$name</name>
		  <memory unit='MiB'>$MEMORY</memory>
		  <vcpu>1</vcpu>
		  <os>
		    <type arch='x86_64' machine='xenpv'>linux</type>
		    <kernel>$kernel</kernel>
		  </os>
		  <on_poweroff>destroy</on_poweroff>
		  <on_reboot>destroy</on_reboot>
		  <on_crash>destroy</on_crash>
		</domain>
	EOF
	if ! timeout 120 virsh -q -c "$uri" create --paused "$dir/$name.xml" >"$dir/$name.log" 2>&1; then
		stopped="virsh create of guest $i failed: $(tr '\n' ' ' <"$dir/$name.log")"
		break
	fi
	created+=("$name")
done
n=${#created[@]}
record libvirt.guests "$n"
record libvirt.guest_memory_mib "$MEMORY"
record libvirt.create_seconds "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
record libvirt.create_stopped "$stopped"
record libvirt.free_mib_after "$(free_mib)"
check "libvirt created guests ($n of $GUESTS: $stopped)" test "$n" -gt 0 || exit 0

# GetAllDomainStats is the one call libvirt has for the question; its libxl driver may not
# implement it. Without it, a libvirt-dbus client lists the domains and asks each one: the
# sweep (one call at a time) and the window (WINDOW calls in flight), with the calls per
# domain that libvirt-dbus has for what GetDomainStats answers (it has none for CPU time).
if probe=$(timeout 120 "$client" -m dom0,all -n 1 -w 0 2>&1); then
	ways=dom0,all rounds=$ROUNDS warmup=3 check_ways=dom0,all
	record libvirt.all_supported yes
else
	ways=dom0,sweep,window rounds=$SWEEP_ROUNDS warmup=1 check_ways=dom0,window
	record libvirt.all_supported "no: $(grep -m 1 '^stats-call: all: ' <<<"$probe" | sed 's/^stats-call: all: //')"
fi
record libvirt.ways "$ways"
# The per-domain calls, tried on the first and the last domain libvirt lists; a call either
# refuses is left out of the sweeps, and the table says which were made.
paths=$(timeout 60 busctl --json=short call org.libvirt /org/libvirt/Xen org.libvirt.Connect ListDomains u 0 |
	grep -o '"/org/libvirt/Xen/domain/[^"]*"' | tr -d '"')
good_calls=()
for call in getall state vcpus memory; do
	case $call in
	getall) args=(org.freedesktop.DBus.Properties GetAll s org.libvirt.Domain) ;;
	state) args=(org.libvirt.Domain GetState u 0) ;;
	vcpus) args=(org.libvirt.Domain GetVcpus u 0) ;;
	memory) args=(org.libvirt.Domain MemoryStats u 0) ;;
	esac
	good=1
	for path in "$(head -n 1 <<<"$paths")" "$(tail -n 1 <<<"$paths")"; do
		answer=$(timeout 60 busctl call org.libvirt "${path:-/}" "${args[@]}" 2>&1) || good=0
		printf '%s %s: %s\n' "$path" "${args[*]}" "$answer" >>"$SYSTEST_ARTIFACTS/libvirt-domain-calls.txt"
	done
	[[ $good -eq 0 ]] || good_calls+=("$call")
done
calls=$(IFS=,; echo "${good_calls[*]}")
record libvirt.calls "${calls:-none}"
[[ $ways == *all* || -n $calls ]] || { fail "libvirt-dbus answers a per-domain call" "see libvirt-domain-calls.txt"; exit 0; }

# Both answer about the same domains: Domain-0 and every guest. The daemon follows new
# domains as the store announces them, so give it a moment.
counts() { timeout 300 "$client" -m "$check_ways" -c "${calls:-state}" -n 1 -w 0 2>>"$dir/client.err"; }
same_domains() {
	local line w
	line=$(counts) || return 1
	for w in ${check_ways//,/ }; do
		[[ $line == *" ${w}_records=$((n + 1)) "* ]] || return 1
	done
}
SYSTEST_STEP_TIMEOUT=300 check_wait "both list Domain-0 and the $n guests" 300 same_domains ||
	record libvirt.counts "$(counts)"
t=$EPOCHREALTIME
counts >/dev/null
# A round (every way once) takes at most about this long: the check (Domain-0 and the fastest
# libvirt way once) times the number of ways.
round_s=$(awk -v a="$t" -v b="$EPOCHREALTIME" -v w="${ways//[^,]/}" 'BEGIN { printf "%d", (b - a) * (length(w) + 1) + 1 }')
record libvirt.round_estimate_seconds "$round_s"

# The rounds end early when the scenario's time runs short: what is left keeps some 330 s for
# the rest (the guests' destruction above all) and one more round.
budget=$((1500 - SECONDS - 330 - round_s))
((budget >= 60)) || budget=60
record libvirt.budget_seconds "$budget"
line=$(SYSTEST_STEP_TIMEOUT=$((budget + 300)) step "$client" -m "$ways" -c "${calls:-state}" -n "$rounds" -w "$warmup" \
	-W "$WINDOW" -T "$budget" 2>>"$dir/client.err") && rc=0 || rc=$?
record libvirt.stats "$line"
check "every round of $ways answered" test "$rc" -eq 0

# The one-call ways as a shell user makes them: a busctl process per call (its start-up is
# in every figure). Eleven each, alternating.
b_dom0=() b_libvirt=()
for ((k = 0; k < 11; k++)); do
	t=$EPOCHREALTIME
	if timeout 60 busctl call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager \
		GetDomainStats >/dev/null; then
		b_dom0+=("$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }')")
	fi
	[[ $ways == *all* ]] || continue
	t=$EPOCHREALTIME
	if timeout 60 busctl call org.libvirt /org/libvirt/Xen org.libvirt.Connect GetAllDomainStats \
		uu 15 0 >/dev/null; then
		b_libvirt+=("$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }')")
	fi
done
record libvirt.busctl.dom0_ms "${b_dom0[*]}"
record libvirt.busctl.libvirt_ms "${b_libvirt[*]}"
check "busctl got GetDomainStats answers" test "${#b_dom0[@]}" -gt 0

# What the replies hold, for the record.
busctl call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager GetDomainStats \
	>"$SYSTEST_ARTIFACTS/dom0-reply.txt" 2>&1
busctl --json=pretty call org.libvirt /org/libvirt/Xen org.libvirt.Connect GetAllDomainStats uu 15 0 \
	>"$SYSTEST_ARTIFACTS/libvirt-reply.json" 2>&1
busctl introspect org.libvirt /org/libvirt/Xen org.libvirt.Connect >"$SYSTEST_ARTIFACTS/libvirt-introspect.txt" 2>&1
cp "$dir/client.err" "$SYSTEST_ARTIFACTS/" 2>/dev/null

# The guests go before the host powers off (paused guests would only wait out a shutdown).
cleanup
created=()
only_dom0() { (($(timeout 60 xl list | wc -l) <= 2)); }
check_wait "the guests are gone" 120 only_dom0
