# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the cached dom0 root file system and extracts the Xen hypervisor.
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
	local list=$1 dest=$2 pkgs deb
	pkgs=$(systest_packages "$list")
	mkdir -p "$dest"

	# No mirror argument: mmdebstrap takes the host's own apt sources. The
	# hypervisor package is downloaded inside the hook, while the chroot still
	# has its package lists, so it has exactly the version of xen-utils that
	# the root file system got. It is never installed anywhere.
	# shellcheck disable=SC2016 # "$1" is expanded by mmdebstrap's hook shell
	timeout -k 30 "${SYSTEST_ROOTFS_TIMEOUT:-1200}" \
		mmdebstrap --variant=minbase --include="$pkgs" \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-include=/usr/share/locale/locale.alias' \
		--customize-hook='mkdir -p "$1/var/tmp/systest-xen" && chroot "$1" sh -c "cd /var/tmp/systest-xen && apt-get -q download xen-hypervisor-4.17-amd64"' \
		bookworm "$dest/root" \
		|| { echo "mmdebstrap failed or timed out (exit $?)" >&2; return 1; }

	deb=$(find "$dest/root/var/tmp/systest-xen" -name 'xen-hypervisor-4.17-amd64_*.deb' | head -n 1)
	[[ -n $deb ]] || { echo "the xen-hypervisor-4.17-amd64 download is missing" >&2; return 1; }
	mkdir -p "$dest/xen-deb"
	dpkg-deb -x "$deb" "$dest/xen-deb"
	zcat "$dest/xen-deb/boot/xen-4.17-amd64.gz" >"$dest/xen"
	dpkg-deb -f "$deb" Version >"$dest/xen-version"
	rm -rf "$dest/xen-deb" "$dest/root/var/tmp/systest-xen"

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
