#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bench, setup (a): where a no-op "systemctl reload xen-dom0" spends its time against the floor
# of 30-reload.sh, 21 interleaved runs of each step (median and every run, ms, to parts.txt):
#   true      /bin/true run from bash: a process and nothing else
#   version   xen-dom0ctl --version: the client's own start-up (its libraries), no bus
#   getid     busctl call org.freedesktop.DBus.GetId: a bus client's connection and one call
#   direct    xen-dom0ctl reload: client, bus and daemon, without systemd's reload job
#   noop      systemctl reload xen-dom0
#   trivial   systemctl reload of a unit whose ExecReload is /bin/true (30-reload's floor)
#   ver_unit  systemctl reload of a unit whose ExecReload is xen-dom0ctl --version: the floor
#             with the client's start-up in it
# systest-timeout: 900
# shellcheck source=../../tests/system/lib/check.sh
. "$SYSTEST_LIB/check.sh"

out=$SYSTEST_ARTIFACTS/parts.txt
if ! systemctl cat xen-dom0.service >/dev/null 2>&1 || systemctl cat xen-dom0-bench-render.service >/dev/null 2>&1; then
	skip "reload parts" "not setup (a)"
	exit 0
fi
check_wait "xen-dom0.service is active" 300 systemctl is-active --quiet xen-dom0.service || exit 0
us() { echo "${EPOCHREALTIME/./}"; }
declare -A T
kinds=(true version getid direct noop trivial ver_unit)
check "the trivial unit starts" systemd-run --quiet --unit=xen-dom0-bench-parts-true.service -p Type=simple \
	-p ExecReload=/bin/true sleep infinity || exit 0
check "the unit running the client's --version starts" systemd-run --quiet \
	--unit=xen-dom0-bench-parts-version.service -p Type=simple \
	-p "ExecReload=/usr/bin/xen-dom0ctl --version" sleep infinity || exit 0
trap 'systemctl stop xen-dom0-bench-parts-true.service xen-dom0-bench-parts-version.service' EXIT
bad=0
run() {
	local k=$1 t0 t1
	shift
	t0=$(us)
	timeout 120 "$@" >/dev/null 2>&1 || bad=$((bad + 1))
	t1=$(us)
	T[$k]+="$(((t1 - t0) / 1000)) "
}
for _ in $(seq 21); do
	run true /bin/true
	run version xen-dom0ctl --version
	run getid busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId
	run direct xen-dom0ctl --no-ask-password --no-pager --quiet reload
	run noop systemctl reload xen-dom0
	run trivial systemctl reload xen-dom0-bench-parts-true.service
	run ver_unit systemctl reload xen-dom0-bench-parts-version.service
done
for k in "${kinds[@]}"; do
	med=$(tr ' ' '\n' <<<"${T[$k]}" | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	echo "$k median=$med all=${T[$k]}" >>"$out"
	diag "$k median=$med"
done
check_eq "every step succeeded" 0 echo "$bad"
