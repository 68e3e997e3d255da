# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# A private system bus with the real xen-dom0d on it, for the unit tier's D-Bus tests.
# Source it, then: bus_start; daemon_start CONFIG; ... ; everything ends on exit.
# xen-dom0d runs with xen.enable = false in these tests: it then renders nothing and starts
# nothing, so it needs neither Xen nor systemd, and serves the whole API.
# What cannot start is reported in TAP (tests/unit/lib-tap.sh): a skip, or a bail-out.

: "${TOP_BUILDDIR:?}" "${TOP_SRCDIR:?}"
. "$TOP_SRCDIR/tests/unit/lib-tap.sh"
XEN_DOM0D="$TOP_BUILDDIR/daemon/xen-dom0d"
BUS_DIR=$(mktemp -d)
chmod 755 "$BUS_DIR"
BUS_PID="" DAEMON_PID=""
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BUS_DIR/system_bus_socket"

bus_cleanup() {
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	[ -n "$BUS_PID" ] && kill "$BUS_PID" 2>/dev/null
	rm -rf "$BUS_DIR"
}
trap bus_cleanup EXIT

# bus_start: a dbus-daemon whose policy lets anyone call anything, so that the daemon's own
# authorization is what is tested.
bus_start() {
	command -v dbus-daemon >/dev/null || skip_all "dbus-daemon is not installed"
	cat >"$BUS_DIR/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$BUS_DIR/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
	dbus-daemon --config-file="$BUS_DIR/bus.conf" --nofork --nopidfile --nosyslog &
	BUS_PID=$!
	bus_wait "$DBUS_SYSTEM_BUS_ADDRESS" || bail "the private bus did not start"
}

# bus_wait ADDRESS: until the bus at ADDRESS answers (10 s, times TEST_SLOWDOWN). The socket
# file appears at bind(), before the bus listens: a connection then is refused.
bus_wait() {
	for _ in $(seq $((200 * ${TEST_SLOWDOWN:-1}))); do
		busctl --address="$1" call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId \
			>/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# daemon_start CONFIG: runs xen-dom0d on the private bus and waits for its name (10 s, times
# TEST_SLOWDOWN: make check-valgrind runs it under memcheck).
daemon_start() {
	"$XEN_DOM0D" --config "$1" >"$BUS_DIR/daemon.log" 2>&1 &
	DAEMON_PID=$!
	for _ in $(seq $((200 * ${TEST_SLOWDOWN:-1}))); do
		busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" status org.xenproject.Dom0 >/dev/null 2>&1 && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	show "$BUS_DIR/daemon.log"
	bail "xen-dom0d did not come up on the private bus (its log above)"
}

daemon_stop() {
	kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
}

# as_user SETPRIV-OPTION... -- PROGRAM [ARGS...]: PROGRAM run by another user, through setpriv.
# A PROGRAM given by its path (one of ours, or valgrind.sh's wrapper of it) runs from a copy in
# $BUS_DIR, which every user can enter, for the checkout may sit below a directory that only
# its owner can (a home directory, a mktemp -d). setpriv itself execs the build tree's file
# before root's capabilities are gone, but what that file opens afterwards as the other user
# (valgrind: the program it runs) it could not. A PROGRAM found on PATH runs as it is.
as_user() {
	local opts=() prog copy
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	prog=$2
	shift 2
	if [[ $prog == */* ]]; then
		[ -d "$BUS_DIR/as-user" ] || install -d -m 755 "$BUS_DIR/as-user"
		copy=$BUS_DIR/as-user/${prog##*/} # by its own name: a program prints it
		# once per program and test; renamed into place, as callers may run in parallel
		if ! cmp -s "$prog" "$copy"; then
			install -m 755 "$prog" "$copy.$BASHPID" && mv -f "$copy.$BASHPID" "$copy" || return 126
		fi
		prog=$copy
	fi
	setpriv "${opts[@]}" "$prog" "$@"
}
# as_nobody PROGRAM [ARGS...]: as_user as uid and gid 65534, with no supplementary group.
as_nobody() { as_user --reuid=65534 --regid=65534 --clear-groups -- "$@"; }

# B ARGS...: busctl on the private bus.
B() { busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" "$@"; }

# ---- what the D-Bus tests share: the object and its calls ------------------------------------
# shellcheck disable=SC2034 # used by the tests that source this
P=/org/xenproject/Dom0 I=org.xenproject.Dom0.Manager DI=org.xenproject.Dom0.Domain
call() { B --json=short call org.xenproject.Dom0 $P $I "$@"; }
prop() { B --json=short get-property org.xenproject.Dom0 $P $I "$1"; }
dprop() { B --json=short get-property org.xenproject.Dom0 "$P/domain/$1" $DI "$2"; }
# py DESCRIPTION EXPR: EXPR over the JSON on stdin (as d) must be true.
# The JSON goes through a file: as an argument it could pass the kernel's 128 KiB limit.
py() {
	local desc=$1 json="$BUS_DIR/py.json"
	cat >"$json"
	if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$json" 2>/dev/null; then
		ok "$desc"
	else
		nok "$desc" "$2" "got: $(head -c 2000 "$json")"
	fi
}

# ---- xen-dom0ctl's output: golden files, and its JSON against the documented schema ---------
CTL_GOLDEN="$TOP_SRCDIR/tests/unit/ctl-golden.py"
# ctl_schema DESCRIPTION DEF FILE: the JSON in FILE is a DEF of schemas/xen-dom0ctl.schema.json.
ctl_schema() {
	if ! python3 -c 'import jsonschema' 2>/dev/null; then
		skip "$1" "python3-jsonschema is not installed"
	elif python3 "$CTL_GOLDEN" validate "$TOP_SRCDIR/schemas/xen-dom0ctl.schema.json" "$2" "$3" >"$3.schema" 2>&1; then
		ok "$1"
	else
		nok "$1" "$(cat "$3.schema")"
	fi
}
# ctl_golden DESCRIPTION FILE NAME DIR: FILE, what differs between runs replaced (DIR, the
# test's directory, among it), against tests/data/ctl/NAME; UPDATE_GOLDEN=1 rewrites NAME.
ctl_golden() {
	local g="$TOP_SRCDIR/tests/data/ctl/$3"
	python3 "$CTL_GOLDEN" normalize "$4" <"$2" >"$2.norm"
	[ -z "${UPDATE_GOLDEN:-}" ] || cp "$2.norm" "$g"
	if diff -u "$g" "$2.norm" >"$2.diff" 2>&1; then ok "$1"; else nok "$1" "$(cat "$2.diff")"; fi
}
