#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon's footprint against the number of guests, with the fake hypervisor backend
# (XEN_DOM0D_BACKEND=fake:N: Domain-0 and N guests). The real daemon runs on a private bus
# (tests/unit/lib-bus.sh) with xen.enable = false, so it starts nothing; once it logs that it
# follows N+1 domains its memory and CPU time are read from /proc. One line per run:
#   guests=N run=R rss_anon_kib=.. vmrss_kib=.. pss_kib=.. pss_anon_kib=.. cpu_ms=..
# Usage: bench/fake-guests.sh [RUNS [N...]]   (default: 3 runs of 0 10 1000 10000 guests)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export TOP_BUILDDIR=${BUILD:-$top/build} TOP_SRCDIR=$top
runs=${1:-3}
shift || true
sizes=("$@")
((${#sizes[@]} > 0)) || sizes=(0 10 1000 10000)
[ -x "$TOP_BUILDDIR/daemon/xen-dom0d" ] || make -C "$TOP_BUILDDIR" daemon/xen-dom0d >/dev/null
# shellcheck source=../tests/unit/lib-bus.sh
. "$top/tests/unit/lib-bus.sh"

printf '[xen]\nenable = false\n' >"$BUS_DIR/xen-dom0.conf"
bus_start 2>/dev/null
kib() { sed -nE "s/^$2:[[:space:]]+([0-9]+) kB/\1/p" "$1"; }
hz=$(getconf CLK_TCK)
for run in $(seq "$runs"); do
	for n in "${sizes[@]}"; do
		XEN_DOM0D_BACKEND=fake:$n daemon_start "$BUS_DIR/xen-dom0.conf"
		for _ in $(seq 1200); do
			grep -q "Following $((n + 1)) domain" "$BUS_DIR/daemon.log" && break
			sleep 0.05
		done
		grep -q "Following $((n + 1)) domain" "$BUS_DIR/daemon.log" ||
			{ echo "fake:$n: the daemon never followed $((n + 1)) domains" >&2; cat "$BUS_DIR/daemon.log" >&2; exit 1; }
		p=/proc/$DAEMON_PID
		ticks=$(sed -E 's/^.*\) //' "$p/stat" | awk '{ print $12 + $13 }')
		cpu_ns=$(awk '{ print $1 }' "$p/schedstat" 2>/dev/null || echo 0)
		echo "guests=$n run=$run rss_anon_kib=$(kib "$p/status" RssAnon) vmrss_kib=$(kib "$p/status" VmRSS)" \
			"pss_kib=$(kib "$p/smaps_rollup" Pss) pss_anon_kib=$(kib "$p/smaps_rollup" Pss_Anon)" \
			"cpu_ms=$((ticks * 1000 / hz)) cpu_ns=$cpu_ns"
		daemon_stop
	done
done
