#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every domain's statistics: xen-dom0d's GetDomainStats against libvirt-dbus (GetAllDomainStats,
# or where libvirt's libxl driver lacks it the calls a client makes per domain), on one Xen host
# booted in QEMU with both, and the same guests (created through libvirt, which knows only the
# domains it made). One boot of the system tier with an
# image that adds bench/libvirt/packages.list (its own cache key: the default image stays as
# it is); the scenario bench/libvirt/10-libvirt-stats.sh measures in dom0. Apart from
# bench/run: bench/run --no-boot and CI never run it. See bench/README.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
prog=bench/libvirt-stats.sh

usage() {
	cat <<EOF
Usage: $prog [--guests N] [--memory MIB] [--rounds N] [--sweep-rounds N] [--deb FILE]

Boots a Xen host in QEMU (tests/system/run) with xen-dom0d, libvirt's libxl driver and
libvirt-dbus, has libvirt create N paused PV guests, then asks both for every domain's
statistics from one client (bench/stats-call.c), alternating: GetDomainStats
(org.xenproject.Dom0) against libvirt-dbus's GetAllDomainStats (/org/libvirt/Xen) or,
where libvirt's libxl driver lacks that call, against ListDomains and calls per domain.
Prints their latencies and ratios as a markdown table, also written to
bench/results/libvirt/table.md.

  --guests N        guests to create (default 100; fewer if the host's memory or the time
                    budget runs out first, which the table says)
  --memory MIB      memory of each guest (default 16)
  --rounds N        rounds when libvirt answers in one call (default 200)
  --sweep-rounds N  rounds when it takes calls per domain (default 20; fewer when the
                    scenario's time runs short, which the table says)
  --deb FILE        install this xen-dom0d package instead of building the tree
  -h, --help        this text

Environment: BUILD (build directory, default build/; configured if it has no Makefile),
SYSTEST_* (passed on to tests/system/run; here SYSTEST_TIMEOUT defaults to 2400,
SYSTEST_BOOT_TIMEOUT to 600 and SYSTEST_CACHE_KEEP to 3, so the extra image does not push
the default one out of the cache). Needs root. Before the boot it waits until no
qemu-system process runs on the machine.
EOF
}

guests=100 memory=16 rounds=200 sweep_rounds=20 deb=''
while (($# > 0)); do
	case $1 in
	--guests | --memory | --rounds | --sweep-rounds)
		if (($# < 2)) || [[ ! $2 =~ ^[1-9][0-9]*$ ]]; then echo "$prog: $1 needs a number" >&2 && exit 2; fi
		case $1 in
		--guests) guests=$2 ;;
		--memory) memory=$2 ;;
		--rounds) rounds=$2 ;;
		--sweep-rounds) sweep_rounds=$2 ;;
		esac
		shift
		;;
	--deb)
		if (($# < 2)) || [[ ! -f $2 ]]; then echo "$prog: --deb needs a package file" >&2 && exit 2; fi
		deb=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
		shift
		;;
	--guests=* | --memory=* | --rounds=* | --sweep-rounds=* | --deb=*) set -- "${1%%=*}" "${1#*=}" "${@:2}" && continue ;;
	-h | --help) usage && exit 0 ;;
	*) echo "$prog: unknown option $1 (try --help)" >&2 && exit 2 ;;
	esac
	shift
done
[[ $(id -u) -eq 0 ]] || { echo "$prog: the boot needs root" >&2; exit 2; }

out=$top/bench/results/libvirt
mkdir -p "$out"
run_start=$(date +%s)
log() { printf '[%5ss] %s\n' $(($(date +%s) - run_start)) "$*" >&2; }

