#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What an administrator sees on the Xen host: the supervisor's status (when
# installed), the stack, and xl list with a running guest; then the guest is
# shut down again so the host powers off cleanly.
# systest-timeout: 300
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"
trap guests_cleanup EXIT

# show CMD...: prints the command as typed at a root prompt, then its output.
show() {
	printf '\n[root@xen-host ~]# %s\n' "$*"
	step "$@" 2>&1
	return 0
}

check "the Xen stack is up" stack_ensure_up || exit 0
if stack_has_project; then
	show systemctl status xen-dom0.service --no-pager --lines=15
	if command -v xen-dom0ctl >/dev/null; then
		show xen-dom0ctl status
	else
		echo "(xen-dom0ctl is not installed)"
	fi
else
	echo "(xen-dom0.service is not installed: the stack runs from Debian's xen.service)"
	show systemctl status xen.service --no-pager --lines=5
fi

check "a guest is created (demo-guest: a busybox PV guest)" guest_create demo-guest stay || exit 0
check "demo-guest is up (its console shows its first line)" guest_wait_up demo-guest
show xl list
printf '\n[root@xen-host ~]# xl console demo-guest    (what it printed so far)\n'
guest_console demo-guest
check "xl shutdown demo-guest is accepted" xl shutdown demo-guest
check_wait "demo-guest shut down and is gone" 120 guest_gone demo-guest
show xl list
