#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bench, every setup: when the Xen dom0 stack came up at this boot, from systemd's own
# timestamps (CLOCK_MONOTONIC, microseconds since the kernel started). Writes "KEY VALUE" lines
# to $SYSTEST_ARTIFACTS/bench.txt for bench/run; nothing here judges a figure.
#   (a) xen-dom0.service brings the component units up;
#   (b) the same component units enabled directly in multi-user.target, with the oneshot
#       xen-dom0-bench-render.service (xen-dom0d --render-host, modprobe) ordered before them;
#   (c) no project: Debian's SysV xen + xendomains scripts, as generated units.
# systest-timeout: 420
# shellcheck source=../../tests/system/lib/check.sh
. "$SYSTEST_LIB/check.sh"

out=$SYSTEST_ARTIFACTS/bench.txt
record() { printf '%s %s\n' "$1" "$2" >>"$out"; diag "$1 $2"; }
prop() { systemctl show -P "$2" "$1"; }

if systemctl cat xen-dom0-bench-render.service >/dev/null 2>&1; then
	setup=b lead=xen-dom0-bench-render.service
elif systemctl cat xen-dom0.service >/dev/null 2>&1; then
	setup=a lead=xen-dom0.service
else
	setup=c lead=xen.service
fi
if [[ $setup == c ]]; then
	units=(xen.service xendomains.service)
else
	units=(proc-xen.mount xenstored.service xen-init-dom0.service xenconsoled.service
		xen-qemu-dom0-disk-backend.service xendomains.service xen-watchdog.service)
fi
record setup "$setup"

# Boot has settled: no job left (the runner already waited for is-system-running).
no_jobs() { [[ -z $(systemctl list-jobs --no-legend 2>/dev/null) ]]; }
wait_until 300 no_jobs || diag "jobs still queued: $(systemctl list-jobs --no-legend | head -n 5)"
[[ $setup != a ]] || wait_until 300 systemctl is-active --quiet xen-dom0.service

first=0 last=0 missing=()
for u in "${units[@]}"; do
	state=$(prop "$u" ActiveState)
	start=$(prop "$u" InactiveExitTimestampMonotonic)
	active=$(prop "$u" ActiveEnterTimestampMonotonic)
	record "unit.$u" "$state $start $active"
	if [[ $state != active || $active -eq 0 ]]; then
		missing+=("$u:$state")
		continue
	fi
	((start == 0 || (first != 0 && first <= start))) || first=$start
	((active <= last)) || last=$active
done
lead_start=$(prop "$lead" InactiveExitTimestampMonotonic)
store_unit=$([[ $setup == c ]] && echo xen.service || echo xenstored.service)
store_start=$(prop "$store_unit" InactiveExitTimestampMonotonic)
record lead "$lead ${lead_start:-0}"
record first_start_us "$first"
record stack_ready_us "$last"
record span_us $((last - first))
[[ ${lead_start:-0} -eq 0 ]] || record lead_span_us $((last - lead_start))
[[ ${store_start:-0} -eq 0 ]] || record store_span_us $((last - store_start))
record multi_user_us "$(prop multi-user.target ActiveEnterTimestampMonotonic)"
# basic.target: where the services of multi-user.target (with default dependencies) may start.
basic=$(prop basic.target ActiveEnterTimestampMonotonic)
record basic_us "$basic"
[[ ${basic:-0} -eq 0 ]] || record basic_span_us $((last - basic))
record userspace_start_us "$(prop systemd-journald.service InactiveExitTimestampMonotonic)"
[[ $setup == c ]] || record proc_xen_before "$(prop proc-xen.mount Before | tr ' ' ',')"
if ((${#missing[@]} == 0)); then
	record complete yes
else
	record complete "no:$(
		IFS=,
		echo "${missing[*]}"
	)"
fi
store() { timeout 20 xenstore-read -s / >/dev/null 2>&1; }
if store; then record store_answers yes; else record store_answers no; fi

if ((${#missing[@]} == 0)); then
	pass "setup ($setup): every component came up; bring-up recorded"
else
	fail "setup ($setup): not every component came up" "${missing[*]}"
fi
check "the store answers" store
