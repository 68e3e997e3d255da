#!/bin/bash
# Records what the dom0 image offers later scenarios (kernel modules, Debian's
# Xen units, boot state) as artifacts, and checks that this is a Xen dom0.
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
out=$SYSTEST_ARTIFACTS

check_eq "dom0 runs on the Xen hypervisor" xen cat /sys/hypervisor/type
check_match "systemd finished starting the system" '^(running|degraded)$' \
	systemctl is-system-running

# Which Xen-related modules the dom0 kernel has (built in, module, or not at all).
modules="xen-evtchn xen-gntdev xen-gntalloc xen-blkback xen-netback xen-pciback
evtchn gntdev netbk blkbk xen-scsibk usbbk pciback xen-acpi-processor blktap2 tun
netxen_nic xen_wdt xen-privcmd xen-scsiback xenfs"
kdir=/lib/modules/$(uname -r)
{
	printf '%-20s %s\n' MODULE "STATE (kernel $(uname -r))"
	for m in $modules; do
		# Module names treat "-" and "_" alike; file names keep either.
		re="/${m//[-_]/[-_]}\\.ko(\\.[a-z]+)?"
		if file=$(grep -oE "[^ :]*$re" "$kdir/modules.dep" | head -n 1) && [[ -n $file ]]; then
			printf '%-20s %s\n' "$m" "module ${file#kernel/}"
		elif grep -qE "${re}\$" "$kdir/modules.builtin"; then
			printf '%-20s %s\n' "$m" "built in"
		else
			printf '%-20s %s\n' "$m" absent
		fi
	done
} >"$out/modules.txt"
diag "$(cat "$out/modules.txt")"
check "modinfo knows the Xen device backends" modinfo xen-blkback xen-netback

lsmod >"$out/lsmod.txt"
systemctl list-unit-files --no-pager >"$out/unit-files.txt"
systemctl list-units --all --no-pager >"$out/units.txt"
systemctl status xen.service xendomains.service --no-pager >"$out/debian-xen-units.txt" 2>&1
ls -l /etc/init.d /etc/rc?.d >"$out/sysv.txt" 2>&1
findmnt >"$out/mounts.txt"
cat /proc/cmdline >"$out/cmdline.txt"
diag "xen.service: $(systemctl is-enabled xen.service 2>&1) / $(systemctl is-active xen.service 2>&1)"
diag "xendomains.service: $(systemctl is-enabled xendomains.service 2>&1) / $(systemctl is-active xendomains.service 2>&1)"
