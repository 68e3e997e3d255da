#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# On the host, after QEMU exited: the Prometheus texts 67-metrics saved in dom0 (the daemon's
# textfile and `xen-dom0ctl metrics --format=prometheus`, both with three guests running)
# pass `promtool check metrics`: they parse and lint clean. Needs promtool on the host
# (Debian package prometheus); the dom0 image does not carry it.
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
dir=$SYSTEST_GUEST_RESULTS/scenarios/67-metrics

if ! command -v promtool >/dev/null; then
	skip "promtool check metrics accepts the metrics texts" "promtool is not installed on this host"
	exit 0
fi
files=()
for f in xen-dom0.prom xen-dom0ctl-metrics.prom; do [[ ! -s $dir/$f ]] || files+=("$dir/$f"); done
if ((${#files[@]} == 0)); then
	skip "promtool check metrics accepts the metrics texts" "67-metrics saved none (see its log)"
	exit 0
fi
promtool_check() { timeout 60 promtool check metrics <"$1"; }
for f in "${files[@]}"; do
	check "promtool check metrics accepts $(basename "$f")" promtool_check "$f"
done
