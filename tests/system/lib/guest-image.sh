# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The boot files of the tiny PV test guest: a busybox initramfs whose /init is
# tests/system/guest/guest-init, and the dom0 kernel's uncompressed payload.
# Sourced on the host side only: by tests/system/run, which puts them in the
# image, and by tests/system/try-vm, whose declared guest boots from them.

# systest_guest_initramfs BUSYBOX GUEST_INIT OUT: the initramfs (newc, gzip) at OUT.
systest_guest_initramfs() {
	local tree
	tree=$(mktemp -d) || return 1
	mkdir -p "$tree"/{bin,sbin,dev,proc,sys}
	if ! cp "$1" "$tree/bin/busybox" || ! install -m 755 "$2" "$tree/init"; then
		rm -rf "$tree"
		return 1
	fi
	for cmd in poweroff reboot; do
		printf '#!/bin/busybox sh\nexec /bin/busybox %s -f\n' "$cmd" >"$tree/sbin/$cmd"
		chmod 755 "$tree/sbin/$cmd"
	done
	mknod -m 600 "$tree/dev/console" c 5 1
	(cd "$tree" && find . | cpio -o -H newc --quiet | gzip -1) >"$3"
	local rc=$?
	rm -rf "$tree"
	return $rc
}

# systest_guest_kernel BZIMAGE OUT: the kernel's ELF payload at OUT. Given the
# bzImage, xl would decompress the kernel inside dom0 at every guest creation,
# which takes seconds in emulation (boot protocol: the setup sectors at 0x1f1,
# payload_offset and payload_length at 0x248 in the setup header).
systest_guest_kernel() {
	local sects po pl
	sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$1")
	read -r po pl < <(od -An -tu4 -j $((0x248)) -N8 "$1")
	dd if="$1" of="$2.payload" bs=64K iflag=skip_bytes,count_bytes status=none \
		skip=$(((sects + 1) * 512 + po)) count="$pl"
	{ xz -dc --single-stream "$2.payload" || gzip -dc "$2.payload"; } >"$2" 2>/dev/null
	rm -f "$2.payload"
	[[ $(head -c 4 "$2") == $'\x7fELF' ]]
}
