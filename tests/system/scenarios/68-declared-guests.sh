#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Declared guests and [xl]: a reload renders a guest's xl.cfg and xl.conf; the guest runs as
# xen-guest@NAME.service with xl as its monitor, its console output in the journal, and its
# stop shuts the domain down, under the name it was started with, its own or NAME. xendomains
# starts /etc/xen/auto but the declared guest's file.
# /etc/xen/xl.conf is the rendered file, and stays so across a reinstall of Debian's
# xen-utils-common, whose own xl.conf is diverted.
# systest-timeout: 540
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

if ! stack_from_package; then
	skip "declared guests" "xen-dom0d is not installed from a package in this image"
	exit 0
fi
conf=/etc/xen/xen-dom0.conf
cp "$conf" /tmp/xen-dom0.conf.guests-orig
cleanup() {
	systemctl stop xen-guest@decl1.service xen-guest@systest-plain.service >/dev/null 2>&1
	cp /tmp/xen-dom0.conf.guests-orig "$conf"
	systemctl reload xen-dom0 >/dev/null 2>&1
	if [[ -n ${auto_added:-} ]]; then
		rm -f /etc/xen/auto/decl1.cfg /etc/xen/auto/legacy.cfg
		systemctl restart xendomains.service >/dev/null 2>&1
	fi
	guests_cleanup
}
trap cleanup EXIT
# settings DOMAIN: the settings of a small PV guest of the kit that stays up, its domain DOMAIN
settings() {
	cat <<-EOF2
		type = "pv"
		kernel = "$SYSTEST_GUEST_KERNEL"
		ramdisk = "$SYSTEST_GUEST_INITRD"
		extra = "console=hvc0 quiet systest.name=$1 systest.mode=stay systest.heartbeat=0"
		memory = $SYSTEST_GUEST_MEMORY
		vcpus = 1
		on_poweroff = "destroy"
		on_reboot = "destroy"
		on_crash = "destroy"
	EOF2
}
check_wait "the stack is running" 180 systemctl is-active --quiet xen-dom0.service

cat >>"$conf" <<EOF2

[xl]
autoballoon = "off"
lockfile = "/run/xen/xl-lock-systest"

[guests.decl1]
autostart = false

[guests.decl1.settings]
name = "systest-decl1"
EOF2
settings systest-decl1 >>"$conf"
check "xen-dom0d --check accepts the declarations" xen-dom0d --check
check "a reload with a declared guest and [xl] succeeds" systemctl reload xen-dom0
check_match "the guest's xl.cfg is rendered" '^name = "systest-decl1"' cat /run/xen-dom0/guests/decl1.cfg
check_eq "/etc/xen/xl.conf is the package's link to the rendered file" /run/xen-dom0/xl.conf readlink /etc/xen/xl.conf
check_match "xl.conf holds the declared lockfile" '^lockfile = "/run/xen/xl-lock-systest"' cat /etc/xen/xl.conf
check "Debian's xl.conf is kept, diverted" test -f /etc/xen/xl.conf.debian
check_match "the diversion is the package's" 'xen-dom0d' dpkg-divert --listpackage /etc/xen/xl.conf

check "systemctl start xen-guest@decl1 succeeds" systemctl start xen-guest@decl1.service
check_wait "the domain runs (xl list)" 60 guest_exists systest-decl1
check_match "xl is the unit's main process" '^xl$' ps -o comm= -p "$(systemctl show -P MainPID xen-guest@decl1.service)"
check "the unit is active" systemctl is-active --quiet xen-guest@decl1.service
check_match "systemctl lists it" 'xen-guest@decl1.service' systemctl list-units --no-legend 'xen-guest@*'
check "systemctl stop xen-guest@decl1 succeeds" systemctl stop xen-guest@decl1.service
check_wait "the domain is gone after the stop" 60 guest_gone systest-decl1
check_match "xl's messages are in the unit's journal" 'Parsing config from /run/xen-dom0/guests/decl1.cfg' \
	journalctl -b -u xen-guest@decl1.service -o cat

# A reload that renames the running guest: the domain keeps its name until it restarts, and the
# unit's stop still finds it under that name.
check "the guest starts again" systemctl start xen-guest@decl1.service
check_wait "its domain runs" 60 guest_exists systest-decl1
sed -i 's/^name = "systest-decl1"$/name = "systest-decl1b"/' "$conf"
check "a reload renaming its domain to systest-decl1b" systemctl reload xen-dom0
check_match "the rendered environment has the new name" '^XEN_GUEST_DOMAIN=systest-decl1b$' cat /run/xen-dom0/guests/decl1.env
check_match "the name it was started with is kept for its stop" '^XEN_GUEST_DOMAIN=systest-decl1$' \
	cat /run/xen-dom0/guests/decl1.started
since=$(date '+%Y-%m-%d %H:%M:%S')
check "systemctl stop xen-guest@decl1 succeeds" systemctl stop xen-guest@decl1.service
check_wait "the domain, under its old name, is gone" 60 guest_gone systest-decl1
check_fail "it was shut down, not left running or destroyed" sh -c \
	"journalctl -u xen-guest@decl1.service --since '$since' -o cat | grep -q 'did not shut down'"
