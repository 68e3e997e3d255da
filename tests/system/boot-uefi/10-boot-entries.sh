#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# First boot (OVMF, systemd-boot, the Xen image tests/system/run put on the ESP): xen-dom0d's
# boot entry builder finds systemd-boot once the stack is up, writes a unified Xen image and a
# loader entry for the kernel-install entry of dom0's kernel, makes it the default and drops the
# harness's entry; a reload that changes dom0's memory and maximum rewrites it, and a reboot
# stays pending. Then the host reboots into it (20-after-reboot.sh). Also measures the builder
# against bootctl on the same host.
# systest-timeout: 600
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"

conf=/etc/xen/xen-dom0.conf
mark='dom0_mem=1100M,max:1200M'
P=/org/xenproject/Dom0 I=org.xenproject.Dom0.Manager
mkdir -p "$SYSTEST_ARTIFACTS"
prop() { timeout 10 busctl get-property org.xenproject.Dom0 $P $I "$1" | sed -E 's/^[a-z]+ //; s/^"(.*)"$/\1/'; }
entries_are() { [ "$(prop BootEntriesState)" = "$1" ]; }
# The builder's unit is a oneshot that systemd unloads once it succeeded, and its timestamps
# with it (systemctl show then reads 0): its runs are read from the journal of this boot.
builder_journal() { timeout 20 journalctl -b -u xen-dom0-boot-entries.service -o short-monotonic --no-pager -q; }
# builder_runs: how many times it started in this boot.
builder_runs() { builder_journal | grep -c ' systemd\[1\]: Starting ' || :; }
# builder_ms: how long its last run took, from systemd's Starting to its Finished.
builder_ms() {
	builder_journal | awk '{ t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t) }
		/ systemd\[1\]: Starting / { s = t + 0; e = "" }
		/ systemd\[1\]: Finished / { e = t + 0 }
		END { if (s != "" && e != "") printf "%d\n", (e - s) * 1000; else print "?" }'
}
ms_of() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }

check_eq "this is the run's first boot" 1 echo "${SYSTEST_BOOT:-}" || exit 0
check "the host booted through UEFI (/sys/firmware/efi)" test -d /sys/firmware/efi
check "the ESP is mounted at /boot/efi" mountpoint -q /boot/efi || exit 0
check_eq "bootctl finds it" /boot/efi bootctl --print-esp-path
check "bootctl says systemd-boot is installed" bootctl is-installed
stack_has_project || { skip "boot entries" "the project is not installed in this image"; exit 0; }
check "the Xen stack is up under xen-dom0d" stack_ensure_up || exit 0

esp=$(bootctl --print-esp-path 2>/dev/null)
mid=$(cat /etc/machine-id)
kver=$(uname -r)
id=$mid-$kver
check "kernel-install's entry for dom0's kernel is on the ESP" test -f "$esp/loader/entries/$id.conf"

# At start: the builder ran once the stack settled, and found systemd-boot.
SYSTEST_STEP_TIMEOUT=300 check_wait "the boot entries are current (the builder ran after the bring-up)" 300 \
	entries_are current || {
	journalctl -u xen-dom0-boot-entries.service -b --no-pager | tail -20 | while read -r l; do diag "$l"; done
	diag "BootEntriesState $(prop BootEntriesState): $(prop BootEntriesMessage)"
	exit 0
}
check_eq "the loader found is systemd-boot" systemd-boot prop BootLoader
check "the Xen image for the entry is there" test -s "$esp/EFI/xen/xen-$id.efi"
check "its loader entry is there" test -f "$esp/loader/entries/xen-$id.conf"
check_match "loader.conf makes it the default" "^default xen-$id\\.conf\$" cat "$esp/loader/loader.conf"
check_fail "the harness's first-boot entry is gone (stale)" test -e "$esp/loader/entries/xen-systest.conf"
check_fail "... and its image" test -e "$esp/EFI/xen/xen-systest.efi"
check_match "the next boot's command line keeps the serial console" 'console=com1' prop NextXenCommandLine
cp "$esp/loader/loader.conf" "$SYSTEST_ARTIFACTS/loader.conf.first"
cp "$esp/loader/entries/xen-$id.conf" "$SYSTEST_ARTIFACTS/xen-entry.conf.first"
timeout 20 objcopy -O binary --only-section=.config "$esp/EFI/xen/xen-$id.efi" "$SYSTEST_ARTIFACTS/xen.cfg.first" 2>/dev/null
while read -r l; do diag "first .config: $l"; done <"$SYSTEST_ARTIFACTS/xen.cfg.first"
first_ms=$(builder_ms)

# The builder against bootctl, side by side on this host: "bootctl update" has nothing to do
# when the ESP has the same systemd-boot (then it is "bootctl status", which reads every entry).
timeout 60 bootctl status --no-pager >"$SYSTEST_ARTIFACTS/bootctl-status.first" 2>&1
update_ms=$(ms_of timeout 60 bootctl update --no-variables)
update_out=$(timeout 60 bootctl update --no-variables 2>&1)
status_ms=$(ms_of timeout 60 bootctl status --no-pager)
diag "builder (objcopy + entry + loader.conf): ${first_ms} ms; bootctl update: ${update_ms} ms (${update_out:-no output}); bootctl status: ${status_ms} ms"

# A reload that changes dom0's memory and maximum: the builder runs, the reload does not wait.
cp "$conf" "$SYSTEST_ARTIFACTS/xen-dom0.conf.orig"
printf '\n[dom0Resources]\nmemory = 1100\nmaxMemory = 1200\n' >>"$conf"
runs0=$(builder_runs)
with_ms=$(ms_of systemctl reload xen-dom0)
check_eq "the reload succeeded" running prop State
check_eq "a reboot is pending" true prop PendingReboot
refreshed() { [ "$(builder_runs)" -gt "$runs0" ] && entries_are current; }
SYSTEST_STEP_TIMEOUT=300 check_wait "the entries are refreshed (the builder ran again)" 300 \
	bash -c "$(declare -f prop entries_are builder_journal builder_runs refreshed); runs0=$runs0 P=$P I=$I; refreshed"
check_match "the next boot's command line carries the new memory" "$mark" prop NextXenCommandLine
timeout 20 objcopy -O binary --only-section=.config "$esp/EFI/xen/xen-$id.efi" "$SYSTEST_ARTIFACTS/xen.cfg.second" 2>/dev/null
check_match "the image's .config carries it" "^options=.*$mark( |\$)" cat "$SYSTEST_ARTIFACTS/xen.cfg.second"
check_match "loader.conf still makes it the default" "^default xen-$id\\.conf\$" cat "$esp/loader/loader.conf"
check_match "the pending reasons name dom0's maximum" 'dom0Resources.maxMemory' prop PendingRebootReasons
refresh_ms=$(builder_ms)
check_match "xen-dom0ctl boot-entries lists the entry with it" "$mark" xen-dom0ctl --no-pager --full boot-entries
diag "reload latency with an entry refresh started: ${with_ms} ms; the refresh itself took ${refresh_ms} ms after it"
while read -r l; do diag "second .config: $l"; done <"$SYSTEST_ARTIFACTS/xen.cfg.second"
cp "$esp/loader/loader.conf" "$SYSTEST_ARTIFACTS/loader.conf.second"
sync

systest_reboot
