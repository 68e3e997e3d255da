#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# First boot (through the menu tests/system/run --boot grub wrote): xen-dom0d's boot entry
# builder runs Debian's update-grub once the stack is up; a reload that changes dom0's memory
# and maximum while update-grub cannot run fails loudly and loses nothing; mended, a refresh
# puts the new line into the entries without the reload waiting for it, and a reboot stays
# pending. Then the host reboots by itself into the new entries (20-after-reboot.sh). Also
# measures the builder against the update-grub it runs, and the reload with and without a
# refresh.
# systest-timeout: 600
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"

conf=/etc/xen/xen-dom0.conf
menu=/boot/grub/grub.cfg
mark='dom0_mem=1100M,max:1200M'
P=/org/xenproject/Dom0 I=org.xenproject.Dom0.Manager
mkdir -p "$SYSTEST_ARTIFACTS"
prop() { timeout 10 busctl get-property org.xenproject.Dom0 $P $I "$1" | sed -E 's/^[a-z]+ //; s/^"(.*)"$/\1/'; }
entries_are() { [ "$(prop BootEntriesState)" = "$1" ]; }
# builder_runs: when the builder last finished, from what it leaves for the daemon.
builder_runs() { jq .finished_usec /var/lib/xen-dom0d/boot-entries.json; }
ms_of() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
default_entry() { sed -n "/^menuentry 'Debian GNU\/Linux, with Xen hypervisor'/,/^}/p" "$menu"; }

check_eq "this is the run's first boot" 1 echo "${SYSTEST_BOOT:-}" || exit 0
stack_has_project || { skip "boot entries" "the project is not installed in this image"; exit 0; }
check "the Xen stack is up under xen-dom0d" stack_ensure_up || exit 0

# At start: the builder ran once the stack settled, and found GRUB. (update-grub takes a
# minute or two under emulation: this scenario runs it twice, at start and once more.)
SYSTEST_STEP_TIMEOUT=300 check_wait "the boot entries are current (update-grub ran after the bring-up)" 300 \
	entries_are current || { journalctl -u xen-dom0-boot-entries.service --no-pager | tail -20 | while read -r l; do diag "$l"; done; exit 0; }
check_eq "the loader found is GRUB" grub prop BootLoader
check_match "the next boot's command line is the default entry's" 'console=com1' prop NextXenCommandLine
check_eq "no reboot is pending" false prop PendingReboot
cp "$menu" "$SYSTEST_ARTIFACTS/grub.cfg.first"

# update-grub fails (a file of /etc/default/grub.d it sources does not parse) while a reload
# changes dom0's memory and maximum: the reload goes through, the failure is said everywhere,
# and grub.cfg is as it was.
cp "$conf" "$SYSTEST_ARTIFACTS/xen-dom0.conf.orig"
printf 'if\n' >/etc/default/grub.d/zz-broken.cfg
printf '\n[dom0Resources]\nmemory = 1100\nmaxMemory = 1200\n' >>"$conf"
check "the reload succeeds" timeout 120 systemctl reload xen-dom0
check_eq "a reboot is pending (Xen booted with max:1536M)" true prop PendingReboot
SYSTEST_STEP_TIMEOUT=300 check_wait "the entries are reported as failed" 300 entries_are failed
check_match "... with update-grub's reason" 'zz-broken.cfg' prop BootEntriesMessage
check "... grub.cfg is as it was" cmp -s "$menu" "$SYSTEST_ARTIFACTS/grub.cfg.first"
check_match "... the next boot's line is still the old one" 'max:1536M' prop NextXenCommandLine
check_match "... a pending reason says they could not be refreshed" \
	'bootEntries.loader: the grub boot entries could not be refreshed' prop PendingRebootReasons
check_match "... the journal says so" 'Boot entries \(grub\) not refreshed' journalctl -u xen-dom0.service -b --no-pager
check_eq "... the unit failed, as systemctl --failed shows" failed systemctl is-failed xen-dom0-boot-entries.service
check_match "... xen-dom0ctl status says it" 'Boot entries: failed \(grub\): ' xen-dom0ctl --no-pager status

# Mended, with the builder at debug verbosity: a reload that changes only a boot input (the
# verbosity is one) starts the refresh and replies without waiting for it.
rm -f /etc/default/grub.d/zz-broken.cfg
systemctl reset-failed xen-dom0-boot-entries.service
printf '\n[efi]\nbootBuilderVerbosity = debug\n' >>"$conf"
runs0=$(builder_runs)
with_ms=$(ms_of systemctl reload xen-dom0)
check_eq "the reload replied while the builder still runs" refreshing prop BootEntriesState
refreshed_since() { [ "$(builder_runs)" != "$1" ] && entries_are current; }
SYSTEST_STEP_TIMEOUT=300 check_wait "the entries are refreshed" 300 refreshed_since "$runs0"
check_match "the next boot's command line carries the new memory" "$mark" prop NextXenCommandLine
check_match "grub.cfg's default Xen entry carries it" "multiboot2.* $mark( |\$)" default_entry
check_match "the pending reasons say the entries are current" \
	'bootEntries.loader: the grub boot entries are current: the next boot applies it' prop PendingRebootReasons
check_match "the pending reasons name dom0's maximum" 'dom0Resources.maxMemory' prop PendingRebootReasons
check_match "xen-dom0ctl status shows the next boot" "Next boot: .*$mark" xen-dom0ctl --no-pager status
check_match "xen-dom0ctl boot-entries lists the default entry with it" "$mark" xen-dom0ctl --no-pager --full boot-entries
check_match "at debug verbosity the journal has update-grub's own lines" 'update-grub: ' \
	journalctl -u xen-dom0-boot-entries.service -b --no-pager
cp "$menu" "$SYSTEST_ARTIFACTS/grub.cfg.second"
state=/var/lib/xen-dom0d/boot-entries.json
total=$(jq .total_usec "$state") tool=$(jq .tool_usec "$state")
diag "builder: ${total} us in all, of which update-grub ${tool} us (ratio $(awk -v a="$total" -v b="$tool" 'BEGIN { printf "%.3f", a / b }'))"

# A reload that changes no boot input runs no builder.
runs1=$(builder_runs)
printf '\n[domains]\nextraConfig = XENDOMAINS_SAVE=\n' >>"$conf"
without_ms=$(ms_of systemctl reload xen-dom0)
sleep 2
check_eq "a reload that changes no boot input does not run the builder" "$runs1" builder_runs
diag "reload latency (systemctl reload xen-dom0): ${with_ms} ms with an entry refresh started, ${without_ms} ms without; the refresh itself ran $((total / 1000)) ms after it"

systest_reboot
