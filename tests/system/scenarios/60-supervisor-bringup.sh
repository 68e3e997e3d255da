#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# xen-dom0d brought the whole stack up at boot, in an order consistent with the graph,
# and reports it on the bus; Debian's SysV xen.service did not also run.
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"

if ! stack_has_project; then
	skip "xen-dom0d supervises the stack" "the project is not installed in this image"
	exit 0
fi

components=(proc-xen.mount xenstored.service xen-init-dom0.service xenconsoled.service
	xen-qemu-dom0-disk-backend.service xendomains.service xen-watchdog.service)
prop() { systemctl show -P "$2" "$1"; }
manager_prop() { busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager "$1"; }

check_wait "xen-dom0.service is active (READY=1 sent)" 180 systemctl is-active --quiet xen-dom0.service
for u in "${components[@]}"; do
	check_eq "$u is active" active systemctl is-active "$u"
done
check_eq "the manager's State is running" 's "running"' manager_prop State
check_match "StatusText says 7 of 7 up" '7 of 7' systemctl show -P StatusText xen-dom0.service
check_fail "Debian's generated xen.service did not run" systemctl is-active --quiet xen.service
check_match "the units are not enabled on their own" '^(static|disabled|indirect)$' systemctl is-enabled xenstored.service

# Activation order: every dependency became active before its dependents (proc-xen, xenstored,
# xen-init-dom0 and xenconsoled, the qemu backend, xendomains, the watchdog).
in_order() { # in_order PROPERTY -le|-lt A B: A's timestamp PROPERTY is not later than (-le), before (-lt) B's
	local a b
	a=$(prop "$3" "$1")
	b=$(prop "$4" "$1")
	[[ $a -gt 0 && $b -gt 0 ]] && test "$a" "$2" "$b" || { echo "$3=$a $4=$b"; return 1; }
}
before() { in_order ActiveEnterTimestampMonotonic -le "$@"; } # A became active no later than B
check "proc-xen before xenstored" before proc-xen.mount xenstored.service
check "xenstored before xen-init-dom0" before xenstored.service xen-init-dom0.service
check "xenstored before xenconsoled" before xenstored.service xenconsoled.service
check "xenconsoled before the qemu backend" before xenconsoled.service xen-qemu-dom0-disk-backend.service
check "xen-init-dom0 before xendomains" before xen-init-dom0.service xendomains.service
check "the qemu backend before xendomains" before xen-qemu-dom0-disk-backend.service xendomains.service
check "xendomains before the watchdog" before xendomains.service xen-watchdog.service

# The package's postinst rendered the boot-time files when the image was made, so this first
# boot loaded the dom0 modules early (systemd-modules-load), not the daemon's modprobe.
if dpkg-query -W xen-dom0d >/dev/null 2>&1; then
	older_than_boot() { (($(stat -c %Y "$1") < $(awk '$1 == "btime" { print $2 }' /proc/stat))); }
	check "the package rendered the module list at install, before this boot" \
		older_than_boot /etc/modules-load.d/xen-dom0.conf
	check "the package rendered the GRUB file at install, before this boot" \
		older_than_boot /etc/default/grub.d/xen-dom0.cfg
	check_match "systemd-modules-load loaded the list at boot" "Inserted module 'xen_gntalloc'" \
		journalctl -b -t systemd-modules-load -o cat
	check_eq "systemd-modules-load succeeded (a driver without its device is no failure)" active \
		systemctl is-active systemd-modules-load.service
else
	skip "boot-time files rendered at install" "not installed from the package"
fi

# StartupCPUWeight: at basic.target systemd dispatched xen-dom0 ahead of the services that
# became runnable with it and come first by name.
started_before() { in_order InactiveExitTimestampMonotonic -lt "$@"; } # A's job started before B's
if (($(prop xen-dom0.service InactiveExitTimestampMonotonic) < $(prop multi-user.target ActiveEnterTimestampMonotonic))); then
	check "at boot, xen-dom0 started before dbus.service" started_before xen-dom0.service dbus.service
	check "at boot, xen-dom0 started before systemd-logind.service" started_before xen-dom0.service systemd-logind.service
else
	skip "xen-dom0 dispatched first at boot" "xen-dom0.service was restarted since boot"
fi

check_match "the store has dom0's entries" '^Domain-0$' xenstore-read /local/domain/0/name
check_match "xl list shows Domain-0" '^Domain-0 ' xl list
check_match "the store runs with the rendered config" 'config-file=/run/xen-dom0/oxenstored.conf' \
	tr "\\0" " " <"/proc/$(prop xenstored.service MainPID)/cmdline"
check "the rendered files are in place" test -s /run/xen-dom0/xencommons -a -s /etc/modules-load.d/xen-dom0.conf

# Numbers for the record (reported, not asserted).
pid=$(prop xen-dom0.service MainPID)
diag "$(journalctl -b -u xen-dom0.service -o cat | grep -m1 'Bring-up settled')"
diag "xen-dom0d memory: $(grep -E '^(VmRSS|RssAnon|RssFile)' "/proc/$pid/status" | tr -s ' \t' ' ' | paste -sd ' ')"
read -r -a stat <"/proc/$pid/stat"
diag "xen-dom0d CPU time since start: $(((stat[13] + stat[14]) * 1000 / $(getconf CLK_TCK))) ms"
first=$(prop proc-xen.mount ActiveEnterTimestampMonotonic)
last=$(prop xen-watchdog.service ActiveEnterTimestampMonotonic)
diag "stack bring-up, proc-xen active to watchdog active: $(((last - first) / 1000)) ms"
# The bring-up calls systemd on its private socket and does not wait for dbus.service (the
# faults boot proves the connection: systemd re-executing itself cuts the daemon off).
diag "xenstored's start relative to dbus.service becoming active: $((($(prop xenstored.service InactiveExitTimestampMonotonic) - $(prop dbus.service ActiveEnterTimestampMonotonic)) / 1000)) ms"

# The unit's sandbox: systemd-analyze's exposure score no worse than 3.7, and its service
# watchdog armed (a stalled event loop ends in a restart that adopts the stack).
exposure() {
	local s
	s=$(systemd-analyze security --no-pager xen-dom0.service 2>/dev/null | sed -n 's/.*Overall exposure level for xen-dom0.service: \([0-9.]*\).*/\1/p')
	echo "exposure ${s:-unknown}"
	[[ -n $s ]] && awk -v s="$s" 'BEGIN { exit !(s <= 3.7) }'
}
diag "$(systemd-analyze security --no-pager xen-dom0.service 2>&1 | tail -n 1)"
check "systemd-analyze security: xen-dom0.service's exposure is at most 3.7" exposure
check_eq "the service watchdog is armed (WatchdogUSec)" 30s prop xen-dom0.service WatchdogUSec
