#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The supervisor of the real daemon against a fake systemd on a private bus: bring-up order and
# concurrency, the store probe, failures, health restarts with back-off, adoption, the store
# that never answers or falls silent (with guests coming and a reload of dom0's memory), and
# reload restarts. The fake logs every call it receives, every job it ends and every sd_notify()
# line on one monotonic clock; the assertions read that log, the daemon's log and its bus API.
set -u
shopt -s lastpipe
. "${TOP_SRCDIR:?}/tests/unit/lib-bus.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"

FAKE="$TOP_BUILDDIR/tests/unit/fake-systemd"
SD=/org/freedesktop/systemd1
P=/org/xenproject/Dom0 I=org.xenproject.Dom0.Manager CI=org.xenproject.Dom0.Component
UNITS="proc-xen.mount xenstored.service xen-init-dom0.service xenconsoled.service
xen-qemu-dom0-disk-backend.service xendomains.service xen-watchdog.service"
# The graph, written out here on purpose: "unit:dependency" for every After= edge.
EDGES="xenstored.service:proc-xen.mount
xen-init-dom0.service:xenstored.service xenconsoled.service:xenstored.service
xen-qemu-dom0-disk-backend.service:xenstored.service xen-qemu-dom0-disk-backend.service:xenconsoled.service
xendomains.service:xen-init-dom0.service xendomains.service:xenconsoled.service
xendomains.service:xen-qemu-dom0-disk-backend.service xen-watchdog.service:xendomains.service"
# The daemon gives the store 30 s to answer after xenstored started (STORE_READY_TIMEOUT_USEC).
STORE_DEADLINE_S=30
# An instrumented daemon (TEST_SLOWDOWN) is slower: waits and upper bounds of durations grow by
# this factor; lower bounds stay.
slow=${TEST_SLOWDOWN:-1}

# The failures so far when the scenario began: scenario_end shows the logs if there are more.
scenario_fail0=0
# check DESCRIPTION COMMAND...: the command succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d" "failed: $*"; fi; }
# ---- one scenario: a directory, the fake, the daemon ----------------------------------
S="" LOG="" CTL="" FAKE_PID="" DPID=""
EXTRA_PIDS=""
cleanup() {
	for p in $DPID $FAKE_PID $EXTRA_PIDS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	bus_cleanup
}
trap cleanup EXIT

# scenario NAME [FAKE-OPTIONS...]: a fresh root with /proc/xen/capabilities saying control_d,
# xen.enable = true, and the fake started with the options.
scenario() {
	local name=$1
	shift
	S=$BUS_DIR/$name LOG=$BUS_DIR/$name/calls CTL=$BUS_DIR/$name/control scenario_fail0=$fail
	mkdir -p "$S/root/proc/xen"
	echo control_d >"$S/root/proc/xen/capabilities"
	printf '[xen]\nenable = true\n' >"$S/xen-dom0.conf"
	echo "# -- $name"
	"$FAKE" --log "$LOG" --control "$CTL" --notify "$S/notify" --xenstore "$S/xenstore" "$@" \
		>"$S/fake.out" 2>&1 &
	FAKE_PID=$!
	wait_until 5 has READY || { show "$S/fake.out"; bail "the fake systemd did not start (its output above)"; }
}

# daemon_up: the real daemon, told where its root, store, notify socket and modprobe are, with
# the fake hypervisor (FAKE_BACKEND, fake:0 by default).
daemon_up() {
	env XEN_DOM0D_ROOT="$S/root" XEN_DOM0D_MODPROBE="${MODPROBE:-/bin/true}" XENSTORED_PATH="$S/xenstore" \
		NOTIFY_SOCKET="$S/notify" XEN_DOM0D_BACKEND="${FAKE_BACKEND:-fake:0}" \
		"$XEN_DOM0D" --config "$S/xen-dom0.conf" >"$S/daemon.log" 2>&1 &
	DPID=$!
}

# scenario_end: stops both; on a failure shows what they logged.
scenario_end() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	DPID="" FAKE_PID=""
	if [ "$fail" -gt "$scenario_fail0" ]; then
		# the daemon's first: it says why, the fake's (long) says what was asked
		echo "# the daemon's log:"
		sed 's/^/#   /' "$S/daemon.log"
		echo "# the fake's log:"
		sed 's/^/#   /' "$LOG"
	fi
}

# ctl COMMAND...: a command to the fake (bounded: the FIFO blocks if nobody reads it)
ctl() { timeout 5 bash -c 'echo "$1" >"$2"' ctl "$*" "$CTL"; }

# wait_until SECONDS COMMAND...: polls every 50 ms, SECONDS times the slowdown at most.
wait_until() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 20 * slow; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}

# pause SECONDS: time for what should not happen to show; longer (up to 5 s more) when slow.
pause() { sleep "$(awk -v s="$1" -v k="$slow" 'BEGIN { v = s * k; if (v > s + 5) v = s + 5; print v }')"; }

# ---- reading the fake's log ---------------------------------------------------------------
# count TEXT: how many lines of the log hold TEXT; has TEXT [N]: at least N (1).
count() { grep -cF -- "$1" "$LOG" 2>/dev/null || :; }
has() { local n; n=$(count "$1"); [ "${n:-0}" -ge "${2:-1}" ]; }
# at TEXT [N]: the timestamp of the Nth line holding TEXT, empty if none.
at() { grep -F -- "$1" "$LOG" | sed -n "${2:-1}p" | cut -d' ' -f1; }
unit_of() { local x; for x in $UNITS; do [ "${x%.*}" = "$1" ] && echo "$x"; done; }
start_of() { echo " CALL StartUnit $SD $1 "; }
removed_of() { echo " $1 ${2:-done}"; } # the end of a JOBREMOVED line
# calls_after TS: the Start/Stop/RestartUnit calls logged after TS, one "Method unit" a line.
calls_after() {
	awk -v t="$1" '$1 > t && $2 == "CALL" && $3 ~ /^(Start|Stop|Restart)Unit$/ { print $3, $5 }' "$LOG"
}
# ms FROM TO: milliseconds between two timestamps.
ms() { echo $((($2 - $1) / 1000)); }
# before A B: both timestamps exist and A < B.
before() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }

