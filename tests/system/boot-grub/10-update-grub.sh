#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# First boot (GRUB's menu as tests/system/run --boot grub wrote it): Debian's
# update-grub in dom0 makes a menu whose default Xen entry carries a Xen
# parameter set in /etc/default/grub.d/, next to the test host's own ones; then
# the host reboots. 20-after-reboot.sh checks that the reboot went through it.
# systest-timeout: 300
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"

# Sorts after the project's xen-dom0.cfg (which owns GRUB_CMDLINE_XEN_DEFAULT)
# and appends to it, so the mark reaches the entry with the project installed too.
mark_file=/etc/default/grub.d/xen-systest-boot-grub.cfg
mark='dom0_mem=1100M,max:1200M'
menu=/boot/grub/grub.cfg
# xen_entry: the default entry of the generated menu, Xen's simple one.
xen_entry() { sed -n "/^menuentry 'Debian GNU\/Linux, with Xen hypervisor'/,/^}/p" "$menu"; }

check_eq "this is the run's first boot" 1 echo "${SYSTEST_BOOT:-}" || exit 0
check "the Xen stack is up" stack_ensure_up
check_fail "Xen did not boot with the mark yet" bash -c "xl info xen_commandline | grep -qw -- '$mark'"
step xl list 0 >"$SYSTEST_ARTIFACTS/xl-list-0.txt" 2>&1
check "update-grub's Xen script and Debian's Xen settings are installed" \
	test -x /usr/sbin/update-grub -a -x /etc/grub.d/20_linux_xen -a -f /etc/default/grub.d/xen.cfg

# shellcheck disable=SC2016 # expanded by grub-mkconfig, which sources the file
printf '# Test only (tests/system/boot-grub): removed in the second boot.\nGRUB_CMDLINE_XEN_DEFAULT="${GRUB_CMDLINE_XEN_DEFAULT:+$GRUB_CMDLINE_XEN_DEFAULT }%s"\n' \
	"$mark" >"$mark_file"
# shellcheck disable=SC2016 # expanded by the inner shell
SYSTEST_STEP_TIMEOUT=240 check "update-grub generates $menu" \
	bash -c 'update-grub >"$1" 2>&1 || { cat "$1"; exit 1; }' _ "$SYSTEST_ARTIFACTS/update-grub.log" || exit 0
cp "$menu" "$SYSTEST_ARTIFACTS/grub.cfg"
check_match "the menu's default is the Xen entry" \
	'^ *set default="Debian GNU/Linux, with Xen hypervisor"' cat "$menu"
check_match "its Xen entry boots the packaged hypervisor with multiboot2" \
	$'^\tmultiboot2\t/boot/xen-4\\.17-amd64\\.gz ' xen_entry
check_match "Xen gets the test host's console (GRUB_CMDLINE_XEN) and then the mark (GRUB_CMDLINE_XEN_DEFAULT)" \
	"multiboot2.* console=com1 .* $mark( |\$)" xen_entry
check_match "dom0 gets the console and its root file system by UUID" \
	'module2.*vmlinuz.* root=UUID=[-0-9a-f]+ .*console=hvc0' xen_entry
check_match "the initrd is the third module" 'module2[[:space:]]+--nounzip[[:space:]]+/boot/initrd\.img-' xen_entry
check_match "GRUB stays on the serial console" '^terminal_output serial' cat "$menu"

systest_reboot
