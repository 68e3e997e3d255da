#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Xen side of the D-Bus API with the fake backend (XEN_DOM0D_BACKEND=fake:N) on a private
# bus: ListDomains, domain objects, DomainAdded/DomainRemoved when guests come and go (driven
# through the fake's control FIFO), host facts, pending-reboot reasons against the running Xen
# command line, a backend disaster ending the daemon, and the real backend without a
# hypervisor failing cleanly.
set -u
shopt -s lastpipe
. "${TOP_SRCDIR:?}/tests/unit/lib-bus.sh"

# control LINE: a command to the fake hypervisor.
control() { printf '%s\n' "$1" >"$XEN_DOM0D_FAKE_CONTROL"; }
# signal_after MEMBER NAME START_NS: waits up to 3 s for the signal about NAME in the monitor's
# output and prints its delay after START_NS in ms.
signal_after() {
	local member=$1 name=$2 start=$3 line
	for _ in $(seq 60); do
		line=$(grep "\"member\":\"$member\"" "$BUS_DIR/monitor" | grep "\"$name\"" | tail -n1)
		if [ -n "$line" ]; then
			python3 -c "import json,sys; print((json.loads(sys.argv[1])['timestamp-realtime'] * 1000 - $start) // 1000000)" "$line"
			return 0
		fi
		sleep 0.05
	done
	return 1
}

work=$BUS_DIR/work
mkdir -p "$work"
export XEN_DOM0D_FAKE_CONTROL=$work/control
export XEN_DOM0D_FAKE_CMDLINE="console=com1 dom0_mem=1024M,max:1536M loglvl=all guest_loglvl=all"
conf=$work/xen-dom0.conf
# Against that command line: iommu=1 is missing, the maximum differs (1536 booted, 1024
# configured), dom0 has 8 vCPUs, not 4; trace's loglvl=all is there and the memory matches.
printf '[xen]\nenable = false\ntrace = true\nbootParams = iommu=1\n[dom0Resources]\nmemory = 1024\nmaxVCPUs = 4\n' >"$conf"
bus_start
B --json=short monitor --match "type='signal',interface='$I'" \
	--match "type='signal',interface='org.freedesktop.DBus.Properties'" >"$BUS_DIR/monitor" 2>/dev/null &
MONITOR_PID=$!
trap 'kill $MONITOR_PID 2>/dev/null; bus_cleanup' EXIT
XEN_DOM0D_BACKEND=fake:3 daemon_start "$conf"

# ---- listing
call ListDomains | py "ListDomains lists Domain-0 and the 3 fake guests in domid order" \
	'[(e[0], e[1]) for e in d["data"][0]] == [(0, "Domain-0"), (1, "guest-1"), (2, "guest-2"), (3, "guest-3")]'
call ListDomains | py "memory in KiB, vCPUs and state of each" \
	'[(e[3], e[4], e[5]) for e in d["data"][0]] == [("running", 1048576, 8)] + [("running", 131072, 1)] * 3'
call ListDomains | py "UUIDs are formatted and object paths are escaped names" \
	'd["data"][0][1][2] == "00000000-0000-4000-8000-000000000001" and d["data"][0][0][7] == "/org/xenproject/Dom0/domain/Domain_2d0"'
# xen-dom0ctl domains of the same: golden text and JSON, the JSON the schema's
"$TOP_BUILDDIR/daemon/xen-dom0ctl" --no-pager domains >"$work/domains.txt" 2>&1
ctl_golden "xen-dom0ctl domains" "$work/domains.txt" domains.txt "$BUS_DIR"
"$TOP_BUILDDIR/daemon/xen-dom0ctl" --json=pretty domains >"$work/domains.json" 2>&1
ctl_golden "xen-dom0ctl --json domains" "$work/domains.json" domains.json "$BUS_DIR"
ctl_schema "xen-dom0ctl --json domains is the schema's domains" domains "$work/domains.json"
call ListDomains | py "CPU time is reported" 'd["data"][0][0][6] > 0'

