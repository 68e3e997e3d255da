# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# For host-side scenarios of a run that rebooted once into new boot entries (--boot grub or
# --boot uefi): two Xen banners on the one console, a restart between them, a mark only on the
# second Xen command line, and a clean poweroff at the end. Needs lib/check.sh.

# _two_boots_lines PATTERN: the console's lines (carriage returns dropped) matching PATTERN.
_two_boots_lines() { tr -d '\r' <"$SYSTEST_CONSOLE_LOG" | grep -a -- "$1"; }
_two_boots_xen() { _two_boots_lines '(XEN) Xen version ' | wc -l; }
# _two_boots_cmdline N: the command line Xen printed in its Nth boot.
_two_boots_cmdline() { _two_boots_lines '^(XEN) Command line:' | sed -n "$1p"; }
# _two_boots_lacks N MARK: the Nth boot's command line does not hold MARK.
_two_boots_lacks() { ! _two_boots_cmdline "$1" | grep -q -- "$2"; }

# check_two_boots MARK
check_two_boots() {
	local mark=$1

	check_eq "Xen booted twice in the one run" 2 _two_boots_xen
	check "dom0 restarted the machine in between" grep -aq 'reboot: Restarting system' "$SYSTEST_CONSOLE_LOG"
	check "the first boot's Xen had no $mark" _two_boots_lacks 1 "$mark"
	check_match "the second boot's Xen had it" "$mark" _two_boots_cmdline 2
	if [[ $SYSTEST_RUNNER_FINISHED == 1 ]]; then
		check "the host powered off at the end" grep -aq 'reboot: Power down' "$SYSTEST_CONSOLE_LOG"
	else
		skip "the host powered off at the end" "the runner did not finish"
	fi
}
