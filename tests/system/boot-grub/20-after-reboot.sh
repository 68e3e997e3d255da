#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Second boot: the host came back through the entries xen-dom0d's builder wrote in the first
# boot: Xen runs the new command line, dom0 has the new memory, no reboot is pending, and the
# builder did not run again (its entries were current for the same inputs).
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"

mark='dom0_mem=1100M,max:1200M'
P=/org/xenproject/Dom0 I=org.xenproject.Dom0.Manager
prop() { timeout 10 busctl get-property org.xenproject.Dom0 $P $I "$1" | sed -E 's/^[a-z]+ //; s/^"(.*)"$/\1/'; }

check_eq "this is the run's second boot (the runner went on after the reboot)" 2 echo "${SYSTEST_BOOT:-}" || exit 0
stack_has_project || { skip "boot entries after the reboot" "the project is not installed in this image"; exit 0; }
check "the Xen stack is up under xen-dom0d" stack_ensure_up
check_match "Xen booted with the new memory (xl info xen_commandline)" "(^| )$mark( |\$)" xl info xen_commandline
check_match "dom0 booted from the generated entry (root by UUID)" '(^| )root=UUID=' cat /proc/cmdline
mib=$(timeout 20 xl list 0 | awk 'NR == 2 { print $3 }')
check "dom0 has the 1100 MiB configured (xl list 0: ${mib:-?} MiB)" test "${mib:-0}" -ge 1090 -a "${mib:-0}" -le 1100
check_match "XenCommandLine says so too" "$mark" prop XenCommandLine
# shellcheck disable=SC2016 # expanded by the inner shell
check_wait "no reboot is pending" 60 bash -c '[ "$(busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager PendingReboot)" = "b false" ]'
check_eq "the boot entries are current" current prop BootEntriesState
# Its unit is unloaded after a successful run (its timestamps then read 0): the journal says.
builder_runs() { timeout 20 journalctl -b -u xen-dom0-boot-entries.service --no-pager -q | grep -c ' systemd\[1\]: Starting ' || :; }
check_eq "the builder did not run in this boot (same inputs, current entries)" 0 builder_runs