# ---- the daemon's bus API -----------------------------------------------------------------
# val: the value of busctl's "TYPE VALUE", its C escapes undone (enough for these texts)
val() { sed -E 's/^[a-z]+ //; s/^"(.*)"$/\1/; s/\\(.)/\1/g'; }
mprop() { B --timeout=5 get-property org.xenproject.Dom0 $P $I "$1" 2>/dev/null | val; }
# The component objects' paths, from ListComponents once the daemon is up.
declare -A CPATH=()
load_paths() {
	[ ${#CPATH[@]} = 7 ] && return
	B --timeout=5 --json=short call org.xenproject.Dom0 $P $I ListComponents 2>/dev/null |
		python3 -c 'import json,sys
for c in json.load(sys.stdin)["data"][0]: print(c[0], c[7])' |
		while read -r n p; do CPATH[$n]=$p; done
}
cprop() { B --timeout=5 get-property org.xenproject.Dom0 "${CPATH[$1]:-/}" $CI "$2" 2>/dev/null | val; }
state_is() { [ "$(mprop State)" = "$1" ]; }
cstate_is() { [ "$(cprop "$1" State)" = "$2" ]; }
dlog() { grep -qF -- "$1" "$S/daemon.log"; }
# holds PID FILE: the process has FILE open.
holds() { local f; for f in /proc/"$1"/fd/*; do [ "$(readlink "$f" 2>/dev/null)" = "$2" ] && return 0; done; return 1; }
# children_of PID: the processes whose parent it is, a pid a line (as test-hostile.sh asks ps).
children_of() { ps -o pid= --ppid "$1" || true; }
# alive PID...: one of them runs (a zombie, not yet reaped by whatever adopted it, does not)
alive() {
	local p
	for p in "$@"; do
		[ -e "/proc/$p" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null && return 0
	done
	return 1
}

# contains DESCRIPTION GOT TEXT: GOT holds TEXT.
contains() { if grep -qF -- "$3" <<<"$2"; then ok "$1"; else nok "$1" "wanted '$3' in '$2'"; fi; }
# expect DESCRIPTION GOT WANT
# metric SAMPLE: its value in GetMetrics' text (the 0.0.4 format), SAMPLE as written there.
metric() {
	B --timeout=5 --json=short call org.xenproject.Dom0 $P $I GetMetrics s prometheus 2>/dev/null |
		python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["data"][0])' |
		awk -v s="$1" '$1 == s { print $2 }'
}
expect() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "wanted '$3', got '$2'"; fi; }

# ---- 5, in the background: the store never answers --------------------------------------
# The daemon waits STORE_DEADLINE_S (30 s, fixed at build time) for the store, so this one
# runs on a second private bus while the others run, and reports at the end: the whole test
# takes about as long as this deadline.
store_silent() {
	local out=$BUS_DIR/silent.tap
	(
		export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BUS_DIR/bus2_socket"
		tap_n=0 pass=0 fail=0
		exec >"$out" 2>&1
		trap scenario_end EXIT
		trap 'exit 1' TERM
		scenario store-silent --xenstore-mode mute
		daemon_up
		wait_until 5 has "$(removed_of xenstored.service)"
		load_paths
		t_store=$(at "$(removed_of xenstored.service)")
		wait_until 5 has "XS IGNORE"
		sleep 3
		check "silent store: the store was asked (and did not answer)" has "XS IGNORE"
		check "silent store: still probing a few seconds after xenstored started" cstate_is xenstored probing
		check "silent store: State is starting while it probes" state_is starting
		check "silent store: no READY=1 while it probes" test "$(count "NOTIFY READY=1")" = 0
		wait_until $((STORE_DEADLINE_S / slow + 10)) has "NOTIFY READY=1"
		t_ready=$(at "NOTIFY READY=1")
		if [ -n "$t_ready" ] && [ "$(ms "$t_store" "$t_ready")" -ge $((STORE_DEADLINE_S * 1000 - 500)) ] &&
			[ "$(ms "$t_store" "$t_ready")" -lt $((STORE_DEADLINE_S * 1000 + 6000 * slow)) ]; then
			ok "silent store: READY=1 once the ${STORE_DEADLINE_S} s deadline passed"
		else
			nok "silent store: READY=1 once the ${STORE_DEADLINE_S} s deadline passed" \
				"xenstored done at ${t_store:-never}, READY=1 at ${t_ready:-never}"
		fi
		check "silent store: xenstored failed" cstate_is xenstored failed
		check "silent store: State is degraded" state_is degraded
		contains "silent store: StatusText names xenstored" "$(mprop StatusText)" "xenstored failed"
		contains "silent store: LastError says the store did not answer" \
			"$(cprop xenstored LastError)" "did not answer within"
		check "silent store: logged that the store did not answer" dlog "xenstored started but the store did not answer"
		bad=$(calls_after 0 | grep -v -e proc-xen -e xenstored)
		expect "silent store: no dependent of xenstored started" "$bad" ""
		for c in xen-init-dom0 xenconsoled xen-qemu-dom0-disk-backend xendomains xen-watchdog; do
			cstate_is $c skipped || bad="$bad $c=$(cprop $c State)"
		done
		expect "silent store: its dependents are skipped" "$bad" ""
		scenario_end
		trap - EXIT
		echo "$pass $fail" >"$out.counts"
	) &
	SILENT_PID=$!
}

# ---------------------------------------------------------------------------------------------
bus_start
dbus-daemon --config-file="$BUS_DIR/bus.conf" --address="unix:path=$BUS_DIR/bus2_socket" --nofork --nopidfile \
	--nosyslog 2>/dev/null &
EXTRA_PIDS=$!
bus_wait "unix:path=$BUS_DIR/bus2_socket" || bail "the second private bus did not start"
echo "# -- store-silent starts in the background: it waits the daemon's ${STORE_DEADLINE_S} s store deadline"
store_silent
EXTRA_PIDS="$EXTRA_PIDS $SILENT_PID"

# ---- 1: the full bring-up -------------------------------------------------------------------
# A distinct duration for every job, the store answering after 100 ms.
scenario bringup --xenstore-delay 100 --unit proc-xen=ok:40 --unit xenstored=ok:60 --unit xen-init-dom0=ok:300 \
	--unit xenconsoled=ok:250 --unit xen-qemu-dom0-disk-backend=ok:80 --unit xendomains=ok:120 \
	--unit xen-watchdog=ok:50
dbus-monitor --system "type='signal',member='PropertiesChanged',path='$P'" >"$S/props" 2>/dev/null &
monitor_pid=$!
EXTRA_PIDS="$EXTRA_PIDS $monitor_pid"
wait_until 5 test -s "$S/props"
daemon_up
wait_until 10 has "NOTIFY READY=1"
pause 0.3
load_paths
kill "$monitor_pid" 2>/dev/null
# dbus-monitor prints a "signal" header per message and each changed property's name below it
expect "bring-up: the Manager's PropertiesChanged were seen" \
	"$(awk '/^signal / && /member=PropertiesChanged/ { n++ } END { print (n >= 5) ? "yes" : "only " n + 0 }' "$S/props")" yes
expect "bring-up: no PropertiesChanged names a property twice" \
	"$(awk '/^signal / { delete seen } /^ +string "[A-Za-z]+"$/ { if (seen[$2]++) d++ } END { print d + 0 }' "$S/props")" 0
expect "bring-up: ListComponents lists the seven components" "${#CPATH[@]}" 7
for u in $UNITS; do
	expect "bring-up: one StartUnit of $u" "$(count "$(start_of $u)")" 1
done
check "bring-up: Subscribe() before the first StartUnit" before "$(at " CALL Subscribe ")" "$(at " CALL StartUnit ")"
for e in $EDGES; do
	u=${e%%:*} d=${e#*:}
	if [ "$d" = xenstored.service ]; then
		check "bring-up: $u started after the store answered" \
			before "$(at "XS REPLY / ")" "$(at "$(start_of $u)")"
	else
		check "bring-up: $u started after $d's JobRemoved" \
			before "$(at "$(removed_of $d)")" "$(at "$(start_of $u)")"
	fi
done
check "bring-up: the store probed after xenstored's JobRemoved" \
	before "$(at "$(removed_of xenstored.service)")" "$(at "XS READ")"
first_done=$(at "$(removed_of xen-init-dom0.service)")
t=$(at "$(removed_of xenconsoled.service)")
[ -n "$t" ] && [ -n "$first_done" ] && [ "$t" -lt "$first_done" ] && first_done=$t
check "bring-up: xen-init-dom0 and xenconsoled in flight together" eval \
	'before "$(at "$(start_of xen-init-dom0.service)")" "$first_done" &&
	 before "$(at "$(start_of xenconsoled.service)")" "$first_done"'
expect "bring-up: READY=1 sent once" "$(count "NOTIFY READY=1")" 1
check "bring-up: READY=1 only after the last component is up" \
	before "$(at "$(removed_of xen-watchdog.service)")" "$(at "NOTIFY READY=1")"
n=0
for c in proc-xen:0 xenstored:1 xen-init-dom0:2 xenconsoled:[23] xen-qemu-dom0-disk-backend:[3-4] xendomains:5 \
	xen-watchdog:6; do
	grep -qE " NOTIFY STATUS=starting ${c%%:*}, ${c#*:} of 7 up$" "$LOG" && n=$((n + 1))
done
expect "bring-up: STATUS says 'starting X, n of 7 up' for each component" "$n" 7
check "bring-up: STATUS says running" has "NOTIFY STATUS=running: 7 of 7 components up"
expect "bring-up: State is running" "$(mprop State)" running
expect "bring-up: StatusText" "$(mprop StatusText)" "running: 7 of 7 components up"
bad=""
# the least each start can take: its job, and for the store two reads answered after 100 ms
for c in proc-xen:40 xenstored:260 xen-init-dom0:300 xenconsoled:250 xen-qemu-dom0-disk-backend:80 \
	xendomains:120 xen-watchdog:50; do
	name=${c%%:*} least=${c#*:}
	st=$(cprop "$name" State) msec=$(cprop "$name" StartupMilliseconds)
	[ "$st" = active ] || bad="$bad $name:State=$st"
	[ -n "$msec" ] && [ "$msec" -ge "$least" ] && [ "$msec" -lt $((least + 2000 * slow)) ] ||
		bad="$bad $name:StartupMilliseconds=$msec(least $least)"
	[ "$(cprop "$name" Adopted)" = false ] || bad="$bad $name:Adopted"
done
expect "bring-up: every component active, its StartupMilliseconds plausible, none adopted" "$bad" ""
check "bring-up: the daemon logged the settled bring-up" dlog "Bring-up settled in"
check "bring-up: the settled stack logged with its state said once" dlog "Xen dom0 stack settled, running: 7 of 7 components up"
scenario_end

# ---- 1a: the dom0 modules ---------------------------------------------------------------------
# A modprobe that takes its time and says when it starts and ends, in the fake's log: the store's
# set (event channels, grants) for 600 ms, the backends' set for 1500 ms. Its start says its pid
# and the signals blocked in it (SigBlk, as the kernel shows it), which exec does not reset.
# With MODPROBE_HANG, the backends' set never ends, in the same process.
MODPROBE=$BUS_DIR/modprobe
cat >"$MODPROBE" <<'EOS'
#!/bin/bash
case " $* " in
*" xen-evtchn "*) set=store t=0.6 ;;
*" xen-blkback "*) set=backends t=1.5 ;;
*) set=unknown t=0 ;;
esac
blocked=$(awk '$1 == "SigBlk:" { print $2 }' /proc/self/status)
timeout 5 bash -c 'echo "log modprobe-$1-begin pid=$2 blocked=$3" >"$4"' - "$set" "$$" "$blocked" "$CTL_FIFO"
[ -n "${MODPROBE_HANG:-}" ] && [ "$set" = backends ] && exec sleep 60
sleep "$t"
timeout 5 bash -c 'echo "log modprobe-$1-end" >"$2"' - "$set" "$CTL_FIFO"
EOS
chmod +x "$MODPROBE"
modules_scenario() { # NAME: devices present (yes/no)
	scenario "modules-$1" --xenstore-delay 50
	if [ "$1" = present ]; then
		mkdir -p "$S/root/dev/xen"
		touch "$S/root/dev/xen/evtchn" "$S/root/dev/xen/gntdev" "$S/root/dev/xen/privcmd"
	fi
	CTL_FIFO=$CTL MODPROBE=$MODPROBE daemon_up
	wait_until 10 has "NOTIFY READY=1"
}
export CTL_FIFO
modules_scenario missing
expect "modules, devices missing: every component started" "$(count " CALL StartUnit ")" 7
check "modules, devices missing: xenstored waits for the store's modules" \
	before "$(at "CTL log modprobe-store-end")" "$(at "$(start_of xenstored.service)")"
check "modules, devices missing: xenconsoled does not wait for the backends' modules" \
	before "$(at "$(start_of xenconsoled.service)")" "$(at "CTL log modprobe-backends-end")"
check "modules, devices missing: xendomains waits for the backends' modules" \
	before "$(at "CTL log modprobe-backends-end")" "$(at "$(start_of xendomains.service)")"
blocked=$(grep -F "CTL log modprobe-store-begin" "$LOG" | sed -nE 's/.* blocked=([0-9a-f]+).*/\1/p')
expect "modules, devices missing: modprobe runs with no signal blocked (the daemon's loop blocks SIGTERM)" \
	"$([ -n "$blocked" ] && echo $((16#$blocked)))" 0
scenario_end
# A daemon killed while modprobe runs: modprobe goes with it, rather than finish for a daemon
# that is no more (the next one runs its own).
scenario modules-hang --xenstore-delay 50
MODPROBE_HANG=1 CTL_FIFO=$CTL MODPROBE=$MODPROBE daemon_up
wait_until 10 has "CTL log modprobe-backends-begin"
mpid=$(grep -F "CTL log modprobe-backends-begin" "$LOG" | sed -nE 's/.* pid=([0-9]+).*/\1/p')
expect "modules, kill -9 during modprobe: modprobe runs" "$([ -n "$mpid" ] && alive "$mpid" && echo yes)" yes
kill -9 "$DPID"
wait "$DPID" 2>/dev/null || :
DPID=""
wait_until 5 eval "! alive $mpid"
check "modules, kill -9 during modprobe: modprobe is gone with the daemon" eval "! alive $mpid"
[ -n "$mpid" ] && kill -9 "$mpid" 2>/dev/null
scenario_end
# A modprobe that never ends is given up at its deadline: killed, said why, and the stack comes
# up with the modules there, rather than never (xendomains waited for it for ever).
scenario modules-deadline --xenstore-delay 50
MODPROBE_HANG=1 CTL_FIFO=$CTL MODPROBE=$MODPROBE XEN_DOM0D_MODPROBE_TIMEOUT_MSEC=$((1500 * slow)) daemon_up
wait_until 10 has "CTL log modprobe-backends-begin"
mpid=$(grep -F "CTL log modprobe-backends-begin" "$LOG" | sed -nE 's/.* pid=([0-9]+).*/\1/p')
wait_until 15 has "NOTIFY READY=1"
check "modules, modprobe hangs: the stack comes up (READY=1)" has "NOTIFY READY=1"
expect "modules, modprobe hangs: xendomains started after the deadline" "$(count "$(start_of xendomains.service)")" 1
check "modules, modprobe hangs: the daemon says it gave modprobe up" \
	grep -qE "modprobe of the backends' modules \(pid $mpid\) did not end within [0-9]+ s: killed it" "$S/daemon.log"
wait_until 5 eval "! alive $mpid"
check "modules, modprobe hangs: the hung modprobe is killed" eval "! alive ${mpid:-0}"
[ -n "$mpid" ] && kill -9 "$mpid" 2>/dev/null
scenario_end
modules_scenario present
expect "modules, devices present: every component started" "$(count " CALL StartUnit ")" 7
expect "modules, devices present: no modprobe of the store's set" "$(count "CTL log modprobe-store-begin")" 0
check "modules, devices present: xenstored does not wait for any modprobe" \
	before "$(at "$(start_of xenstored.service)")" "$(at "CTL log modprobe-backends-end")"
check "modules, devices present: xendomains waits for the backends' modules" \
	before "$(at "CTL log modprobe-backends-end")" "$(at "$(start_of xendomains.service)")"
scenario_end

# ---- 1b: JobRemoved before the StartUnit reply ----------------------------------------------
scenario early --early-job-removed
daemon_up
wait_until 10 has "NOTIFY READY=1"
early=0
for u in $UNITS; do
	r=$(at "$(removed_of $u)") p=$(at " REPLY StartUnit $u ")
	before "$r" "$p" && early=$((early + 1))
done
expect "early JobRemoved: the fake sent every JobRemoved before its reply" "$early" 7
expect "early JobRemoved: every StartUnit once" "$(count " CALL StartUnit ")" 7
expect "early JobRemoved: State is running" "$(mprop State)" running
scenario_end

# ---- 2: a component that fails to start -----------------------------------------------------
scenario fail-start --unit xenconsoled=fail:50 --unit xen-init-dom0=ok:150
daemon_up
wait_until 10 has "NOTIFY READY=1"
wait_until 5 eval 'grep -q exit-code <<<"$(mprop StatusText)"'
pause 0.5
for u in xen-qemu-dom0-disk-backend.service xendomains.service xen-watchdog.service; do
	expect "failed start: $u never started" "$(count "$(start_of $u)")" 0
done
expect "failed start: xen-init-dom0 started" "$(count "$(start_of xen-init-dom0.service)")" 1
expect "failed start: xenconsoled's failed start not retried during the bring-up" \
	"$(count "$(start_of xenconsoled.service)")" 1
expect "failed start: READY=1 sent once" "$(count "NOTIFY READY=1")" 1
expect "failed start: State is degraded" "$(mprop State)" degraded
st=$(mprop StatusText)
contains "failed start: StatusText names xenconsoled and its result" "$st" "xenconsoled failed (result exit-code)"
check "failed start: the unit's Result read from the Service interface" \
	has "Get $SD/unit/xenconsoled_2eservice org.freedesktop.systemd1.Service Result"
expect "failed start: xenconsoled's Result" "$(cprop xenconsoled Result)" exit-code
contains "failed start: xenconsoled's LastError names the job result" \
	"$(cprop xenconsoled LastError)" "ended with result 'failed'"
expect "failed start: its dependents are skipped" \
	"$(cprop xen-qemu-dom0-disk-backend State) $(cprop xendomains State) $(cprop xen-watchdog State)" \
	"skipped skipped skipped"
expect "failed start: xen-init-dom0 is active" "$(cprop xen-init-dom0 State)" active
check "failed start: logged" dlog "xenconsoled failed to start: job failed; its dependents are not started"
check "failed start: the daemon stays up" kill -0 "$DPID"
scenario_end

# ---- 2b: systemd refuses a start --------------------------------------------------------------
scenario refused --unit xenconsoled=refuse
daemon_up
wait_until 10 has "NOTIFY READY=1"
expect "refused start: State is degraded" "$(mprop State)" degraded
contains "refused start: LastError says systemd refused it" \
	"$(cprop xenconsoled LastError)" "systemd refused to start xenconsoled.service"
expect "refused start: xendomains never started" "$(count "$(start_of xendomains.service)")" 0
check "refused start: xen-init-dom0 active" cstate_is xen-init-dom0 active
scenario_end

# ---- 2c: the first component fails: nothing else starts -------------------------------------
scenario mount-fails --unit proc-xen=fail:30
daemon_up
wait_until 10 has "NOTIFY READY=1"
load_paths
wait_until 5 eval 'grep -q exit-code <<<"$(mprop StatusText)"'
expect "failed mount: only proc-xen.mount started" "$(calls_after 0 | tr '\n' ' ')" "StartUnit proc-xen.mount "
check "failed mount: the store never probed" test "$(count "XS CONNECT")" = 0
check "failed mount: the mount's Result read from the Mount interface" \
	has "Get $SD/unit/proc_2dxen_2emount org.freedesktop.systemd1.Mount Result"
contains "failed mount: StatusText names proc-xen and its result" "$(mprop StatusText)" \
	"degraded: proc-xen failed (result exit-code), 0 of 7 up"
bad=""
for c in xenstored xen-init-dom0 xenconsoled xen-qemu-dom0-disk-backend xendomains xen-watchdog; do
	cstate_is $c skipped || bad="$bad $c=$(cprop $c State)"
done
expect "failed mount: every other component skipped" "$bad" ""
scenario_end

# ---- 3: health --------------------------------------------------------------------------------
scenario health
daemon_up
wait_until 10 has "NOTIFY READY=1"
t_up=$(at "NOTIFY READY=1")
# Kill xenconsoled six times, each time once its restart job is done: restarts 0, 100, 200, 400
# and 800 ms after the failures, then the limit (5 in 30 s).
delays=()
for i in 1 2 3 4 5 6; do
	wait_until 5 has "$(removed_of xenconsoled.service)" "$i"
	ctl kill xenconsoled
	wait_until 5 has "CTL kill xenconsoled" "$i"
	t_kill=$(at "CTL kill xenconsoled" "$i")
	if [ "$i" -lt 6 ]; then
		wait_until 5 has "$(start_of xenconsoled.service)" $((i + 1))
		t_start=$(at "$(start_of xenconsoled.service)" $((i + 1)))
		[ -n "$t_start" ] && delays+=("$(ms "$t_kill" "$t_start")") || delays+=(none)
	fi
	if [ "$i" = 1 ]; then
		[ -n "$t_start" ] && [ "$(ms "$t_kill" "$t_start")" -lt $((1000 * slow)) ] &&
			ok "health: a failed xenconsoled is started again within 1 s" ||
			nok "health: a failed xenconsoled is started again within 1 s" "after ${delays[0]} ms"
		check "health: the restart logged with its reason" \
			dlog "Restarting xenconsoled: xenconsoled.service is failed"
		wait_until 5 cstate_is xenconsoled active
		check "health: xenconsoled active again" cstate_is xenconsoled active
		expect "health: Restarts is 1" "$(cprop xenconsoled Restarts)" 1
	fi
done
echo "# restart delays (ms): ${delays[*]}"
bad=""
least=(0 100 200 400 800)
for i in 0 1 2 3 4; do
	d=${delays[$i]:-none}
	if [ "$d" = none ] || [ "$d" -lt $((least[i] * 9 / 10)) ] || [ "$d" -gt $((least[i] + 1000 * slow)) ]; then
		bad="$bad restart$((i + 1)):${d}ms(nominal ${least[i]})"
	elif [ "$slow" = 1 ] && [ "$i" -gt 0 ] && [ "$d" -le "${delays[$((i - 1))]}" ]; then
		bad="$bad restart$((i + 1)):not-longer"
	fi
done
expect "health: restarts back off (0, 100, 200, 400, 800 ms)" "$bad" ""
pause 2.5 # longer than the next back-off would be
expect "health: at most 5 restarts within 30 s, then no more" "$(calls_after "$t_up" | grep -c xenconsoled)" 5
check "health: giving up logged" \
	dlog "xenconsoled: xenconsoled.service is failed; 5 restarts in 30 s, giving up"
expect "health: xenconsoled is failed" "$(cprop xenconsoled State)" failed
expect "health: Restarts is 5" "$(cprop xenconsoled Restarts)" 5
expect "health: the metrics count 5 restarts" "$(metric 'xen_component_restarts_total{component="xenconsoled"}')" 5
expect "health: all 5 for a failure" \
	"$(metric 'xen_component_restarts_by_reason_total{component="xenconsoled",reason="failed"}')" 5
expect "health: and the metrics say it failed" \
	"$(metric 'xen_component_state{component="xenconsoled",state="failed"}')" 1
last=$(metric 'xen_component_last_restart_timestamp_seconds{component="xenconsoled"}')
[ -n "$last" ] && [ "$(( ${last%.*} - $(date +%s) ))" -le 0 ] && [ "$(( $(date +%s) - ${last%.*} ))" -lt $((60 * slow)) ] &&
	ok "health: the last restart's time is recent" || nok "health: the last restart's time is recent" "$last"
expect "health: other components did not restart" "$(metric 'xen_component_restarts_total{component="xendomains"}')" 0
expect "health: State is degraded" "$(mprop State)" degraded
contains "health: StatusText names xenconsoled" "$(mprop StatusText)" "xenconsoled failed"
expect "health: nothing but xenconsoled was started, stopped or restarted" \
	"$(calls_after "$t_up" | grep -vc xenconsoled)" 0
check "health: the daemon stays up" kill -0 "$DPID"
scenario_end

# ---- 3c: a restart that does not come up is one more failure ---------------------------------
scenario restart-fails
daemon_up
wait_until 10 has "NOTIFY READY=1"
load_paths
t_up=$(at "NOTIFY READY=1")
ctl behaviour xenconsoled fail:20
ctl kill xenconsoled
wait_until 5 has "CTL kill xenconsoled"
wait_until 5 has "$(removed_of xenconsoled.service failed)"
pause 2.5 # the back-off of five restarts: 0.1 + 0.2 + 0.4 + 0.8 s
check "failed restart: xenconsoled started again after it died" has "$(start_of xenconsoled.service)" 2
expect "failed restart: restarts go on, backing off, until the limit" "$(calls_after "$t_up" | grep -c xenconsoled)" 5
expect "failed restart: giving up logged" "$(grep -c "giving up" "$S/daemon.log")" 1
expect "failed restart: xenconsoled is failed" "$(cprop xenconsoled State)" failed
expect "failed restart: the metrics count 1 failure" \
	"$(metric 'xen_component_restarts_by_reason_total{component="xenconsoled",reason="failed"}')" 1
expect "failed restart: and 4 restarts that did not come up" \
	"$(metric 'xen_component_restarts_by_reason_total{component="xenconsoled",reason="restart_failed"}')" 4
expect "failed restart: nothing else was started, stopped or restarted" \
	"$(calls_after "$t_up" | grep -vc xenconsoled)" 0
scenario_end

# ---- 3d: so is a restart on request or for a reload that does not come up ----------------------
# One policy for every restart: a failed one is a failure of a restartable component, which is
# restarted within the same limit, whoever asked for the restart that failed.
scenario restart-request-fails
daemon_up
wait_until 10 has "NOTIFY READY=1"
load_paths
ctl behaviour xenconsoled fail:20
ctl log restart-request
wait_until 5 has "CTL log restart-request"
t_req=$(at "CTL log restart-request")
err=$(B --timeout=5 call org.xenproject.Dom0 $P $I RestartComponent s xenconsoled 2>&1)
contains "failed restart on request: the caller is told" "$err" "Restart of xenconsoled failed"
pause 2.5 # the back-off of five restarts: 0.1 + 0.2 + 0.4 + 0.8 s
expect "failed restart on request: restarted again until the limit" \
	"$(calls_after "$t_req" | tr '\n' ' ')" \
	"RestartUnit xenconsoled.service $(printf 'StartUnit xenconsoled.service %.0s' 1 2 3 4 5)"
expect "failed restart on request: giving up logged" "$(grep -c "giving up" "$S/daemon.log")" 1
expect "failed restart on request: xenconsoled is failed" "$(cprop xenconsoled State)" failed
expect "failed restart on request: the metrics count the request" \
	"$(metric 'xen_component_restarts_by_reason_total{component="xenconsoled",reason="requested"}')" 1
expect "failed restart on request: and 5 restarts that did not come up" \
	"$(metric 'xen_component_restarts_by_reason_total{component="xenconsoled",reason="restart_failed"}')" 5
expect "failed restart on request: Restarts counts all six" "$(cprop xenconsoled Restarts)" 6
scenario_end

scenario reload-restart-fails
daemon_up
wait_until 10 has "NOTIFY READY=1"
load_paths
ctl behaviour xenconsoled fail:20
printf '[xen]\nenable = true\ntrace = true\n' >"$S/xen-dom0.conf"
ctl log reload-fails
wait_until 5 has "CTL log reload-fails"
t_reload=$(at "CTL log reload-fails")
B --timeout=5 call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
pause 2.5
expect "failed restart for a reload: restarted again until the limit" \
	"$(calls_after "$t_reload" | tr '\n' ' ')" \
	"RestartUnit xenconsoled.service $(printf 'StartUnit xenconsoled.service %.0s' 1 2 3 4 5)"
expect "failed restart for a reload: xenconsoled is failed" "$(cprop xenconsoled State)" failed
expect "failed restart for a reload: the metrics count the reload's restart" \
	"$(metric 'xen_component_restarts_by_reason_total{component="xenconsoled",reason="reload"}')" 1
expect "failed restart for a reload: and 5 restarts that did not come up" \
	"$(metric 'xen_component_restarts_by_reason_total{component="xenconsoled",reason="restart_failed"}')" 5
scenario_end

# ---- 3e: signals that claim to be systemd's -------------------------------------------------------
# Any client may send a signal with systemd's path and interface, to every listener or with the
# daemon as its destination: dbus-daemon checks a signal's sender against a match's well-known
# name only when it broadcasts. An ordinary user's forged unit failures must not restart
# anything nor use up the restart budget, and a forged JobRemoved must not end a job; systemd's
# own signals still count, also once it comes back under a new unique name (a re-execution).
forge() { # forge [--destination=NAME] PATH INTERFACE MEMBER SIGNATURE ARGS...: as nobody
	setpriv --reuid=65534 --regid=65534 --clear-groups busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" emit "$@"
}
forge_failed() { # forge_failed UNIT-PATH: "ActiveState failed" of the unit, both ways, three times each
	local i
	for i in 1 2 3; do
		forge --destination=org.xenproject.Dom0 "$1" org.freedesktop.DBus.Properties PropertiesChanged 'sa{sv}as' \
			org.freedesktop.systemd1.Unit 2 ActiveState s failed SubState s failed 0
		forge "$1" org.freedesktop.DBus.Properties PropertiesChanged 'sa{sv}as' \
			org.freedesktop.systemd1.Unit 2 ActiveState s failed SubState s failed 0
	done
}
scenario forged
daemon_up
wait_until 10 has "NOTIFY READY=1"
load_paths
xc=$SD/unit/xenconsoled_2eservice
ctl log forged
wait_until 5 has "CTL log forged"
t_forged=$(at "CTL log forged")
forge_failed "$xc"
pause 1.5
expect "forged: no job after an ordinary user's unit failures" "$(calls_after "$t_forged" | wc -l)" 0
expect "forged: xenconsoled's Restarts stays 0" "$(cprop xenconsoled Restarts)" 0
expect "forged: xenconsoled stays active" "$(cprop xenconsoled State)" active
expect "forged: State stays running" "$(mprop State)" running
expect "forged: the first forged signal logged, and no other" "$(grep -c "which is not systemd" "$S/daemon.log")" 1
ctl kill xenconsoled
wait_until 5 has "$(start_of xenconsoled.service)" 2
expect "forged: systemd's own failure of xenconsoled still restarts it" \
	"$(calls_after "$t_forged" | tr '\n' ' ')" "StartUnit xenconsoled.service "
wait_until 5 cstate_is xenconsoled active
expect "forged: Restarts is 1" "$(cprop xenconsoled Restarts)" 1
ctl reconnect
wait_until 5 has " BUS " 2
check "forged: the fake came back under another unique name" \
	test "$(grep -F " BUS " "$LOG" | cut -d' ' -f3 | sort -u | wc -l)" = 2
wait_until 5 has " CALL Subscribe " 2
check "forged: the daemon subscribed again to systemd's new connection" has " CALL Subscribe " 2
ctl log forged-again
wait_until 5 has "CTL log forged-again"
t_forged=$(at "CTL log forged-again")
forge_failed "$xc"
pause 1.5
expect "forged, after the reconnect: still no job" "$(calls_after "$t_forged" | wc -l)" 0
ctl kill xenconsoled
wait_until 5 has "$(start_of xenconsoled.service)" 3
expect "forged, after the reconnect: systemd's own failure restarts xenconsoled" \
	"$(calls_after "$t_forged" | tr '\n' ' ')" "StartUnit xenconsoled.service "
wait_until 5 cstate_is xenconsoled active
expect "forged, after the reconnect: Restarts is 2" "$(cprop xenconsoled Restarts)" 2
scenario_end

scenario forged-job --unit xen-watchdog=hang
daemon_up
wait_until 10 has " REPLY StartUnit xen-watchdog.service "
load_paths
job=$(grep -F " REPLY StartUnit xen-watchdog.service " "$LOG" | head -1 | cut -d' ' -f5)
forge --destination=org.xenproject.Dom0 $SD org.freedesktop.systemd1.Manager JobRemoved uoss "${job##*/}" "$job" \
	xen-watchdog.service done
forge $SD org.freedesktop.systemd1.Manager JobRemoved uoss "${job##*/}" "$job" xen-watchdog.service done
pause 1
expect "forged JobRemoved: xen-watchdog's start still hangs" "$(cprop xen-watchdog State)" starting
expect "forged JobRemoved: no READY=1" "$(count "NOTIFY READY=1")" 0
scenario_end

# ---- 3b: components never restarted: a stop from outside, xendomains, the store ---------------------------
scenario store-dies
daemon_up
wait_until 10 has "NOTIFY READY=1"
load_paths
ctl stop xen-watchdog
wait_until 5 has "CTL stop xen-watchdog"
t_first=$(at "CTL stop xen-watchdog")
wait_until 5 cstate_is xen-watchdog stopped
check "no restart: xen-watchdog stopped from outside is stopped" cstate_is xen-watchdog stopped
check "no restart: logged as stopped from outside" dlog "xen-watchdog was stopped from outside xen-dom0d"
ctl kill xendomains
wait_until 5 cstate_is xendomains failed
check "no restart: a failed xendomains is failed" cstate_is xendomains failed
check "no restart: logged as not restarted" \
	dlog "xendomains failed: xendomains.service is failed; it is not restarted automatically"
ctl kill xenstored
wait_until 5 has "CTL kill xenstored"
t_kill=$(at "CTL kill xenstored")
wait_until 5 dlog "xenstored died"
pause 1.5
check "store dies: a critical log line" grep -q "^<2>xenstored died" "$S/daemon.log"
expect "store dies: no unit started, stopped or restarted after the failures" "$(calls_after "$t_first" | wc -l)" 0
expect "store dies: xenstored is failed" "$(cprop xenstored State)" failed
expect "store dies: its dependents left alone (still active)" \
	"$(cprop xen-init-dom0 State) $(cprop xenconsoled State) $(cprop xen-qemu-dom0-disk-backend State)" \
	"active active active"
expect "store dies: State is degraded" "$(mprop State)" degraded
contains "store dies: LastError says it is never restarted" \
	"$(cprop xenstored LastError)" "never restarted"
check "store dies: the daemon stays up" kill -0 "$DPID"
# A reload that changes what xenconsoled reads: its restart would pull the store back up.
printf '[xen]\nenable = true\ntrace = true\n' >"$S/xen-dom0.conf"
B call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
pause 0.5
check "store lost: a reload does not restart xenconsoled, and says why" \
	dlog "Not restarting xenconsoled for the new configuration: xenstored, which it needs, is down"
expect "store lost: the reload made no job" "$(calls_after "$t_first" | wc -l)" 0
# A dependent dying now is not restarted: its start would pull the store back up (Requires=).
ctl kill xenconsoled
wait_until 5 cstate_is xenconsoled failed
pause 1
check "store lost: a dying xenconsoled is failed" cstate_is xenconsoled failed
check "store lost: and logged as not restarted because of the store" \
	dlog "xenconsoled failed: xenconsoled.service is failed; not restarted, because xenstored"
expect "store lost: no StartUnit of xenconsoled or the store" \
	"$(calls_after "$t_first" | grep -c 'xenconsoled\|xenstored')" 0
err=$(B --timeout=5 call org.xenproject.Dom0 $P $I RestartComponent s xenconsoled 2>&1)
contains "store lost: RestartComponent xenconsoled is refused, naming the store" "$err" "xenstored"
expect "store lost: still no StartUnit after the refused call" \
	"$(calls_after "$t_first" | grep -c 'xenconsoled\|xenstored')" 0
# The daemon restarted (it exits on purpose when the bus or systemd goes away): what this boot
# started and lost stays lost. A new store under running guests would not know them.
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
check "store lost, daemon restarted: this boot's starts are recorded under /run" \
	test -e "$S/root/run/xen-dom0/started/xenstored" -a -e "$S/root/run/xen-dom0/started/xendomains"
daemon_up
wait_until 10 has "NOTIFY READY=1" 2
load_paths
pause 1
expect "store lost, daemon restarted: nothing started, not the store, not xendomains" \
	"$(calls_after "$t_first" | grep -c 'StartUnit\|RestartUnit')" 0
expect "store lost, daemon restarted: State is degraded" "$(mprop State)" degraded
contains "store lost, daemon restarted: StatusText names the store" "$(mprop StatusText)" "xenstored"
expect "store lost, daemon restarted: xenstored is failed" "$(cprop xenstored State)" failed
contains "store lost, daemon restarted: its LastError says it is never restarted" \
	"$(cprop xenstored LastError)" "never restarted"
check "store lost, daemon restarted: a critical log line" grep -q "^<2>xenstored was started in this boot" "$S/daemon.log"
expect "store lost, daemon restarted: xendomains is failed, not started again" "$(cprop xendomains State)" failed
scenario_end

# ---- 3d: the store stops answering, then answers again ------------------------------------------
# The liveness probe every 300 ms instead of 5 s (times the slowdown: under valgrind every probe
# is a fork that memcheck follows); the probe gives a store 3 s to answer.
scenario store-mute
XEN_DOM0D_STORE_WATCH_MSEC=$((300 * slow)) daemon_up
wait_until 10 has "NOTIFY READY=1"
load_paths
t_up=$(at "NOTIFY READY=1")
wait_until 5 has "XS READ" 3
check "store mute: the store is probed again after the bring-up" has "XS READ" 3
ctl xenstore mute
wait_until 12 state_is degraded
expect "store mute: State is degraded" "$(mprop State)" degraded
contains "store mute: StatusText says the store does not answer" "$(mprop StatusText)" "xenstored does not answer"
contains "store mute: LastError of xenstored says so" "$(cprop xenstored LastError)" "does not answer"
check "store mute: a critical log line" grep -q "^<2>xenstored does not answer" "$S/daemon.log"
expect "store mute: xenstored stays active (it is not restarted)" "$(cprop xenstored State)" active
expect "store mute: nothing started, stopped or restarted" "$(calls_after "$t_up" | wc -l)" 0
ctl xenstore serve
wait_until 12 state_is running
expect "store answers again: State is running" "$(mprop State)" running
check "store answers again: logged" dlog "xenstored answers again"
expect "store answers again: LastError cleared" "$(cprop xenstored LastError)" ""
expect "store answers again: still nothing started, stopped or restarted" "$(calls_after "$t_up" | wc -l)" 0
expect "store answers again: the silence logged once" "$(grep -c "xenstored does not answer" "$S/daemon.log")" 1
# The daemon killed while a probe's child waits on the silent store: the child goes with it, and
# with the child the copy of the daemon's bus connection it had, so the name is free at once.
ctl xenstore mute
wait_until 10 eval '[ -n "$(children_of "$DPID")" ]'
probes=$(children_of "$DPID")
check "killed during a silent store: a probe waits in a child" test -n "$probes"
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
wait_until 5 eval '! alive $probes'
check "killed during a silent store: its probe's child is gone with it" eval '! alive $probes'
expect "killed during a silent store: the bus name has no owner" \
	"$(B call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s org.xenproject.Dom0 2>&1)" \
	"b false"
ctl xenstore serve
scenario_end

# ---- 3e: the store stops answering while a guest comes and a reload changes dom0's memory --------
# The fake hypervisor reads the store where the real one does (XEN_DOM0D_FAKE_STORE=1): names of
# new guests, dom0's memory target. Those calls run in children with deadlines (3 s and 5 s), so
# the loop goes on: ListDomains answers at once with the guests named before, the reload within
# the memory deadline with that memory pending, and the guest is listed once the store answers.
scenario store-mute-xen
printf '[xen]\nenable = true\n' >"$S/xen-dom0.conf"
FAKE_BACKEND=fake:1 XEN_DOM0D_FAKE_STORE=1 XEN_DOM0D_FAKE_CONTROL="$S/xen-control" XEN_DOM0D_STORE_WATCH_MSEC=$((300 * slow)) \
	daemon_up
wait_until 10 has "NOTIFY READY=1"
# names [JSON]: the names in a ListDomains reply (a new call without one)
names() {
	python3 -c 'import json,sys; print(" ".join(e[1] for e in json.load(sys.stdin)["data"][0]))' 2>/dev/null \
		<<<"${1:-$(B --timeout=20 --json=short call org.xenproject.Dom0 $P $I ListDomains 2>/dev/null)}"
}
named() { [ "$(names)" = "$1" ]; }
wait_until 5 named "Domain-0 guest-1"
expect "silent store, guests: named through the store while it answers" "$(names)" "Domain-0 guest-1"
ctl xenstore mute
timeout 5 bash -c 'echo "add late-guest" >"$1"' xen-control "$S/xen-control"
pause 0.5
t0=$(date +%s%N)
got=$(B --timeout=20 --json=short call org.xenproject.Dom0 $P $I ListDomains 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
expect "silent store, guests: ListDomains lists the guests named before" "$(names "$got")" "Domain-0 guest-1"
echo "# ListDomains answered in $ms ms"
check "silent store, guests: ListDomains answers within 2 s" test "$ms" -lt $((2000 * slow))
check "silent store, guests: the daemon says why the new guest is not listed" \
	wait_until 5 dlog "Cannot read the names of 1 new domain from xenstored"
printf '[xen]\nenable = true\n[dom0Resources]\nmemory = 1100\n' >"$S/xen-dom0.conf"
t0=$(date +%s%N)
reply=$(B --timeout=30 --json=short call org.xenproject.Dom0 $P $I Reload 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
echo "# the reload answered in $ms ms"
check "silent store, reload of dom0's memory: answers within 8 s" test "$ms" -lt $((8000 * slow))
contains "silent store, reload of dom0's memory: the reply has the memory pending" "$reply" "dom0Resources.memory"
check "silent store, reload of dom0's memory: the target not set is logged" \
	dlog "Cannot set Domain 0's memory target to 1100 MiB: xenstored did not answer"
expect "silent store, reload of dom0's memory: Dom0Memory is unchanged" "$(mprop Dom0Memory)" 1048576
check "silent store: the daemon still runs" kill -0 "$DPID"
ctl xenstore serve
wait_until 12 state_is running
wait_until 10 named "Domain-0 guest-1 late-guest"
expect "store answers again: the guest that came meanwhile is listed" "$(names)" "Domain-0 guest-1 late-guest"
scenario_end

# ---- 4: adoption ----------------------------------------------------------------------------
# The files as a previous run of the daemon left them, before the running units started: the
# environment did not change under them.
scenario adopt --unit proc-xen=active --unit xenstored=active --unit xen-init-dom0=active \
	--unit xenconsoled=active
"$XEN_DOM0D" --render="$S/root" --config "$S/xen-dom0.conf" >/dev/null
touch -d '-3 hours' "$S/root/run/xen-dom0/xencommons"
daemon_up
wait_until 10 has "NOTIFY READY=1"
pause 0.3
for u in proc-xen xenstored xen-init-dom0 xenconsoled; do
	expect "adoption: no StartUnit of the active $u" "$(count "$(start_of "$(unit_of $u)")")" 0
	check "adoption: 'Adopted $u' logged" dlog "Adopted $u, already active"
	expect "adoption: $u's Adopted is true" "$(cprop $u Adopted)" true
	# active since the unit's own start, two hours before the fake started, not the adoption
	since=$(cprop $u ActivationTimestamp)
	check "adoption: $u's ActivationTimestamp is the unit's ActiveEnterTimestamp" \
		test $((($(date +%s) - ${since:-0} / 1000000) / 60)) -ge 119
done
for u in xen-qemu-dom0-disk-backend.service xendomains.service xen-watchdog.service; do
	expect "adoption: the inactive $u started" "$(count "$(start_of $u)")" 1
done
expect "adoption: no restart of an adopted component" "$(count " CALL RestartUnit ")" 0
expect "adoption: READY=1" "$(count "NOTIFY READY=1")" 1
expect "adoption: State is running" "$(mprop State)" running
scenario_end

# ---- 4b: adoption of a unit older than its environment file (a reload interrupted between
# writing the file and restarting the unit): the daemon renders afresh, the file is newer ------
scenario adopt-stale --default active
daemon_up
wait_until 10 has "NOTIFY READY=1"
wait_until 5 has " CALL RestartUnit "
pause 0.3
expect "stale adoption: no StartUnit at all" "$(count " CALL StartUnit ")" 0
expect "stale adoption: only xenconsoled restarted (its environment was rewritten)" \
	"$(calls_after 0 | tr '\n' ' ')" "RestartUnit xenconsoled.service "
expect "stale adoption: State is running" "$(mprop State)" running
scenario_end

# ---- 6: reload with a trace change ------------------------------------------------------------
scenario reload
daemon_up
wait_until 10 has "NOTIFY READY=1"
printf '[xen]\nenable = true\ntrace = true\n' >"$S/xen-dom0.conf"
# diff --files: the rendered files as the new file makes them, against those the daemon wrote
# (once the boot entries' refresh of the bring-up is over: its state is among the reasons)
wait_until 10 eval '[ "$(mprop BootEntriesState)" != refreshing ]'
XCTL="$TOP_BUILDDIR/daemon/xen-dom0ctl"
export XEN_DOM0D="$XEN_DOM0D" XEN_DOM0D_ROOT="$S/root"
"$XCTL" diff --files >"$S/files.txt" 2>&1
check "reload: diff --files shows xencommons' change as diff -u does" \
	grep -qx -- '--- a/run/xen-dom0/xencommons' "$S/files.txt"
check "reload: the store's tracing turned on in it" grep -qx -- '+XENSTORED_TRACE=yes' "$S/files.txt"
check "reload: xenconsoled's tracing, from none to all" grep -qx -- '-XENCONSOLED_TRACE=none' "$S/files.txt"
ctl_golden "reload: xen-dom0ctl diff --files after trace = true" "$S/files.txt" diff-files.txt "$S"
"$XCTL" --json diff --files >"$S/files.json" 2>&1
ctl_golden "reload: xen-dom0ctl --json diff --files" "$S/files.json" diff-files.json "$S"
ctl_schema "reload: xen-dom0ctl --json diff --files is the schema's diff" diff "$S/files.json"
check "reload: diff --json --files: one unified diff per file Diff names" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [f["file"] for f in d["file_diffs"]] == d["files"] and len(d["files"]) > 0
assert all(f["unified_diff"].startswith("--- a" + f["file"]) for f in d["file_diffs"])' "$S/files.json"
ctl log reload
wait_until 5 has "CTL log reload"
t_reload=$(at "CTL log reload")
reply=$(B --json=short call org.xenproject.Dom0 $P $I Reload 2>&1)
check "reload: the reply lists xenconsoled as restarted" \
	python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["data"][1] == ["xenconsoled"] else 1)' "$reply"
wait_until 5 has "NOTIFY READY=1" 2
pause 0.3
expect "reload: RestartUnit of xenconsoled, and no other job" "$(calls_after "$t_reload" | tr '\n' ' ')" \
	"RestartUnit xenconsoled.service "
check "reload: RELOADING=1 sent" has "NOTIFY RELOADING=1"
expect "reload: xenconsoled active again" "$(cprop xenconsoled State)" active
expect "reload: State is running" "$(mprop State)" running
ctl log reload-again
wait_until 5 has "CTL log reload-again"
t_reload=$(at "CTL log reload-again")
n_reloading=$(count "NOTIFY RELOADING=1") n_ready=$(count "NOTIFY READY=1") n_status=$(count "NOTIFY STATUS=")
B call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
pause 0.3
expect "reload: an unchanged file restarts nothing" "$(calls_after "$t_reload" | wc -l)" 0
# It ends within the call: nothing waits, so systemd hears of nothing (a reload that waits
# for restarts, above, sends RELOADING=1 and READY=1).
expect "reload: an unchanged file, no RELOADING=1, READY=1 or new status for systemd" \
	"$(count "NOTIFY RELOADING=1") $(count "NOTIFY READY=1") $(count "NOTIFY STATUS=")" \
	"$n_reloading $n_ready $n_status"
"$XCTL" diff --files >"$S/files.txt" 2>&1
check "reload: after the reload, diff --files has no file to show (the reboot still pends)" \
	eval '! grep -q -e "^--- a/" -e "Files to write" "$S/files.txt" && grep -q "Pending reboot" "$S/files.txt"'
unset XEN_DOM0D_ROOT
# On a terminal, reload and restart show each component's restart as it happens, as
# systemctl start shows its job; off a terminal, they do not.
if command -v script >/dev/null; then
	printf '[xen]\nenable = true\ntrace = false\n' >"$S/xen-dom0.conf"
	script -qec "'$XCTL' reload" /dev/null </dev/null >"$S/progress" 2>&1
	check "progress: reload on a terminal shows xenconsoled being restarted" \
		grep -q "Restarting.* xenconsoled (xenconsoled.service)\.\.\." "$S/progress"
	check "progress: and done" grep -q "Done:.* xenconsoled" "$S/progress"
	check "progress: nothing else is said to restart" \
		eval '[ "$(grep -c "Restarting" "$S/progress")" -eq 1 ]'
	script -qec "'$XCTL' restart xenconsoled" /dev/null </dev/null >"$S/progress" 2>&1
	check "progress: restart on a terminal shows it too" \
		eval 'grep -q "Restarting.* xenconsoled" "$S/progress" && grep -q "Done:.* xenconsoled" "$S/progress"'
	printf '[xen]\nenable = true\ntrace = true\n' >"$S/xen-dom0.conf"
	"$XCTL" reload >"$S/progress" 2>&1
	check "progress: off a terminal, reload shows no progress" eval '! grep -q "Restarting" "$S/progress"'
	check "progress: but what it did" grep -q "Reloaded" "$S/progress"
	wait_until 5 eval '[ "$(cprop xenconsoled State)" = active ]'
else
	skip "progress of reload and restart on a terminal" "script(1) is not installed"
fi
# A restartable component that dies while a reload restarts another one.
ctl behaviour xenconsoled ok:1500
printf '[xen]\nenable = true\ntrace = false\n' >"$S/xen-dom0.conf"
ctl log reload-window
wait_until 5 has "CTL log reload-window"
t_reload=$(at "CTL log reload-window")
B --timeout=10 call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1 &
reload_pid=$!
wait_until 5 has " CALL RestartUnit " 2
ctl kill xen-watchdog
wait "$reload_pid"
pause 1
expect "reload window: xenconsoled restarted by the reload" \
	"$(calls_after "$t_reload" | grep -c "RestartUnit xenconsoled")" 1
expect "reload window: xen-watchdog, dead during the reload, is started again" \
	"$(calls_after "$t_reload" | grep -c "StartUnit xen-watchdog")" 1
scenario_end

# ---- 6a: Diff predicts what Reload does, for every case of the plan table ----------------------
# plan-cases writes out the table that test-plan checks. For each case the daemon reloads the
# old file, then Diff and Reload of the new one must agree on the files, the restarts and the
# pending reboot. The fake hypervisor's command line lacks what xen.trace adds, so its own
# reasons take part; the fake systemd's log shows what was restarted. Then, with the store
# down, a change that would restart xenconsoled: neither Diff nor Reload restarts it.
cases=$BUS_DIR/plan-cases
mkdir -p "$cases"
n_cases=$("$TOP_BUILDDIR/tests/unit/plan-cases" "$cases")
# The boot entries' reason (bootEntries.loader) tells how the builder, a unit of its own, is
# doing at the moment of the call: Reload starts it, so it differs between Diff and Reload by
# design. Scenario 6c tests it; here it is left out of the comparisons.
NOBOOT='import json,sys
def nb(l): return [v for v in l if not v.startswith("bootEntries.loader:")]
'
# diff_reload WHAT: Diff, then Reload, of the file now in place; compares them.
diff_reload() {
	local what=$1 diff reload after restarted
	ctl log "case $what"
	wait_until 5 has "CTL log case $what"
	local t=$(at "CTL log case $what")
	diff=$(B --timeout=$((10 * slow)) --json=short call org.xenproject.Dom0 $P $I Diff 2>&1)
	reload=$(B --timeout=$((20 * slow)) --json=short call org.xenproject.Dom0 $P $I Reload 2>&1)
	restarted=$(calls_after "$t" | awk '$1 == "RestartUnit" { sub(/\.service$/, "", $2); print $2 }' | sort | tr '\n' ' ')
	check "Diff then Reload, $what: Diff's files, restarts and pending reboot are Reload's" \
		python3 -c "$NOBOOT"'d, r = (json.loads(a)["data"] for a in sys.argv[1:3]); sys.exit(0 if d[1:3] == r[:2] and nb(d[3]) == nb(r[2]) else 1)' \
		"$diff" "$reload"
	expect "Diff then Reload, $what: what Diff said restarts is what systemd was asked to restart" \
		"$restarted" "$(python3 -c 'import json,sys; print("".join(n + " " for n in sorted(json.loads(sys.argv[1])["data"][2])))' "$diff")"
	after=$(B --timeout=$((10 * slow)) --json=short call org.xenproject.Dom0 $P $I Diff 2>&1)
	check "Diff then Reload, $what: afterwards Diff finds nothing to do, and the same pending reboot" \
		python3 -c "$NOBOOT"'a, r = (json.loads(x)["data"] for x in sys.argv[1:3]); sys.exit(0 if a[:3] == [[], [], []] and nb(a[3]) == nb(r[2]) and a[4] == [] else 1)' \
		"$after" "$reload"
}
export XEN_DOM0D_FAKE_CMDLINE="console=com1 dom0_mem=2048M,max:4096M"
scenario diff-reload
daemon_up
wait_until 10 has "NOTIFY READY=1"
for ((i = 0; i < n_cases; i++)); do
	cp "$cases/$i.old" "$S/xen-dom0.conf"
	B --timeout=$((20 * slow)) call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
	cp "$cases/$i.new" "$S/xen-dom0.conf"
	diff_reload "$(cat "$cases/$i.what")"
done
printf '[xen]\n' >"$S/xen-dom0.conf"
B --timeout=$((20 * slow)) call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
ctl kill xenstored
wait_until 5 test "$(cprop xenstored State)" = failed
printf '[xen]\ntrace = true\n' >"$S/xen-dom0.conf"
diff_reload "the store down, trace"
check "Diff then Reload, the store down: the plan's restart of xenconsoled is left out, and said why" \
	dlog "Not restarting xenconsoled for the new configuration: xenstored, which it needs, is down"
scenario_end
unset XEN_DOM0D_FAKE_CMDLINE

# ---- 6c: the boot entries ----------------------------------------------------------------------
# The real builder runs as the fake's xen-dom0-boot-entries.service, with an update-grub that
# writes grub.cfg as Debian's 20_linux_xen would, from the snippet the daemon rendered. It
# starts after READY=1; a reload that changes the Xen command line runs it again without
# waiting for it; a failure leaves the old grub.cfg and says why, in the properties and as a
# pending reason; a daemon restart with current entries does not run it.
bscen=$BUS_DIR/boot-entries
mkdir -p "$bscen"
cat >"$bscen/update-grub" <<'EOF'
#!/bin/sh
# a stand-in for update-grub: slow and failing on demand, else one Xen entry
[ -e "$BSCEN/slow" ] && sleep "$(cat "$BSCEN/slow")"
if [ -e "$BSCEN/fail" ]; then echo "grub-probe: error: failed to get canonical path of 'overlay'." >&2; exit 1; fi
. "$BSCEN/root/etc/default/grub.d/xen-dom0.cfg"
cat >"$BSCEN/grub.cfg.new" <<EOT
menuentry 'Debian GNU/Linux, with Xen hypervisor' --class xen \$menuentry_id_option 'xen-gnulinux-simple-x' {
	multiboot2	/boot/xen-4.17-amd64.gz placeholder console=com1 $GRUB_CMDLINE_XEN_DEFAULT \${xen_rm_opts}
	module2	/boot/vmlinuz-6.1.0-28-amd64 placeholder root=/dev/vda1 ro console=hvc0
	module2	--nounzip /boot/initrd.img-6.1.0-28-amd64
}
EOT
mv "$BSCEN/grub.cfg.new" "$BSCEN/grub.cfg"
EOF
chmod +x "$bscen/update-grub"
builder_cmd="set -a && . '$BUS_DIR/boot-entries/root/run/xen-dom0/boot-entries.env' && BSCEN='$bscen' exec '$TOP_BUILDDIR/daemon/xen-dom0-boot-entries' --state '$bscen/root/var/lib/xen-dom0d/boot-entries.json' --grub-cfg '$bscen/grub.cfg' --update-grub '$bscen/update-grub' --bootctl /bin/false"
bconf() { printf '[xen]\nenable = true\n[dom0Resources]\nmemory = 1024\nmaxMemory = %s\n[bootEntries]\nloader = %s\n' "$1" "${2:-grub}" >"$S/xen-dom0.conf"; }
bstate_is() { [ "$(mprop BootEntriesState)" = "$1" ]; }
breasons() { B --timeout=5 --json=short get-property org.xenproject.Dom0 $P $I PendingRebootReasons 2>/dev/null; }
export XEN_DOM0D_FAKE_CMDLINE="console=com1 dom0_mem=1024M,max:1536M"
scenario boot-entries --builder "$builder_cmd"
mkdir -p "$S/root/var/lib/xen-dom0d"
bconf 1536
daemon_up
wait_until 10 has "NOTIFY READY=1"
check "boot entries: the builder ran once the stack settled" wait_until 10 has "BUILDER-RAN command 0"
# The bring-up's last job ended before the builder was asked for. (READY=1 and the call travel
# on two sockets, so the fake may log them in either order; the JobRemoved came first for sure.)
last_removed() { grep -F " JOBREMOVED " "$LOG" | tail -1 | cut -d' ' -f1; }
check "boot entries: the builder was started after the bring-up's last job ended (not on its path)" \
	before "$(last_removed)" "$(at "BUILDER-CALL StartUnit")"
check "boot entries: the stack runs" wait_until 5 state_is running
expect "boot entries: BootEntriesState current" "$(mprop BootEntriesState)" current
expect "boot entries: BootLoader grub" "$(mprop BootLoader)" grub
expect "boot entries: NextXenCommandLine is the default entry's" "$(mprop NextXenCommandLine)" "console=com1 dom0_mem=1024M,max:1536M"
expect "boot entries: no reboot pending, so no reason about them" "$(mprop PendingReboot)" false
check "boot entries: BootEntries lists the Xen entry" \
	python3 -c 'import json,sys; d = json.loads(sys.argv[1])["data"]; sys.exit(0 if len(d) == 1 and d[0][0] == "xen-gnulinux-simple-x" and d[0][3].endswith("max:1536M") else 1)' \
	"$(B --timeout=5 --json=short get-property org.xenproject.Dom0 $P $I BootEntries 2>/dev/null)"

# A reload that changes the command line: the reply does not wait for a slow builder.
echo $((3 * slow)) >"$bscen/slow"
bconf 2048
t0=$(date +%s%N)
B --timeout=$((20 * slow)) call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
t1=$(date +%s%N)
check "boot entries: the reload replied before the slow builder ended" test $(((t1 - t0) / 1000000)) -lt $((3000 * slow - 500))
expect "boot entries: refreshing meanwhile" "$(mprop BootEntriesState)" refreshing
check "boot entries: a reason says they are being refreshed" grep -qF 'bootEntries.loader: the boot entries are being refreshed' <<<"$(breasons)"
rm -f "$bscen/slow"
check "boot entries: current again after the builder" wait_until 10 bstate_is current
expect "boot entries: the next boot gets the new maximum" "$(mprop NextXenCommandLine)" "console=com1 dom0_mem=1024M,max:2048M"
expect "boot entries: a reboot is still pending (Xen runs the old line)" "$(mprop PendingReboot)" true
check "boot entries: the reason says the entries are current" \
	grep -qF 'bootEntries.loader: the grub boot entries are current: the next boot applies it' <<<"$(breasons)"

# update-grub fails: nothing lost, and said.
touch "$bscen/fail"
cp "$bscen/grub.cfg" "$bscen/grub.cfg.before"
bconf 3072
B --timeout=$((20 * slow)) call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
check "boot entries: failed" wait_until 10 bstate_is failed
contains "boot entries: the message has update-grub's own words" "$(mprop BootEntriesMessage)" "failed with exit status 1: grub-probe: error: failed to get canonical path"
check "boot entries: grub.cfg is as it was" cmp -s "$bscen/grub.cfg" "$bscen/grub.cfg.before"
expect "boot entries: NextXenCommandLine still the old entry's" "$(mprop NextXenCommandLine)" "console=com1 dom0_mem=1024M,max:2048M"
check "boot entries: a pending reason says they could not be refreshed" \
	grep -qF 'bootEntries.loader: the grub boot entries could not be refreshed: ' <<<"$(breasons)"
check "boot entries: the journal says so with its message id" dlog "Boot entries (grub) not refreshed: "
rm -f "$bscen/fail"
B --timeout=$((20 * slow)) call org.xenproject.Dom0 $P $I RefreshBootEntries >/dev/null 2>&1
check "boot entries: RefreshBootEntries runs the builder again, which succeeds" \
	wait_until 10 bstate_is current
# A reload that leaves the command line alone does not run the builder.
n=$(count "BUILDER-RAN")
printf '[domains]\nextraConfig = XENDOMAINS_SAVE=\n' >>"$S/xen-dom0.conf"
B --timeout=$((20 * slow)) call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
pause 1
expect "boot entries: a reload that changes no boot input does not run the builder" "$(count "BUILDER-RAN")" "$n"
# A restart of the daemon with current entries for the same inputs does not run it either.
kill "$DPID" && wait "$DPID" 2>/dev/null
daemon_up
wait_until 10 has "NOTIFY READY=1" 2
pause 1
expect "boot entries: a daemon restart with current entries does not run the builder" "$(count "BUILDER-RAN")" "$n"
expect "boot entries: after the restart, read from the state" "$(mprop NextXenCommandLine)" "console=com1 dom0_mem=1024M,max:3072M"
# loader = none: never run, no reason.
bconf 4096 none
B --timeout=$((20 * slow)) call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
pause 1
expect "boot entries: loader none: the builder is not run" "$(count "BUILDER-RAN")" "$n"
expect "boot entries: loader none: disabled" "$(mprop BootEntriesState)" disabled
check_fail() { local d=$1; shift; if "$@"; then nok "$d"; else ok "$d"; fi; }
check_fail "boot entries: loader none: no reason about them" grep -qF 'bootEntries.loader' <<<"$(breasons)"
scenario_end
unset XEN_DOM0D_FAKE_CMDLINE

# ---- 6b: SIGHUP during the bring-up, and during a reload ---------------------------------------
# xendomains' start outlasts the pause after the SIGHUP, however slow the daemon runs (a pause
# under valgrind lasts up to 5 s more).
scenario reload-hup --unit xendomains=ok:$((slow > 1 ? 8000 : 2000))
daemon_up
wait_until 10 has "$(start_of xendomains.service)"
kill -HUP "$DPID"
pause 0.5
expect "SIGHUP during the bring-up: no READY=1 before the stack settled" "$(count "NOTIFY READY=1")" 0
expect "SIGHUP during the bring-up: no RELOADING=1 while systemd waits for READY=1" "$(count "NOTIFY RELOADING=1")" 0
wait_until 10 has "NOTIFY READY=1"
pause 0.3
check "SIGHUP during the bring-up: READY=1 comes after the last start job" \
	before "$(at " xendomains.service done")" "$(at "NOTIFY READY=1")"
expect "SIGHUP during the bring-up: one READY=1" "$(count "NOTIFY READY=1")" 1
# A second SIGHUP while a reload waits for its restart job: the file changed again since the
# first one read it, so one more reload follows and applies it.
ctl behaviour xenconsoled ok:1500
printf '[xen]\nenable = true\ntrace = true\n' >"$S/xen-dom0.conf"
ctl log hup-twice
wait_until 5 has "CTL log hup-twice"
t_hup=$(at "CTL log hup-twice")
kill -HUP "$DPID"
wait_until 5 has " CALL RestartUnit "
printf '[xen]\nenable = true\ntrace = false\n' >"$S/xen-dom0.conf"
kill -HUP "$DPID"
wait_until 10 has "NOTIFY READY=1" 3
wait_until 5 has " CALL RestartUnit " 2
pause 0.5
expect "SIGHUP during a reload: a second reload follows and restarts xenconsoled again" \
	"$(calls_after "$t_hup" | grep -c "RestartUnit xenconsoled")" 2
check "SIGHUP during a reload: logged as queued" dlog "another reload follows when this one ends"
expect "SIGHUP during a reload: the live configuration is the file's last (trace = false)" \
	"$(B --timeout=5 --json=short call org.xenproject.Dom0 $P $I GetConfig 2>/dev/null |
		python3 -c 'import json,sys; print([v for v in json.load(sys.stdin)["data"][0] if v[0] == "xen.trace"][0][1])' 2>&1)" \
	"false"
scenario_end

# ---- 6c: a reload whose write fails after some files were replaced (chattr +i on the boot
# parameters' file, which comes after the environment file and the bootspec): every file is put
# back, the old configuration stays live, and the error says so. Needs chattr +i to work. ------
scenario reload-write-fails
daemon_up
wait_until 10 has "NOTIFY READY=1"
grub=$S/root/etc/default/grub.d/xen-dom0.cfg
sums() { find "$S/root" -type f -print0 | sort -z | xargs -0 md5sum; }
# The boot entries' refresh of the start-up ends first (the fake's unit records no result): a
# Diff during it has another pending reason for bootEntries.loader than one after it.
wait_until 10 dlog "Boot entries not refreshed"
if chattr +i "$grub" 2>/dev/null; then
	sums_before=$(sums) params_before=$(mprop BootParams)
	printf '[xen]\nenable = true\ntrace = true\n' >"$S/xen-dom0.conf"
	diff_before=$(B --json=short call org.xenproject.Dom0 $P $I Diff 2>&1)
	reply=$(B call org.xenproject.Dom0 $P $I Reload 2>&1)
	chattr -i "$grub"
	contains "failed write: the reload fails naming the file" "$reply" "Cannot write /etc/default/grub.d/xen-dom0.cfg"
	contains "failed write: the reply says nothing was changed" "$reply" "nothing was changed"
	expect "failed write: every file on disk is as before" "$(sums)" "$sums_before"
	expect "failed write: Diff still shows the same changes" \
		"$(B --json=short call org.xenproject.Dom0 $P $I Diff 2>&1)" "$diff_before"
	expect "failed write: the old boot parameters are still live" "$(mprop BootParams)" "$params_before"
	expect "failed write: nothing restarted" "$(count " CALL RestartUnit ")" 0
	expect "failed write: State is running" "$(mprop State)" running
else
	echo "# skipped: chattr +i does not work here"
fi
scenario_end

# ---- 6d: a restart whose authorization arrives after a reload began -------------------------------
# polkit takes a second to grant an ordinary user's RestartComponent; meanwhile root's reload
# restarts xenconsoled. The granted call must be checked again (a reload is in progress), and
# no job may be left unfinished: systemd gives two restarts of one unit one job path.
scenario restart-auth --polkit 1000
daemon_up
wait_until 10 has "NOTIFY READY=1"
ctl behaviour xenconsoled ok:2000
ctl log auth
wait_until 5 has "CTL log auth"
t_auth=$(at "CTL log auth")
setpriv --reuid=65534 --regid=65534 --clear-groups busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" --timeout=$((15 * slow)) \
	call org.xenproject.Dom0 $P $I RestartComponent s xenconsoled >"$S/restart.out" 2>&1 &
restart_pid=$!
wait_until 5 has "POLKIT asked"
printf '[xen]\nenable = true\ntrace = true\n' >"$S/xen-dom0.conf"
B --timeout=$((15 * slow)) call org.xenproject.Dom0 $P $I Reload >"$S/reload.out" 2>&1 &
reload_pid=$!
wait "$restart_pid"
wait "$reload_pid"
contains "restart granted during a reload: refused as Busy once granted" "$(cat "$S/restart.out")" "A reload is in progress"
expect "restart granted during a reload: the reload's restart of xenconsoled is the only one" \
	"$(calls_after "$t_auth" | grep -c "RestartUnit xenconsoled")" 1
contains "restart granted during a reload: the reload completed, restarting xenconsoled" "$(cat "$S/reload.out")" ' 1 "xenconsoled" '
wait_until 5 cstate_is xenconsoled active
printf '[xen]\nenable = true\ntrace = false\n' >"$S/xen-dom0.conf"
out=$(B --timeout=$((10 * slow)) call org.xenproject.Dom0 $P $I Reload 2>&1)
contains "restart granted during a reload: the next reload is not Busy, it restarts xenconsoled" "$out" '"xenconsoled"'
expect "restart granted during a reload: State is running" "$(mprop State)" running
scenario_end

# ---- 6e: a polkit-authorized user's Reload of a root-only invalid file -------------------------
# Authorized to manage the stack is not allowed to read the file: the refusal names the option
# and what is wrong, never the value; root's names it too.
scenario reload-auth --polkit 0
daemon_up
wait_until 10 has "NOTIFY READY=1"
secret="hunter2-$$-$RANDOM"
printf '[xen]\nenable = true\ndebug = %s\n' "$secret" >"$S/xen-dom0.conf"
chmod 600 "$S/xen-dom0.conf"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" \
	--timeout=$((10 * slow)) call org.xenproject.Dom0 $P $I Reload 2>&1)
check "authorized reload of a root-only file: polkit was asked" has "POLKIT granted"
contains "authorized reload of a root-only file: refused, naming the option" "$out" "xen.debug: invalid value"
expect "authorized reload of a root-only file: the value is not shown" "$(grep -cF -- "$secret" <<<"$out")" 0
out=$(B --timeout=$((10 * slow)) call org.xenproject.Dom0 $P $I Reload 2>&1)
contains "root's reload of the file: the value is shown" "$out" "\"$secret\" is not a boolean"
scenario_end

# ---- 7: declared guests ----------------------------------------------------------------------
# Guests started once the stack is up, in their after order, independent ones together, each
# gated on its readiness; the fake systemd makes a guest unit's domain appear in the fake
# hypervisor (HV lines) as xl create -F would.
guest_conf() { # the stack, then [guests.*] sections from stdin
	{ printf '[xen]\nenable = true\n'; cat; } >"$S/xen-dom0.conf"
}
guest_section() { # NAME [KEY=VALUE...]: a guest with a kernel, and its own keys
	local n=$1
	shift
	printf '[guests.%s]\n' "$n"
	for kv in "$@"; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
	# as the fake systemd's domains are: 128 MiB up to 1 GiB, 1 vcpu online out of 4
	printf '[guests.%s.settings]\nkernel = "/boot/vmlinuz"\nmemory = 128\nmaxmem = 1024\nvcpus = 1\nmaxvcpus = 4\n' "$n"
}
gstart() { start_of "xen-guest@$1.service"; }
gdone() { echo " xen-guest@$1.service done"; }
status_has() { mprop StatusText | grep -qF -- "$1"; }
guest_state_is() { # NAME STATE: as ListGuests says
	B --json=short call org.xenproject.Dom0 $P $I ListGuests 2>/dev/null | python3 -c '
import json, sys
rows = json.load(sys.stdin)["data"][0]
sys.exit(0 if [r for r in rows if r[0] == sys.argv[1] and r[3] == sys.argv[2]] else 1)' "$1" "$2"
}

scenario guests-order --xen-control "$BUS_DIR/guests-order/hv"
{
	guest_section c after=b
	guest_section a
	guest_section b after=a readiness=xenstore:data/ready readinessTimeout=$((30 * slow))
	guest_section d
} | guest_conf
XEN_DOM0D_FAKE_CONTROL="$S/hv" daemon_up
wait_until 10 has "NOTIFY READY=1"
wait_until 10 has "$(gstart b)"
check "guests: a and d start once the stack is up, together" has "$(gstart a)" && has "$(gstart d)"
check "guests: a's start comes after READY=1" before "$(at "NOTIFY READY=1")" "$(at "$(gstart a)")"
check "guests: b starts after a's job ended and its domain appeared" before "$(at "HV add a")" "$(at "$(gstart b)")"
pause 1
check "guests: c waits while b has not written its readiness key" test "$(count "$(gstart c)")" -eq 0
check "guests: STATUS= says which guest is starting" has "NOTIFY STATUS=running: 7 of 7 components up, starting guest b, 2 of 4 guests up"
check "guests: the manager is running meanwhile" state_is running
ctl xs-set "/local/domain/*/data/ready"
wait_until 10 has "$(gstart c)"
check "guests: b's key written: c starts" has "$(gstart c)"
check "guests: c after b was read ready" before "$(at "XS REPLY")" "$(at "$(gstart c)")"
wait_until 10 status_has "4 of 4 guests up"
check "guests: all up, and STATUS= says so" has "NOTIFY STATUS=running: 7 of 7 components up, 4 of 4 guests up"
check "guests: each guest's unit was started once" test "$(count "CALL StartUnit $SD xen-guest@")" -eq 4
dropin="$S/root/run/systemd/system/xen-guest@c.service.d/50-xen-dom0-after.conf"
check "guests: c's unit is ordered after b's (a drop-in: at shutdown c stops first)" \
	grep -qx "After=xen-guest@b.service" "$dropin"
check "guests: the drop-ins written, systemd was asked to reload its units" has "CALL Reload $SD"

# A reload: a new guest starts, a removed one is left running, a changed one waits for a restart
# of the guest; nothing is stopped or restarted. Diff says so first.
{
	printf '[guests.c]\nafter = b\n[guests.c.settings]\nkernel = "/boot/vmlinuz"\nmemory = 128\nmaxmem = 1024\nvcpus = 8\nmaxvcpus = 8\n'
	printf '[guests.a.settings]\nkernel = "/boot/vmlinuz"\nmemory = 256\nmaxmem = 1024\nvcpus = 2\nmaxvcpus = 4\nextra = "quiet"\n'
	guest_section b after=a readiness=xenstore:data/ready
	guest_section e after=a
} | guest_conf
guest_diff() { # the guests' part of Diff, sorted, one "GUEST CHANGE OPTION" a line
	B --timeout=$((10 * slow)) --json=short call org.xenproject.Dom0 $P $I Diff 2>&1 | python3 -c '
import json, sys
print("\n".join(sorted(" ".join(r).strip() for r in json.load(sys.stdin)["data"][5])))'
}
expect "guests: Diff predicts the reload: e started, d undeclared, a's memory and vcpus live, a's kernel command line and c's vcpus (above the maxvcpus it runs with) pending" \
	"$(guest_diff)" "a live guests.a.settings.memory
a live guests.a.settings.vcpus
a pending-restart guests.a.settings.extra
c pending-restart guests.c.settings.maxvcpus
c pending-restart guests.c.settings.vcpus
d undeclared
e start"
"$TOP_BUILDDIR/daemon/xen-dom0ctl" --no-pager diff >"$S/diff.txt" 2>&1
check "guests: xen-dom0ctl diff lists what the reload does to the guests, a line each" python3 -c '
import sys
text = open(sys.argv[1]).read()
want = ["Guests:", "a: guests.a.settings.memory applied live", "a: guests.a.settings.vcpus applied live",
        "a: guests.a.settings.extra waits for xen-dom0ctl restart-guest a",
        "d: no longer declared, left running as it is", "e: started"]
missing = [w for w in want if w not in text]
sys.exit("missing %r in:\n%s" % (missing, text) if missing else 0)' "$S/diff.txt"
B --timeout=$((10 * slow)) call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
check "guests: reload: the reload succeeded" state_is running
wait_until 10 has "$(gstart e)"
check "guests: reload: a new declared guest is started" has "$(gstart e)"
check "guests: reload: no guest is stopped or restarted" test "$(count "CALL StopUnit $SD xen-guest@")$(count "CALL RestartUnit $SD xen-guest@")" = 00
check "guests: reload: the removed guest is reported as undeclared" dlog "Guest d is no longer declared: left up as it is"
wait_until 10 dlog "Guest a: memory at 256 MiB, set live"
check "guests: reload: a's memory is set live, within its maximum" dlog "Guest a: memory at 256 MiB, set live"
wait_until 10 dlog "Guest a: 2 vcpus online, set live"
check "guests: reload: a's vcpus are brought online live, within its maxvcpus" dlog "Guest a: 2 vcpus online, set live"
check "guests: reload: c's vcpus above the maxvcpus it runs with wait for a restart of the guest" \
	dlog "Guest c: 2 settings wait for a restart of the guest (xen-dom0ctl restart-guest c)"
check "guests: reload: a's new kernel command line waits for a restart of the guest" \
	dlog "Guest a: 1 setting waits for a restart of the guest (xen-dom0ctl restart-guest a)"
B --json=short call org.xenproject.Dom0 $P $I ListDomains >"$S/domains.json"
check "guests: reload: the hypervisor has a at 256 MiB, same domain" python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))["data"][0]
a = [r for r in rows if r[1] == "a"][0]
sys.exit(0 if a[4] == 256 * 1024 else 1)' "$S/domains.json"
check "guests: reload: the hypervisor has a with 2 vcpus online" python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))["data"][0]
a = [r for r in rows if r[1] == "a"][0]
sys.exit(0 if a[5] == 2 else 1)' "$S/domains.json"
expect "guests: after the reload, Diff finds nothing more to do to the guests" "$(guest_diff)" ""
dom_prop() { # DOMAIN PROPERTY: the Domain object's property, as JSON data
	B --json=short get-property org.xenproject.Dom0 "$P/domain/$1" org.xenproject.Dom0.Domain "$2" 2>&1 |
		python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["data"]))'
}
expect "guests: the Domain object of a says it is declared" "$(dom_prop a Declared)" "true"
expect "guests: and which guest it is" "$(dom_prop a Guest)" '"a"'
expect "guests: and its unit" "$(dom_prop a Unit)" '"xen-guest@a.service"'
expect "guests: b's readiness is its key" "$(dom_prop b Readiness)" '"xenstore:data/ready"'
expect "guests: a's settings that wait for a restart of the guest" "$(dom_prop a PendingRestartReasons)" \
	'["guests.a.settings.extra"]'
