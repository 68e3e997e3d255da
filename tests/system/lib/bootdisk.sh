# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The root disk of "tests/system/run --boot grub": an MBR disk with one ext4
# partition and GRUB for i386-pc in the MBR and the gap after it, booting the
# image's own Xen. Made from the root tree with no mount and no loop device:
# sfdisk on the file, mkfs.ext4 at the partition's offset, GRUB's boot.img and
# core.img written where grub-bios-setup would put them. Also the files of
# "--boot uefi" (systemd-boot, the first Xen entry; the disk itself is made by
# lib/efi-disk.sh). Sourced by tests/system/run (host side only).

# The partition starts at 1 MiB (sector 2048); sectors 1 to 2047 hold GRUB's
# core image, as on a disk partitioned by Debian's installer.
systest_grub_part_start=2048

# systest_grub_files ROOT XEN_CMDLINE DOM0_CMDLINE [GRUB_XEN]: GRUB's files in the tree
# ROOT. /boot/grub gets the i386-pc modules and the first boot's grub.cfg (the
# image's /boot/xen-*.gz with XEN_CMDLINE, its dom0 kernel with DOM0_CMDLINE,
# its initrd); /etc/default/grub and /etc/default/grub.d/zz-systest.cfg make
# update-grub in dom0 generate a menu that boots the same way: Xen first, GRUB
# and Xen on the serial console, dom0 on hvc0. update-grub gives Xen GRUB_XEN
# (default: XEN_CMDLINE) before what the project's own file adds.
systest_grub_files() {
	local root=$1 xen_cmdline=$2 dom0_cmdline=$3 grub_xen=${4:-$2} xen kernel initrd word linux_args=''
	xen=$(find "$root/boot" -maxdepth 1 -name 'xen-*.gz' -printf '%f\n' | sort -V | tail -n 1)
	kernel=$(find "$root/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sort -V | tail -n 1)
	initrd=initrd.img-${kernel#vmlinuz-}
	[[ -n $xen && -n $kernel && -f $root/boot/$initrd ]] ||
		{ echo "the image lacks /boot/xen-*.gz, a kernel or its initrd" >&2; return 1; }
	# The generated entries name the root file system by UUID themselves.
	for word in $dom0_cmdline; do
		[[ $word == root=* ]] || linux_args+=${linux_args:+ }$word
	done

	mkdir -p "$root/boot/grub/i386-pc"
	cp "$root"/usr/lib/grub/i386-pc/*.mod "$root"/usr/lib/grub/i386-pc/*.lst "$root/boot/grub/i386-pc/"
	cat >"$root/boot/grub/grub.cfg" <<EOF
# Written by tests/system/run --boot grub for the first boot; update-grub in
# dom0 replaces it.
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
insmod part_msdos
insmod ext2
insmod gzio
insmod multiboot2
menuentry 'Xen (tests/system/run)' {
	set root=(hd0,msdos1)
	multiboot2 /boot/$xen $xen_cmdline
	module2 /boot/$kernel $dom0_cmdline
	module2 --nounzip /boot/$initrd
}
EOF
	cat >"$root/etc/default/grub" <<EOF
# The test host's GRUB settings (tests/system/run --boot grub). update-grub
# reads this file, then /etc/default/grub.d/*.cfg in name order.
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="$linux_args"
GRUB_DISABLE_OS_PROBER=true
GRUB_DISABLE_RECOVERY=true
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
# Debian's xen.cfg then makes "Debian GNU/Linux, with Xen hypervisor" the
# default entry (without the warning it prints when this is unset).
XEN_OVERRIDE_GRUB_DEFAULT=1
EOF
	# 20_linux_xen gives Xen "GRUB_CMDLINE_XEN GRUB_CMDLINE_XEN_DEFAULT" (the
	# recovery entry GRUB_CMDLINE_XEN alone). The project owns
	# xen-dom0.cfg and its GRUB_CMDLINE_XEN_DEFAULT; the console and what else
	# the harness needs go first into GRUB_CMDLINE_XEN, from a file read after
	# the others, so they reach Xen whatever the other files set, and a value
	# set later on the line (the project's dom0_mem, say) still wins.
	cat >"$root/etc/default/grub.d/zz-systest.cfg" <<EOF
# tests/system/run --boot grub: what Xen needs on the test host (serial console).
GRUB_CMDLINE_XEN="$grub_xen\${GRUB_CMDLINE_XEN:+ \$GRUB_CMDLINE_XEN}"
EOF
}

# systest_grub_disk ROOT IMAGE SIZE_MB: writes IMAGE, a SIZE_MB MiB disk with an
# MBR partition table, one ext4 partition (label dom0-root) holding the tree
# ROOT from sector systest_grub_part_start to the end, and GRUB's boot sector
# and core image (from ROOT's own grub-pc-bin, made with its grub-mkimage).
systest_grub_disk() {
	local root=$1 img=$2 size_mb=$3 start=$systest_grub_part_start
	local grubdir=$root/usr/lib/grub/i386-pc core=$root/var/tmp/systest-core.img size
	# core.img: what finds /boot/grub on the first partition; the rest of
	# GRUB's modules it loads from there.
	timeout -k 5 60 chroot "$root" grub-mkimage -O i386-pc -o /var/tmp/systest-core.img \
		-p '(hd0,msdos1)/boot/grub' biosdisk part_msdos ext2 ||
		{ echo "grub-mkimage failed" >&2; return 1; }
	size=$(stat -c %s "$core")
	((size <= (start - 1) * 512)) ||
		{ echo "GRUB's core image ($size bytes) does not fit before the partition" >&2; return 1; }
	cp "$core" "$img.core"
	rm -f "$core"

	rm -f "$img"
	truncate -s "${size_mb}M" "$img"
	printf 'label: dos\nstart=%s, type=83, bootable\n' "$start" |
		timeout -k 5 60 sfdisk -q --no-reread --no-tell-kernel "$img" ||
		{ echo "sfdisk failed" >&2; return 1; }
	timeout -k 5 600 mkfs.ext4 -q -F -L dom0-root -E "offset=$((start * 512))" -d "$root" \
		"$img" "$((size_mb * 1024 - start / 2))k" ||
		{ echo "mkfs.ext4 of the root partition failed" >&2; return 1; }

	# What grub-bios-setup does for a BIOS disk: boot.img's code into the MBR
	# (the partition table and signature stay), its boot drive check replaced
	# by two nops (0x66: trust the drive the BIOS passes), and core.img from
	# sector 1. boot.img's default first core sector (1, at 0x5c) and
	# diskboot.img's default blocklist start (sector 2) fit this layout, and
	# grub-mkimage already wrote the blocklist's length.
	if ! { dd if="$grubdir/boot.img" of="$img" bs=440 count=1 conv=notrunc status=none &&
		printf '\x90\x90' | dd of="$img" bs=1 seek=$((0x66)) conv=notrunc status=none &&
		dd if="$img.core" of="$img" bs=512 seek=1 conv=notrunc status=none; }; then
		echo "writing GRUB's boot sector and core image failed" >&2
		return 1
	fi
	rm -f "$img.core"
}

# systest_grub_extract_fs IMAGE FILE: the root partition of IMAGE as FILE (for
# host scenarios, which read it with debugfs), sparse.
systest_grub_extract_fs() {
	timeout -k 5 300 dd if="$1" of="$2" bs=1M iflag=skip_bytes skip=$((systest_grub_part_start * 512)) \
		conv=sparse status=none
}

# systest_uefi_files ROOT DIR XEN_CMDLINE DOM0_CMDLINE: the files of
# "tests/system/run --boot uefi" (lib/efi-disk.sh makes the disk). In the tree
# ROOT: a fresh /etc/machine-id, the ESP in /etc/fstab at /boot/efi (by
# EFI_DISK_ESP_PARTUUID, chosen here when unset), and the project's [xen]
# bootParams (if its configuration is there) set to the words of XEN_CMDLINE
# other than dom0_mem and dom0_max_vcpus, so that the Xen entries it writes
# keep the serial console and the log levels. In DIR: the first boot's Xen
# configuration (xen-systest.cfg), its unified image and loader entry, and
# files.list, the ESP's contents for efi_disk_build: systemd-boot (as
# "bootctl install" puts it), loader/loader.conf (no menu, the harness's Xen
# entry the default), and the dom0 kernel and initrd with their Type #1 entry
# (DOM0_CMDLINE) as kernel-install writes them.
systest_uefi_files() {
	local root=$1 dir=$2 xen_cmdline=$3 dom0_cmdline=$4 kernel kver initrd xen_efi sdboot mid word params=''
	kernel=$(find "$root/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sort -V | tail -n 1)
	kver=${kernel#vmlinuz-}
	initrd=initrd.img-$kver
	xen_efi=$(find "$root/boot" -maxdepth 1 -name 'xen-*.efi' | sort -V | tail -n 1)
	sdboot=$root/usr/lib/systemd/boot/efi/systemd-bootx64.efi
	[[ -f $sdboot ]] || sdboot=$EFI_SDBOOT
	[[ -n $kernel && -f $root/boot/$initrd && -n $xen_efi ]] ||
		{ echo "the image lacks /boot/xen-*.efi, a kernel or its initrd" >&2; return 1; }
	[[ -f $sdboot ]] || { echo "no systemd-bootx64.efi (package systemd-boot-efi)" >&2; return 1; }

	mid=$(tr -d - </proc/sys/kernel/random/uuid)
	echo "$mid" >"$root/etc/machine-id"
	[[ -n $EFI_DISK_ESP_PARTUUID ]] || EFI_DISK_ESP_PARTUUID=$(cat /proc/sys/kernel/random/uuid)
	mkdir -p "$root/boot/efi"
	printf 'PARTUUID=%s /boot/efi vfat umask=0077 0 0\n' "$EFI_DISK_ESP_PARTUUID" >>"$root/etc/fstab"
	if [[ -f $root/etc/xen/xen-dom0.conf ]]; then
		for word in $xen_cmdline; do
			[[ $word == dom0_mem=* || $word == dom0_max_vcpus=* ]] || params+=${params:+ }$word
		done
		grep -q '^#bootParams =' "$root/etc/xen/xen-dom0.conf" ||
			{ echo "/etc/xen/xen-dom0.conf has no '#bootParams =' line to set" >&2; return 1; }
		sed -i "s|^#bootParams =.*|# tests/system/run --boot uefi: what Xen needs on the test host\nbootParams = $params|" \
			"$root/etc/xen/xen-dom0.conf"
	fi

	mkdir -p "$dir"
	printf 'timeout 0\ndefault xen-systest.conf\n' >"$dir/loader.conf"
	efi_type1_entry "$mid" "$kver" "Debian GNU/Linux 12 (bookworm)" "$dom0_cmdline" >"$dir/kernel-entry.conf"
	efi_xen_config "$xen_cmdline" "/$mid/$kver/linux" "$dom0_cmdline" "/$mid/$kver/$initrd" >"$dir/xen-systest.cfg"
	efi_unified_image "$xen_efi" "$dir/xen-systest.cfg" "$dir/xen-systest.efi" || return 1
	printf 'title Xen (tests/system/run, first boot)\nsort-key xen\nefi /EFI/xen/xen-systest.efi\n' >"$dir/xen-entry.conf"
	cat >"$dir/files.list" <<LIST
$sdboot /EFI/BOOT/BOOTX64.EFI
$sdboot /EFI/systemd/systemd-bootx64.efi
$dir/loader.conf /loader/loader.conf
$dir/kernel-entry.conf /loader/entries/$mid-$kver.conf
$root/boot/$kernel /$mid/$kver/linux
$root/boot/$initrd /$mid/$kver/$initrd
$dir/xen-entry.conf /loader/entries/xen-systest.conf
$dir/xen-systest.efi /EFI/xen/xen-systest.efi
LIST
}
