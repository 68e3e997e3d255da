#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# xen-dom0-boot-entries as its unit runs it: the loader it picks, the result it leaves for the
# daemon, its exit status, and what it says when nothing can be done (no loader, no ESP, no
# efi.path, bad arguments). The GRUB and systemd-boot work itself is tested in test-boot-grub
# and test-boot-sdboot.
set -u
bin="${TOP_BUILDDIR:?}/daemon/xen-dom0-boot-entries"
. "$TOP_SRCDIR/tests/unit/lib-tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# field NAME: a key of the state file.
field() { python3 -c 'import json,sys; v = json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$tmp/state.json" "$1"; }
# run EXPECTED-EXIT DESCRIPTION ARGS...: the builder with a fresh state file.
run() {
	local want=$1 desc=$2 rc
	shift 2
	rm -f "$tmp/state.json"
	env -u XEN_DOM0_BOOT_LOADER -u XEN_DOM0_BOOT_VERBOSITY "$bin" --state "$tmp/state.json" "$@" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc: exit $want"; else nok "$desc: exit $rc, wanted $want"; show "$tmp/out" "$tmp/err"; fi
}
expect() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "wanted '$3', got '$2'"; fi; }
contains() { if grep -qF -- "$3" "$2"; then ok "$1"; else nok "$1: no '$3' in:"; show "$2"; fi; }

# Nothing to serve: no bootctl that says yes, no grub.cfg. Not a failure (a host booted by
# other means), but said.
run 0 "auto with no loader" --xen-options "dom0_mem=1G" --bootctl /bin/false --grub-cfg "$tmp/none/grub.cfg"
expect "auto with no loader: state unsupported" "$(field state)" unsupported
contains "auto with no loader: says how to choose" "$tmp/out" "set bootEntries.loader to say which"

# none: left alone, said at debug only.
run 0 "loader none" --loader none --xen-options "dom0_mem=1G"
expect "loader none: state disabled" "$(field state)" disabled
expect "loader none: quiet at the default verbosity" "$(cat "$tmp/out")" ""

# auto finds GRUB by its grub.cfg; an update-grub that fails makes the run fail.
mkdir -p "$tmp/boot/grub" && : >"$tmp/boot/grub/grub.cfg"
printf '#!/bin/sh\necho "grub-mkconfig: cannot write /boot/grub/grub.cfg.new: Read-only file system" >&2\nexit 1\n' >"$tmp/update-grub"
chmod +x "$tmp/update-grub"
run 1 "auto finding GRUB, update-grub failing" --xen-options "dom0_mem=1G" --bootctl /bin/false \
	--grub-cfg "$tmp/boot/grub/grub.cfg" --update-grub "$tmp/update-grub"
expect "... loader grub" "$(field loader)" grub
expect "... state failed" "$(field state)" failed
contains "... the message is update-grub's own last words" "$tmp/state.json" "Read-only file system"
run 1 "quiet, failing" --verbosity quiet --loader grub --xen-options "dom0_mem=1G" \
	--grub-cfg "$tmp/boot/grub/grub.cfg" --update-grub "$tmp/update-grub"
expect "quiet, failing: nothing on standard output" "$(cat "$tmp/out")" ""
contains "quiet, failing: still the reason on standard error (never silent)" "$tmp/err" "Read-only file system"

# systemd-boot with no ESP, and without efi.path.
printf '#!/bin/sh\n[ "$1" = is-installed ] && exit 0\nexit 1\n' >"$tmp/bootctl"
chmod +x "$tmp/bootctl"
run 1 "auto finding systemd-boot, no ESP" --xen-options "dom0_mem=1G" --xen-efi /boot/xen.efi --bootctl "$tmp/bootctl"
expect "... loader systemd-boot" "$(field loader)" systemd-boot
contains "... says where to mount the ESP" "$tmp/state.json" "mount the EFI system partition"
mkdir -p "$tmp/esp/loader/entries"
run 1 "systemd-boot without efi.path" --loader systemd-boot --esp "$tmp/esp" --xen-options "dom0_mem=1G"
contains "... says so" "$tmp/state.json" "efi.path is not set"
run 1 "systemd-boot with an efi.path that is not there" --loader systemd-boot --esp "$tmp/esp" \
	--xen-efi "$tmp/missing.efi" --xen-options "dom0_mem=1G"
contains "... names the file" "$tmp/state.json" "$tmp/missing.efi"

# Usage errors: exit 2, nothing written.
run 2 "an unknown loader" --loader lilo --xen-options x
contains "... names the choices" "$tmp/err" "auto, grub, systemd-boot or none"
[ ! -e "$tmp/state.json" ] && ok "... and writes no state" || nok "... and writes no state"
run 2 "no Xen command line" --loader none
contains "... points at the rendered file" "$tmp/err" "/run/xen-dom0/boot-entries.env"
run 2 "an unknown verbosity" --verbosity loud --xen-options x
run 0 "--help" --help
contains "--help names the environment" "$tmp/out" "XEN_DOM0_BOOT_LOADER"

# The state file cannot be written: the run fails and says which file.
run 1 "an unwritable state directory" --loader none --xen-options x --state "$tmp/no/such/dir/state.json"
contains "... names the file" "$tmp/err" "$tmp/no/such/dir/state.json"

# The kernel-install plugin: on add and remove it asks the daemon (RefreshBootEntries), and only
# where the daemon rendered the builder's input; it never fails kernel-install.
plugin="$TOP_SRCDIR/conf/95-xen-dom0.install"
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "$*" >>"%s"\n' "$tmp/busctl.calls" >"$tmp/bin/busctl"
chmod +x "$tmp/bin/busctl"
plug() { PATH="$tmp/bin:$PATH" XEN_DOM0_RUN_DIR="$tmp/run" sh "$plugin" "$@" >/dev/null 2>&1; }
rm -f "$tmp/busctl.calls"
plug add 6.1.0-28-amd64 /efi/x /boot/vmlinuz-6.1.0-28-amd64
if [ "$?" = 0 ] && [ ! -e "$tmp/busctl.calls" ]; then ok "plugin: without the daemon's rendered input, nothing is asked"; else nok "plugin: without the daemon's rendered input, nothing is asked"; fi
mkdir -p "$tmp/run" && : >"$tmp/run/boot-entries.env"
for cmd in add remove; do
	rm -f "$tmp/busctl.calls"
	plug "$cmd" 6.1.0-28-amd64 /efi/x
	if grep -q "RefreshBootEntries" "$tmp/busctl.calls" 2>/dev/null; then ok "plugin: $cmd asks the daemon to refresh"; else nok "plugin: $cmd asks the daemon to refresh"; fi
done
rm -f "$tmp/busctl.calls"
plug inspect 6.1.0-28-amd64
if [ ! -e "$tmp/busctl.calls" ]; then ok "plugin: other commands ask nothing"; else nok "plugin: other commands ask nothing"; fi
printf '#!/bin/sh\nexit 1\n' >"$tmp/bin/busctl"
plug add 6.1.0-28-amd64 /efi/x && ok "plugin: a daemon that does not answer does not fail kernel-install" ||
	nok "plugin: a daemon that does not answer does not fail kernel-install"

tap_done