expect "guests: the undeclared d: not declared, still named" "$(dom_prop d Declared) $(dom_prop d Guest) $(dom_prop d Readiness)" \
	'false "d" ""'

wait_until 10 status_has "4 of 4 guests up"
check "guests: reload: the undeclared guest is not counted" status_has "4 of 4 guests up"
# GetDomainStats and the metrics say the same of each domain's guest
B --json=short call org.xenproject.Dom0 $P $I GetDomainStats >"$S/stats.json"
check "guests: GetDomainStats: b's unit, readiness and that it is up; the undeclared d none of it" python3 -c '
import json, sys
rows = {r[1]: r[12:] for r in json.load(open(sys.argv[1]))["data"][0]}
assert rows["b"] == ["xen-guest@b.service", "xenstore:data/ready", True], rows["b"]
assert rows["a"] == ["xen-guest@a.service", "started", True], rows["a"]
assert rows["d"][1:] == ["", False] and rows["Domain-0"] == ["", "", False], (rows["d"], rows["Domain-0"])' "$S/stats.json"
"$TOP_BUILDDIR/daemon/xen-dom0ctl" metrics >"$S/metrics.txt" 2>&1
check "guests: metrics: xen_domain_guest_info of b, with its unit and readiness" \
	grep -q '^xen_domain_guest_info{domain="b",domid="[0-9]*",unit="xen-guest@b.service",readiness="xenstore:data/ready"} 1$' "$S/metrics.txt"
