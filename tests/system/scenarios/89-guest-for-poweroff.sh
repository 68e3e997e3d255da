#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Leaves guests running for the host's poweroff (checked on the host by
# 91-poweroff-guests.host.sh once QEMU has exited): one of xl's own, which xendomains.service
# must save on the way down, and three declared ones, pc after pb after pa, which systemd must
# shut down in reverse order (pc, pb, pa) before xendomains.
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

if ! stack_has_project; then
	skip "a guest is left for the poweroff" "the project is not installed in this image"
	exit 0
fi
check_wait "xendomains is active" 120 systemctl is-active --quiet xendomains.service
check "a guest that stays up is created" guest_create poweroff-guest stay
check "it printed its marker" guest_wait_up poweroff-guest
check "the watchdog is armed" systemctl is-active --quiet xen-watchdog.service
check_eq "nothing is saved yet" "" bash -c 'ls -A /var/lib/xen/save 2>/dev/null; true'

# The declared three: their units' After= drop-ins make systemd stop them in reverse order.
if ! stack_from_package; then
	skip "declared guests are left for the poweroff" "xen-dom0d is not installed from a package in this image"
	exit 0
fi
for g in pa pb pc; do
	after=
	[[ $g == pb ]] && after="after = pa"
	[[ $g == pc ]] && after="after = pb"
	cat >>/etc/xen/xen-dom0.conf <<-EOF2

		[guests.$g]
		$after

		[guests.$g.settings]
		name = "systest-$g"
		type = "pv"
		kernel = "$SYSTEST_GUEST_KERNEL"
		ramdisk = "$SYSTEST_GUEST_INITRD"
		extra = "console=hvc0 quiet systest.name=systest-$g systest.mode=stay systest.heartbeat=0"
		memory = 96
		vcpus = 1
		on_poweroff = "destroy"
		on_reboot = "destroy"
		on_crash = "destroy"
	EOF2
done
check "a reload declares pa, pb after pa, pc after pb" systemctl reload xen-dom0
for g in pa pb pc; do
	check_wait "xen-guest@$g is active" 180 systemctl is-active --quiet "xen-guest@$g.service"
done
check_wait "the supervisor counts them up" 120 sh -c 'xen-dom0ctl --no-pager status | grep -q "3 of 3 guests up"'
