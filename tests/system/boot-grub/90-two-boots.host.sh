#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# On the host, after QEMU exited: one QEMU run, two boots of Xen: the first
# with the test host's command line (GRUB's menu from tests/system/run), the
# second with the mark from the menu update-grub generated in dom0; then a
# clean poweroff.
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
log=$SYSTEST_CONSOLE_LOG
mark='dom0_mem=1100M,max:1200M'

check_eq "Xen booted twice in the one run" 2 bash -c "tr -d '\r' <'$log' | grep -ac '(XEN) Xen version '"
check "dom0 restarted the machine in between" grep -aq 'reboot: Restarting system' "$log"
check_fail "the first boot's Xen had no mark" bash -c "tr -d '\r' <'$log' | grep -a '^(XEN) Command line:' | head -n 1 | grep -q -- '$mark'"
check_match "the second boot's Xen had it" "$mark" bash -c "tr -d '\r' <'$log' | grep -a '^(XEN) Command line:' | sed -n 2p"
if [[ $SYSTEST_RUNNER_FINISHED == 1 ]]; then
	check "the host powered off at the end" grep -aq 'reboot: Power down' "$log"
else
	skip "the host powered off at the end" "the runner did not finish"
fi