check "guests: metrics: the four declared guests are up, the undeclared one is not listed" \
	eval '[ "$(grep -c "^xen_domain_guest_up{.*} 1$" "$S/metrics.txt")" -eq 4 ] && ! grep -q "^xen_domain_guest_up{domain=\"d\"" "$S/metrics.txt"'

# The client's views of a running stack with guests are golden (UPDATE_GOLDEN=1 rewrites
# them), text and JSON, and the JSON is what the documented schema says.
wait_until 10 eval '[ "$(mprop BootEntriesState)" != refreshing ]'
XCTL="$TOP_BUILDDIR/daemon/xen-dom0ctl"
for view in guests status components "status xenconsoled" boot-entries; do
	name=${view// /-}
	# shellcheck disable=SC2086 # a view is a command and its arguments
	"$XCTL" --no-pager $view >"$S/out.txt" 2>&1
	ctl_golden "guests: xen-dom0ctl $view" "$S/out.txt" "$name.txt" "$S"
	# shellcheck disable=SC2086
	"$XCTL" --json=pretty $view >"$S/out.json" 2>&1
	ctl_golden "guests: xen-dom0ctl --json $view" "$S/out.json" "$name.json" "$S"
	case $view in
	"status xenconsoled") def=components ;;
	*) def=${view%% *} ;;
	esac
	ctl_schema "guests: xen-dom0ctl --json $view is the schema's $def" "$def" "$S/out.json"
