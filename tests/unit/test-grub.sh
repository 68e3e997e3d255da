#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Xen command line as GRUB gets it. grub-mkconfig sources the rendered
# /etc/default/grub.d/xen-dom0.cfg as shell, and 20_linux_xen pastes GRUB_CMDLINE_XEN_DEFAULT
# unquoted into the multiboot2 line of every Xen entry of grub.cfg: every value xen-dom0d
# accepts must survive both, and anything that would not is refused before it is rendered.
set -u
bin="${TOP_BUILDDIR:?}/daemon/xen-dom0d"
data="${TOP_SRCDIR:?}/tests/data"
. "$TOP_SRCDIR/tests/unit/lib-tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v grub-script-check >/dev/null ||
        { nok "grub-script-check is needed (package grub-common, see tools/install-deps)"; tap_done; exit 1; }

# A grub.cfg entry built as 20_linux_xen builds it, for the Xen arguments $1.
grub_entry() {
        cat <<-EOF
	menuentry 'Debian GNU/Linux, with Xen hypervisor' --class debian --class xen \$menuentry_id_option 'xen-gnulinux-simple' {
		insmod part_gpt
		echo	'Loading Xen 4.17-amd64 ...'
		if [ "\$grub_platform" = "pc" -o "\$grub_platform" = "" ]; then
		    xen_rm_opts=
		else
		    xen_rm_opts="no-real-mode edd=off"
		fi
		multiboot2	/xen-4.17-amd64.gz placeholder $1 \${xen_rm_opts}
		echo	'Loading Linux 6.1.0-18-amd64 ...'
		module2	/vmlinuz-6.1.0-18-amd64 placeholder root=/dev/vda1 ro quiet
	}
	EOF
}

# The check has teeth: a line GRUB cannot parse is caught.
grub_entry "a { b" >"$tmp/broken.cfg"
if grub-script-check "$tmp/broken.cfg" >/dev/null 2>&1; then nok "grub-script-check accepted a broken entry"; else
        ok "grub-script-check refuses an entry GRUB cannot parse"; fi

# check_rendered NAME CONF EXPECTED-VALUE: render CONF, then the snippet must be valid shell
# giving exactly EXPECTED-VALUE, and the grub.cfg entry made from it must be valid GRUB script.
check_rendered() {
        local name=$1 conf=$2 want=$3 cfg value
        rm -rf "$tmp/root"
        if ! "$bin" --render "$tmp/root" --config "$conf" >"$tmp/out" 2>&1; then
                nok "$name: not rendered"; show "$tmp/out"; return
        fi
        cfg="$tmp/root/etc/default/grub.d/xen-dom0.cfg"
        if sh -n "$cfg"; then ok "$name: the GRUB snippet is valid shell"; else nok "$name: sh -n $cfg"; fi
        value=$(env -i sh -c '. "$1" && printf %s "$GRUB_CMDLINE_XEN_DEFAULT"' sh "$cfg")
        if [ "$value" = "$want" ]; then ok "$name: sourcing the snippet gives the command line"; else
                nok "$name: sourced as '$value', wanted '$want'"; fi
        # 20_linux_xen: xen_args="${GRUB_CMDLINE_XEN} ${GRUB_CMDLINE_XEN_DEFAULT}", pasted as is.
        grub_entry " $value" >"$tmp/grub.cfg"
        if grub-script-check "$tmp/grub.cfg" >"$tmp/out" 2>&1; then ok "$name: grub-script-check accepts the entry"; else
                nok "$name: grub-script-check refuses the entry"; show "$tmp/out" "$tmp/grub.cfg"; fi
}

check_rendered "full.conf" "$data/render/full.conf" \
        "loglvl=all guest_loglvl=all dom0_mem=1024M,max:1536M dom0_max_vcpus=2 console=com1,vga com1=115200,8n1 iommu=no-intremap sched=credit2 ucode=scan"
check_rendered "defaults.conf" "$data/render/defaults.conf" ""
params="dom0_mem=1G+10% loglvl=all/all dbgp=ehci@pci0000:00:1d.0 cpufreq=xen:performance vga=gfx-1024x768x32 spec-ctrl=no-xen"
printf '[xen]\nbootParams = %s\n' "$params" >"$tmp/every-character.conf"
check_rendered "every allowed character" "$tmp/every-character.conf" "$params"

# Everything GRUB's script syntax or the shell gives a meaning to is refused by --check with
# the key, the line and the character, and --render writes nothing.
for c in ';' '#' '{' '}' '|' '&' '<' '>' '"' "'" '$' '\' '`' '(' ')' '[' ']' '*' '?' '!' '~' '^'; do
        printf '[xen]\nbootParams = iommu=1\n    console=vga%sx\n' "$c" >"$tmp/hostile.conf"
        rm -rf "$tmp/root"
        if "$bin" --check --config "$tmp/hostile.conf" >/dev/null 2>"$tmp/err"; then
                nok "bootParams with $c: accepted"
        elif grep -qF "hostile.conf:3: xen.bootParams: \"console=vga${c}x\" contains " "$tmp/err" &&
                grep -qF "which cannot be passed to the boot loader" "$tmp/err"; then
                ok "bootParams with $c: refused at its line"
        else
                nok "bootParams with $c: refused without naming key and line"; show "$tmp/err"
        fi
        "$bin" --render "$tmp/root" --config "$tmp/hostile.conf" >/dev/null 2>&1
        if [ -e "$tmp/root" ]; then nok "bootParams with $c: --render wrote files"; fi
done
grep -qF "contains '^'," "$tmp/err" && ok "the message names the character" || { nok "character not named"; show "$tmp/err"; }

tap_done
