#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bench, setup (a): end-to-end latency of "systemctl reload xen-dom0" (the unit's ExecReload,
# xen-dom0ctl reload, calling Reload() and waiting for its restarts), 21 runs of each kind:
# a no-op reload, a reload toggling xen.trace (xenconsoled restarts), a refused reload (an
# invalid value). Wall time per run from bash's EPOCHREALTIME, in ms.
# The no-op reloads alternate with two others, so that a change of load hits all alike:
#   the floor, "systemctl reload" of a trivial transient service (sleep infinity, ExecReload
#   /bin/true): what systemd's reload job costs with nothing behind it;
#   "xen-dom0ctl reload" run directly: the client and the daemon without systemd's job and
#   without the process set-up of the unit's ExecReload (its sandbox).
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
trivial=xen-dom0-bench-trivial.service
cp "$conf" /tmp/bench-xen-dom0.conf.orig
trap 'cp /tmp/bench-xen-dom0.conf.orig "$conf"; systemctl reload xen-dom0 >/dev/null 2>&1; systemctl stop "$trivial" >/dev/null 2>&1' EXIT

us() { echo "${EPOCHREALTIME/./}"; }
# timed TIMES UNEXPECTED EXPECT CMD...: runs CMD once, appends its wall time to the array
# TIMES; counts in UNEXPECTED the runs whose exit status was not what is expected (0, or
# non-zero when refused).
timed() {
	local -n t=$1 u=$2
	local expect=$3 t0 t1 rc
	shift 3
	t0=$(us)
	timeout 120 "$@" >/dev/null 2>&1 && rc=0 || rc=$?
	t1=$(us)
	t+=("$(((t1 - t0) / 1000)).$(printf '%03d' $(((t1 - t0) % 1000)))")
	if [[ $expect == ok && $rc -ne 0 ]] || [[ $expect == refused && ($rc -eq 0 || $rc -eq 124) ]]; then
		u=$((u + 1))
	fi
}

# 1. no-op, interleaved with the floor (its order alternating) and the direct call.
check "the trivial service for the floor starts" systemd-run --quiet --unit="$trivial" -p Type=simple \
	-p ExecReload=/bin/true sleep infinity && floor=1 || floor=0
noop=() noop_bad=0 trivial_ms=() trivial_bad=0 direct=() direct_bad=0
for i in $(seq $runs); do
	if ((floor && i % 2 == 0)); then
		timed trivial_ms trivial_bad ok systemctl reload "$trivial"
	fi
	timed noop noop_bad ok systemctl reload xen-dom0
	if ((floor && i % 2 == 1)); then
		timed trivial_ms trivial_bad ok systemctl reload "$trivial"
	fi
	timed direct direct_bad ok xen-dom0ctl --no-ask-password --no-pager reload
done
record reload.noop.ms "${noop[*]}"
record reload.noop.unexpected "$noop_bad"
if ((floor)); then
	record reload.trivial.ms "${trivial_ms[*]}"
	record reload.trivial.unexpected "$trivial_bad"
	systemctl stop "$trivial"
fi
record reload.direct.ms "${direct[*]}"
record reload.direct.unexpected "$direct_bad"

# 2. xen.trace toggled at every run: each reload restarts xenconsoled.
times=() unexpected=0 restarted=0
for i in $(seq $runs); do
	value=$([[ $((i % 2)) -eq 1 ]] && echo true || echo false)
	{ cat /tmp/bench-xen-dom0.conf.orig; printf '\n[xen]\ntrace = %s\n' "$value"; } >"$conf"
	before=$(systemctl show -P MainPID xenconsoled.service)
	timed times unexpected ok systemctl reload xen-dom0
	[[ $(systemctl show -P MainPID xenconsoled.service) == "$before" ]] || restarted=$((restarted + 1))
done
record reload.restart.ms "${times[*]}"
record reload.restart.unexpected "$unexpected"
record reload.restart.xenconsoled_restarted "$restarted"

# 3. refused: an invalid value; the running configuration stays.
{ cat /tmp/bench-xen-dom0.conf.orig; printf '\n[dom0Resources]\nmemory = lots\n'; } >"$conf"
times=() unexpected=0
for _ in $(seq $runs); do timed times unexpected refused systemctl reload xen-dom0; done
record reload.refused.ms "${times[*]}"
record reload.refused.unexpected "$unexpected"

cp /tmp/bench-xen-dom0.conf.orig "$conf"
check "reload of the original file succeeds" systemctl reload xen-dom0
check_eq "the manager is running" 's "running"' \
	busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager State
pass "reload latencies recorded ($runs runs of each kind)"