# --- what goes into the image: the project (a stage, or the package) and the client -------
stage=$out/stage
rm -rf "$stage"
if [[ -z $deb ]]; then
	build=${BUILD:-$top/build}
	[[ $build == /* ]] || build=$top/$build
	if [[ ! -f $build/Makefile ]]; then
		log "configuring $build"
		[[ -x $top/configure ]] || (cd "$top" && ./autogen.sh) >"$out/build.log" 2>&1
		mkdir -p "$build"
		(cd "$build" && "$top/configure" --prefix=/usr --sysconfdir=/etc --localstatedir=/var) >>"$out/build.log" 2>&1 ||
			{ tail -n 20 "$out/build.log" >&2; exit 1; }
	fi
	log "building in $build; make install DESTDIR=bench/results/libvirt/stage"
	{ make -C "$build" -j"$(nproc)" && make -C "$build" install DESTDIR="$stage"; } >>"$out/build.log" 2>&1 ||
		{ tail -n 20 "$out/build.log" >&2; exit 1; }
	# As the package leaves a host: its postinst renders the boot-time files at install.
	"$build/daemon/xen-dom0d" --config "$stage/etc/xen/xen-dom0.conf" --render "$stage" >>"$out/build.log" 2>&1
	project=(--stage "$stage")
else
	log "project: the package $deb"
	# The stage holds the client alone; the package's postinst enables and masks what it does.
	project=(--deb "$deb" --stage "$stage" --no-enable)
fi
mkdir -p "$stage/usr/lib/xen-dom0d-bench"
# shellcheck disable=SC2046 # pkg-config's flags are a list
cc -O2 -Wall -I"$top/daemon" -o "$stage/usr/lib/xen-dom0d-bench/stats-call" "$top/bench/stats-call.c" \
	$(pkg-config --cflags --libs libsystemd)
printf 'GUESTS=%s\nMEMORY=%s\nROUNDS=%s\nSWEEP_ROUNDS=%s\n' "$guests" "$memory" "$rounds" "$sweep_rounds" >"$stage/usr/lib/xen-dom0d-bench/libvirt-stats.env"

# --- the boot ------------------------------------------------------------------------------
# One QEMU at a time on the machine (tests/system/run queues its own runs too).
said=0
while pgrep -f '^qemu-system' >/dev/null; do
	[[ $said -eq 1 ]] || log "another QEMU runs on this machine; waiting for it to end"
	said=1
	sleep 20
done
log "boot: $guests guests of $memory MiB, $rounds or $sweep_rounds rounds (log: bench/results/libvirt/boot.log)"
rm -rf "${out:?}/boot"
SYSTEST_TIMEOUT=${SYSTEST_TIMEOUT:-2400} SYSTEST_BOOT_TIMEOUT=${SYSTEST_BOOT_TIMEOUT:-600} \
	SYSTEST_CACHE_KEEP=${SYSTEST_CACHE_KEEP:-3} \
	"$top/tests/system/run" "${project[@]}" --extra-packages "$top/bench/libvirt/packages.list" \
	--scenarios "$top/bench/libvirt" --results "$out/boot" >"$out/boot.log" 2>&1 && rc=0 || rc=$?
log "boot: tests/system/run exited $rc ($(tail -n 1 "$out/boot.log"))"

# --- the table -----------------------------------------------------------------------------
bench=$out/boot/guest/scenarios/10-libvirt-stats/bench.txt
# value KEY: what the scenario recorded under KEY, or "n/a".
value() {
	[[ -f $bench ]] || { echo n/a; return; }
	awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); v = $0 } END { print (v != "" ? v : "n/a") }' "$bench"
}
field() { tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
median() {
	tr -s ' \t' '\n' | awk '$1 ~ /^[0-9.]+$/ { v[n++] = $1 } END {
		if (!n) { print "n/a"; exit }
		for (i = 1; i < n; i++) { x = v[i]; for (j = i - 1; j >= 0 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
		printf "%.1f\n", n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f\n", a / b; else print "n/a" }'; }
s=$(value libvirt.stats)
f() { local v; v=$(field "$1" <<<"$s"); echo "${v:-n/a}"; }
bd=$(value libvirt.busctl.dom0_ms | median) bl=$(value libvirt.busctl.libvirt_ms | median)
calls=$(value libvirt.calls)
how="bench/stats-call.c in dom0: one sd-bus connection, the ways alternating (each round the next first), $(f rounds_done) rounds in $(f seconds) s after uncounted warm-up rounds; latency = wall time from the first request to the last reply (CLOCK_MONOTONIC)"
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 |"); }
row "guests, created by libvirt (paused PV, GRUB's PV image)" "$(value libvirt.guests) of $guests, $(value libvirt.guest_memory_mib) MiB each" \
	"$(value libvirt.create_stopped); created in $(value libvirt.create_seconds) s; the hypervisor's free memory $(value libvirt.free_mib_before) MiB before, $(value libvirt.free_mib_after) MiB after" \
	"virsh create --paused, one after another"
row "GetAllDomainStats on libvirt-dbus's Xen connection (/org/libvirt/Xen)" "$(value libvirt.all_supported | cut -d: -f1)" \
	"$(value libvirt.all_supported | sed -n 's/^no: //p')" "one call, GetAllDomainStats(15, 0): state, cpu-total, balloon, vcpu"
for w in all sweep window; do
	[[ $(f "${w}_ok") != n/a ]] || continue
	case $w in
	all) label="one call, GetAllDomainStats(15, 0)" ;;
	sweep) label="ListDomains, then per domain $calls, one call at a time" ;;
	window) label="ListDomains, then per domain $calls, $(f window) calls in flight" ;;
	esac
	row "latency, Dom0 GetDomainStats / libvirt-dbus $w: p50, p90" "$(f "ratio_p50_$w"), $(f "ratio_p90_$w")" \
		"Dom0 p50 $(f dom0_p50_ms) ms, p90 $(f dom0_p90_ms) ms; libvirt-dbus ($label) p50 $(f "${w}_p50_ms") ms, p90 $(f "${w}_p90_ms") ms; per-round ratio median $(f "ratio_rounds_median_$w"); domains in an answer: Dom0 $(f dom0_records), libvirt $(f "${w}_records"); $(f errors) failed rounds" \
		"$how"
done
if [[ $bd != n/a ]]; then
	row "one busctl call, Dom0 GetDomainStats$([[ $bl == n/a ]] || echo " / libvirt-dbus GetAllDomainStats")" \
		"$(if [[ $bl == n/a ]]; then echo "$bd ms"; else ratio "$bd" "$bl"; fi)" \
		"median Dom0 $bd ms$([[ $bl == n/a ]] || echo ", libvirt $bl ms") (busctl's start-up included)" \
		"busctl call in dom0, 11 of each, alternating; bash EPOCHREALTIME"
fi
{
	echo "# xen-dom0d against libvirt: every domain's statistics"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown), one boot." \
		"Xen host: QEMU software emulation (TCG), -cpu ${SYSTEST_QEMU_CPU:-Nehalem} -smp ${SYSTEST_QEMU_SMP:-2} -m ${SYSTEST_QEMU_MEM:-3072}, Xen 4.17, Debian 12 dom0 with 1 GiB;" \
		"$(value libvirt.versions)."
	echo
	echo "| figure | value | detail | how measured |"
	echo "|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
} >"$out/table.md"
cat "$out/table.md"
echo
echo "table: $out/table.md (boot: $out/boot/, scenario log: $out/boot/guest/scenarios/10-libvirt-stats.log)"
exit "$rc"
