#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bench, setup (a): the daemon's memory and CPU time right after bring-up, then after 1,000
# no-op reloads (Reload() over the system bus, one at a time, by bench/bus-getall).
# systest-timeout: 1200
# shellcheck source=../../tests/system/lib/check.sh
. "$SYSTEST_LIB/check.sh"

out=$SYSTEST_ARTIFACTS/bench.txt
record() { printf '%s %s\n' "$1" "$2" >>"$out"; diag "$1 $2"; }
client=/usr/lib/xen-dom0d-bench/bus-getall

if ! systemctl cat xen-dom0.service >/dev/null 2>&1 || systemctl cat xen-dom0-bench-render.service >/dev/null 2>&1; then
	skip "footprint of the daemon" "not setup (a)"
	exit 0
fi
check_wait "xen-dom0.service is active" 300 systemctl is-active --quiet xen-dom0.service || exit 0
pid=$(systemctl show -P MainPID xen-dom0.service)

# snapshot NAME [PID]: RssAnon, VmRSS, VmHWM (KiB), Pss, Pss_Anon and the private pages (USS:
# Private_Clean + Private_Dirty, KiB) and CPU time (user + system, ms from /proc/PID/stat; on-CPU ns
# from /proc/PID/schedstat) of the daemon, or of PID.
snapshot() {
	local f=/proc/${2:-$pid} pss pss_anon uss ticks cpu_ns hz
	status_kib() { sed -nE "s/^$1:[[:space:]]+([0-9]+) kB/\1/p" "$f/status"; }
	pss=$(sed -nE 's/^Pss:[[:space:]]+([0-9]+) kB/\1/p' "$f/smaps_rollup")
	pss_anon=$(sed -nE 's/^Pss_Anon:[[:space:]]+([0-9]+) kB/\1/p' "$f/smaps_rollup")
	uss=$(awk '/^Private_(Clean|Dirty):/ { n += $2 } END { print n + 0 }' "$f/smaps_rollup")
	# Fields 14 and 15 of stat, counted after the ")" that ends the command name.
	ticks=$(sed -E 's/^.*\) //' "$f/stat" | awk '{ print $12 + $13 }')
	hz=$(getconf CLK_TCK)
	cpu_ns=$(awk '{ print $1 }' "$f/schedstat" 2>/dev/null)
	record "mem.$1" "rss_anon_kib=$(status_kib RssAnon) vmrss_kib=$(status_kib VmRSS) vmhwm_kib=$(status_kib VmHWM) pss_kib=${pss:-0} pss_anon_kib=${pss_anon:-0} uss_kib=${uss:-0} cpu_ms=$((ticks * 1000 / hz)) cpu_ns=${cpu_ns:-0}"
}
snapshot after-bringup
cp "/proc/$pid/smaps" "$SYSTEST_ARTIFACTS/smaps-after-bringup.txt"
# The floor: the daemon's libraries, opened and idle, in a service of their own (bench/floor.c).
if step systemd-run --quiet --unit=xen-dom0-bench-floor -p Type=notify /usr/lib/xen-dom0d-bench/floor; then
	sleep 2
	fpid=$(systemctl show -P MainPID xen-dom0-bench-floor.service)
	check "the library floor runs" test "${fpid:-0}" -gt 0
	[[ ${fpid:-0} -gt 0 ]] && snapshot floor "$fpid" && cp "/proc/$fpid/smaps" "$SYSTEST_ARTIFACTS/smaps-floor.txt"
	systemctl stop xen-dom0-bench-floor.service
else
	check "the library floor starts" false
fi
line=$(SYSTEST_STEP_TIMEOUT=1100 step "$client" -i org.xenproject.Dom0.Manager -m Reload -c 1 -n 1000 2>&1) && rc=0 || rc=$?
record reload-bus-1000 "$line"
check "1,000 no-op reloads over the bus answered" test "$rc" -eq 0
check_eq "the same daemon process served them" "$pid" systemctl show -P MainPID xen-dom0.service
snapshot after-1000-reloads
