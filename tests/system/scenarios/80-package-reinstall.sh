#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package on a live host: purging it stops only the supervisor (the store, the
# other components and a guest keep running), takes away every file of the package and
# unmasks Debian's xen.service; installing it again masks that service, starts xen-dom0,
# which adopts the running stack, and the manager reports running.
# Needs the image installed from the .deb (tests/system/run --deb) with the package file kept
# at SYSTEST_DEB (default /usr/lib/xen-dom0d-systest/xen-dom0d.deb).
# systest-timeout: 420
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

deb=${SYSTEST_DEB:-/usr/lib/xen-dom0d-systest/xen-dom0d.deb}
if ! stack_from_package; then
	skip "purge and reinstall of the package" "xen-dom0d is not installed from a package in this image"
	exit 0
fi
if [[ ! -f $deb ]]; then
	skip "purge and reinstall of the package" "no package file at $deb to reinstall from"
	exit 0
fi
trap guests_cleanup EXIT

prop() { systemctl show -P "$2" "$1"; }
# The component processes that must outlive the purge.
pids() { for u in xenstored xenconsoled xen-qemu-dom0-disk-backend xen-watchdog; do echo "$u=$(prop "$u.service" MainPID)"; done; }
manager_running() { [[ $(step busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager State) == 's "running"' ]]; }
# Files, not directories: a directory the package shares (/etc/xen, /lib/systemd/system)
# stays. Files kept out of the image by its dpkg path-exclude rules are left out.
# /etc/xen/xl.conf is the package's link over Debian's diverted xl.conf, which comes back: checked on its own.
package_files() { dpkg -L xen-dom0d | while IFS= read -r f; do [[ -d $f || ! -e $f && ! -L $f || $f == /etc/xen/xl.conf ]] || echo "$f"; done; }
none_exists() { local f left=(); while IFS= read -r f; do [[ ! -e $f && ! -L $f ]] || left+=("$f"); done <"$1"; ((${#left[@]} == 0)) || { printf 'still there: %s\n' "${left[@]}"; return 1; }; }
all_exist() { local f; while IFS= read -r f; do [[ -e $f ]] || { echo "missing: $f"; return 1; }; done <"$1"; }
is_masked() { [[ $(readlink /etc/systemd/system/xen.service) == /dev/null ]]; }
catalog_has() { step journalctl --list-catalog 2>/dev/null | grep -qi "^$1 "; }
catalog_lacks() { ! catalog_has "$1"; }
# logged SECONDS LOG CMD...: runs CMD bounded, its output in LOG, shown on failure.
logged() { local limit=$1 log=$2; shift 2; timeout -k 10 "$limit" "$@" >"$log" 2>&1 || { cat "$log"; return 1; }; }
pkg_status() { dpkg-query -W -f='${db:Status-Abbrev}' xen-dom0d 2>/dev/null | tr -d ' '; echo; }
started_msg=1218869c6426455b82e2ec90251daa1c # "component started", from the package's journal catalog

# ---- the installed package on a running stack
check_wait "xen-dom0.service is active" 180 systemctl is-active --quiet xen-dom0.service || exit 0
check_wait "the manager reports running" 60 manager_running
check "Debian's xen.service is masked while xen-dom0 is enabled" is_masked
check "the conffile is installed" test -f /etc/xen/xen-dom0.conf
check "xen-dom0d rendered its boot-time files" test -f /etc/modules-load.d/xen-dom0.conf
check "the journal catalog knows the package's messages" catalog_has "$started_msg"
package_files | sort >"$SYSTEST_ARTIFACTS/files-before.txt"
diag "the package has $(wc -l <"$SYSTEST_ARTIFACTS/files-before.txt") files on this host"
SYSTEST_GUEST_HEARTBEAT=2 check "a guest runs" guest_create pkg-guest stay || exit 0
check "the guest printed its marker" guest_wait_up pkg-guest || exit 0
domid=$(xl domid pkg-guest)
before=$(pids)
diag "$before"

# ---- purge
check "dpkg --purge xen-dom0d succeeds" logged 240 "$SYSTEST_ARTIFACTS/purge.log" dpkg --purge xen-dom0d
check_match "the package is gone from dpkg's database (not even its conffiles)" '^(un|pn)?$' pkg_status
check "no file of the package remains" none_exists "$SYSTEST_ARTIFACTS/files-before.txt"
check_fail "the conffile is gone" test -e /etc/xen/xen-dom0.conf
check "Debian's xl.conf is back in its place (a file, not the link)" sh -c '[ -f /etc/xen/xl.conf ] && [ ! -L /etc/xen/xl.conf ]'
check_fail "and no diversion of it is left" sh -c 'dpkg-divert --listpackage /etc/xen/xl.conf | grep .' 
check_fail "the boot-time files xen-dom0d rendered are gone" \
	sh -c 'ls /etc/modules-load.d/xen-dom0.conf /etc/modprobe.d/xen-dom0.conf /etc/default/grub.d/xen-dom0.cfg 2>/dev/null | grep .'
check_fail "xen.service is unmasked" is_masked
check_fail "the package's record of that mask is gone" test -e /var/lib/xen-dom0d
check_match "xen.service is Debian's generated unit again" '^(generated|enabled|disabled|static|indirect)$' \
	systemctl is-enabled xen.service
check_fail "Debian's xen.service was not started by the purge" systemctl is-active --quiet xen.service
check_fail "xen-dom0.service is no longer enabled" test -e /etc/systemd/system/multi-user.target.wants/xen-dom0.service
check_fail "xen-dom0d no longer runs" systemctl is-active --quiet xen-dom0.service
check_wait "the journal catalog no longer has the package's messages" 30 catalog_lacks "$started_msg"
check_eq "the purge did not disturb the stack: same store and component processes" "$before" pids
check "the store still answers" stack_store_up
check_eq "the guest keeps running with its domid" "$domid" xl domid pkg-guest
n=$(guest_last_alive pkg-guest)
check_wait "the guest is alive after the purge" 20 guest_alive_after pkg-guest "${n:-0}"

# ---- reinstall
t0=$(date +%s%N)
since=$(date +%s)
check "dpkg -i of the package succeeds" logged 300 "$SYSTEST_ARTIFACTS/install.log" dpkg -i "$deb"
diag "dpkg -i took $((($(date +%s%N) - t0) / 1000000)) ms, xen-dom0 start included"
check "the package's files are back" all_exist "$SYSTEST_ARTIFACTS/files-before.txt"
check_eq "/etc/xen/xl.conf is the link to the rendered file again" /run/xen-dom0/xl.conf readlink /etc/xen/xl.conf
check "the conffile is back" test -f /etc/xen/xen-dom0.conf
check "xen.service is masked again" is_masked
check "xen-dom0.service is enabled again" test -L /etc/systemd/system/multi-user.target.wants/xen-dom0.service
check_wait "xen-dom0.service is active again" 120 systemctl is-active --quiet xen-dom0.service
check_match "the new xen-dom0d adopted the stack" 'Adopted xenstored' journalctl -b -u xen-dom0.service --since "@$since" -o cat
check_wait "the manager State is running" 60 manager_running
check_wait "xen-dom0d rendered its boot-time files again" 30 test -f /etc/modules-load.d/xen-dom0.conf
check_eq "nothing was restarted: same store and component processes" "$before" pids
check_eq "the guest keeps running with its domid" "$domid" xl domid pkg-guest
n=$(guest_last_alive pkg-guest)
check_wait "the guest is alive after the reinstall" 20 guest_alive_after pkg-guest "${n:-0}"
check_wait "the journal catalog has the package's messages again" 30 catalog_has "$started_msg"
check_fail "Debian's xen.service did not run" systemctl is-active --quiet xen.service
