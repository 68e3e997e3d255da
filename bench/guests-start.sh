#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The supervisor's cost of starting N declared guests: the real daemon against the fake systemd
# and the fake hypervisor (a guest unit's start makes its domain appear), on a private bus, the
# guests declared with no order (independent: started together) or in a chain (each after the
# one before). The daemon's CPU time (schedstat, ns) is read once STATUS= says that all N are
# up, and the same for 0 guests is taken off: what is left is planning, starting, following and
# counting the guests, everything but the stack; the same for the daemon's anonymous memory
# (RssAnon). Next to it, the floor: bench/guest-floor against the same fake systemd, which for
# each guest writes one xl.cfg, calls StartUnit and waits for the job's end, and nothing else
# (independent guests only: a chain needs the daemon's ordering). One line per run:
#   guests=N order=none|chain run=R cpu_ms=.. (stack alone: ..) guests_cpu_ms=.. per_guest_us=..
#   [floor_cpu_ms=.. daemon/floor=..] user_ms=.. system_ms=.. rss_anon_kib=.. (stack alone: ..)
#   per_guest_bytes=..
# With BENCH_METRICS=1, the size of the OpenMetrics text (GetMetrics) once they are up joins
# the line (metrics_bytes=), on stderr. With BENCH_RELOADS=R, R no-op reloads follow once they
# are up (xen-dom0ctl reload, one after another), and the daemon's CPU time per reload goes to
# stderr (reload_cpu_us=): each compares the guests' rendered files with the disk.
# Usage: bench/guests-start.sh [RUNS [N...]]   (default: 3 runs of 1000 guests)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export TOP_BUILDDIR=${BUILD:-$top/build} TOP_SRCDIR=$top
runs=${1:-3}
shift || true
sizes=("$@")
((${#sizes[@]} > 0)) || sizes=(1000)
make -C "$TOP_BUILDDIR" daemon/xen-dom0d daemon/xen-dom0ctl tests/unit/fake-systemd bench/guest-floor >/dev/null
# The guests' files go under /run on a host, a tmpfs: so does the root here, unless TMPDIR says
# otherwise (on a disk, fsync() would make most of the figure).
if [[ -z ${TMPDIR:-} && -d /dev/shm && -w /dev/shm ]]; then export TMPDIR=/dev/shm; fi
# shellcheck source=../tests/unit/lib-bus.sh
. "$top/tests/unit/lib-bus.sh"
FAKE=$TOP_BUILDDIR/tests/unit/fake-systemd
hz=$(getconf CLK_TCK)
bus_start 2>/dev/null
fake_pid="" daemon_pid=""
stop_all() {
	for p in $daemon_pid $fake_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || :; done
	daemon_pid="" fake_pid=""
}
trap 'stop_all; bus_cleanup' EXIT

conf() { # N ORDER
	printf '[xen]\nenable = true\n'
	for ((i = 0; i < $1; i++)); do
		printf '[guests.g%d]\n' "$i"
		[[ $2 == chain && $i -gt 0 ]] && printf 'after = g%d\n' $((i - 1))
		printf '[guests.g%d.settings]\nkernel = "/boot/vmlinuz"\nmemory = 128\nmaxmem = 1024\nvcpus = 1\nmaxvcpus = 4\n' "$i"
	done
}

# run N ORDER: prints the daemon's CPU ns once it says every guest is up
run() {
	local n=$1 order=$2 d=$BUS_DIR/run want
	rm -rf "$d"
	mkdir -p "$d/root/proc/xen"
	echo control_d >"$d/root/proc/xen/capabilities"
	conf "$n" "$order" >"$d/xen-dom0.conf"
	"$FAKE" --log "$d/calls" --control "$d/control" --notify "$d/notify" --xenstore "$d/xenstore" \
		--xen-control "$d/hv" >"$d/fake.out" 2>&1 &
	fake_pid=$!
	for _ in $(seq 100); do grep -q READY "$d/calls" 2>/dev/null && break; sleep 0.05; done
	env XEN_DOM0D_ROOT="$d/root" XEN_DOM0D_MODPROBE=/bin/true XENSTORED_PATH="$d/xenstore" \
		NOTIFY_SOCKET="$d/notify" XEN_DOM0D_BACKEND=fake:0 XEN_DOM0D_FAKE_CONTROL="$d/hv" \
		${BENCH_WRAP:-} "$XEN_DOM0D" --config "$d/xen-dom0.conf" >"$d/daemon.log" 2>&1 &
	daemon_pid=$!
	if ((n > 0)); then want="$n of $n guests up"; else want="7 of 7 components up"; fi
	for _ in $(seq 12000); do
		grep -q "NOTIFY STATUS=running: .*$want" "$d/calls" 2>/dev/null && break
		sleep 0.05
	done
	grep -q "NOTIFY STATUS=running: .*$want" "$d/calls" ||
		{ echo "guests=$n: never '$want'; the last status: $(grep 'NOTIFY STATUS' "$d/calls" | tail -n 1)" >&2
		grep -m3 'failed' "$d/daemon.log" >&2; grep -m3 'CTL-ERROR' "$d/calls" >&2; exit 1; }
	if [[ -n ${BENCH_METRICS:-} ]] && ((n > 0)); then
		echo "guests=$n order=$order metrics_bytes=$(B --json=short call org.xenproject.Dom0 /org/xenproject/Dom0 \
			org.xenproject.Dom0.Manager GetMetrics s openmetrics | python3 -c 'import json, sys
print(len(json.load(sys.stdin)["data"][0].encode()))')" >&2
	fi
	# schedstat's run time, then user and system ticks, then RssAnon (KiB): read before any reload
	local figures
	figures="$(awk '{ print $1 }' "/proc/$daemon_pid/schedstat") $(sed -E 's/^.*\) //' "/proc/$daemon_pid/stat" |
		awk '{ print $12, $13 }') $(awk '$1 == "RssAnon:" { print $2 }' "/proc/$daemon_pid/status")"
	if [[ -n ${BENCH_RELOADS:-} ]] && ((n > 0)); then
		local s0 s1
		"$TOP_BUILDDIR/daemon/xen-dom0ctl" --quiet reload
		s0=$(awk '{ print $1 }' "/proc/$daemon_pid/schedstat")
		for _ in $(seq "$BENCH_RELOADS"); do "$TOP_BUILDDIR/daemon/xen-dom0ctl" --quiet reload; done
		s1=$(awk '{ print $1 }' "/proc/$daemon_pid/schedstat")
		echo "guests=$n order=$order reloads=$BENCH_RELOADS reload_cpu_us=$(((s1 - s0) / 1000 / BENCH_RELOADS))" >&2
	fi
	echo "$figures"
	stop_all
}

# floor N: the floor's CPU time in µs for N guests
floor() {
	local d=$BUS_DIR/floor us
	rm -rf "$d"
	mkdir -p "$d/guests"
	"$FAKE" --log "$d/calls" --control "$d/control" --notify "$d/notify" --xenstore "$d/xenstore" >"$d/fake.out" 2>&1 &
	fake_pid=$!
	for _ in $(seq 100); do grep -q READY "$d/calls" 2>/dev/null && break; sleep 0.05; done
	us=$("$TOP_BUILDDIR/bench/guest-floor" "$d/guests" "$1") || { echo "guests=$1: the floor failed" >&2; exit 1; }
	stop_all
	echo "$us"
}

for r in $(seq "$runs"); do
	for n in "${sizes[@]}"; do
		for order in ${BENCH_ORDERS:-none chain}; do
			read -r base bu bs brss <<<"$(run 0 none)"
			read -r ns u sy rss <<<"$(run "$n" "$order")"
			g=$((ns - base)) fl=""
			if [[ $order == none ]]; then
				f=$(floor "$n")
				fl=" floor_cpu_ms=$((f / 1000)) daemon/floor=$(awk -v g="$g" -v f="$f" 'BEGIN { printf "%.2f", g / 1000 / f }')"
			fi
			echo "guests=$n order=$order run=$r cpu_ms=$((ns / 1000000)) (stack alone: $((base / 1000000)))" \
				"guests_cpu_ms=$((g / 1000000)) per_guest_us=$((g / 1000 / n))$fl" \
				"user_ms=$(((u - bu) * 1000 / hz)) system_ms=$(((sy - bs) * 1000 / hz))" \
				"rss_anon_kib=$rss (stack alone: $brss) per_guest_bytes=$(((rss - brss) * 1024 / n))"
		done
	done
done
