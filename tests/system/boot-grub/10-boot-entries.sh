#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# First boot (through the menu tests/system/run --boot grub wrote): xen-dom0d's boot entry
# builder runs Debian's update-grub once the stack is up; a reload that changes dom0's memory
# and maximum refreshes the entries without waiting for them, and a reboot stays pending; a
# broken 20_linux_xen fails loudly and loses nothing. Then the host reboots by itself into the
# new entries (20-after-reboot.sh). Also measures the builder against plain update-grub, and
# the reload with and without a refresh.
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
# builder_ms: how long the builder's last run took, from its unit's timestamps.
builder_ms() {
	local s e
	s=$(systemctl show -P ExecMainStartTimestampMonotonic xen-dom0-boot-entries.service)
	e=$(systemctl show -P ExecMainExitTimestampMonotonic xen-dom0-boot-entries.service)
	echo $(((e - s) / 1000))
}
builder_runs() { systemctl show -P ExecMainStartTimestampMonotonic xen-dom0-boot-entries.service; }
ms_of() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
default_entry() { sed -n "/^menuentry 'Debian GNU\/Linux, with Xen hypervisor'/,/^}/p" "$menu"; }

check_eq "this is the run's first boot" 1 echo "${SYSTEST_BOOT:-}" || exit 0
stack_has_project || { skip "boot entries" "the project is not installed in this image"; exit 0; }
check "the Xen stack is up under xen-dom0d" stack_ensure_up || exit 0

# At start: the builder ran once the stack settled, and found GRUB.
SYSTEST_STEP_TIMEOUT=300 check_wait "the boot entries are current (update-grub ran after the bring-up)" 300 \
	entries_are current || { journalctl -u xen-dom0-boot-entries.service --no-pager | tail -20 | while read -r l; do diag "$l"; done; exit 0; }
check_eq "the loader found is GRUB" grub prop BootLoader
check_match "the next boot's command line is the default entry's" 'console=com1' prop NextXenCommandLine
check_eq "no reboot is pending" false prop PendingReboot
cp "$menu" "$SYSTEST_ARTIFACTS/grub.cfg.first"
first_ms=$(builder_ms)

# The builder against plain update-grub, side by side on this host.
plain_ms=$(ms_of update-grub)
diag "builder (update-grub + reading grub.cfg back): ${first_ms} ms; plain update-grub: ${plain_ms} ms"

# A reload that changes dom0's memory and maximum: the builder runs, the reload does not wait.
cp "$conf" "$SYSTEST_ARTIFACTS/xen-dom0.conf.orig"
printf '\n[dom0Resources]\nmemory = 1100\nmaxMemory = 1200\n' >>"$conf"
runs0=$(builder_runs)
with_ms=$(ms_of systemctl reload xen-dom0)
check_eq "the reload succeeded" running prop State
check_eq "a reboot is pending (Xen booted with max:1536M)" true prop PendingReboot
SYSTEST_STEP_TIMEOUT=300 check_wait "the entries are refreshed" 300 \
	bash -c '[ "$(systemctl show -P ExecMainStartTimestampMonotonic xen-dom0-boot-entries.service)" != "$1" ] &&
		[ "$(busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager BootEntriesState)" = "s \"current\"" ]' _ "$runs0"
check_match "the next boot's command line carries the new memory" "$mark" prop NextXenCommandLine
check_match "grub.cfg's default Xen entry carries it" "multiboot2.* $mark( |\$)" default_entry
check_match "the pending reasons say the entries are current" \
	'bootEntries.loader: the grub boot entries are current: the next boot applies it' prop PendingRebootReasons
check_match "the pending reasons name dom0's maximum" 'dom0Resources.maxMemory' prop PendingRebootReasons
refresh_ms=$(builder_ms)
check_match "xen-dom0ctl status shows the next boot" "Next boot: .*$mark" xen-dom0ctl --no-pager status
check_match "xen-dom0ctl boot-entries lists the default entry with it" "$mark" xen-dom0ctl --no-pager --full boot-entries

# A reload that changes no boot input runs no builder.
runs1=$(builder_runs)
printf '\n[domains]\nextraConfig = XENDOMAINS_SAVE=\n' >>"$conf"
without_ms=$(ms_of systemctl reload xen-dom0)
sleep 2
check_eq "a reload that changes no boot input does not run the builder" "$runs1" builder_runs
diag "reload latency: ${with_ms} ms with an entry refresh started, ${without_ms} ms without; the refresh itself took ${refresh_ms} ms after it"

# A broken 20_linux_xen: update-grub writes no Xen entry. Nothing is lost, and it is said.
cp "$menu" "$SYSTEST_ARTIFACTS/grub.cfg.good"
chmod -x /etc/grub.d/20_linux_xen
runs2=$(builder_runs)
timeout 60 xen-dom0ctl --no-ask-password refresh-boot-entries >/dev/null
SYSTEST_STEP_TIMEOUT=300 check_wait "with 20_linux_xen off, the entries are reported as failed" 300 entries_are failed
check_match "... with the reason" 'wrote no Xen entry' prop BootEntriesMessage
check_match "... in the journal" 'Boot entries \(grub\) not refreshed' journalctl -u xen-dom0.service -b --no-pager
check_eq "... and the unit failed, as systemctl --failed shows" failed systemctl is-failed xen-dom0-boot-entries.service
check_match "xen-dom0ctl status says it" 'Boot entries: failed \(grub\): ' xen-dom0ctl --no-pager status
chmod +x /etc/grub.d/20_linux_xen
# update-grub rewrote grub.cfg without Xen entries (that is update-grub's own doing); a refresh
# puts them back.
timeout 60 xen-dom0ctl --no-ask-password refresh-boot-entries >/dev/null
SYSTEST_STEP_TIMEOUT=300 check_wait "mended, a refresh makes them current again" 300 entries_are current
check_match "grub.cfg's default Xen entry carries the new memory again" "multiboot2.* $mark( |\$)" default_entry
cp "$menu" "$SYSTEST_ARTIFACTS/grub.cfg.second"
systemctl reset-failed xen-dom0-boot-entries.service 2>/dev/null

systest_reboot
