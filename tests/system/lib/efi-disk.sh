# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# A disk that boots through UEFI firmware (OVMF) and systemd-boot: a GPT
# with an EFI system partition (FAT32, filled with mtools) and a root
# partition (ext4 made with mkfs.ext4 -d), assembled in a plain file without
# mounting anything or using loop devices. Also a unified Xen EFI image (the
# hypervisor with its configuration as a .config section) and the QEMU
# arguments for OVMF with a per-run copy of its variable store.
#
# Host tools: sfdisk (fdisk), mkfs.vfat (dosfstools), mmd/mcopy (mtools),
# mkfs.ext4 (e2fsprogs), objcopy/objdump (binutils), OVMF (ovmf).

# Partition type GUIDs (UEFI specification; Discoverable Partitions).
EFI_DISK_ESP_TYPE=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
EFI_DISK_ROOT_TYPE=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709 # root, x86-64

# Settings the caller may change before efi_disk_build.
: "${EFI_DISK_ESP_MB:=200}"          # ESP size
: "${EFI_DISK_ROOT_EXTRA_MB:=1024}"  # free space on the root file system
: "${EFI_DISK_ESP_PARTUUID:=}"       # empty: a random one
: "${EFI_DISK_ROOT_PARTUUID:=}"      # empty: a random one
: "${EFI_OVMF_CODE:=/usr/share/OVMF/OVMF_CODE.fd}"
: "${EFI_OVMF_VARS:=/usr/share/OVMF/OVMF_VARS.fd}"
: "${EFI_SDBOOT:=/usr/lib/systemd/boot/efi/systemd-bootx64.efi}"

_efi_uuid() { cat /proc/sys/kernel/random/uuid; }

