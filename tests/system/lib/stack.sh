# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# The state of dom0's Xen stack, for scenarios in dom0. Source after check.sh.
#
# With the project installed, its units bring the stack up at boot and the
# scenarios only observe. Without it (the image boots Debian's packages
# alone), Debian's SysV script, run by systemd as the generated xen.service,
# is what mounts xenfs and starts the store, xenconsoled and the qemu disk
# backend; stack_ensure_up starts it if the boot did not.

# stack_has_project: the project's supervisor unit is installed.
stack_has_project() { systemctl cat xen-dom0.service >/dev/null 2>&1; }

# stack_from_package: the project is installed from its Debian package (not a staged tree).
stack_from_package() { [[ $(dpkg-query -W -f='${db:Status-Abbrev}' xen-dom0d 2>/dev/null) == "ii " ]]; }

# stack_store_up: xenstored answers on its socket.
stack_store_up() { step xenstore-read -s / >/dev/null 2>&1; }

# stack_ensure_up: brings (or waits for) the stack as described above and
# says which way as TAP diagnostics. Returns non-zero if it is not up.
stack_ensure_up() {
	if stack_has_project; then
		diag "project units installed: the stack is theirs to bring up (xen-dom0.service)"
		wait_until 120 systemctl is-active --quiet xen-dom0.service || {
			diag "xen-dom0.service is $(systemctl is-active xen-dom0.service)"
			return 1
		}
		wait_until 60 stack_store_up
	elif stack_store_up; then
		diag "no project units installed: Debian's xen.service brought the stack up at boot ($(systemctl is-active xen.service))"
	else
		diag "no project units installed and no store running: starting Debian's xen.service"
		step systemctl start xen.service && wait_until 60 stack_store_up
	fi
}

# stack_manager_is STATE: the daemon's Manager reports State STATE (bounded: a daemon that does
# not answer is not in any state).
stack_manager_is() {
	[[ $(timeout 10 busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 \
		org.xenproject.Dom0.Manager State 2>/dev/null) == "s \"$1\"" ]]
}

# stack_rendered_sums: the checksum of every file in the directories xen-dom0d renders into,
# sorted: equal before and after means no file was written, added or left behind (a stray
# temporary file counts as a change).
stack_rendered_sums() {
	find /run/xen-dom0 /etc/default/grub.d /etc/modules-load.d /etc/modprobe.d -type f \
		-exec sha256sum {} + | sort
}
