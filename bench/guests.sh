#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The cost of declared guests in the configuration pipeline: bench/bench-config (load +
# validate + render, the daemon's prepare step) on a file of N guests in a chain (each after the
# one before), as instructions per iteration under callgrind, start-up excluded, and the peak
# memory of xen-dom0d --check on it against a file with no guest.
#   bench/guests.sh [BUILD] [N...]    (default: build, 10 100 1000)
set -eu
build=${1:-build}
shift || true
sizes=("$@")
((${#sizes[@]})) || sizes=(10 100 1000)
command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 1; }
make -C "$build" bench/bench-config daemon/xen-dom0d >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
conf() { # N: a file of N chained guests
	printf '[xen]\nenable = true\n'
	for ((i = 0; i < $1; i++)); do
		printf '[guests.g%d]\n' "$i"
		((i == 0)) || printf 'after = g%d\n' $((i - 1))
		printf '[guests.g%d.settings]\nkernel = "/boot/vmlinuz"\nmemory = 128\nvcpus = 1\n' "$i"
	done
}
ir() { # FILE ITERATIONS: callgrind's total
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$build/bench/bench-config" "$1" "$2" >/dev/null 2>&1
	callgrind_annotate "$tmp/cg" | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,
}
rss() { /usr/bin/time -f %M "$build/daemon/xen-dom0d" --check -c "$1" 2>&1 >/dev/null | tail -n 1; }
conf 0 >"$tmp/0.conf"
base=$(rss "$tmp/0.conf")
echo "| guests | instructions per load+validate+render | per guest | peak RSS of --check above none | per guest |"
echo "|---|---|---|---|---|"
for n in "${sizes[@]}"; do
	conf "$n" >"$tmp/$n.conf"
	a=$(ir "$tmp/$n.conf" 2) b=$(ir "$tmp/$n.conf" 12)
	per=$(((b - a) / 10))
	r=$(($(rss "$tmp/$n.conf") - base))
	echo "| $n | $per | $((per / n)) | ${r} KiB | $((r * 1024 / n)) bytes |"
done