done
if [ -f /usr/share/bash-completion/bash_completion ]; then
	words=$(PATH="$TOP_BUILDDIR/daemon:$PATH" bash -c '. /usr/share/bash-completion/bash_completion; . "$1"
		COMP_WORDS=(xen-dom0ctl restart-guest ""); COMP_CWORD=2; COMP_LINE="xen-dom0ctl restart-guest "
		COMP_POINT=${#COMP_LINE}; _xen_dom0ctl; echo "${COMPREPLY[*]}"' _ "$TOP_SRCDIR/shell-completion/bash/xen-dom0ctl")
	expect "guests: bash completion of restart-guest offers the declared guests" "$words" "c a b e"
fi
"$XCTL" start-guest nosuch >"$S/out" 2>&1
rc=$?
expect "guests: start-guest of an undeclared name exits 4" "$rc" 4
check "guests: and says how to declare it" grep -qF "No declared guest 'nosuch': declare it as [guests.NAME] in" "$S/out"
"$XCTL" restart-guest a >"$S/out" 2>&1
wait_until 10 has "$(gstart a)" 2
check "guests: restart-guest a stops its unit, then starts it" \
	before "$(at "CALL StopUnit $SD xen-guest@a.service")" "$(at "$(gstart a)" 2)"
wait_until 10 status_has "4 of 4 guests up"
B --json=short call org.xenproject.Dom0 $P $I ListGuests >"$S/list.json"
check "guests: after the restart nothing of a is pending" python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))["data"][0]
a = [r for r in rows if r[0] == "a"][0]
sys.exit(0 if a[3] == "up" and a[6] == [] else 1)' "$S/list.json"
"$XCTL" stop-guest e >/dev/null 2>&1
wait_until 10 has "HV destroy e"
check "guests: stop-guest e stops its unit, and its domain goes" has "HV destroy e"
wait_until 10 status_has "3 of 4 guests up"
check "guests: a stopped guest is off, not failed" state_is running
"$XCTL" start-guest e >/dev/null 2>&1
wait_until 10 status_has "4 of 4 guests up"
check "guests: start-guest e brings it back" status_has "4 of 4 guests up"

