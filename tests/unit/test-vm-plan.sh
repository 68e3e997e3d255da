#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# xen-dom0-vm --plan: what a configuration brings into the throwaway host, without a boot.
# Each declared guest's kernel, ramdisk and configFile are copied, its file and block device
# disks attached, the rest reported "not tried in the VM" with the reason; such a guest and
# every guest after it are off in the host's copy of the file, and only there.
set -u
. "${TOP_SRCDIR:?}/tests/unit/lib-tap.sh"
tool="${TOP_SRCDIR}/tools/xen-dom0-vm"
command -v python3 >/dev/null || skip_all "no python3"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

has() { # has DESCRIPTION TEXT: TEXT is a line of the plan's output
	if grep -qxF -- "$2" "$tmp/out"; then ok "$1"; else nok "$1: no line '$2' in:"; show "$tmp/out" "$tmp/err"; fi
}
lacks() { # lacks DESCRIPTION TEXT
	if grep -qF -- "$2" "$tmp/out"; then nok "$1: '$2' in:"; show "$tmp/out"; else ok "$1"; fi
}

echo kernel >"$tmp/vmlinuz"
echo ramdisk >"$tmp/initrd"
truncate -s 1M "$tmp/a.img" "$tmp/my disk.img"
cat >"$tmp/b.cfg" <<CFG
name = "b"
kernel = "$tmp/vmlinuz"
memory = 64
disk = [ 'file:$tmp/a.img,xvda,w' ]
CFG
cat >"$tmp/host.conf" <<CONF
[guests.a]
autostart = true
[guests.a.settings]
name = "a"
kernel = "$tmp/vmlinuz"
ramdisk = "$tmp/initrd"
memory = 64
disk = [ "format=raw, vdev=xvda, access=rw, target=$tmp/a.img", "vdev=xvdb, devtype=cdrom, target=" ]

[guests.b]
configFile = $tmp/b.cfg
after = a

[guests.c]
autostart = true
after = b
[guests.c.settings]
name = "c"
kernel = "$tmp/vmlinuz"
memory = 64
disk = [ "vdev=xvda, script=iscsi, target=iqn.2001-04.com.example:storage" ]

[guests.d]
after = c
[guests.d.settings]
name = "d"
kernel = "$tmp/vmlinuz"
memory = 64

[guests.e]
autostart = false
[guests.e.settings]
name = "e"
kernel = "$tmp/no-such-kernel"
memory = 64
disk = [ "$tmp/no-such-disk,raw,xvda,rw", "phy:/dev/null,xvdb,w", "vdev=xvdc, backend=storage, target=/dev/vg0/e",
	"vdev=xvdd, target=$tmp/my disk.img" ]
CONF
cp "$tmp/host.conf" "$tmp/before"

"$tool" --plan --builddir "${TOP_BUILDDIR:?}" "$tmp/host.conf" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 0 ]; then ok "--plan exits 0"; else nok "--plan exits 0 (exit $rc)"; show "$tmp/out" "$tmp/err"; fi
p=xen-dom0-vm
has "a's kernel is copied" "$p: guest a: its kernel $tmp/vmlinuz is copied into the host"
has "a's ramdisk is copied" "$p: guest a: its ramdisk $tmp/initrd is copied into the host"
has "a's file disk is attached" "$p: guest a: its disk $tmp/a.img is attached to the host copy-on-write"
has "b's configFile is copied" "$p: guest b: its configFile $tmp/b.cfg is copied into the host"
has "b's disk, in the legacy form with a prefix, is attached" \
	"$p: guest b: its disk $tmp/a.img is attached to the host copy-on-write"
has "a disk made by a block script is not tried" \
	"$p: guest c: not tried in the VM: iqn.2001-04.com.example:storage: it is made by the block script iscsi"
has "so c is not started" "$p: guest c: not started in the VM: its disk iqn.2001-04.com.example:storage cannot be tried"
has "nor d, which starts after c" "$p: guest d: not started in the VM: it starts after c, which is not tried"
has "a missing kernel is not tried" \
	"$p: guest e: not tried in the VM: $tmp/no-such-kernel: the kernel does not exist on this machine"
has "a missing disk is not tried" \
	"$p: guest e: not tried in the VM: $tmp/no-such-disk: it does not exist on this machine"
has "a disk that is neither a file nor a block device is not tried" \
	"$p: guest e: not tried in the VM: /dev/null: it is neither a file nor a block device"
has "a disk whose path QEMU cannot take is not tried, not refused by the boot" \
	"$p: guest e: not tried in the VM: $tmp/my disk.img: QEMU's -drive option cannot take its blank, comma or quote"
has "a disk served by another domain is not tried" \
	"$p: guest e: not tried in the VM: /dev/vg0/e: its backend is domain storage"
lacks "e, off already, is not turned off again" "guest e: not started"
lacks "an empty CD-ROM drive is no disk" "xvdb"
# The host's copy: c's own line rewritten in place, d's section added at the end.
has "c's autostart line is rewritten in place" "  -autostart = true"
has "to false" "  +autostart = false"
line=$(grep -n '^autostart = true$' "$tmp/host.conf" | sed -n '2s/:.*//p') # c's
has "on its own line number ($line)" "  @@ -$line +$line @@"
has "d gets a section of its own" "  +[guests.d]"
if cmp -s "$tmp/before" "$tmp/host.conf"; then ok "the file itself is not changed"; else nok "the file itself is not changed"; fi
has "nothing is booted" "$p: --plan: nothing booted"

# An invalid file: every error, no plan.
printf '[guests.x]\nafter = y\n' >"$tmp/bad.conf"
"$tool" --plan --builddir "$TOP_BUILDDIR" "$tmp/bad.conf" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 1 ]; then ok "an invalid file exits 1"; else nok "an invalid file exits 1 (exit $rc)"; show "$tmp/out"; fi
has "and says nothing was booted" "$p: $tmp/bad.conf is invalid: nothing was booted"
"$tool" --plan >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 2 ]; then ok "no FILE is a usage error"; else nok "no FILE is a usage error (exit $rc)"; show "$tmp/out"; fi
tap_done
