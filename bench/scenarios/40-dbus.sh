#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bench, setup (a): GetAll over the system bus, org.xenproject.Dom0 (its Manager interface)
# against org.freedesktop.hostname1 (systemd-hostnamed, bus-activated), with one client and
# with 16 client processes, each making its calls one at a time (bench/bus-getall). Next to
# them the floor: org.freedesktop.DBus.GetId, which dbus-daemon answers itself, so a call
# costs the client, the bus and nothing else. And org.freedesktop.DBus.Peer.Ping to the daemon,
# which sd-bus answers without reaching the daemon's code: a call the bus routes to a service
# and back, with no work behind it. Three rounds; within a round they run back to back, so
# their ratios are of one moment.
# systest-timeout: 1050
# shellcheck source=../../tests/system/lib/check.sh
. "$SYSTEST_LIB/check.sh"

out=$SYSTEST_ARTIFACTS/bench.txt
record() { printf '%s %s\n' "$1" "$2" >>"$out"; diag "$1 $2"; }
client=/usr/lib/xen-dom0d-bench/bus-getall
rounds=3

if ! systemctl cat xen-dom0.service >/dev/null 2>&1 || systemctl cat xen-dom0-bench-render.service >/dev/null 2>&1; then
	skip "D-Bus GetAll" "not setup (a)"
	exit 0
fi
check_wait "xen-dom0.service is active" 300 systemctl is-active --quiet xen-dom0.service || exit 0
# shellcheck disable=SC2034 # used through the nameref below
dom0=(-d org.xenproject.Dom0 -p /org/xenproject/Dom0 -i org.xenproject.Dom0.Manager)
hostname1=(-d org.freedesktop.hostname1 -p /org/freedesktop/hostname1 -i org.freedesktop.hostname1)
# shellcheck disable=SC2034
getid=(-d org.freedesktop.DBus -p /org/freedesktop/DBus -i org.freedesktop.DBus -m GetId)
# shellcheck disable=SC2034
ping=(-d org.xenproject.Dom0 -p /org/xenproject/Dom0 -i org.freedesktop.DBus.Peer -m Ping)
check "hostname1 answers GetAll (activates systemd-hostnamed)" "$client" "${hostname1[@]}" -n 1

failed=0
for round in $(seq $rounds); do
	for clients in 1 16; do
		calls=$((clients == 1 ? 1000 : 100))
		for svc in dom0 getid ping hostname1; do
			declare -n args=$svc
			line=$(SYSTEST_STEP_TIMEOUT=300 step "$client" "${args[@]}" -c "$clients" -n "$calls" 2>&1) || failed=$((failed + 1))
			record "dbus.$round.c$clients.$svc" "$(tail -n 1 <<<"$line")"
			unset -n args
		done
	done
done
check "every GetAll, GetId and Ping run answered" test "$failed" -eq 0
