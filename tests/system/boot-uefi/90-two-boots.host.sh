#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# On the host, after QEMU exited: one QEMU run, two boots of Xen: the first
# with the test host's command line (the ESP entry from tests/system/run --boot uefi), the
# second with the mark from the Xen image xen-dom0d made in dom0; then a
# clean poweroff.
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
log=$SYSTEST_CONSOLE_LOG
mark='dom0_mem=1100M,max:1200M'

# console_lines PATTERN: the console's lines (carriage returns dropped) matching PATTERN.
console_lines() { tr -d '\r' <"$log" | grep -a -- "$1"; }
xen_boots() { console_lines '(XEN) Xen version ' | wc -l; }
# xen_cmdline N: the command line Xen printed in its Nth boot.
xen_cmdline() { console_lines '^(XEN) Command line:' | sed -n "$1p"; }
first_without_mark() { ! xen_cmdline 1 | grep -q -- "$mark"; }

check_eq "Xen booted twice in the one run" 2 xen_boots
check "dom0 restarted the machine in between" grep -aq 'reboot: Restarting system' "$log"
check "the first boot's Xen had no mark" first_without_mark
check_match "the second boot's Xen had it" "$mark" xen_cmdline 2
if [[ $SYSTEST_RUNNER_FINISHED == 1 ]]; then
	check "the host powered off at the end" grep -aq 'reboot: Power down' "$log"
else
	skip "the host powered off at the end" "the runner did not finish"
fi
