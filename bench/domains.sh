#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Guests at scale, with the fake backend: ListDomains round trip and the daemon's private
# memory (RssAnon, and RssFile for the shared pages) with 0 and N fake guests (default 10000).
# Runs the real daemon on a private bus; needs dbus-daemon. Usage: bench/domains.sh [N]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export TOP_BUILDDIR=${BUILD:-$top/build} TOP_SRCDIR=$top
n=${1:-10000}
make -C "$TOP_BUILDDIR" daemon/xen-dom0d bench/bench-domains >/dev/null
. "$top/tests/unit/lib-bus.sh"

status_kib() { sed -nE "s/^$2:[[:space:]]+([0-9]+) kB/\1/p" "/proc/$1/status"; }
printf '[xen]\nenable = false\n' >"$BUS_DIR/xen-dom0.conf"
bus_start 2>/dev/null
declare -A anon
for guests in 0 "$n"; do
	XEN_DOM0D_BACKEND=fake:$guests daemon_start "$BUS_DIR/xen-dom0.conf"
	sleep 0.5
	anon[$guests]=$(status_kib "$DAEMON_PID" RssAnon)
	echo "fake:$guests at rest: RssAnon $(status_kib "$DAEMON_PID" RssAnon) KiB, RssFile $(status_kib "$DAEMON_PID" RssFile) KiB"
	"$TOP_BUILDDIR/bench/bench-domains" 21
	echo "fake:$guests after 21 ListDomains: RssAnon $(status_kib "$DAEMON_PID" RssAnon) KiB"
	daemon_stop
done
echo "private memory per guest at rest: $(((anon[$n] - anon[0]) * 1024 / n)) bytes ($n guests)"
