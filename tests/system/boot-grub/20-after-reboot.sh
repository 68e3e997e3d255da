#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Second boot: the host came back through the menu update-grub generated in
# 10-update-grub.sh: Xen has the mark of /etc/default/grub.d/ on its command
# line and gave dom0 the memory it sets; dom0 found its root by UUID.
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"

mark_file=/etc/default/grub.d/xen-systest-boot-grub.cfg
mark='dom0_mem=1100M,max:1200M'

check_eq "this is the run's second boot (the runner went on after the reboot)" 2 echo "${SYSTEST_BOOT:-}" || exit 0
check "the Xen stack is up" stack_ensure_up
check_match "Xen booted with the mark update-grub put into its entry" "(^| )$mark( |\$)" xl info xen_commandline
check_match "Xen kept the test host's console" '(^| )console=com1( |$)' xl info xen_commandline
check_match "dom0 booted from the generated entry (root by UUID, not the first boot's root=/dev/vda1)" \
	'(^| )root=UUID=' cat /proc/cmdline
# dom0_mem=1100M: dom0 starts with 1100 MiB (the first boot's menu gave it
# 1024; allow a few MiB less, should Xen keep some back).
mib=$(timeout 20 xl list 0 | awk 'NR == 2 { print $3 }')
check "dom0 has the 1100 MiB of the mark (xl list 0: ${mib:-?} MiB)" test "${mib:-0}" -ge 1090 -a "${mib:-0}" -le 1100
check "the test-only GRUB setting is removed" rm -f "$mark_file"