# d, left running when its declaration went, is declared again: the reload takes the running
# domain back as the guest, creates no second one and stops nothing. Then it goes again.
cp "$S/xen-dom0.conf" "$S/abce.conf"
guest_section d >>"$S/xen-dom0.conf"
adds_d=$(count "HV add d")
stops=$(count "CALL StopUnit $SD xen-guest@")$(count "CALL RestartUnit $SD xen-guest@")
B --timeout=$((10 * slow)) call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
wait_until 10 status_has "5 of 5 guests up"
check "guests: d declared again while it runs: up, 5 of 5" status_has "5 of 5 guests up"
expect "guests: d's Domain object says it is declared again" "$(dom_prop d Declared) $(dom_prop d Unit)" \
	'true "xen-guest@d.service"'
check "guests: d's domain was not created a second time" test "$(count "HV add d")" -eq "$adds_d"
expect "guests: no guest was stopped or restarted" \
	"$(count "CALL StopUnit $SD xen-guest@")$(count "CALL RestartUnit $SD xen-guest@")" "$stops"
cp "$S/abce.conf" "$S/xen-dom0.conf"
B --timeout=$((10 * slow)) call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
wait_until 10 status_has "4 of 4 guests up"
check "guests: d undeclared again: 4 of 4" status_has "4 of 4 guests up"

