#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The admin API against the live daemon: xen-dom0ctl's queries, an unprivileged user who may
# read but not change anything, and a remote host over ssh (-H).
# systest-timeout: 240
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"

if ! stack_has_project; then
	skip "the admin API answers" "the project is not installed in this image"
	exit 0
fi
check_wait "the stack is running" 180 systemctl is-active --quiet xen-dom0.service
json() { python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }
ctl_json() { xen-dom0ctl --json --no-pager "$@"; }
check "xen-dom0ctl status exits 0 on a running stack" xen-dom0ctl --no-pager status
check_match "status names every component" 'xen-watchdog' xen-dom0ctl --no-pager status
status_json_ok() { ctl_json status | json 'd["state"] == "running" and len(d["components"]) == 7 and all(c["startup_ms"] > 0 or c.get("adopted") for c in d["components"])'; }
check "status --json: running, seven components with their startup times" status_json_ok
components_json_ok() { ctl_json components | json 'len(d) == 7 and all(c["state"] == "active" and c["active_state"] == "active" for c in d)'; }
check "components --json: seven active components" components_json_ok
check_match "config --changed is empty on the shipped defaults" '^$|^\[' xen-dom0ctl --no-pager config --changed
check "check of the configured file exits 0" xen-dom0ctl --no-pager check
printf '[xen]\ndebug = perhaps\n' >/tmp/bad.conf
check_fail "check of a bad file exits non-zero" xen-dom0ctl --no-pager check /tmp/bad.conf
check_match "and names file, line, key and reason" '/tmp/bad.conf:2: xen.debug: "perhaps" is not a boolean' \
	bash -c 'xen-dom0ctl --no-pager check /tmp/bad.conf 2>&1; true'
check "diff of the unchanged file shows nothing to do" xen-dom0ctl --no-pager diff
check_eq "busctl tree shows the seven component objects" 7 \
	bash -c 'busctl tree --list org.xenproject.Dom0 | grep -c "^/org/xenproject/Dom0/component/"'

# An ordinary user reads, and is refused every change.
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
check "an unprivileged user gets the status" as_nobody xen-dom0ctl --no-pager --no-ask-password status
rc_of() { "$@" >/dev/null 2>&1; echo $?; }
check_eq "an unprivileged reload is refused (exit 5, access denied)" 5 \
	rc_of as_nobody xen-dom0ctl --no-pager --no-ask-password reload
check_eq "an unprivileged restart is refused (exit 5, access denied)" 5 \
	rc_of as_nobody xen-dom0ctl --no-pager --no-ask-password restart xenconsoled
check_match "the bus says AccessDenied" 'ccess denied|AccessDenied|Interactive authentication' \
	bash -c 'setpriv --reuid=65534 --regid=65534 --clear-groups busctl call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager Reload 2>&1; true'
check "root restarts xenconsoled through the API" xen-dom0ctl --no-pager restart xenconsoled
running() { [ "$(busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager State)" = 's "running"' ]; }
check_wait "and the manager is running again" 30 running

# -H over ssh, as an administrator of many hosts would use it.
if ! command -v sshd >/dev/null && [ ! -x /usr/sbin/sshd ]; then
	skip "xen-dom0ctl -H root@localhost works over ssh" "openssh-server is not in this image"
	exit 0
fi
mkdir -p /root/.ssh && chmod 700 /root/.ssh
[ -f /root/.ssh/id_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519
cat /root/.ssh/id_ed25519.pub >>/root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys
# sd-bus runs plain "ssh -xT root@localhost systemd-stdio-bridge", with no terminal to ask
# about an unknown host key: the system-wide known hosts file vouches for this host's own
# keys, read straight from sshd's key files (no network scan to trust).
[ -f /etc/ssh/ssh_host_ed25519_key.pub ] || ssh-keygen -A
for k in /etc/ssh/ssh_host_*_key.pub; do printf 'localhost %s\n' "$(cut -d' ' -f1,2 "$k")"; done >>/etc/ssh/ssh_known_hosts
check "sshd runs" systemctl start ssh.service
check_match "ssh root@localhost runs a command without asking" '^ok$' \
	timeout 30 ssh -o BatchMode=yes root@localhost echo ok
check_match "xen-dom0ctl -H root@localhost status reports the stack" 'running' \
	timeout 60 xen-dom0ctl -H root@localhost --no-pager status
remote_json_ok() { timeout 60 xen-dom0ctl -H root@localhost --json --no-pager components | json 'len(d) == 7'; }
check "xen-dom0ctl -H root@localhost --json components lists seven" remote_json_ok
