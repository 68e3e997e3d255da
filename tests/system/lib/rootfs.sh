# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the cached dom0 root file system and takes the Xen hypervisor out of it.
# Sourced by tests/system/run. The cache key is a hash of this file and of
# packages.list, so any change here rebuilds the image.

# The package list without comments and blank lines, comma separated.
systest_packages() {
	sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$1" | paste -sd,
}

# systest_build_rootfs PACKAGES_LIST DEST: builds DEST/root (the dom0 root
# file system), DEST/xen (the hypervisor ELF image), DEST/vmlinuz and
# DEST/initrd.img (dom0 kernel and initrd) and DEST/packages.txt (installed
# versions). DEST must not exist yet.
systest_build_rootfs() {
	local list=$1 dest=$2 pkgs
	pkgs=$(systest_packages "$list")
	mkdir -p "$dest"

	# No mirror argument: mmdebstrap takes the host's own apt sources. The
	# hypervisor is a package of the list (xen-hypervisor-4.17-amd64), so it
	# has exactly the version of xen-utils that the root file system got;
	# with no /boot/grub in the image its postinst runs no update-grub.
	timeout -k 30 "${SYSTEST_ROOTFS_TIMEOUT:-1200}" \
		mmdebstrap --variant=minbase --include="$pkgs" \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-include=/usr/share/locale/locale.alias' \
		bookworm "$dest/root" \
		|| { echo "mmdebstrap failed or timed out (exit $?)" >&2; return 1; }

	# The -kernel boot gives QEMU the hypervisor's ELF image; GRUB loads
	# /boot/xen-*.gz from the disk itself.
	[[ -f $dest/root/boot/xen-4.17-amd64.gz ]] ||
		{ echo "/boot/xen-4.17-amd64.gz is missing (xen-hypervisor-4.17-amd64 not installed?)" >&2; return 1; }
	zcat "$dest/root/boot/xen-4.17-amd64.gz" >"$dest/xen"
	# shellcheck disable=SC2016 # a dpkg-query format, not an expansion
	dpkg-query --admindir="$dest/root/var/lib/dpkg" -W -f '${Version}\n' xen-hypervisor-4.17-amd64 >"$dest/xen-version"

	# The kernel and the initrd that initramfs-tools made inside the image.
	local kernel initrd
	kernel=$(find "$dest/root/boot" -name 'vmlinuz-*' | sort -V | tail -n 1)
	initrd=$(find "$dest/root/boot" -name 'initrd.img-*' | sort -V | tail -n 1)
	[[ -n $kernel && -n $initrd ]] || { echo "no kernel or initrd in the root file system" >&2; return 1; }
	cp "$kernel" "$dest/vmlinuz"
	cp "$initrd" "$dest/initrd.img"

	dpkg-query --admindir="$dest/root/var/lib/dpkg" -W >"$dest/packages.txt"
	touch "$dest/complete"
}