# kill -9 of the daemon, then a new one: nothing that runs is started again (its units are
# active: a start job of an active unit changes nothing; the fake hypervisor forgot the domains
# with the old daemon, so they are added back as they still run).
adds=$(count "HV add")
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
XEN_DOM0D_FAKE_CONTROL="$S/hv" daemon_up
# Written once the new daemon has the FIFO open: a FIFO's unread lines are dropped when the
# last process that has it open closes it.
wait_until 10 holds "$DPID" "$S/hv"
for g in a b c e; do timeout $((5 * slow)) bash -c 'echo "add $1" >"$2"' add "$g" "$S/hv"; done
wait_until 10 status_has "4 of 4 guests up"
check "guests: after kill -9 and a new daemon: all 4 are up again" status_has "4 of 4 guests up"
check "guests: no guest's domain was created again" test "$(count "HV add")" -eq "$adds"
scenario_end

# A guest that fails: named, its dependents not started, the rest up, the manager degraded; a
# readiness that never comes fails after its timeout.
scenario guests-fail --xen-control "$BUS_DIR/guests-fail/hv"
XCTL="$TOP_BUILDDIR/daemon/xen-dom0ctl"
{
	guest_section x
	guest_section y after=x
	guest_section z
	guest_section t readiness=xenstore:never readinessTimeout=1
	guest_section h
} | guest_conf
ctl behaviour xen-guest@x.service fail
ctl behaviour xen-guest@h.service hang
XEN_DOM0D_FAKE_CONTROL="$S/hv" daemon_up
wait_until 10 has "NOTIFY READY=1"
wait_until $((10 + 3 * slow)) dlog "Guest t failed"
wait_until 5 state_is degraded
check "guests: a failed start degrades the manager" state_is degraded
check "guests: the failed guest is named with its unit's job result" \
	dlog "Guest x failed: xen-guest@x.service: start job failed (journalctl -u xen-guest@x.service shows xl's error)"
check "guests: its dependent is not started" test "$(count "$(gstart y)")" -eq 0
check "guests: its dependent is named, with why" dlog "Guest y not started: it starts after x, which is failed"
check "guests: an independent guest is up all the same" has "HV add z"
check "guests: a readiness key never written fails after readinessTimeout" dlog "Guest t failed: it did not write never within 1 s"
check "guests: STATUS= names the first failure" status_has "degraded: 7 of 7 components up, guest x failed"
# restart-guest while the guest's start job hangs: the stop cancels the start, whose callback
# must not count it as a failure, and the guest starts again after the stop.
check "guests: a hanging start job is in flight" has "$(gstart h)"
ctl behaviour xen-guest@h.service ok
"$XCTL" restart-guest h >/dev/null 2>&1
wait_until 10 has "HV add h"
check "guests: restart-guest during a hanging start: stopped, then started again" \
	before "$(at "CALL StopUnit $SD xen-guest@h.service")" "$(at "$(gstart h)" 2)"
check "guests: the canceled start is not taken for a failure" test "$(grep -c "Guest h failed" "$S/daemon.log")" -eq 0
wait_until 10 guest_state_is h up
check "guests: h is up after it" guest_state_is h up
scenario_end

# Many independent guests: started together, but never more start calls at once than the bus
# lets a connection wait for (dbus-daemon refuses the 129th by default), so none fails.
scenario guests-many --xen-control "$BUS_DIR/guests-many/hv"
n_many=150
for ((i = 1; i <= n_many; i++)); do guest_section "m$i"; done | guest_conf
XEN_DOM0D_FAKE_CONTROL="$S/hv" daemon_up
wait_until $((60 * slow)) status_has "$n_many of $n_many guests up"
check "many guests: $n_many independent guests are all up" status_has "$n_many of $n_many guests up"
check "many guests: no start was refused" test "$(grep -c 'failed' "$S/daemon.log")" -eq 0
peak=$(awk '/ CALL StartUnit .* xen-guest@/ { n++; if (n > max) max = n } / JOBREMOVED .* xen-guest@/ { n-- } END { print max + 0 }' "$LOG")
diag "many guests: at most $peak start jobs at once"
check "many guests: started together (more than one start at once)" test "$peak" -gt 1
check "many guests: but never more than 32 start jobs at once" test "$peak" -le 32
scenario_end