# ---- host facts
prop XenVersion | py "XenVersion" 'd["data"] == "4.17-fake"'
prop XenCommandLine | py "XenCommandLine is the running hypervisor's" 'd["data"] == "'"$XEN_DOM0D_FAKE_CMDLINE"'"'
prop HostMemory | py "HostMemory in KiB" 'd["data"] == 64 * 1024 * 1024'
prop FreeMemory | py "FreeMemory is what the domains leave" 'd["data"] == 64 * 1024 * 1024 - 1024 * 1024 - 3 * 128 * 1024'
prop HostCPUs | py "HostCPUs" 'd["data"] == 8'
prop Dom0Memory | py "Dom0Memory follows dom0_mem" 'd["data"] == 1024 * 1024'
prop Dom0VCPUs | py "Dom0VCPUs" 'd["data"] == 8'

# ---- domain objects
B --json=short call org.xenproject.Dom0 "$P/domain/guest_2d2" org.freedesktop.DBus.Properties GetAll s $DI |
	py "a domain object has the seventeen properties, the declared guest's five among them" \
		'sorted(d["data"][0]) == ["CPUTimeNanoseconds", "Declared", "DomID", "Flags", "Guest", "MaxMemoryKiB", "MaxVCPUs", "MemoryKiB", "Name", "PendingRestartReasons", "Readiness", "ShutdownReason", "StartTimestamp", "State", "UUID", "Unit", "VCPUs"]'
dprop guest_2d2 Declared | py "a domain no configuration declares says so" 'd["data"] is False'
dprop guest_2d2 DomID | py "DomID of guest-2" 'd["data"] == 2'
dprop Domain_2d0 Name | py "Name of Domain-0" 'd["data"] == "Domain-0"'
dprop guest_2d3 MemoryKiB | py "MemoryKiB of guest-3" 'd["data"] == 131072'
if B tree --list org.xenproject.Dom0 | grep -qx "$P/domain/guest_2d1"; then ok "the tree lists the domain objects"; else nok "the tree lists the domain objects"; fi
if out=$(B get-property org.xenproject.Dom0 "$P/domain/nosuch" $DI Name 2>&1); then
	nok "an unknown domain has no object" "$out"
else
	ok "an unknown domain has no object"
fi
B --json=short call org.xenproject.Dom0 /org/xenproject org.freedesktop.DBus.ObjectManager GetManagedObjects |
	py "GetManagedObjects includes the domains" '"/org/xenproject/Dom0/domain/guest_2d1" in d["data"][0]'

# ---- guests coming and going
start=$(date +%s%N)
control "add web.example 256 2"
if ms=$(signal_after DomainAdded web.example "$start"); then
	if [ "$ms" -lt 1000 ]; then ok "DomainAdded within 1 s"; else nok "DomainAdded within 1 s" "after $ms ms"; fi
	echo "# DomainAdded $ms ms after the guest appeared"
else
	nok "DomainAdded within 1 s" "no signal"
fi
grep '"DomainAdded"' "$BUS_DIR/monitor" | tail -n1 | py "DomainAdded carries domid, name and path" \
	'd["payload"]["data"] == [4, "web.example", "/org/xenproject/Dom0/domain/web_2eexample"]'
dprop web_2eexample VCPUs | py "the new guest's object is there" 'd["data"] == 2'
call ListDomains | py "ListDomains has the new guest" '[4, "web.example"] == d["data"][0][-1][:2] and d["data"][0][-1][4] == 262144'

start=$(date +%s%N)
control "destroy guest-2"
if ms=$(signal_after DomainRemoved guest-2 "$start"); then
	if [ "$ms" -lt 1000 ]; then ok "DomainRemoved within 1 s"; else nok "DomainRemoved within 1 s" "after $ms ms"; fi
	echo "# DomainRemoved $ms ms after the guest died"
else
	nok "DomainRemoved within 1 s" "no signal"
