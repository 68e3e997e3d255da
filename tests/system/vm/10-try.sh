#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# xen-dom0-vm's one scenario: the host booted with the file under test as its
# /etc/xen/xen-dom0.conf and the hypervisor command line that file renders. It waits
# until the stack has settled, shows what the real host would show, and passes when the
# stack came up running; when not, it shows the journal of what failed.
# systest-timeout: 900
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"

# show CMD...: the command as typed at a root prompt, then its output.
show() {
	printf '\n[root@xen-host ~]# %s\n' "$*"
	step "$@" 2>&1
	return 0
}
state() { xen-dom0ctl --no-pager --json=short status 2>/dev/null | sed -n 's/^{"state":"\([a-z]*\)".*/\1/p'; }
settled() { local s; s=$(state); [[ -n $s && $s != starting && $s != reloading ]]; }

check "xen-dom0.service started (active)" wait_until 300 systemctl is-active --quiet xen-dom0.service ||
	show systemctl status xen-dom0.service --no-pager --lines=30
wait_until 600 settled || true
show xen-dom0ctl --no-pager status
show xen-dom0ctl --no-pager guests
show xl list
printf '\n[root@xen-host ~]# xl info | grep xen_commandline\n'
xl info 2>/dev/null | grep '^xen_commandline' || true
st=$(state)
if check "the stack came up running (state: ${st:-unknown})" test "$st" = running; then
	exit 0
fi
# What failed: each component that is not active, with the end of its journal.
xen-dom0ctl --no-pager --no-legend components 2>/dev/null | while read -r name unit cstate _; do
	[[ $cstate == active ]] && continue
	printf '\n%s (%s) is %s; the end of its journal:\n' "$name" "$unit" "$cstate"
	journalctl --no-pager -n 15 -u "$unit" 2>&1 | sed 's/^/  /'
done
printf '\nxen-dom0d: the end of its journal:\n'
journalctl --no-pager -n 15 -u xen-dom0.service 2>&1 | sed 's/^/  /'
