#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Metrics at scale, with the fake backend on a private bus: the daemon's CPU time per
# GetDomainStats and per GetMetrics with N guests (default 1000), the size of the text, and
# the steady-state cost of writing the textfile with 100 guests: the daemon's CPU time over
# the same wall time with metrics written every second and with metrics off, scaled to the
# default 15 s interval. CPU time is the daemon's own (utime + stime from /proc), never the
# client's. Usage: bench/metrics.sh [N]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export TOP_BUILDDIR=${BUILD:-$top/build} TOP_SRCDIR=$top
n=${1:-1000}
calls=${METRICS_CALLS:-50}
window=${METRICS_WINDOW:-30}
make -C "$TOP_BUILDDIR" daemon/xen-dom0d >/dev/null
. "$top/tests/unit/lib-bus.sh"

tck=$(getconf CLK_TCK)
# cpu_ms PID: the process' CPU time so far, in ms.
cpu_ms() { awk -v t="$tck" '{ print int(($14 + $15) * 1000 / t) }' "/proc/$1/stat"; }
P=/org/xenproject/Dom0 I=org.xenproject.Dom0.Manager
conf=$BUS_DIR/xen-dom0.conf
bus_start 2>/dev/null

printf '[xen]\nenable = false\n' >"$conf"
XEN_DOM0D_BACKEND=fake:$n daemon_start "$conf"
sleep 0.5
for method in GetDomainStats "GetMetrics s openmetrics" "GetMetrics s prometheus"; do
	before=$(cpu_ms "$DAEMON_PID")
	for _ in $(seq "$calls"); do
		# shellcheck disable=SC2086 # the method and its arguments
		B call org.xenproject.Dom0 $P $I $method >/dev/null
	done
	after=$(cpu_ms "$DAEMON_PID")
	echo "fake:$n $method: $(((after - before) * 1000 / calls)) µs of daemon CPU per call ($calls calls)"
done
size=$(B --json=short call org.xenproject.Dom0 $P $I GetMetrics s openmetrics |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"][0].encode()))')
echo "fake:$n OpenMetrics text: $size bytes"
daemon_stop

mkdir -p "$BUS_DIR/textfile"
declare -A used
for mode in off on; do
	printf '[xen]\nenable = false\n[metrics]\nenable = %s\ninterval = 1\ndirectory = %s\n' \
		"$([[ $mode == on ]] && echo true || echo false)" "$BUS_DIR/textfile" >"$conf"
	XEN_DOM0D_BACKEND=fake:100 daemon_start "$conf"
	sleep 1
	before=$(cpu_ms "$DAEMON_PID")
	sleep "$window"
	used[$mode]=$(($(cpu_ms "$DAEMON_PID") - before))
	daemon_stop
done
per_write_us=$(((used[on] - used[off]) * 1000 / window))
echo "fake:100, ${window} s: daemon CPU ${used[off]} ms with metrics off, ${used[on]} ms writing every second"
echo "fake:100: ${per_write_us} µs of daemon CPU per textfile write;" \
	"every 15 s that is $(awk -v u="$per_write_us" 'BEGIN { printf "%.4f", u / 15e6 * 100 }')% of one CPU"