fi
grep '"DomainRemoved"' "$BUS_DIR/monitor" | tail -n1 | py "DomainRemoved carries domid, name and path" \
	'd["payload"]["data"] == [2, "guest-2", "/org/xenproject/Dom0/domain/guest_2d2"]'
call ListDomains | py "ListDomains no longer has it" '"guest-2" not in [e[1] for e in d["data"][0]]'
if B get-property org.xenproject.Dom0 "$P/domain/guest_2d2" $DI Name >/dev/null 2>&1; then
	nok "its object is gone"
else
	ok "its object is gone"
fi
control "pause guest-1"
control "crash guest-3"
sleep 0.2
grep '"PropertiesChanged"' "$BUS_DIR/monitor" | grep guest_2d1 | tail -n1 |
	py "a paused guest's object announces its new State" 'd["payload"]["data"][1]["State"]["data"] == "paused"'
call ListDomains | py "paused and crashed states" \
	'{e[1]: e[3] for e in d["data"][0]}["guest-1"] == "paused" and {e[1]: e[3] for e in d["data"][0]}["guest-3"] == "crashed"'
for i in $(seq 20); do control "add burst-$i"; done
# A new guest is announced once a child has read its name from the store: one that died before
# would never be. The burst first, then one of them goes.
for _ in $(seq 60); do [ "$(grep -c '"DomainAdded"' "$BUS_DIR/monitor")" -ge 21 ] && break; sleep 0.05; done
control "destroy burst-7"
sleep 0.5
[ "$(grep -c '"DomainAdded"' "$BUS_DIR/monitor")" -eq 21 ] && ok "a burst of 20 guests: one DomainAdded each" ||
	nok "a burst of 20 guests: one DomainAdded each" "$(grep -c '"DomainAdded"' "$BUS_DIR/monitor") signals"
