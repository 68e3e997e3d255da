#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hostile callers of the real daemon on a private bus: wrong signatures for every method,
# arguments near the bus's message size limit, Check() pointed at devices, FIFOs, loops, files
# and /proc entries the caller may not read, floods from an ordinary user while root keeps
# being answered, and no leaked fd, child or zombie afterwards. test-bus.sh covers the API
# itself; this covers what a caller who means harm can do with it.
set -u
shopt -s lastpipe
. "${TOP_SRCDIR:?}/tests/unit/lib-bus.sh"

LOAD="$TOP_BUILDDIR/tests/unit/bus-load"
[ -x "$LOAD" ] || bail "bus-load is not built"
command -v setpriv >/dev/null || skip_all "setpriv is not installed"
[ "$(id -u)" = 0 ] || skip_all "needs root: callers of other uids are simulated with setpriv"

P=/org/xenproject/Dom0 I=org.xenproject.Dom0.Manager
check_as() { # check_as root|nobody PATH: Check's JSON answer
	local who=$1
	shift
	if [ "$who" = nobody ]; then
		as_nobody busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" --timeout=$((10 * slow)) --json=short call org.xenproject.Dom0 $P $I Check s "$1"
	else
		B --timeout=$((10 * slow)) --json=short call org.xenproject.Dom0 $P $I Check s "$1"
	fi
}
# json_ok DESCRIPTION EXPR JSON: EXPR over JSON (as d) must be true.
json_ok() {
	if python3 -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if ($2) else 1)" "$3" 2>/dev/null; then
		ok "$1"
	else
		nok "$1" "$2" "got: ${3:0:600}"
	fi
}
json_true() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if ($1) else 1)" "$2" 2>/dev/null; }
# send_fails DESCRIPTION ERROR-NAME PATH IFACE.MEMBER [TYPE:VALUE...]: dbus-send must fail with it.
send_fails() {
	local desc=$1 want=$2 path=$3 member=$4 out
	shift 4
	if out=$(dbus-send --system --print-reply --reply-timeout=$((5000 * slow)) --dest=org.xenproject.Dom0 "$path" "$member" "$@" 2>&1); then
		nok "$desc" "succeeded: $out"
	elif grep -qF -- "$want" <<<"$out"; then
		ok "$desc"
	else
		nok "$desc" "wanted $want, got: $out"
	fi
}
fds() { ls "/proc/$DAEMON_PID/fd" | wc -l; }
rss_kib() { awk '/^RssAnon:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
children() { ps -o pid= --ppid "$DAEMON_PID" | wc -l; }
zombies() { ps -o stat= --ppid "$DAEMON_PID" | grep -c '^Z'; }
# settled: the daemon has no child left (each Check's reader exits once answered).
settled() {
	for _ in $(seq $((100 * slow))); do
		[ "$(children)" = 0 ] && return 0
		sleep 0.05
	done
	return 1
}
# drained WHAT: waits (up to 120 s, times the slowdown) until the daemon answers again, then
# checks it does: for the end of a flood whose clients gave up before the daemon caught up.
drained() {
	local deadline=$((SECONDS + 120 * slow))
	until B --timeout=5 get-property org.xenproject.Dom0 $P $I State >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || break
		kill -0 "$DAEMON_PID" 2>/dev/null || break
	done
	alive "$1"
}
alive() {
	local what=$1 out
	if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
		nok "the daemon survives $what" "it is gone:" "$(tail -5 "$BUS_DIR/daemon.log")"
		tap_done
		exit 1
	fi
	out=$(B --timeout=$((5 * slow)) --json=short get-property org.xenproject.Dom0 $P $I State 2>&1)
	json_ok "the daemon survives $what and still answers" 'd["data"] == "disabled"' "$out"
}

work=$BUS_DIR/work
mkdir -p "$work"
chmod 755 "$work"
conf=$work/xen-dom0.conf
printf '[xen]\nenable = false\nbootParams = iommu=1\n' >"$conf"
chmod 644 "$conf"
bus_start
# systemd's side of the notify protocol: every message the daemon sends, a line each with the
# monotonic time it arrived, so that its service watchdog pings can be counted.
notify_log=$work/notify.log
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        for line in s.recv(4096).decode(errors="replace").splitlines():
            f.write("%.3f %s\n" % (time.monotonic(), line))
' "$BUS_DIR/notify" "$notify_log" &
notify_pid=$!
for _ in $(seq 100); do [ -S "$BUS_DIR/notify" ] && break; sleep 0.05; done
# A secret only the daemon's environment holds: no caller must ever see it.
secret="hostile-secret-$$-$RANDOM$RANDOM"
XEN_DOM0D_TEST_SECRET=$secret NOTIFY_SOCKET=$BUS_DIR/notify WATCHDOG_USEC=2000000 daemon_start "$conf"
# An instrumented daemon (AddressSanitizer; valgrind through TEST_SLOWDOWN) is slower and keeps
# memory of its own: time bounds are stretched and memory is not compared.
slow=${TEST_SLOWDOWN:-1}
grep -q libasan "/proc/$DAEMON_PID/maps" && [ "$slow" = 1 ] && slow=5
bound_ms=$((2000 * slow))
tr '\0' '\n' <"/proc/$DAEMON_PID/environ" | grep -qxF "XEN_DOM0D_TEST_SECRET=$secret" ||
	bail "the daemon did not get the secret in its environment"
B call org.xenproject.Dom0 $P $I GetConfig >/dev/null
check_as nobody "$conf" >/dev/null
settled
fds0=$(fds)

# ---- every method with the wrong arguments: sd-bus refuses them before any handler runs
dest_iface_methods_without_args="Reload Diff GetConfig ListComponents ListDomains"
for m in $dest_iface_methods_without_args; do
	send_fails "$m with a string it does not take: InvalidArgs" org.freedesktop.DBus.Error.InvalidArgs $P "$I.$m" string:x
	send_fails "$m with an array it does not take: InvalidArgs" org.freedesktop.DBus.Error.InvalidArgs $P "$I.$m" array:string:a,b,c
	send_fails "$m with an int32: InvalidArgs" org.freedesktop.DBus.Error.InvalidArgs $P "$I.$m" int32:7
done
for m in Check RestartComponent; do
	send_fails "$m with no argument: InvalidArgs" org.freedesktop.DBus.Error.InvalidArgs $P "$I.$m"
	send_fails "$m with an int32: InvalidArgs" org.freedesktop.DBus.Error.InvalidArgs $P "$I.$m" int32:42
	send_fails "$m with an object path: InvalidArgs" org.freedesktop.DBus.Error.InvalidArgs $P "$I.$m" objpath:/etc
	send_fails "$m with a variant holding a string: InvalidArgs" org.freedesktop.DBus.Error.InvalidArgs $P "$I.$m" variant:string:/etc/passwd
	send_fails "$m with two strings: InvalidArgs" org.freedesktop.DBus.Error.InvalidArgs $P "$I.$m" string:/a string:/b
	send_fails "$m with a dict: InvalidArgs" org.freedesktop.DBus.Error.InvalidArgs $P "$I.$m" dict:string:string:a,b
	send_fails "$m with an array of strings: InvalidArgs" org.freedesktop.DBus.Error.InvalidArgs $P "$I.$m" array:string:/a,/b
done
PR=org.freedesktop.DBus.Properties
send_fails "Properties.Get with one argument" org.freedesktop.DBus.Error.InvalidArgs $P $PR.Get string:$I
send_fails "Properties.Get with an int32 name" org.freedesktop.DBus.Error.InvalidArgs $P $PR.Get string:$I int32:1
send_fails "Properties.Get of an unknown property" org.freedesktop.DBus.Error.UnknownProperty $P $PR.Get string:$I string:Secret
send_fails "Properties.GetAll with an int32" org.freedesktop.DBus.Error.InvalidArgs $P $PR.GetAll int32:1
send_fails "Properties.GetAll of an unknown interface" org.freedesktop.DBus.Error.UnknownInterface $P $PR.GetAll string:org.xenproject.Dom0.Nope
send_fails "Properties.Set of a read-only property" org.freedesktop.DBus.Error.PropertyReadOnly $P $PR.Set string:$I string:State variant:string:running
send_fails "Properties.Set with a mistyped value" org.freedesktop.DBus.Error.PropertyReadOnly $P $PR.Set string:$I string:ConfigPath variant:int32:1
send_fails "a component's Properties.Get with an int32" org.freedesktop.DBus.Error.InvalidArgs $P/component/xenstored $PR.Get string:org.xenproject.Dom0.Component int32:3
send_fails "Properties.Set on a component" org.freedesktop.DBus.Error.PropertyReadOnly $P/component/xenstored $PR.Set string:org.xenproject.Dom0.Component string:Restarts variant:uint32:0
send_fails "Introspect with an argument" org.freedesktop.DBus.Error.InvalidArgs $P org.freedesktop.DBus.Introspectable.Introspect string:x
send_fails "GetManagedObjects with an argument" org.freedesktop.DBus.Error.InvalidArgs /org/xenproject org.freedesktop.DBus.ObjectManager.GetManagedObjects int32:1
send_fails "a Manager method on a component object" org.freedesktop.DBus.Error.UnknownMethod $P/component/xenstored "$I.Check" string:/x
send_fails "a Manager method under an unknown interface" org.freedesktop.DBus.Error.UnknownMethod $P org.xenproject.Dom0.Nope.Check string:/x
send_fails "an object path that is not a component" org.freedesktop.DBus.Error.UnknownObject $P/component/_2e_2e $PR.GetAll string:org.xenproject.Dom0.Component
send_fails "a domain object while no hypervisor is there" org.freedesktop.DBus.Error.UnknownObject $P/domain/Domain_2d0 $PR.GetAll string:org.xenproject.Dom0.Domain
out=$(as_nobody dbus-send --system --print-reply --dest=org.xenproject.Dom0 $P "$I.Reload" array:string:x 2>&1)
grep -qF org.freedesktop.DBus.Error.InvalidArgs <<<"$out" && ok "an ordinary user's mistyped Reload: InvalidArgs before authorization" ||
	nok "an ordinary user's mistyped Reload" "$out"
alive "every wrong signature"

# ---- oversized arguments: the bus allows 32 MiB messages; just under that must be refused cleanly
near=$((32 * 1024 * 1024 - 4096))
rss0=$(rss_kib)
out=$("$LOAD" --timeout=$((30 * slow)) --op "check-big=$near" --expect-error org.freedesktop.DBus.Error.InvalidArgs 2>&1)
[[ $out == *"expected_errors=1 errors=0"* ]] && ok "Check of a $near-byte path: InvalidArgs" || nok "Check of a $near-byte path" "$out"
out=$("$LOAD" --timeout=$((30 * slow)) --op "restart-big=$near" --expect-error org.xenproject.Dom0.Error.NoSuchComponent 2>&1)
[[ $out == *"expected_errors=1 errors=0"* ]] && ok "RestartComponent of a $near-byte name: NoSuchComponent" ||
	nok "RestartComponent of a $near-byte name" "$out"
out=$(as_nobody "$LOAD" --timeout=$((30 * slow)) --op "getconfig-array=$near" --expect-error org.freedesktop.DBus.Error.InvalidArgs 2>&1)
[[ $out == *"expected_errors=1 errors=0"* ]] && ok "GetConfig with a $near-byte array it does not take: InvalidArgs" ||
	nok "GetConfig with a $near-byte array" "$out"
# The bus refuses what would overflow the daemon's incoming queue (LimitsExceeded) before the
# daemon refuses the rest (InvalidArgs).
out=$(as_nobody "$LOAD" --timeout=$((30 * slow)) --clients 4 --calls 4 --depth 4 --op "check-big=$((near / 2))" \
	--expect-error org.freedesktop.DBus.Error.InvalidArgs --expect-error org.freedesktop.DBus.Error.LimitsExceeded 2>&1)
[[ $out == *"expected_errors=16 errors=0"* ]] && ok "sixteen 16 MiB calls in flight at once: all refused" || nok "sixteen 16 MiB calls" "$out"
# Beyond the limit the bus itself drops the sender; the daemon never sees it.
"$LOAD" --timeout=30 --op "check-big=$((40 * 1024 * 1024))" >/dev/null 2>&1
drained "calls near and beyond the bus's message size limit"
# Every large message buffer goes back to the kernel once it is freed (the daemon pins malloc's
# mmap threshold): neither round may leave the daemon holding megabytes it no longer uses.
rss1=$(rss_kib)
"$LOAD" --timeout=$((30 * slow)) --clients 4 --calls 4 --depth 4 --op "check-big=$((near / 2))" \
	--op "getconfig-array=$near" --expect-error org.freedesktop.DBus.Error.InvalidArgs >/dev/null 2>&1
# What the bus still queues for the daemon is worked off before the next checks: an
# instrumented daemon on a loaded machine takes its time over sixteen 16 MiB messages, and a
# Check() behind them would time out for it.
drained "a second round of oversized calls"
rss2=$(rss_kib)
if [ "$slow" != 1 ]; then
	ok "memory after oversized calls # SKIP an instrumented daemon keeps memory of its own"
else
	[ "$rss1" -le $((rss0 + 1024)) ] && ok "oversized calls leave no memory behind (RssAnon $rss0 -> $rss1 kB)" ||
		nok "RssAnon grew from $rss0 to $rss1 kB after the oversized calls"
	[ "$rss2" -le $((rss0 + 1024)) ] && ok "a second round of oversized calls adds no memory (RssAnon $rss1 -> $rss2 kB)" ||
		nok "RssAnon grew from $rss1 to $rss2 kB in a second round of oversized calls"
fi

# ---- Check() at things that are not configuration files
mkfifo "$work/fifo-held"
exec 3<>"$work/fifo-held" # a writer that never writes
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$work/socket"
ln -s /dev/zero "$work/to-zero"
ln -s /proc/self/environ "$work/to-environ"
extra_error=""
for who in root nobody; do
	for p in /dev/zero /dev/urandom /dev/null "$work/to-zero" "$work/fifo-held"; do
		out=$(check_as $who "$p" 2>&1)
		json_ok "Check of $p by $who: refused unread" 'd["data"][0][0][3] == "is not a regular file"' "$out"
		json_true 'len(d["data"][0]) == 1' "$out" || extra_error+="${out:0:300} "
	done
	out=$(check_as $who "$work/socket" 2>&1)
	json_ok "Check of a socket by $who: cannot open" 'd["data"][0][0][3].startswith("cannot open: ")' "$out"
	mkdir -p "$work/loop"
	ln -sfn "$work/loop/b" "$work/loop/a" && ln -sfn "$work/loop/a" "$work/loop/b"
	out=$(check_as $who "$work/loop/a" 2>&1)
	json_ok "Check of a symlink loop by $who" 'd["data"][0][0][3] == "cannot open: Too many levels of symbolic links"' "$out"
	out=$(check_as $who "/$(printf 'a/%.0s' $(seq 1500))x" 2>&1)
	json_ok "Check of a 3000-byte path of 1500 components by $who" 'd["data"][0][0][3].startswith("cannot open: ")' "$out"
	out=$(check_as $who "/etc/../etc/./passwd/" 2>&1)
	json_ok "Check of a path through a file by $who" 'd["data"][0][0][3] == "cannot open: Not a directory"' "$out"
done
exec 3>&-
[ -z "$extra_error" ] && ok "a refused file gets that one error, not a second one about its empty data" ||
	nok "a refused file got more than one error" "got: $extra_error"

# ---- Check() reads with the caller's rights, and never the daemon's own /proc
printf '[xen]\nenable = true\nbootParams = %s\n' "$secret" >"$work/root-only.conf"
chmod 600 "$work/root-only.conf"
mkdir -p "$work/closed"
cp "$work/root-only.conf" "$work/closed/readable.conf"
chmod 644 "$work/closed/readable.conf"
chmod 700 "$work/closed"
printf '[xen]\nenable = true\nbootParams = %s\n' "$secret" >"$work/group.conf"
chgrp 4242 "$work/group.conf" && chmod 640 "$work/group.conf"
out=$(check_as nobody "$work/root-only.conf" 2>&1)
json_ok "nobody: a root-only file: Permission denied" 'd["data"][0][0][3] == "cannot open: Permission denied"' "$out"
out=$(check_as nobody "$work/closed/readable.conf" 2>&1)
json_ok "nobody: a readable file in a closed directory: Permission denied" 'd["data"][0][0][3] == "cannot open: Permission denied"' "$out"
out=$(check_as nobody "$work/group.conf" 2>&1)
json_ok "nobody: a file of a group it is not in: Permission denied" 'd["data"][0][0][3] == "cannot open: Permission denied"' "$out"
# The groups are the account's, from the account database, for the uid the bus vouches for:
# whatever groups the calling process holds, nobody is in nogroup alone.
out=$(as_user --reuid=65534 --regid=65534 --groups=4242 -- busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" --json=short \
	call org.xenproject.Dom0 $P $I Check s "$work/group.conf" 2>&1)
json_ok "nobody holding group 4242 that its account lacks: Permission denied" \
	'd["data"][0][0][3] == "cannot open: Permission denied"' "$out"
out=$(as_user --reuid=65534 --regid=4242 --clear-groups -- busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" --json=short \
	call org.xenproject.Dom0 $P $I Check s "$work/group.conf" 2>&1)
json_ok "nobody with a primary group 4242 that its account lacks: Permission denied" \
	'd["data"][0][0][3] == "cannot open: Permission denied"' "$out"
# A member of the file's group by the account database reads it.
if [ -n "$(getent group daemon)" ] && [ -n "$(getent passwd daemon)" ]; then
	chgrp daemon "$work/group.conf"
	out=$(as_user --reuid=daemon --regid=daemon --clear-groups -- busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" --json=short \
		call org.xenproject.Dom0 $P $I Check s "$work/group.conf" 2>&1)
	json_ok "the daemon account, whose group owns the file: read" 'd["data"] == [[], []]' "$out"
	chgrp 4242 "$work/group.conf"
fi
# A setgid exec after connecting (unix_chkpwd has group shadow) changes the groups /proc shows
# for the caller, not the ones it connected with: the file stays closed to it.
printf '[xen]\nenable = true\nbootParams = %s\nregroup-secret-key = 1\n' "$secret" >"$work/regroup.conf"
chgrp 4343 "$work/regroup.conf" && chmod 640 "$work/regroup.conf"
# Its answer on stdout alone: it changes uids, which LeakSanitizer cannot follow at exit.
out=$(ASAN_OPTIONS=detect_leaks=0 "$TOP_BUILDDIR/tests/unit/caller-regroup" 65534 65534 4343 "$work/regroup.conf" \
	2>"$work/regroup.err")
if [[ $out == "error: cannot open: Permission denied" ]]; then
	ok "nobody that gains group 4343 after connecting (a setgid exec): Permission denied"
else
	nok "nobody that gains group 4343 after connecting read the file" "got: ${out:0:400}" "$(head -c 400 "$work/regroup.err")"
fi
out=$(check_as root "$work/root-only.conf" 2>&1)
json_ok "root reads the root-only file" 'd["data"] == [[], []]' "$out"

# /proc: the reader is a fork of the daemon; as the caller it must not see the daemon's secrets.
all=""
for p in /proc/self/environ /proc/thread-self/environ /proc/1/environ "/proc/$DAEMON_PID/environ" "$work/to-environ" \
	/proc/self/mem /proc/self/syscall /proc/self/root/proc/1/environ "/proc/$DAEMON_PID/cwd/daemon.log"; do
	out=$(check_as nobody "$p" 2>&1)
	all+=$out
	json_ok "nobody: Check of $p: Permission denied" 'd["data"][0][0][3] == "cannot open: Permission denied"' "$out"
done
# The daemon's open files, reopened through the reader's inherited descriptors: only with the
# caller's own rights on them (its log is made root-only here).
chmod 600 "$BUS_DIR/daemon.log"
for fd in 1 2; do
	out=$(check_as nobody "/proc/self/fd/$fd" 2>&1)
	all+=$out
	json_ok "nobody: Check of the daemon's root-only log through /proc/self/fd/$fd: Permission denied" \
		'd["data"][0][0][3] == "cannot open: Permission denied"' "$out"
done
chmod 644 "$BUS_DIR/daemon.log"
[[ $all != *"$secret"* ]] && ok "no answer to nobody contains the daemon's secret" || nok "the secret leaked to nobody"
# /proc/self/maps is readable by any process for itself: the reader, a fork of the daemon, has
# the daemon's address space layout. An ordinary user must not learn it.
out=$(check_as nobody /proc/self/maps 2>&1)
first=$(awk 'NR == 1 { split($1, a, "-"); print a[1] }' "/proc/$DAEMON_PID/maps")
[[ -n $first && $out != *"$first"* ]] && ok "nobody: Check of /proc/self/maps does not reveal the daemon's address space layout" ||
	nok "nobody: Check of /proc/self/maps revealed the daemon's address space layout" \
		"the reader is a fork of the root daemon: its own maps are the daemon's (ASLR base $first)" "got: ${out:0:300}"
alive "the /proc and permission probes"

# ---- callers that hang up before the answer
as_nobody "$LOAD" --drop --clients 20 --calls 20 --op "check=$conf" --op getconfig --op "check=/dev/zero" >/dev/null 2>&1
"$LOAD" --drop --clients 5 --calls 10 --op reload >/dev/null 2>&1
settled && ok "hung-up callers: every Check reader is gone" || nok "children left after hung-up callers: $(children)"
alive "callers that hang up before their answer"

# ---- an ordinary user floods; root is still answered in time
before_rss=$(rss_kib)
flood_log=$work/flood.log
as_nobody "$LOAD" --clients 20 --depth 4 --calls 0 --duration 10 --timeout $((30 * slow)) \
	--op "check=$conf" --op getconfig --op "check=/dev/zero" --op getall \
	--expect-error org.xenproject.Dom0.Error.Busy >"$flood_log" 2>&1 &
flood=$!
as_nobody "$LOAD" --clients 2 --depth 8 --calls 0 --duration 10 --timeout $((30 * slow)) --op reload \
	--expect-error org.freedesktop.DBus.Error.AccessDenied >"$work/flood-reload.log" 2>&1 &
flood_reload=$!
sleep 0.5
probe=$("$LOAD" --clients 1 --calls 0 --duration 9 --interval 20 --timeout $((30 * slow)) --max-latency $bound_ms \
	--op getall --op "check=$conf" --op getconfig 2>&1)
probe_rc=$?
wait $flood
flood_rc=$?
wait $flood_reload
flood_reload_rc=$?
echo "# root under flood: $probe"
echo "flood by nobody: $(cat "$flood_log")" | diag
echo "Reload flood by nobody: $(cat "$work/flood-reload.log")" | diag
[ "$probe_rc" = 0 ] && ok "root's calls during the flood: every one answered within $bound_ms ms" || nok "root's calls during the flood" "$probe"
[ "$flood_rc" = 0 ] && ok "the flooding user's own calls are all answered (checks beyond 16 in flight: Busy)" ||
	nok "flood calls failed" "$(cat "$flood_log")"
[ "$flood_reload_rc" = 0 ] && ok "an ordinary user's Reload flood is refused every time" ||
	nok "Reload flood" "$(cat "$work/flood-reload.log")"
settled && ok "after the flood no Check reader is left" || nok "children left after the flood: $(children)"
alive "a ten second flood"
after_rss=$(rss_kib)
if [ "$slow" != 1 ]; then
	ok "memory after the flood # SKIP an instrumented daemon keeps memory of its own"
elif [ "$after_rss" -le $((before_rss + before_rss / 5 + 256)) ]; then
	ok "memory after the flood: RssAnon $before_rss -> $after_rss kB"
else
	nok "RssAnon grew from $before_rss to $after_rss kB in the flood"
fi

# ---- a reader stuck in a FUSE file whose server never answers: SIGKILL does not end its sleep,
# and the loop must never wait for it. Other callers are served within 1 s throughout, the
# service watchdog keeps being pinged, and the reader is reaped once the server goes away.
fuse_mnt=$work/fuse
mkdir -p "$fuse_mnt" && chmod 755 "$fuse_mnt"
"$TOP_BUILDDIR/tests/unit/fuse-stall" "$fuse_mnt" >"$work/fuse.out" 2>&1 &
fuse_pid=$!
for _ in $(seq 100); do grep -q '^ready' "$work/fuse.out" && break; sleep 0.05; done
if ! grep -q '^ready' "$work/fuse.out"; then
	nok "a FUSE file system that never answers is mounted" "$(cat "$work/fuse.out")"
else
	check_as nobody "$fuse_mnt/xen-dom0.conf" >"$work/fuse-check.out" 2>&1 &
	fuse_check=$!
	worst=0 n=0 late=0
	# the reader's 5 s deadline and a few seconds of the stall after it (wall time: the
	# deadline is not stretched under valgrind, only each call's bound is)
	t_end=$(($(date +%s) + 9))
	while [ "$(date +%s)" -lt "$t_end" ]; do
		t0=$(date +%s%N)
		B --timeout=$((5 * slow)) get-property org.xenproject.Dom0 $P $I State >/dev/null 2>&1 || late=$((late + 1))
		ms=$((($(date +%s%N) - t0) / 1000000))
		[ "$ms" -gt "$worst" ] && worst=$ms
		n=$((n + 1))
		[ "$ms" -gt $((1000 * slow)) ] && late=$((late + 1))
		sleep 0.2
	done
	echo "# root's State during the stalled read: $n calls, the slowest $worst ms"
	[ "$late" = 0 ] && ok "a reader stuck in FUSE: root's $n calls over 9 s each answered within $((1000 * slow)) ms" ||
		nok "a reader stuck in FUSE: $late of root's $n calls late or failed (slowest $worst ms)"
	wait $fuse_check
	out=$(cat "$work/fuse-check.out")
	json_ok "the stalled Check itself is answered: reading it timed out" 'd["data"][0][0][3] == "reading it timed out"' "$out"
	stuck=$(ps -o stat= --ppid "$DAEMON_PID" | grep -c '^D')
	[ "$stuck" -ge 1 ] && ok "the killed reader is still in its uninterruptible FUSE sleep, and the loop runs on" ||
		nok "no reader in uninterruptible sleep: the FUSE stall was not reproduced" "$(ps -o pid,stat,wchan:30,cmd --ppid "$DAEMON_PID")"
	pings_before=$(grep -c ' WATCHDOG=1$' "$notify_log")
	sleep 4
	pings_after=$(grep -c ' WATCHDOG=1$' "$notify_log")
	[ "$pings_after" -ge $((pings_before + 2)) ] && ok "the service watchdog is pinged during the stall ($pings_before -> $pings_after)" ||
		nok "the service watchdog pings stopped during the stall ($pings_before -> $pings_after in 4 s)"
	pid_before=$DAEMON_PID
	kill -HUP "$DAEMON_PID"
	sleep 0.5
	out=$(B --timeout=$((5 * slow)) --json=short get-property org.xenproject.Dom0 $P $I State 2>&1)
	json_ok "SIGHUP during the stall is handled and the daemon answers" 'd["data"] == "disabled"' "$out"
	kill "$fuse_pid"
	wait "$fuse_pid" 2>/dev/null
	umount -l "$fuse_mnt" 2>/dev/null
	settled && ok "once the FUSE server is gone the stuck reader is reaped" || nok "children left after the FUSE server went: $(children)"
	[ "$(zombies)" = 0 ] && ok "no zombie after the FUSE stall" || nok "zombies after the FUSE stall: $(zombies)"
	[ "$DAEMON_PID" = "$pid_before" ] && kill -0 "$DAEMON_PID" && ok "the same daemon process throughout" || nok "the daemon changed"
fi
alive "a reader stuck in FUSE"

# ---- 500 Check calls: no zombie, no fd left behind. 12 in flight at most: an ordinary user's
# 17th concurrent check is refused as Busy (CHECK_READERS_MAX), and a reader counts until its
# child is reaped, which on a loaded machine may come a little after its reply.
out=$(as_nobody "$LOAD" --clients 4 --calls 125 --depth 3 --op "check=$conf" --op "check=$work/root-only.conf" 2>&1)
[[ $out == *"calls=500 ok=500 "* ]] && ok "500 Check calls answered" || nok "500 Check calls" "$out"
settled && ok "after 500 Check calls no reader is left" || nok "children left: $(children)"
[ "$(zombies)" = 0 ] && ok "no zombie" || nok "zombies: $(zombies)"
[ "$(fds)" = "$fds0" ] && ok "the daemon holds as many fds as at the start ($fds0)" ||
	nok "the daemon holds $(fds) fds, $fds0 at the start" "$(ls -l "/proc/$DAEMON_PID/fd")"
alive "all of it"

kill "$notify_pid" 2>/dev/null
tap_done