# A restart whose stopped domain is still listed when the unit's stop job ends (the domain list
# follows the hypervisor a moment later): the guest is started again once the domain is gone,
# not taken for that domain, still running.
scenario guests-linger --xen-control "$BUS_DIR/guests-linger/hv"
guest_section a | guest_conf
XEN_DOM0D_FAKE_CONTROL="$S/hv" daemon_up
wait_until 10 status_has "1 of 1 guests up"
ctl linger on
"$TOP_BUILDDIR/daemon/xen-dom0ctl" restart-guest a >/dev/null 2>&1
wait_until 10 has " xen-guest@a.service done" 2
pause 1
check "linger: the stop ended, its domain is still listed: no start yet" test "$(count "$(gstart a)")" -eq 1
check "linger: and a is not up (not the stopped domain)" eval '! status_has "1 of 1 guests up"'
timeout $((5 * slow)) bash -c 'echo "destroy a" >"$1"' destroy "$S/hv"
wait_until 10 has "$(gstart a)" 2
check "linger: the domain gone, a is started again" has "$(gstart a)" 2
wait_until 10 status_has "1 of 1 guests up"
check "linger: and it is up" status_has "1 of 1 guests up"
# The same with a stop and a start asked for one after the other: once while the stop job
# still runs (start_after_stop), once after it ended. Neither takes the stopped domain, still
# listed, for the guest.
for when in during after; do
	ctl log "linger-$when"
	n_stops=$(count "CALL StopUnit $SD xen-guest@a.service")
	n_starts=$(count "$(gstart a)")
	n_done=$(count " xen-guest@a.service done")
	if [[ $when == during ]]; then
		ctl behaviour xen-guest@a.service ok:$((1000 * slow))
		"$TOP_BUILDDIR/daemon/xen-dom0ctl" stop-guest a >/dev/null 2>&1 &
		wait_until 10 has "CALL StopUnit $SD xen-guest@a.service" $((n_stops + 1))
		"$TOP_BUILDDIR/daemon/xen-dom0ctl" start-guest a >/dev/null 2>&1
		wait $!
	else
		"$TOP_BUILDDIR/daemon/xen-dom0ctl" stop-guest a >/dev/null 2>&1
		wait_until 10 has " xen-guest@a.service done" $((n_done + 1))
		"$TOP_BUILDDIR/daemon/xen-dom0ctl" start-guest a >/dev/null 2>&1
	fi
	wait_until 10 has " xen-guest@a.service done" $((n_done + 1))
	pause 1
	check "linger: start-guest $when stop-guest's job, the domain still listed: no start yet" \
		test "$(count "$(gstart a)")" -eq "$n_starts"
	check "linger: start-guest $when stop-guest's job: a is not taken for the stopped domain" \
		eval '! status_has "1 of 1 guests up"'
	ctl behaviour xen-guest@a.service ok
	timeout $((5 * slow)) bash -c 'echo "destroy a" >"$1"' destroy "$S/hv"
	wait_until 10 has "$(gstart a)" $((n_starts + 1))
	check "linger: start-guest $when stop-guest's job: a is started once the domain is gone" \
		has "$(gstart a)" $((n_starts + 1))
	wait_until 10 status_has "1 of 1 guests up"
	check "linger: start-guest $when stop-guest's job: and it is up" status_has "1 of 1 guests up"
done
scenario_end

# xl's own check of new and changed guests' settings (xl -N create, here a fake xl that refuses
# a vif with bridge=nope and hangs on "sleepy"): Diff and Reload refuse what it refuses, with
# the file's line of the setting it names and nothing written; a verdict is kept by the text,
# so repeated calls run xl no more; an xl that does not answer leaves the settings unchecked
# and the reload goes on.
fake_xl() { # DIR: writes DIR/xl, a fake xl, and an empty DIR/xl.log of its runs
	cat >"$1/xl" <<-'EOF'
		#!/bin/bash
		# fake xl: "-N create FILE" only; logs each run with the guest's name
		[ "$1 $2" = "-N create" ] || { echo "fake xl: unexpected arguments: $*" >&2; exit 2; }
		text=$(cat "$3")
		echo "XL $(sed -n 's/^name = "\(.*\)"$/\1/p' <<<"$text")" >>"${0%/*}/xl.log"
		echo "Parsing config from $3" >&2
		case $text in
		*sleepy*) sleep 30 ;;
		*crashy*) kill -SEGV $$ ;;
		*slowbad*)
			sleep "$(cat "${0%/*}/xl.sleep")"
			echo "$3: slow and bad" >&2
			exit 1
			;;
		*bridge=nope*)
			echo "$3: config parsing error in vif specification: unknown bridge \`nope'" >&2
			exit 1
			;;
		esac
		exit 0
	EOF
	chmod +x "$1/xl"
	: >"$1/xl.log"
}
scenario guests-xl-check --xen-control "$BUS_DIR/guests-xl-check/hv"
fake_xl "$S"
guest_section a | guest_conf
XEN_DOM0D_XL="$S/xl" XEN_DOM0D_XL_TIMEOUT_MSEC=1000 XEN_DOM0D_FAKE_CONTROL="$S/hv" daemon_up
wait_until 10 status_has "1 of 1 guests up"
check "xl check: the daemon's start runs no xl (the check is for Diff and Reload)" test ! -s "$S/xl.log"
{
	guest_section a
	guest_section b
	printf 'name = "b"\nvif = [ "bridge=nope" ]\n'
} | guest_conf
vif_line=$(grep -n '^vif = ' "$S/xen-dom0.conf" | cut -d: -f1)
want="$S/xen-dom0.conf:$vif_line: guests.b.settings.vif: xl -N create refuses it: config parsing error in vif specification: unknown bridge \`nope'"
out=$(B --timeout=$((10 * slow)) call org.xenproject.Dom0 $P $I Diff 2>&1)
contains "xl check: Diff refuses a vif xl refuses, at its line, with xl's message" "$out" "$want"
expect "xl check: xl ran once, for the new guest b only" "$(cat "$S/xl.log")" "XL b"
B --timeout=$((10 * slow)) call org.xenproject.Dom0 $P $I Diff >/dev/null 2>&1
pids=""
for i in 1 2 3 4 5 6 7 8; do
	setpriv --reuid=65534 --regid=65534 --clear-groups busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" \
		--timeout=$((10 * slow)) call org.xenproject.Dom0 $P $I Diff >/dev/null 2>&1 &
	pids="$pids $!"
done
wait $pids
expect "xl check: 9 more Diffs (8 of them by another user, at once) run xl no more" "$(wc -l <"$S/xl.log")" 1
out=$(B --timeout=$((10 * slow)) call org.xenproject.Dom0 $P $I Reload 2>&1)
contains "xl check: Reload refuses it too, with the same finding" "$out" "$want"
check "xl check: the refused guest's file is not written" test ! -e "$S/root/run/xen-dom0/guests/b.cfg"
check "xl check: the refused guest is not started" test "$(count "$(gstart b)")" -eq 0
check "xl check: the manager is running" state_is running
sed -i 's/bridge=nope/bridge=xenbr0/' "$S/xen-dom0.conf"
B --timeout=$((10 * slow)) call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
check "xl check: with a vif xl accepts, the reload succeeds" state_is running
wait_until 10 has "$(gstart b)"
check "xl check: and b is started" has "$(gstart b)"
expect "xl check: xl ran for b's new settings, not for a, which did not change" "$(cat "$S/xl.log")" "XL b
XL b"
printf '[guests.c]\n[guests.c.settings]\nkernel = "/boot/vmlinuz"\nname = "c"\nextra = "sleepy"\n' >>"$S/xen-dom0.conf"
t0=$(date +%s%N)
B --timeout=$((20 * slow)) call org.xenproject.Dom0 $P $I Reload >/dev/null 2>&1
t1=$(date +%s%N)
check "xl check: an xl that does not answer: the reload goes on after its deadline" state_is running
check "xl check: and it waited for the deadline (1 s), not for xl's 30 s" test $(((t1 - t0) / 1000000)) -ge 900 -a $(((t1 - t0) / 1000000)) -lt $((10000 * slow))
check "xl check: the guest's settings are reported as not checked" \
	dlog "warning: [guests.c.settings]: not checked by xl -N create: xl -N create did not answer within 1 s"
wait_until 10 has "$(gstart c)"
check "xl check: and c is started" has "$(gstart c)"
# A crash of xl is no verdict, and none is kept: each Diff asks xl again.
printf '[guests.d]\n[guests.d.settings]\nkernel = "/boot/vmlinuz"\nname = "d"\nextra = "crashy"\n' >>"$S/xen-dom0.conf"
out=$(B --timeout=$((10 * slow)) call org.xenproject.Dom0 $P $I Diff 2>&1)
contains "xl check: a crashed xl is no refusal: Diff answers, guest d would start" "$out" '"d" "start"'
check "xl check: and the crash is logged as no verdict" \
	dlog "Guest d: its settings are not checked: xl -N create ended without a verdict (killed"
B --timeout=$((10 * slow)) call org.xenproject.Dom0 $P $I Diff >/dev/null 2>&1
expect "xl check: the next Diff asks xl again" "$(grep -cx 'XL d' "$S/xl.log")" 2
scenario_end

# Diff is anyone's, and its waiters are capped; root's Reload is never turned away by them, so
# a flood of Diffs cannot let a Reload through unchecked. xl takes a while here (within its
# deadline), for the Diffs to pile up.
scenario guests-xl-flood --xen-control "$BUS_DIR/guests-xl-flood/hv"
fake_xl "$S"
echo $((2 + slow)) >"$S/xl.sleep"
guest_section a | guest_conf
XEN_DOM0D_XL="$S/xl" XEN_DOM0D_XL_TIMEOUT_MSEC=$((10000 * slow)) XEN_DOM0D_FAKE_CONTROL="$S/hv" daemon_up
wait_until 10 status_has "1 of 1 guests up"
printf '[guests.e]\n[guests.e.settings]\nkernel = "/boot/vmlinuz"\nname = "e"\nextra = "slowbad"\n' >>"$S/xen-dom0.conf"
pids=""
for i in $(seq 100); do
	setpriv --reuid=65534 --regid=65534 --clear-groups busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" \
		--timeout=$((60 * slow)) call org.xenproject.Dom0 $P $I Diff >"$S/flood.$i" 2>&1 &
	pids="$pids $!"
done
pause 1
out=$(B --timeout=$((60 * slow)) call org.xenproject.Dom0 $P $I Reload 2>&1)
wait $pids
contains "xl check: with 100 Diffs of another user at once, root's Reload still waits for xl, and is refused" \
	"$out" "guests.e.settings]: xl -N create refuses these settings: slow and bad"
check "xl check: and the Diffs over the cap were told to try again" grep -lq "Too many callers wait" "$S"/flood.*
check "xl check: guest e is not started" test "$(count "$(gstart e)")" -eq 0
scenario_end

# 1,000 declared guests: a hundred chains of ten. Every guest is started once, none before the
# one it starts after has its domain, and all come up. Not timed: bench/guests-start.sh counts
# the daemon's CPU for this.
scenario guests-thousand --xen-control "$BUS_DIR/guests-thousand/hv"
for ((i = 0; i < 1000; i++)); do
	if ((i % 10)); then guest_section "g$i" after="g$((i - 1))"; else guest_section "g$i"; fi
done | guest_conf
XEN_DOM0D_FAKE_CONTROL="$S/hv" daemon_up
wait_until 240 status_has "1000 of 1000 guests up"
check "1,000 guests: all up, and STATUS= says so" status_has "1000 of 1000 guests up"
check "1,000 guests: 1,000 units started, each once" test "$(grep -F " CALL StartUnit $SD xen-guest@" "$LOG" |
	awk '{ print $5 }' | sort -u | wc -l) $(count "CALL StartUnit $SD xen-guest@")" = "1000 1000"
# every g(i) started after "HV add g(i-1)": the fake's log in order, one pass
out_of_order=$(awk '$2 == "HV" && $3 == "add" { added[$4] = 1 }
	$2 == "CALL" && $3 == "StartUnit" && $5 ~ /^xen-guest@g[0-9]+\.service$/ {
		i = substr($5, 12) + 0
		if (i % 10 && !added["g" (i - 1)]) print "g" i
	}' "$LOG" | head -n 3)
check "1,000 guests: each starts only once the one it starts after has its domain${out_of_order:+ (not: $out_of_order)}" \
	test -z "$out_of_order"
scenario_end

# ---- 5: collect the background one ----------------------------------------------------------
echo "# -- store-silent (ran in the background since the start)"
wait "$SILENT_PID"
# Its checks and diagnostics once more, the checks numbered in this suite's sequence.
pass0=$pass fail0=$fail
while IFS= read -r line; do
	if [[ $line =~ ^(not )?ok\ [0-9]+\ -\ (.*)$ ]]; then
		if [ -n "${BASH_REMATCH[1]}" ]; then nok "${BASH_REMATCH[2]}"; else ok "${BASH_REMATCH[2]}"; fi
	elif [[ $line == "#"* && $line != "# -- "* ]]; then
		echo "$line"
	fi
done <"$BUS_DIR/silent.tap"
if ! read -r p f <"$BUS_DIR/silent.tap.counts"; then
	nok "silent store: the scenario finished" "$(cat "$BUS_DIR/silent.tap")"
elif [ "$((pass - pass0)) $((fail - fail0))" != "$p $f" ]; then
	nok "silent store: every check of the scenario reported" "it counted $p passed, $f failed" \
		"$(cat "$BUS_DIR/silent.tap")"
fi

tap_done