call ListDomains | py "ListDomains after the burst" 'len(d["data"][0]) == 4 + 19'
# Objects are found by name through an index the burst merged into, not sorted anew: names in
# another order than their domids (burst-10 before burst-2), each found under its own path.
missing=""
for name in $(call ListDomains | python3 -c 'import json, sys
print(" ".join(e[1] for e in json.load(sys.stdin)["data"][0]))'); do
	path=$P/domain/$(python3 -c 'import sys
print("".join(c if c.isalnum() else "_%02x" % ord(c) for c in sys.argv[1]))' "$name")
	got=$(B --json=short get-property org.xenproject.Dom0 "$path" $DI Name 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["data"])' 2>/dev/null)
	[ "$got" = "$name" ] || missing="$missing $name"
done
[ -z "$missing" ] && ok "after the burst, every domain's object is found by its name" ||
	nok "after the burst, every domain's object is found by its name" "not found:$missing"

# ---- pending reboot, against the running Xen command line
prop PendingReboot | py "a reboot is pending" 'd["data"] is True'
prop PendingRebootReasons | py "a boot parameter missing from the running command line is a reason" \
	'"xen.bootParams: iommu=1 is not on the running Xen command line" in d["data"]'
prop PendingRebootReasons | py "the booted maximum memory differs from the configured one" \
	'any(r.startswith("dom0Resources.maxMemory:") and "1536 MiB" in r for r in d["data"])'
prop PendingRebootReasons | py "dom0's vCPUs differ from the configured ones" \
	'any(r.startswith("dom0Resources.maxVCPUs:") and "8 vCPUs" in r for r in d["data"])'
prop PendingRebootReasons | py "what the running hypervisor has is no reason (loglvl=all, 1024 MiB)" \
	'not any(r.startswith("xen.trace") or r.startswith("dom0Resources.memory:") for r in d["data"])'
prop PendingRebootReasons | py "exactly three reasons" 'len(d["data"]) == 3'

# ---- a backend disaster ends the daemon with an error (systemd restarts it)
control disaster
for _ in $(seq 40); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$DAEMON_PID" 2>/dev/null; then
	nok "a backend disaster ends the daemon"
	daemon_stop
else
	wait "$DAEMON_PID"
	status=$?
	DAEMON_PID=""
	[ "$status" -eq 1 ] && ok "a backend disaster ends the daemon with status 1" ||
		nok "a backend disaster ends the daemon with status 1" "status $status"
	grep -q 'The Xen backend failed' "$BUS_DIR/daemon.log" && ok "the disaster is logged" ||
		nok "the disaster is logged" "$(cat "$BUS_DIR/daemon.log")"
fi

# ---- a configuration that matches the running hypervisor: nothing pending
printf '[xen]\nenable = false\ntrace = true\n[dom0Resources]\nmemory = 1024\nmaxMemory = 1536\nmaxVCPUs = 8\n' >"$conf"
XEN_DOM0D_BACKEND=fake:0 daemon_start "$conf"
prop PendingRebootReasons | py "a configuration matching the running hypervisor: no reasons" 'd["data"] == []'
call ListDomains | py "fake:0 has Domain-0 only" '[e[1] for e in d["data"][0]] == ["Domain-0"]'
daemon_stop

# ---- each option is one reason, however many words of the command line it misses
# trace = true against a command line without its two log levels, and two parameters missing.
printf '[xen]\nenable = false\ntrace = false\nbootParams = iommu=1 sched=credit2\n[dom0Resources]\nmemory = 1024\nmaxMemory = 1536\nmaxVCPUs = 8\n' >"$conf"
XEN_DOM0D_FAKE_CMDLINE="console=com1 dom0_mem=1024M,max:1536M" XEN_DOM0D_BACKEND=fake:0 daemon_start "$conf"
prop PendingRebootReasons | py "two missing words of one option: one reason" \
	'd["data"] == ["xen.bootParams: iommu=1 sched=credit2 are not on the running Xen command line"]'
sed -i 's/^trace = false/trace = true/' "$conf"
call Diff | py "Diff after trace = true: xen.trace is one reason, its two missing words in it" \
	'[r for r in d["data"][3] if r.startswith("xen.trace")] == [
		"xen.trace: loglvl=all guest_loglvl=all are not on the running Xen command line"]'
call Diff | py "Diff: no option has two reasons" \
	'len({r.split(":")[0] for r in d["data"][3]}) == len(d["data"][3])'
daemon_stop

# ---- misconfigured backend and the real backend without a hypervisor: the daemon runs on
XEN_DOM0D_BACKEND=bogus daemon_start "$conf"
prop State | py "an unknown backend: the daemon runs" 'd["data"] == "disabled"'
grep -q 'XEN_DOM0D_BACKEND=bogus' "$BUS_DIR/daemon.log" && ok "an unknown backend is named in the log" ||
	nok "an unknown backend is named in the log" "$(cat "$BUS_DIR/daemon.log")"
daemon_stop
if [ -e /dev/xen/privcmd ] || [ -e /proc/xen/privcmd ]; then
	skip "the real backend without a hypervisor" "this machine runs Xen"
else
	# The daemon opens Xen once a store answers; naming the backend opens it at once.
	XEN_DOM0D_BACKEND=libxl daemon_start "$conf"
	call ListDomains | py "no hypervisor: ListDomains is empty" 'd["data"] == [[]]'
	prop XenVersion | py "no hypervisor: XenVersion is empty" 'd["data"] == ""'
	prop Dom0Memory | py "no hypervisor: Dom0Memory is 0" 'd["data"] == 0'
	prop State | py "no hypervisor: the daemon runs" 'd["data"] == "disabled"'
	n=$(grep -c 'Xen backend' "$BUS_DIR/daemon.log")
	[ "$n" -eq 1 ] && ok "no hypervisor: logged once" || nok "no hypervisor: logged once" "$(cat "$BUS_DIR/daemon.log")"
	grep -Eq '^<[0-3]>' "$BUS_DIR/daemon.log" && nok "no hypervisor: no error-level line" "$(cat "$BUS_DIR/daemon.log")" ||
		ok "no hypervisor: no error-level line"
	daemon_stop
fi

tap_done
