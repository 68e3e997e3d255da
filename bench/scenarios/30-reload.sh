#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bench, setup (a): end-to-end latency of "systemctl reload xen-dom0" (the unit's ExecReload,
# xen-dom0ctl reload, calling Reload() and waiting for its restarts), 21 runs of each kind:
# a no-op reload, a reload toggling xen.trace (xenconsoled restarts), a refused reload (an
# invalid value). Wall time per run from bash's EPOCHREALTIME, in ms.
# systest-timeout: 900
# shellcheck source=../../tests/system/lib/check.sh
. "$SYSTEST_LIB/check.sh"

out=$SYSTEST_ARTIFACTS/bench.txt
record() { printf '%s %s\n' "$1" "$2" >>"$out"; diag "$1 $2"; }
runs=21
conf=/etc/xen/xen-dom0.conf

if ! systemctl cat xen-dom0.service >/dev/null 2>&1 || systemctl cat xen-dom0-bench-render.service >/dev/null 2>&1; then
	skip "reload latency" "not setup (a)"
	exit 0
fi
check_wait "xen-dom0.service is active" 300 systemctl is-active --quiet xen-dom0.service || exit 0
cp "$conf" /tmp/bench-xen-dom0.conf.orig
trap 'cp /tmp/bench-xen-dom0.conf.orig "$conf"; systemctl reload xen-dom0 >/dev/null 2>&1' EXIT

us() { echo "${EPOCHREALTIME/./}"; }
# timed KIND EXPECT: one "systemctl reload", its wall time appended to times_KIND; counts
# runs whose exit status was not what the kind expects (0, or non-zero when refused).
timed() {
	local t0 t1 rc
	t0=$(us)
	timeout 120 systemctl reload xen-dom0 >/dev/null 2>&1 && rc=0 || rc=$?
	t1=$(us)
	times+=("$(((t1 - t0) / 1000)).$(printf '%03d' $(((t1 - t0) % 1000)))")
	if [[ $2 == ok && $rc -ne 0 ]] || [[ $2 == refused && ($rc -eq 0 || $rc -eq 124) ]]; then
		unexpected=$((unexpected + 1))
	fi
}

# 1. no-op
times=() unexpected=0
for _ in $(seq $runs); do timed noop ok; done
record reload.noop.ms "${times[*]}"
record reload.noop.unexpected "$unexpected"

# 2. xen.trace toggled at every run: each reload restarts xenconsoled.
times=() unexpected=0 restarted=0
for i in $(seq $runs); do
	value=$([[ $((i % 2)) -eq 1 ]] && echo true || echo false)
	{ cat /tmp/bench-xen-dom0.conf.orig; printf '\n[xen]\ntrace = %s\n' "$value"; } >"$conf"
	before=$(systemctl show -P MainPID xenconsoled.service)
	timed restart ok
	[[ $(systemctl show -P MainPID xenconsoled.service) == "$before" ]] || restarted=$((restarted + 1))
done
record reload.restart.ms "${times[*]}"
record reload.restart.unexpected "$unexpected"
record reload.restart.xenconsoled_restarted "$restarted"

# 3. refused: an invalid value; the running configuration stays.
{ cat /tmp/bench-xen-dom0.conf.orig; printf '\n[dom0Resources]\nmemory = lots\n'; } >"$conf"
times=() unexpected=0
for _ in $(seq $runs); do timed refused refused; done
record reload.refused.ms "${times[*]}"
record reload.refused.unexpected "$unexpected"

cp /tmp/bench-xen-dom0.conf.orig "$conf"
check "reload of the original file succeeds" systemctl reload xen-dom0
check_eq "the manager is running" 's "running"' \
	busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager State
pass "reload latencies recorded ($runs runs of each kind)"