sed -i 's/^name = "systest-decl1b"$/name = "systest-decl1"/' "$conf"
check "a reload takes the old name back" systemctl reload xen-dom0

# A guest without a name of its own: its domain is called as the guest, which the unit knows
# without a rendered environment file.
printf '\n[guests.systest-plain]\nautostart = false\n\n[guests.systest-plain.settings]\n' >>"$conf"
settings systest-plain >>"$conf"
check "a reload declaring systest-plain, with no name = of its own, succeeds" systemctl reload xen-dom0
check "its xl.cfg is rendered" test -s /run/xen-dom0/guests/systest-plain.cfg
check_fail "and no environment file" test -e /run/xen-dom0/guests/systest-plain.env
check "systemctl start xen-guest@systest-plain succeeds" systemctl start xen-guest@systest-plain.service
check_wait "its domain runs under the guest's name" 60 guest_exists systest-plain
check_match "that name is kept for its stop" '^XEN_GUEST_DOMAIN=systest-plain$' \
	cat /run/xen-dom0/guests/systest-plain.started
since=$(date '+%Y-%m-%d %H:%M:%S')
check "systemctl stop xen-guest@systest-plain succeeds" systemctl stop xen-guest@systest-plain.service
check_wait "its domain is gone" 60 guest_gone systest-plain
check_fail "it was shut down, not destroyed" sh -c \
	"journalctl -u xen-guest@systest-plain.service --since '$since' -o cat | grep -q 'did not shut down'"

# /etc/xen/auto holds the declared guest's file and one of its own: xendomains starts the other
# one (it powers off at once) and skips the declared guest's, which its unit starts.
check_eq "no guest runs before xendomains restarts (its stop would save it)" "0" \
	sh -c 'xl list | tail -n +2 | awk "\$2 != 0" | wc -l'
mkdir -p /etc/xen/auto
auto_added=1
cp /run/xen-dom0/guests/decl1.cfg /etc/xen/auto/decl1.cfg
sed -e 's/systest-decl1/systest-legacy/g' -e 's/systest.mode=stay/systest.mode=poweroff/' \
	/run/xen-dom0/guests/decl1.cfg >/etc/xen/auto/legacy.cfg
check_match "xen-dom0d --check warns that /etc/xen/auto starts the declared guest too" \
	'guests.decl1: .*/etc/xen/auto/decl1.cfg starts domain "systest-decl1" too: xendomains skips it' \
	sh -c 'xen-dom0d --check 2>&1'
check "a reload renders the list of files xendomains skips" systemctl reload xen-dom0
check_match "it names decl1.cfg" '^decl1\.cfg$' cat /run/xen-dom0/xendomains-skip
check_fail "and not legacy.cfg" grep -qx 'legacy.cfg' /run/xen-dom0/xendomains-skip
since=$(date '+%Y-%m-%d %H:%M:%S')
check "systemctl restart xendomains succeeds" systemctl restart xendomains.service
check_eq "xendomains looks in the linked directory" /etc/xen/auto/legacy.cfg readlink /run/xen-dom0/auto/legacy.cfg
check_fail "the declared guest's file is not linked there" test -e /run/xen-dom0/auto/decl1.cfg
check_match "xendomains.service says it skips it" 'xendomains skips /etc/xen/auto/decl1.cfg: xen-dom0d starts that guest' \
	journalctl -u xendomains.service --since "$since" -o cat
check_match "xendomains started the other one" 'Starting auto Xen domains: legacy\.cfg' \
	journalctl -u xendomains.service --since "$since" -o cat
check_fail "and did not start the declared guest" guest_exists systest-decl1
check_wait "the other one powered off by itself" 60 guest_gone systest-legacy
rm -f /etc/xen/auto/decl1.cfg /etc/xen/auto/legacy.cfg
check "with the files gone, xendomains restarts with an empty directory" systemctl restart xendomains.service
check_eq "nothing is linked for it" "" ls -A /run/xen-dom0/auto
auto_added=

# A reinstall of Debian's xen-utils-common (which owns /etc/xen/xl.conf) leaves the link.
utils=$(compgen -G "/usr/lib/xen-dom0d-systest/xen-utils-common_*.deb" | head -n 1)
if [[ -z $utils ]]; then
	fail "reinstall of xen-utils-common" "its package file was not put into the image (see the run's install.log)"
else
	# its maintainer scripts take more than a step's minute under emulation
	reinstall() { DEBIAN_FRONTEND=noninteractive timeout -k 5 300 dpkg -i --force-confold "$1"; }
	check "dpkg -i xen-utils-common (a reinstall) succeeds" reinstall "$utils"
	check_eq "after it, /etc/xen/xl.conf is still the link" /run/xen-dom0/xl.conf readlink /etc/xen/xl.conf
	check_match "and xl still reads the declared settings" '^lockfile = "/run/xen/xl-lock-systest"' cat /etc/xen/xl.conf
	check "Debian's file went to the diverted name" test -f /etc/xen/xl.conf.debian
fi
exit 0