# efi_esp_fill IMAGE LIST: copies files into the FAT image IMAGE. Each line
# of LIST is "SOURCE DEST" (DEST: a path on the ESP, "/EFI/BOOT/BOOTX64.EFI";
# no blanks in either); blank lines and "#" lines are skipped. Directories
# are made as needed.
efi_esp_fill() {
	local img=$1 list=$2 src dest dir made=' / ' part parts
	while read -r src dest; do
		[[ -n $src && $src != '#'* ]] || continue
		[[ -n $dest && -f $src ]] || { echo "efi_esp_fill: bad line: $src $dest" >&2; return 1; }
		dest=/${dest#/}
		dir=''
		IFS=/ read -ra parts <<<"${dest%/*}"
		for part in "${parts[@]}"; do
			[[ -n $part ]] || continue
			dir+=/$part
			[[ $made == *" $dir "* ]] && continue
			MTOOLS_SKIP_CHECK=1 mmd -i "$img" "::$dir" 2>/dev/null || true
			made+="$dir "
		done
		MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img" "$src" "::$dest" ||
			{ echo "efi_esp_fill: mcopy $src ::$dest failed" >&2; return 1; }
	done <"$list"
}

# efi_disk_build DISK TREE LIST: makes the disk image DISK: partition 1 the
# ESP (EFI_DISK_ESP_MB MiB, FAT32, label ESP) with the files of LIST (see
# efi_esp_fill), partition 2 an ext4 root file system (label dom0-root) made
# from the directory TREE, which is only read. Sets EFI_DISK_ESP_PARTUUID
# and EFI_DISK_ROOT_PARTUUID (random unless set before).
efi_disk_build() {
	local disk=$1 tree=$2 list=$3 tmp used root_mb esp_start root_start total
	tmp=$(mktemp -d "${disk%/*}/.efi-disk.XXXXXX") || return 1
	[[ -n $EFI_DISK_ESP_PARTUUID ]] || EFI_DISK_ESP_PARTUUID=$(_efi_uuid)
	[[ -n $EFI_DISK_ROOT_PARTUUID ]] || EFI_DISK_ROOT_PARTUUID=$(_efi_uuid)

	# The ESP: FAT32 needs at least 65525 clusters; with 1 sector a cluster
	# 200 MiB has enough. mkfs.vfat -C makes the file itself (size in KiB).
	mkfs.vfat -F 32 -S 512 -s 1 -n ESP -C "$tmp/esp.img" $((EFI_DISK_ESP_MB * 1024)) >/dev/null ||
		{ rm -rf "$tmp"; echo "efi_disk_build: mkfs.vfat failed" >&2; return 1; }
	efi_esp_fill "$tmp/esp.img" "$list" || { rm -rf "$tmp"; return 1; }

	used=$(du -sm "$tree" | cut -f1)
	root_mb=$((used + EFI_DISK_ROOT_EXTRA_MB))
	truncate -s "${root_mb}M" "$tmp/root.img"
	mkfs.ext4 -q -F -L dom0-root -d "$tree" "$tmp/root.img" ||
		{ rm -rf "$tmp"; echo "efi_disk_build: mkfs.ext4 failed" >&2; return 1; }

	# 1 MiB before the ESP (protective MBR, GPT) and 1 MiB after the root
	# partition (the backup GPT). Offsets in MiB, sectors of 512 bytes.
	esp_start=1
	root_start=$((esp_start + EFI_DISK_ESP_MB))
	total=$((root_start + root_mb + 1))
	rm -f "$disk"
	truncate -s "${total}M" "$disk"
	sfdisk -q --no-reread --no-tell-kernel "$disk" <<EOF || { rm -rf "$tmp"; echo "efi_disk_build: sfdisk failed" >&2; return 1; }
label: gpt
unit: sectors
start=$((esp_start * 2048)), size=$((EFI_DISK_ESP_MB * 2048)), type=$EFI_DISK_ESP_TYPE, uuid=$EFI_DISK_ESP_PARTUUID, name="ESP"
start=$((root_start * 2048)), size=$((root_mb * 2048)), type=$EFI_DISK_ROOT_TYPE, uuid=$EFI_DISK_ROOT_PARTUUID, name="root"
EOF
	if ! dd if="$tmp/esp.img" of="$disk" bs=1M seek="$esp_start" conv=notrunc,sparse status=none ||
		! dd if="$tmp/root.img" of="$disk" bs=1M seek="$root_start" conv=notrunc,sparse status=none; then
		rm -rf "$tmp"
		echo "efi_disk_build: dd into $disk failed" >&2
		return 1
	fi
	rm -rf "$tmp"
}

# efi_disk_extract_root DISK FILE: the root partition of a disk efi_disk_build
# made, as FILE (sparse; the backup GPT after it comes along, which no file
# system reader minds).
efi_disk_extract_root() {
	timeout -k 5 300 dd if="$1" of="$2" bs=1M skip=$((1 + EFI_DISK_ESP_MB)) conv=sparse status=none
}

# efi_image_end IMAGE: the address after the last section of the PE image
# IMAGE, rounded up to 4 KiB, as 0x... (for Xen: the end of .pad). Bash
# arithmetic is signed 64 bit; Xen's addresses all have the top bit set, so
# they compare and add correctly among themselves.
efi_image_end() {
	local end=0 size vma e
	while read -r size vma; do
		e=$((0x$vma + 0x$size))
		((end == 0 || e > end)) && end=$e
	done < <(objdump -h "$1" | awk '$1 ~ /^[0-9]+$/ && NF >= 7 { print $3, $4 }')
	((end != 0)) || { echo "efi_image_end: no sections in $1" >&2; return 1; }
	printf '0x%016x\n' $(((end + 0xfff) & ~0xfff))
}

# efi_unified_image XEN_EFI CONFIG OUT [SECTION=FILE]...: OUT is XEN_EFI with
# CONFIG as its .config section, and each FILE as section .SECTION (kernel,
# ramdisk, xsm, ucode), placed one after the other behind the image's last
# section, each at a 4 KiB boundary (docs/misc/efi.pandoc in Xen).
efi_unified_image() {
	local xen=$1 cfg=$2 out=$3 vma size args=() pair name file
	shift 3
	vma=$(efi_image_end "$xen") || return 1
	for pair in "config=$cfg" "$@"; do
		name=${pair%%=*} file=${pair#*=}
		[[ -f $file ]] || { echo "efi_unified_image: no file $file" >&2; return 1; }
		args+=(--add-section ".$name=$file" --change-section-vma ".$name=$vma")
		size=$(stat -c %s "$file")
		vma=$(printf '0x%016x' $(((vma + size + 0xfff) & ~0xfff)))
	done
	objcopy "${args[@]}" "$xen" "$out"
}

# efi_xen_config OPTIONS KERNEL KERNEL_OPTIONS [RAMDISK]: the text of a Xen
# EFI configuration with one section "xen", the default. KERNEL and RAMDISK
# are paths on the ESP ("\dir\file" from its root, or relative to the
# directory of Xen's image); "/" is turned into "\", the only separator
# that the firmware's file system driver knows (OVMF refuses "/a/b" with
# EFI_INVALID_PARAMETER). Xen takes the first word of kernel= as the file name
# even when the image has a .kernel section: give one then too, or the
# first kernel option is lost.
efi_xen_config() {
	local kernel=${2//\//\\} ramdisk=${4//\//\\}
	printf '[global]\ndefault=xen\n\n[xen]\noptions=%s\nkernel=%s %s\n' "$1" "$kernel" "$3"
	[[ -z $ramdisk ]] || printf 'ramdisk=%s\n' "$ramdisk"
}

# efi_type1_entry MACHINE_ID VERSION TITLE OPTIONS: the loader entry that
# kernel-install (90-loaderentry.install) writes for a kernel, as
# loader/entries/MACHINE_ID-VERSION.conf, with the kernel at
# /MACHINE_ID/VERSION/linux and the initrd at
# /MACHINE_ID/VERSION/initrd.img-VERSION (its name in /boot).
efi_type1_entry() {
	printf 'title      %s\nversion    %s\nmachine-id %s\nsort-key   debian\noptions    %s\nlinux      /%s/%s/linux\ninitrd     /%s/%s/initrd.img-%s\n' \
		"$3" "$2" "$1" "$4" "$1" "$2" "$1" "$2" "$2"
}

# efi_qemu_firmware_args ARRAY VARS: appends to the array named ARRAY the
# QEMU options for OVMF: its code read-only, and VARS, a fresh copy of its
# variable store for this run (the firmware writes boot entries into it).
efi_qemu_firmware_args() {
	local -n _efi_args=$1
	cp "$EFI_OVMF_VARS" "$2" || return 1
	_efi_args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$EFI_OVMF_CODE"
		-drive "if=pflash,format=raw,unit=1,file=$2")
}
