#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bench, setup (a): ten tiny PV guests (the test kit's busybox guest), started two ways from
# none running, each timed until all ten domains exist (xl list):
#   (1) as files of /etc/xen/auto, by xendomains (systemctl restart xendomains.service): it
#       creates them one after another, sleeping XENDOMAINS_CREATE_USLEEP between them;
#   (2) declared as [guests.*] with no order, by a reload of xen-dom0d: their xen-guest@ units
#       start together.
# Writes "KEY VALUE" lines to $SYSTEST_ARTIFACTS/bench.txt for bench/run; nothing is judged.
# systest-timeout: 600
# shellcheck source=../../tests/system/lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../../tests/system/lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

out=$SYSTEST_ARTIFACTS/bench.txt
record() { printf '%s %s\n' "$1" "$2" >>"$out"; diag "$1 $2"; }
if ! systemctl cat xen-dom0.service >/dev/null 2>&1; then
	skip "ten guests: xendomains against declared" "xen-dom0d is not installed (setup b or c)"
	exit 0
fi
conf=/etc/xen/xen-dom0.conf
n=10
names=()
for ((i = 0; i < n; i++)); do names+=("bten$i"); done
cp "$conf" /tmp/xen-dom0.conf.ten-orig
cleanup() {
	for g in "${names[@]}"; do
		systemctl stop "xen-guest@$g.service" >/dev/null 2>&1
		xl destroy "systest-$g" >/dev/null 2>&1
		rm -f "/etc/xen/auto/$g.cfg"
	done
	cp /tmp/xen-dom0.conf.ten-orig "$conf"
	systemctl reload xen-dom0 >/dev/null 2>&1
	systemctl restart xendomains.service >/dev/null 2>&1
}
trap cleanup EXIT
settings() { # NAME: the guest's xl.cfg keys, as both ways use them
	cat <<-EOF
		name = "systest-$1"
		type = "pv"
		kernel = "$SYSTEST_GUEST_KERNEL"
		ramdisk = "$SYSTEST_GUEST_INITRD"
		extra = "console=hvc0 quiet systest.name=systest-$1 systest.mode=stay systest.heartbeat=0"
		memory = 96
		vcpus = 1
		on_poweroff = "destroy"
		on_reboot = "destroy"
		on_crash = "destroy"
	EOF
}
running() { # how many of the ten domains exist
	local c=0 g
	for g in "${names[@]}"; do xl domid "systest-$g" >/dev/null 2>&1 && c=$((c + 1)); done
	echo "$c"
}
all_running() { [[ $(running) -eq $n ]]; }
none_running() { [[ $(running) -eq 0 ]]; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

check_wait "the stack is running" 180 systemctl is-active --quiet xen-dom0.service
check_eq "no other guest runs (xendomains' restart would save it)" "0" sh -c 'xl list | tail -n +2 | awk "\$2 != 0" | wc -l'

# (1) xendomains
mkdir -p /etc/xen/auto
for g in "${names[@]}"; do settings "$g" >"/etc/xen/auto/$g.cfg"; done
t0=$(now_ms)
systemctl restart xendomains.service &
restart=$!
check_wait "xendomains started the ten guests" 400 all_running
t1=$(now_ms)
wait "$restart"
record guests10.xendomains_ms $((t1 - t0))
for g in "${names[@]}"; do xl destroy "systest-$g" >/dev/null 2>&1; rm -f "/etc/xen/auto/$g.cfg"; done
check_wait "they are gone" 120 none_running
check "xendomains restarts with the directory empty again" systemctl restart xendomains.service

# (2) declared, no order
for g in "${names[@]}"; do
	printf '\n[guests.%s.settings]\n' "$g"
	settings "$g"
done >>"$conf"
t0=$(now_ms)
check "a reload declaring the ten guests" systemctl reload xen-dom0
check_wait "xen-dom0d started the ten guests" 400 all_running
t1=$(now_ms)
record guests10.declared_ms $((t1 - t0))
record guests10.ratio "$(awk -v a="$((t1 - t0))" -v b="$(awk '$1 == "guests10.xendomains_ms" { print $2 }' "$out")" 'BEGIN { printf "%.2f", a / b }')"
exit 0
