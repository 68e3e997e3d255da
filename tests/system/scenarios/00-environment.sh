#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
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
# One pass over the kernel's module lists: forks are dear in emulation.
# Module names treat "-" and "_" alike; file names keep either.
awk -v want="$modules" -v kernel="$(uname -r)" '
function key(path, k) { k = path; sub(/.*\//, "", k); sub(/\.ko.*/, "", k); gsub(/-/, "_", k); return k }
FILENAME ~ /modules\.dep$/ { sub(/:.*/, ""); module[key($0)] = $0; next }
{ builtin[key($0)] = 1 }
END {
	printf "%-20s %s\n", "MODULE", "STATE (kernel " kernel ")"
	n = split(want, names, /[ \n]+/)
	for (i = 1; i <= n; i++) {
		if (names[i] == "") continue
		k = names[i]; gsub(/-/, "_", k)
		state = (k in module) ? "module " module[k] : (k in builtin) ? "built in" : "absent"
		printf "%-20s %s\n", names[i], state
	}
}' "$kdir/modules.dep" "$kdir/modules.builtin" >"$out/modules.txt"
diag "$(cat "$out/modules.txt")"
check "modinfo knows the Xen device backends" modinfo xen-blkback xen-netback

lsmod >"$out/lsmod.txt"
# (Not "systemctl list-unit-files": it takes 15 s in emulation.)
ls -l /etc/systemd/system /etc/systemd/system/*.wants /lib/systemd/system >"$out/unit-files.txt" 2>&1
systemctl list-units --all --no-pager >"$out/units.txt"
systemctl status xen.service xendomains.service --no-pager >"$out/debian-xen-units.txt" 2>&1
ls -l /etc/init.d /etc/rc?.d >"$out/sysv.txt" 2>&1
findmnt >"$out/mounts.txt"
cat /proc/cmdline >"$out/cmdline.txt"
diag "xen.service: $(systemctl is-enabled xen.service 2>&1) / $(systemctl is-active xen.service 2>&1)"
diag "xendomains.service: $(systemctl is-enabled xendomains.service 2>&1) / $(systemctl is-active xendomains.service 2>&1)"
