#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# xen-dom0ctl against the real xen-dom0d on a private system bus. The daemon runs with
# xen.enable = false: it renders nothing, starts nothing and serves the whole API. The
# assertions are on what the daemon computes from the test's configuration, cross-checked
# with busctl where the client's own presentation is involved.
set -u
: "${TOP_BUILDDIR:?}" "${TOP_SRCDIR:?}"
# The output checks assume the defaults; the terminal section sets these one by one.
unset SYSTEMD_PAGER SYSTEMD_LESS SYSTEMD_COLORS NO_COLOR
ctl="$TOP_BUILDDIR/daemon/xen-dom0ctl"
dom0d="$TOP_BUILDDIR/daemon/xen-dom0d"
data=$(cd "$TOP_SRCDIR/tests/data" && pwd -P) # getcwd()'s form: relative names resolve to it

. "$TOP_SRCDIR/tests/unit/lib-tap.sh"
command -v dbus-daemon >/dev/null || skip_all "dbus-daemon is not installed"
for tool in busctl python3; do
        command -v "$tool" >/dev/null || { nok "$tool is needed"; tap_done; exit 1; }
done

# The private bus and the daemon on it (lib-bus.sh ends both on exit).
. "$TOP_SRCDIR/tests/unit/lib-bus.sh"
tmp=$BUS_DIR/ctl
mkdir -p "$tmp"
chmod 755 "$tmp" # an unprivileged caller must reach the files it checks

# expect DESCRIPTION EXIT COMMAND...: runs the command, stdout in $tmp/out, stderr in $tmp/err.
expect() {
        local desc=$1 want=$2 rc
        shift 2
        "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
        rc=$?
        if [ "$rc" -eq "$want" ]; then ok "$desc"; else nok "$desc (exit $rc, wanted $want)"; show "$tmp/out" "$tmp/err"; fi
}
contains() { # contains DESCRIPTION FILE TEXT
        if grep -qF -- "$3" "$2"; then ok "$1"; else nok "$1: no '$3' in:"; show "$2"; fi
}
lacks() { # lacks DESCRIPTION FILE TEXT
        if ! grep -qF -- "$3" "$2"; then ok "$1"; else nok "$1: unexpected '$3' in:"; show "$2"; fi
}
# pycheck DESCRIPTION PYTHON: runs PYTHON with j = the JSON in $tmp/out, and b = the JSON in
# $tmp/busctl.json when that exists (a list when it has several lines); passes when it raises
# nothing.
pycheck() {
        local desc=$1
        if python3 - "$tmp" 2>"$tmp/py.err" <<EOF; then ok "$desc"; else nok "$desc"; show "$tmp/py.err" "$tmp/out"; fi
import json, os, sys
d = sys.argv[1]
j = json.load(open(d + "/out"))
# busctl prints one JSON document per line (per property read)
b = [json.loads(l) for l in open(d + "/busctl.json")] if os.path.exists(d + "/busctl.json") else None
b = b[0] if b and len(b) == 1 else b
$2
EOF
}
# busctl_json ARGS...: busctl's own reading of a call or property, into $tmp/busctl.json.
busctl_json() { B --json=short "$@" >"$tmp/busctl.json"; }

# ---- a private system bus and the daemon on it -----------------------------------------------
bus_start
conf="$tmp/xen-dom0.conf"
# debug and the store's pidFile are set to their defaults: config --changed leaves them out.
cat >"$conf" <<EOF
[xen]
enable = false
debug = false

[dom0Resources]
memory = 1024
maxVCPUs = 2

[store.settings]
pidFile = /run/xen/xenstored.pid
EOF

daemon_start "$conf"
ok "xen-dom0d serves org.xenproject.Dom0 on the private bus"

# The components as the daemon names them.
components=$(B --json=short call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager ListComponents |
        python3 -c 'import json,sys; print(" ".join(r[0] for r in json.load(sys.stdin)["data"][0]))')

# ---- the command line ------------------------------------------------------------------------
expect "--help exits 0" 0 "$ctl" --help
contains "--help lists the restart command" "$tmp/out" "restart COMPONENT"
expect "--version exits 0" 0 "$ctl" --version
want_version=$("$dom0d" --version | awk '{print $NF}')
contains "--version is the package's version" "$tmp/out" "xen-dom0ctl $want_version"
expect "an unknown command is a usage error" 2 "$ctl" frobnicate
expect "an unknown option is a usage error" 2 "$ctl" --frobnicate status
expect "restart without a component is a usage error" 2 "$ctl" restart
expect "check with two files is a usage error" 2 "$ctl" check a b
expect "status takes at most one argument per component" 2 "$ctl" status a b c d e f g h
expect "--changed outside config is a usage error" 2 "$ctl" --changed status
expect "--files outside diff is a usage error" 2 "$ctl" --files status
contains "--files outside diff says where it applies" "$tmp/err" "--files applies to the diff command only"
# -H runs ssh: one of the test's own records that it ran, and connects nowhere.
mkdir -p "$tmp/ssh-bin"
printf '#!/bin/sh\ntouch "$(dirname "$0")/ran"\nexit 255\n' >"$tmp/ssh-bin/ssh"
chmod 755 "$tmp/ssh-bin/ssh"
expect "-H HOST diff --files is a usage error" 2 env PATH="$tmp/ssh-bin:$PATH" "$ctl" -H xenhost diff --files
contains "... saying why" "$tmp/err" "diff --files renders the configuration file on this host; run it there."
[ ! -e "$tmp/ssh-bin/ran" ] && ok "... before connecting to HOST" || nok "-H HOST diff --files connected to HOST first"

# ---- status ----------------------------------------------------------------------------------
expect "status of a disabled stack exits 3 (not running)" 3 "$ctl" status
contains "status shows the daemon's State" "$tmp/out" "State: disabled"
status_text=$(B get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager StatusText |
        sed 's/^s "//; s/"$//')
contains "status shows the daemon's StatusText" "$tmp/out" "Status: $status_text"
contains "status names the configuration file" "$tmp/out" "Config: $conf"
busctl_json get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager BootParams
boot_params=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["data"]))' "$tmp/busctl.json")
contains "status shows the rendered Xen command line" "$tmp/out" "Boot params: $boot_params"
contains "the command line follows dom0Resources.memory" "$tmp/out" "dom0_mem=1024M"
contains "status shows no pending reboot" "$tmp/out" "Pending reboot: no"
missing=""
for c in $components; do grep -qE "^ +$c +pending" "$tmp/out" || missing="$missing $c"; done
[ -z "$missing" ] && ok "status lists every component as pending" || { nok "status lacks:$missing"; show "$tmp/out"; }
lacks "status uses no color or bullet off a terminal" "$tmp/out" $'\e'
lacks "status uses no bullet off a terminal" "$tmp/out" "●"
# status COMPONENT, as systemctl status UNIT: by name or unit, exit 3 when not active, 4 when unknown
expect "status xenconsoled of a disabled stack exits 3 (not active)" 3 "$ctl" status xenconsoled
contains "status xenconsoled: its name, description and unit" "$tmp/out" "xenconsoled - "
contains "status xenconsoled: its state" "$tmp/out" "State: pending"
contains "status xenconsoled: it may be restarted" "$tmp/out" "Restarts: 0"
lacks "status xenconsoled: no other component" "$tmp/out" "xenstored"
expect "status xenstored.service (a unit name) exits 3" 3 "$ctl" status xenstored.service
contains "status xenstored: never restarted while the host runs" "$tmp/out" "Restarts: 0 (never restarted while the host runs)"
expect "status of an unknown component exits 4" 4 "$ctl" status xenconsoled nosuch
contains "status nosuch: names it and where to look" "$tmp/err" "No such component: nosuch (see: xen-dom0ctl components)"
expect "status --json of an unknown component exits 4" 4 "$ctl" --json status xenconsoled nosuch
ctl_schema "... and prints the schema's failure" failure "$tmp/out"
rm -f "$tmp/busctl.json"
pycheck "... the failure as JSON on stdout, as restart prints it" "
assert j['error'] == 'org.xenproject.Dom0.Error.NoSuchComponent' and j['exit_status'] == 4, j
assert 'nosuch' in j['failed'] and j['message'] == \"No component 'nosuch'\" and j['findings'] == [], j
"
expect "status --json COMPONENT exits 3" 3 "$ctl" --json status xenconsoled xen-watchdog
cp "$tmp/out" "$tmp/one.json"
"$ctl" --json status >"$tmp/out" 2>/dev/null
pycheck "status --json COMPONENT: the objects of status's components, same keys, same values" "
one = json.load(open(d + '/one.json'))
full = {c['name']: c for c in j['components']}
assert [c['name'] for c in one] == ['xenconsoled', 'xen-watchdog'], one
for c in one:
    assert sorted(c) == sorted(full[c['name']]), (sorted(c), sorted(full[c['name']]))
    assert {k: v for k, v in c.items() if k != 'activation_timestamp'} == {k: v for k, v in full[c['name']].items() if k != 'activation_timestamp'}, c
"
"$ctl" status >"$tmp/out" 2>/dev/null
# The client and the daemon ship together: the daemon has ListDomains.
guests=$(B --json=short call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager ListDomains |
        python3 -c 'import json,sys; print(sum(1 for d in json.load(sys.stdin)["data"][0] if d[0] != 0))')
contains "status counts the guests ListDomains reports (Domain-0 aside)" "$tmp/out" "Guests: $guests"

expect "status --json exits 3 as well" 3 "$ctl" --json status
ctl_schema "status --json of a disabled stack is the schema's status" status "$tmp/out"
rm -f "$tmp/busctl.json"
pycheck "status --json: state, file, command line, components" "
assert j['state'] == 'disabled', j['state']
assert j['config_path'] == '$conf', j['config_path']
assert ' '.join(j['boot_params']) == '$boot_params', j['boot_params']
assert j['pending_reboot'] is False and j['pending_reboot_reasons'] == []
assert [c['name'] for c in j['components']] == '$components'.split(), j['components']
for c in j['components']:
    assert c['unit'] == c['name'] + ('.mount' if c['name'] == 'proc-xen' else '.service'), c
    assert c['state'] == 'pending' and c['restarts'] == 0, c
assert j['config_loaded_timestamp'] > 0
"
busctl_json get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager XenVersion HostMemory Dom0VCPUs
if [ -s "$tmp/busctl.json" ]; then
        pycheck "status --json: the hypervisor's facts are the daemon's" "
assert [j['xen_version'], j['host_memory_kib'], j['dom0_vcpus']] == [x['data'] for x in b], (j, b)
"
else
        skip "status --json: the hypervisor's facts" "the daemon has no XenVersion"
fi
rm -f "$tmp/busctl.json"
pycheck "status --json: object paths are sd_bus_path_encode()d names" "
paths = {c['name']: c['object_path'] for c in j['components']}
assert paths['proc-xen'] == '/org/xenproject/Dom0/component/proc_2dxen', paths
assert paths['xen-qemu-dom0-disk-backend'] == '/org/xenproject/Dom0/component/xen_2dqemu_2ddom0_2ddisk_2dbackend', paths
"
if B introspect org.xenproject.Dom0 /org/xenproject/Dom0/component/xenstored >/dev/null 2>&1; then
        busctl_json get-property org.xenproject.Dom0 /org/xenproject/Dom0/component/xenconsoled \
                org.xenproject.Dom0.Component Restartable
        pycheck "status --json: each component's object properties (Restartable)" "
rs = {c['name']: c['restartable'] for c in j['components']}
assert rs['xenconsoled'] == b['data'], (rs, b)
assert rs['xenstored'] is False, rs
"
        rm -f "$tmp/busctl.json"
else
        skip "status --json: component object properties" "no component objects"
fi

# ---- status in one round trip ----------------------------------------------------------------
# A monitor on the private bus sees every method call in the order the bus routes them: the
# calls a client sends to the daemon are those between two marker calls to the bus driver
# (NameHasOwner of a made-up name), the second sent once the client has exited.
marker() { B call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s "$1" >/dev/null; }
# calls_to_daemon MARK COMMAND...: the daemon's interfaces and members COMMAND calls, one a line.
calls_to_daemon() {
        local mark=$1 monitor=$tmp/monitor-$1 monitor_pid seen=""
        shift
        # busctl itself, not through B: $! is then the monitor, which kill ends
        busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" --json=short monitor --match "type='method_call'" \
                >"$monitor" 2>/dev/null &
        monitor_pid=$!
        # the monitor is up once it shows a marker (re-sent: those before it are not seen)
        for _ in $(seq $((100 * ${TEST_SLOWDOWN:-1}))); do
                marker "$mark-begin"
                grep -q "$mark-begin" "$monitor" && seen=1 && break
                sleep 0.05
        done
        "$@" >/dev/null 2>&1 </dev/null
        marker "$mark-end"
        for _ in $(seq $((100 * ${TEST_SLOWDOWN:-1}))); do
                grep -q "$mark-end" "$monitor" && break
                sleep 0.05
        done
        kill "$monitor_pid" 2>/dev/null
        wait "$monitor_pid" 2>/dev/null
        [ -n "$seen" ] || { echo "the monitor did not start"; return 1; }
        python3 - "$monitor" "$mark" <<'EOF2'
import json, sys
on = False
for line in open(sys.argv[1]):
    m = json.loads(line)
    data = m.get("payload", {}).get("data")
    if data == [sys.argv[2] + "-begin"]:
        on = True
    elif data == [sys.argv[2] + "-end"]:
        sys.exit(0 if on else 1)
    elif on and m.get("destination") == "org.xenproject.Dom0":
        print(m["path"], m["interface"] + "." + m["member"])
sys.exit(1)
EOF2
}
for mode in "" --json; do
        if calls_to_daemon "status$mode" "$ctl" $mode status >"$tmp/calls"; then
                [ "$(wc -l <"$tmp/calls")" -eq 1 ] &&
                        grep -qx "/org/xenproject org.freedesktop.DBus.ObjectManager.GetManagedObjects" "$tmp/calls" &&
                        ok "status${mode:+ $mode} makes one call to the daemon: GetManagedObjects" ||
                        { nok "status${mode:+ $mode} makes $(wc -l <"$tmp/calls") calls to the daemon, not one:"; show "$tmp/calls"; }
        else
                nok "status${mode:+ $mode}: the monitor saw no markers"
                show "$tmp/monitor-status$mode"
        fi
done

# ---- components ------------------------------------------------------------------------------
expect "components exits 0" 0 "$ctl" components
[ "$(wc -l <"$tmp/out")" -eq 10 ] && ok "components: a header, seven rows, a blank line and a footer" ||
        { nok "components row count"; show "$tmp/out"; }
[ "$(tail -n1 "$tmp/out")" = "7 components listed." ] && ok "components: the footer counts the rows, as list-units does" ||
        { nok "components footer"; show "$tmp/out"; }
head -n1 "$tmp/out" | grep -q "^NAME  *UNIT  *STATE" && ok "components: header" || { nok "components header"; show "$tmp/out"; }
grep -qE "^xenstored +xenstored\.service +pending " "$tmp/out" && ok "components: xenstored's row" ||
        { nok "components: xenstored's row"; show "$tmp/out"; }
grep -qE "^proc-xen +proc-xen\.mount +pending " "$tmp/out" && ok "components: proc-xen is a mount" ||
        { nok "components: proc-xen's row"; show "$tmp/out"; }
# Output that cannot be written is a failure: what was asked for is not all there.
for v in components config --help; do
        expect "$v >/dev/full exits 1" 1 sh -c '"$0" "$1" >/dev/full' "$ctl" "$v"
        contains "... and says why" "$tmp/err" "Failed to write the output: No space left on device"
done
expect "components --no-legend exits 0" 0 "$ctl" --no-legend components
[ "$(wc -l <"$tmp/out")" -eq 7 ] && ! grep -q "NAME\|listed" "$tmp/out" &&
        ok "components --no-legend: seven rows, no header, no footer" || { nok "components --no-legend"; show "$tmp/out"; }
expect "components -q exits 0" 0 "$ctl" -q components
[ "$(wc -l <"$tmp/out")" -eq 7 ] && ok "components -q: the rows alone" || { nok "components -q"; show "$tmp/out"; }
expect "--json=short exits 0" 0 "$ctl" --json=short components
[ "$(wc -l <"$tmp/out")" -eq 1 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" &&
        ok "--json=short: one line of JSON" || { nok "--json=short"; show "$tmp/out"; }
expect "--json=pretty exits 0" 0 "$ctl" --json=pretty components
[ "$(wc -l <"$tmp/out")" -gt 7 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" &&
        ok "--json=pretty: indented JSON, also on a pipe" || { nok "--json=pretty"; show "$tmp/out"; }
expect "--json=off exits 0" 0 "$ctl" --json --json=off components
[ "$(tail -n1 "$tmp/out")" = "7 components listed." ] && ok "--json=off: the text" || { nok "--json=off"; show "$tmp/out"; }
expect "--json=bogus is a usage error" 2 "$ctl" --json=bogus components
contains "--json=bogus names the modes" "$tmp/err" "expected pretty, short or off"
expect "components --json exits 0" 0 "$ctl" --json components
ctl_schema "components --json is the schema's components" components "$tmp/out"
busctl_json call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager ListComponents
pycheck "components --json is ListComponents, field by field" "
rows = b['data'][0]
assert len(j) == len(rows) == 7
for c, r in zip(j, rows):
    assert [c['name'], c['unit'], c['state'], c['active_state'], c['sub_state'], c['restarts'], c['startup_ms']] == r[:7], (c, r)
"
rm -f "$tmp/busctl.json"
[ "$(wc -l <"$tmp/out")" -eq 1 ] && ok "--json off a terminal is one line" || nok "--json off a terminal spans lines"
cp "$tmp/out" "$tmp/components.json"
"$ctl" --json status >"$tmp/status.json" 2>/dev/null
"$ctl" --json status xenstored >"$tmp/status-one.json" 2>/dev/null
python3 - "$tmp/components.json" "$tmp/status.json" "$tmp/status-one.json" <<'EOF2' &&
import json, sys
comps, status, one = (json.load(open(f)) for f in sys.argv[1:])
assert comps == status["components"], "components and status differ"
assert [c for c in comps if c["name"] == "xenstored"] == one, "status xenstored differs"
assert len(comps[0]) == 13, sorted(comps[0])
EOF2
	ok "a component is the same object in components, status and status COMPONENT (13 keys)" ||
	nok "a component differs between components, status and status COMPONENT"

# ---- config ----------------------------------------------------------------------------------
# ini_check PYTHON: parses $tmp/out as INI into c (section -> {key: value}), then runs PYTHON.
ini_check() {
        local desc=$1
        if python3 - "$tmp/out" 2>"$tmp/py.err" <<EOF; then ok "$desc"; else nok "$desc"; show "$tmp/py.err" "$tmp/out"; fi
import configparser, sys
p = configparser.ConfigParser(interpolation=None, delimiters=('=',))
p.optionxform = str
p.read(sys.argv[1])
c = {s: dict(p[s]) for s in p.sections()}
$2
EOF
}
expect "config --changed exits 0" 0 "$ctl" config --changed
ini_check "config --changed is exactly the keys that differ from their default, set or not" "
assert c == {'xen': {'enable': 'false'}, 'dom0Resources': {'memory': '1024', 'maxVCPUs': '2'}}, c
"
expect "config exits 0" 0 "$ctl" config
cp "$tmp/out" "$tmp/config.txt"
ini_check "config: every option, grouped by section" "
assert c['dom0Resources']['memory'] == '1024', c['dom0Resources']
assert c['xen']['enable'] == 'false'
assert 'type' not in c['store'], c['store']
assert c['store.settings.conflict']['burstLimit'] == '5.0', c
assert 'memory' not in c['xen']
"
contains "config: a computed default follows its source (maxMemory = memory)" "$tmp/config.txt" "maxMemory = 1024"
contains "config: the read-only store.type is shown as a comment" "$tmp/config.txt" \
        "# type = ocaml  (read-only, derived from store.path)"
busctl_json call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager GetConfig
n_options=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["data"][0]))' "$tmp/busctl.json")
[ "$(grep -c ' =' "$tmp/config.txt")" -eq "$n_options" ] && ok "config prints all $n_options options of GetConfig" ||
        { nok "config prints $(grep -c ' =' "$tmp/config.txt") options, GetConfig has $n_options"; }
expect "config --json exits 0" 0 "$ctl" --json config
ctl_schema "config --json is the schema's config" config "$tmp/out"
pycheck "config --json is GetConfig, each value typed as its option" "
def text(v):
    if v is None: return 'null'
    if isinstance(v, bool): return 'true' if v else 'false'
    if isinstance(v, list): return ' '.join(v)
    return str(v)
assert [[o['name'], text(o['value']), o['is_default']] for o in j] == b['data'][0]
v = {o['name']: o['value'] for o in j}
assert v['xen.enable'] is False and v['dom0Resources.memory'] == 1024 and v['xen.bootParams'] == []
assert v['store.settings.xenstored.log.level'] is None and v['store.settings.conflict.maxHistorySeconds'] == 0.05
assert isinstance(v['store.path'], str)
assert sorted(o['name'] for o in j if not o['is_default']) == ['dom0Resources.maxVCPUs', 'dom0Resources.memory', 'xen.enable']
"
rm -f "$tmp/busctl.json"

# ---- check -----------------------------------------------------------------------------------
expect "check of the running configuration file exits 0" 0 "$ctl" check "$conf"
[ -s "$tmp/out" ] && { nok "check of a valid file prints nothing off a terminal"; show "$tmp/out"; } || ok "check of a valid file prints nothing off a terminal"
expect "check without FILE checks the configured file" 0 "$ctl" check
expect "check --json without FILE exits 0" 0 "$ctl" --json check
rm -f "$tmp/busctl.json"
pycheck "... and names the file it checked, the configured one" "
assert j['file'] == '$conf' and j['valid'] is True, j
"
expect "check of a relative FILE" 0 bash -c "cd '$tmp' && '$ctl' check xen-dom0.conf"
expect "check of a bad file exits 1" 1 "$ctl" check "$data/bad/bool-yes.conf"
grep -qxF "$data/bad/bool-yes.conf:2: xen.debug: \"yes\" is not a boolean, expected true or false" "$tmp/out" &&
        ok "check prints FILE:LINE: key: message" || { nok "check's finding"; show "$tmp/out"; }
expect "check of a relative bad FILE exits 1" 1 bash -c "cd '$data/bad' && '$ctl' check ./bool-yes.conf"
contains "a relative FILE is made absolute" "$tmp/out" "$data/bad/bool-yes.conf:2: xen.debug:"
bad_total=0 bad_wrong=0
for f in "$data"/bad/*.conf; do
        bad_total=$((bad_total + 1))
        "$ctl" check "$f" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        sed "s|/etc/xen/xen-dom0.conf|$f|" "${f%.conf}.err" >"$tmp/want"
        if [ $rc -ne 1 ] || ! cmp -s "$tmp/want" "$tmp/out"; then
                bad_wrong=$((bad_wrong + 1))
                echo "# $f: exit $rc"
                diff "$tmp/want" "$tmp/out" | head -n 6 | show
        fi
done
[ $bad_wrong -eq 0 ] && ok "check reports the bad corpus exactly ($bad_total files, exit 1 each)" ||
        nok "check differs on $bad_wrong of $bad_total bad files"
expect "check --json of a file with a warning and an error exits 1" 1 "$ctl" --json check "$data/bad/renamed-and-new.conf"
ctl_schema "check --json is the schema's check" check "$tmp/out"
pycheck "check --json splits errors and warnings" "
f = '$data/bad/renamed-and-new.conf'
assert j['valid'] is False
assert j['errors'] == [{'file': f, 'line': 4, 'key': 'store.path', 'message': 'conflicts with xen.stored set on line 2 (two spellings of store.path)'}], j['errors']
assert [(w['line'], w['key']) for w in j['warnings']] == [(2, 'xen.stored')], j['warnings']
"
printf '[xen]\nenable = false\nstored = /usr/sbin/xenstored\n' >"$tmp/warn.conf"
expect "check of a file with only warnings exits 0" 0 "$ctl" check "$tmp/warn.conf"
grep -qxF "$tmp/warn.conf:3: warning: xen.stored: renamed, use store.path instead (in section [store])" "$tmp/out" &&
        ok "check prints warnings with 'warning: '" || { nok "check's warning"; show "$tmp/out"; }
expect "check of a missing file exits 1" 1 "$ctl" check "$tmp/nonexistent.conf"
contains "check names the missing file" "$tmp/out" "$tmp/nonexistent.conf"
expect "config's output is a file check takes back (config > f; check f)" 0 "$ctl" check "$tmp/config.txt"
[ -s "$tmp/out" ] && { nok "... without a finding"; show "$tmp/out"; } || ok "... without a finding"
sed 's/^# \(type = ocaml\) .*/\1/' "$tmp/config.txt" >"$tmp/config-ro.txt"
expect "a read-only option set in a file is still refused" 1 "$ctl" check "$tmp/config-ro.txt"
contains "... store.type named as derived" "$tmp/out" "store.type: is derived"

# ---- diff and reload -------------------------------------------------------------------------
expect "diff with the file unchanged exits 0" 0 "$ctl" --json diff
pycheck "diff --json with nothing changed" "
assert j == {'changed_options': [], 'changed_values': [], 'files': [], 'restarts': [], 'pending_reboot': [], 'guests': []}, j
"
sed -i 's/^memory = 1024$/memory = 2048/' "$conf"
expect "diff after an edit exits 0" 0 "$ctl" --json diff
ctl_schema "diff --json is the schema's diff" diff "$tmp/out"
pycheck "diff --json names the edited option" "assert 'dom0Resources.memory' in j['changed_options'], j"
pycheck "diff --json gives root the old and new values, typed, the dependent maxMemory too" "
assert {'option': 'dom0Resources.memory', 'old': 1024, 'new': 2048} in j['changed_values'], j
assert {'option': 'dom0Resources.maxMemory', 'old': 1024, 'new': 2048} in j['changed_values'], j
assert [v['option'] for v in j['changed_values']] == j['changed_options'], j
"
expect "diff (text) exits 0" 0 "$ctl" diff
grep -qx "  dom0Resources.memory: 1024 → 2048" "$tmp/out" && ok "diff (text) shows the edited option's old and new value" ||
        { nok "diff text"; show "$tmp/out"; }
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
        expect "diff by an ordinary user exits 0" 0 as_nobody "$ctl" --json diff
        pycheck "diff by an ordinary user: the names, not the values" "
assert 'dom0Resources.memory' in j['changed_options'] and j['changed_values'] == [], j
"
fi

cp "$conf" "$tmp/good.conf"
printf '[xen]\nenable = false\ndebug = maybe\n[dom0Resources]\nmemory = lots\n' >"$conf"
expect "diff of an invalid file exits 1" 1 "$ctl" diff
contains "diff prints the file's errors" "$tmp/err" "$conf:3: xen.debug: \"maybe\" is not a boolean, expected true or false"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
        # The daemon shows the values of its file to root only: an ordinary user gets the findings
        # without them, and where to see them.
        chmod 600 "$conf"
        expect "diff of an invalid root-only file by an ordinary user exits 1" 1 \
                setpriv --reuid=65534 --regid=65534 --clear-groups "$ctl" diff
        contains "... names the option and what is wrong" "$tmp/err" "$conf:3: xen.debug: invalid value"
        lacks "... without the value" "$tmp/err" "maybe"
        contains "... and says how to see the values" "$tmp/err" "Run as root to see the values, or 'xen-dom0ctl check'"
        expect "diff --json of an invalid root-only file by an ordinary user exits 1" 1 \
                setpriv --reuid=65534 --regid=65534 --clear-groups "$ctl" --json diff
        rm -f "$tmp/busctl.json"
        pycheck "... its findings are the file's, the note on the values left out" "
assert j['findings'] and all(f.startswith('$conf:') for f in j['findings']), j['findings']
"
        expect "diff by root shows no such hint" 1 "$ctl" diff
        lacks "... (root sees the values)" "$tmp/err" "Run as root"
        chmod 644 "$conf"
else
        skip "diff of a root-only file by an ordinary user" "needs root and setpriv"
fi

if [ "$(id -u)" -eq 0 ]; then
        expect "reload of an invalid file exits 1" 1 "$ctl" reload
        grep -qxF "$conf:3: xen.debug: \"maybe\" is not a boolean, expected true or false" "$tmp/err" &&
                grep -qxF "$conf:5: dom0Resources.memory: \"lots\" is not an unsigned integer" "$tmp/err" &&
                ok "reload prints each finding on its own line" || { nok "reload's findings"; show "$tmp/err"; }
        contains "reload names the failure" "$tmp/err" "Failed to reload"
        expect "reload --json of an invalid file exits 1" 1 "$ctl" --json reload
        ctl_schema "reload --json of an invalid file is the schema's failure" failure "$tmp/out"
        pycheck "reload --json of an invalid file: the failure as JSON on stdout, each finding an entry" "
assert j['failed'] == 'reload' and j['error'] == 'org.xenproject.Dom0.Error.InvalidConfig', j
assert j['exit_status'] == 1, j
assert any(f.startswith('$conf:3: xen.debug: ') and f.endswith('is not a boolean, expected true or false') for f in j['findings']), j['findings']
"
        expect "config --changed after a refused reload" 0 "$ctl" config --changed
        ini_check "a refused reload keeps the running configuration" "assert c['dom0Resources']['memory'] == '1024', c"

        cp "$tmp/good.conf" "$conf"
        "$ctl" --json status >"$tmp/out" 2>/dev/null
        before=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config_loaded_timestamp"])' "$tmp/out")
        expect "reload --json of the edited file exits 0" 0 "$ctl" --json reload
        ctl_schema "reload --json is the schema's reload" reload "$tmp/out"
        pycheck "reload --json: files, restarted, pending_reboot (nothing, the stack is disabled)" "
assert j == {'files': [], 'restarted': [], 'pending_reboot': []}, j
"
        expect "reload -q exits 0" 0 "$ctl" -q reload
        [ ! -s "$tmp/out" ] && ok "reload -q prints nothing on success" || { nok "reload -q printed"; show "$tmp/out"; }
        expect "config --changed after the reload" 0 "$ctl" config --changed
        ini_check "the reload applied dom0Resources.memory" "
assert c == {'xen': {'enable': 'false'}, 'dom0Resources': {'memory': '2048', 'maxVCPUs': '2'}}, c
"
        expect "status after the reload" 3 "$ctl" --json status
        pycheck "status: a new load time and the new command line" "
assert j['config_loaded_timestamp'] > $before, j['config_loaded_timestamp']
assert 'dom0_mem=2048M' in j['boot_params'], j['boot_params']
"
        expect "diff after the reload: nothing left to do" 0 "$ctl" --json diff
        pycheck "diff --json is empty again" "assert j['changed_options'] == [], j"
        expect "reload (text) exits 0" 0 "$ctl" reload

        if command -v setpriv >/dev/null; then
                expect "reload by an unprivileged user is denied: exit 5" 5 as_nobody "$ctl" --no-ask-password reload
                contains "the denial is reported as such" "$tmp/err" "Failed to reload:"
                expect "status by an unprivileged user works" 3 as_nobody "$ctl" status
                install -m 644 "$data/bad/bool-yes.conf" "$tmp/readable.conf"
                expect "check by an unprivileged user of a file it can read" 1 as_nobody "$ctl" check "$tmp/readable.conf"
                contains "... with the daemon's findings" "$tmp/out" "$tmp/readable.conf:2: xen.debug"
        else
                skip "reload by an unprivileged user" "no setpriv"
        fi
else
        cp "$tmp/good.conf" "$conf"
        expect "reload as an unprivileged user is denied: exit 5" 5 "$ctl" --no-ask-password reload
        skip "reload's effects" "needs root to be authorized without polkit"
fi

# ---- restart ---------------------------------------------------------------------------------
expect "restart of an unknown component exits 4" 4 "$ctl" restart no-such-thing
contains "restart names the unknown component" "$tmp/err" "No such component: no-such-thing (see: xen-dom0ctl components)"
expect "restart of an unknown unit exits 4" 4 "$ctl" restart no-such-thing.service
expect "restart of xenstored is refused (never restarted): exit 1" 1 "$ctl" restart xenstored
expect "restart accepts a unit name (refused the same way, not unknown)" 1 "$ctl" restart xenstored.service
busctl_out=$(B call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager RestartComponent s xenstored 2>&1)
contains "restart shows the daemon's error text" "$tmp/err" "${busctl_out#Call failed: }"
expect "restart of a restartable component of a disabled stack fails: exit 1" 1 "$ctl" restart xenconsoled

# ---- domains ---------------------------------------------------------------------------------
expect "domains exits 0" 0 "$ctl" domains
head -n1 "$tmp/out" | grep -qE "^ *DOMID +NAME +UUID +STATE +MEMORY +VCPUS +CPU TIME$" &&
        ok "domains: the header names the contract's fields" || { nok "domains header"; show "$tmp/out"; }
[ "$(($(wc -l <"$tmp/out") - 3))" -eq "$(($guests + $(grep -v ' listed\.$' "$tmp/out" | grep -c '^ *0 ')))" ] &&
        ok "domains: one row per domain" || { nok "domains rows"; show "$tmp/out"; }
expect "domains --json exits 0" 0 "$ctl" --json domains
ctl_schema "domains --json is the schema's domains" domains "$tmp/out"
busctl_json call org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager ListDomains
pycheck "domains --json is ListDomains, field by field" "
names = ['domid', 'name', 'uuid', 'state', 'memory_kib', 'vcpus', 'cpu_time_ns', 'object_path']
assert [[d[k] for k in names] for d in j] == b['data'][0], (j, b)
"
rm -f "$tmp/busctl.json"

# ---- terminal behaviour: pager, colors, pretty JSON ----------------------------------------
if command -v script >/dev/null; then
        # The pager checks below name their pager, which is used in the pager's secure mode only
        # when the user asks for that mode themselves (SYSTEMD_PAGERSECURE set): otherwise the
        # mode depends on the login session these tests run in, checked at the end.
        export SYSTEMD_PAGERSECURE=0
        # script(1) gives the client a terminal; PAGER is a filter that marks what went through it.
        PAGER='sed s/^/PAGED:/' script -qec "'$ctl' components" /dev/null </dev/null >"$tmp/out" 2>&1
        grep -q "^PAGED:xenstored" "$tmp/out" && ok "on a terminal, output goes through \$PAGER" ||
                { nok "no pager on a terminal"; show "$tmp/out"; }
        PAGER='sed s/^/PAGED:/' script -qec "'$ctl' --no-pager components" /dev/null </dev/null >"$tmp/out" 2>&1
        lacks "--no-pager on a terminal" "$tmp/out" "PAGED:"
        PAGER='sed s/^/PAGED:/' "$ctl" components >"$tmp/out" 2>&1
        lacks "no pager off a terminal" "$tmp/out" "PAGED:"
        # A table wider than the terminal gives way, unless --full; a pipe is never cut.
        COLUMNS=60 script -qec "'$ctl' --no-pager components" /dev/null </dev/null >"$tmp/out" 2>&1
        long=$(python3 -c 'import re,sys
print(max(len(re.sub(r"\x1b\[[0-9;]*m", "", l.rstrip("\r\n"))) for l in open(sys.argv[1], encoding="utf-8")))' "$tmp/out")
        [ "${long:-0}" -le 60 ] && grep -q "…" "$tmp/out" && ok "on a 60-column terminal the table is cut to 60, with …" ||
                { nok "table cut to the terminal ($long columns)"; show "$tmp/out"; }
        COLUMNS=60 script -qec "'$ctl' --no-pager --full components" /dev/null </dev/null >"$tmp/out" 2>&1
        grep -q "xen-qemu-dom0-disk-backend.service" "$tmp/out" && ! grep -q "…" "$tmp/out" &&
                ok "--full: no cell is cut" || { nok "--full"; show "$tmp/out"; }
        COLUMNS=60 "$ctl" components >"$tmp/out" 2>&1
        grep -q "xen-qemu-dom0-disk-backend.service" "$tmp/out" && ok "on a pipe nothing is cut" ||
                { nok "cut on a pipe"; show "$tmp/out"; }
        PAGER=cat script -qec "'$ctl' status" /dev/null </dev/null >"$tmp/out" 2>&1
        contains "status on a terminal has bullets" "$tmp/out" "●"
        contains "status on a terminal has colors" "$tmp/out" $'\e['
        PAGER=cat script -qec "'$ctl' --json components" /dev/null </dev/null >"$tmp/out" 2>&1
        [ "$(wc -l <"$tmp/out")" -gt 7 ] && ok "--json on a terminal is pretty-printed" || { nok "--json on a terminal"; show "$tmp/out"; }
        PAGER='sed s/^/PAGED:/' script -qec "'$ctl' --json components" /dev/null </dev/null >"$tmp/out" 2>&1
        lacks "--json on a terminal never goes through a pager" "$tmp/out" "PAGED:"
        # As systemctl: SYSTEMD_PAGER before PAGER, SYSTEMD_LESS for less's options,
        # SYSTEMD_COLORS over the terminal test and NO_COLOR.
        SYSTEMD_PAGER='sed s/^/SPAGED:/' PAGER='sed s/^/OTHER:/' script -qec "'$ctl' components" /dev/null \
                </dev/null >"$tmp/out" 2>&1
        contains "SYSTEMD_PAGER is the pager" "$tmp/out" "SPAGED:xenstored"
        lacks "... before PAGER" "$tmp/out" "OTHER:"
        SYSTEMD_PAGER=cat PAGER='sed s/^/PAGED:/' script -qec "'$ctl' components" /dev/null </dev/null >"$tmp/out" 2>&1
        lacks "SYSTEMD_PAGER=cat turns paging off, whatever PAGER says" "$tmp/out" "PAGED:"
        SYSTEMD_LESS=XYZ LESS=abc PAGER='cat >/dev/null; echo "LESS is $LESS"' script -qec "'$ctl' components" \
                /dev/null </dev/null >"$tmp/out" 2>&1
        contains "SYSTEMD_LESS is the pager's LESS" "$tmp/out" "LESS is XYZ"
        env -u SYSTEMD_LESS LESS=abc PAGER='cat >/dev/null; echo "LESS is $LESS"' script -qec "'$ctl' components" \
                /dev/null </dev/null >"$tmp/out" 2>&1
        contains "without SYSTEMD_LESS the pager's LESS is FRSXMK" "$tmp/out" "LESS is FRSXMK"
        SYSTEMD_COLORS=0 PAGER=cat script -qec "'$ctl' status" /dev/null </dev/null >"$tmp/out" 2>&1
        lacks "SYSTEMD_COLORS=0 on a terminal: no colors" "$tmp/out" $'\e['
        SYSTEMD_COLORS=FALSE PAGER=cat script -qec "'$ctl' status" /dev/null </dev/null >"$tmp/out" 2>&1
        lacks "SYSTEMD_COLORS=FALSE, a boolean as systemd spells it: no colors" "$tmp/out" $'\e['
        SYSTEMD_COLORS=n PAGER=cat script -qec "'$ctl' status" /dev/null </dev/null >"$tmp/out" 2>&1
        lacks "SYSTEMD_COLORS=n: no colors" "$tmp/out" $'\e['
        # The pager's secure mode (less's LESSSECURE: no shell at "!", no files opened): a pager
        # under sudo is otherwise a root shell. Asked for, it is set and the named pager trusted.
        env -u LESSSECURE SYSTEMD_PAGERSECURE=1 PAGER='cat >/dev/null; echo "LESSSECURE is [$LESSSECURE]"' \
                script -qec "'$ctl' components" /dev/null </dev/null >"$tmp/out" 2>&1
        contains "SYSTEMD_PAGERSECURE=1: LESSSECURE=1 for the pager" "$tmp/out" "LESSSECURE is [1]"
        env -u LESSSECURE SYSTEMD_PAGERSECURE=no PAGER='cat >/dev/null; echo "LESSSECURE is [$LESSSECURE]"' \
                script -qec "'$ctl' components" /dev/null </dev/null >"$tmp/out" 2>&1
        contains "SYSTEMD_PAGERSECURE=no: no LESSSECURE" "$tmp/out" "LESSSECURE is []"
        # Not set: secure unless the client runs as the owner of the login session it is in. Under
        # sudo, or outside a session (a service, CI), the secure mode, and PAGER is not run: less
        # if there is one, else the output copied through.
        # (logind's owner of a process: that of its session scope, or of the user slice it is in)
        if grep -qE "/user-$(id -u)\.slice/" /proc/self/cgroup; then
                skip "secure pager outside a session" "these tests run in their own user's session or slice"
        else
                # a less that says how it was run and shows its input
                mkdir -p "$tmp/less-bin"
                printf '#!/bin/sh\necho "less with LESSSECURE=[$LESSSECURE]"\nsed s/^/LESS:/\n' >"$tmp/less-bin/less"
                chmod +x "$tmp/less-bin/less"
                env -u SYSTEMD_PAGERSECURE -u LESSSECURE PATH="$tmp/less-bin:$PATH" PAGER='sed s/^/PAGED:/' \
                        script -qec "'$ctl' components" /dev/null </dev/null >"$tmp/out" 2>&1
                lacks "outside a session: PAGER is not run" "$tmp/out" "PAGED:"
                contains "... less is, in its secure mode" "$tmp/out" "less with LESSSECURE=[1]"
                contains "... and the output goes through it" "$tmp/out" "LESS:xenstored"
        fi
        unset SYSTEMD_PAGERSECURE
        SYSTEMD_COLORS=1 NO_COLOR=1 "$ctl" status >"$tmp/out" 2>&1
        contains "SYSTEMD_COLORS=1 off a terminal: colors, NO_COLOR or not" "$tmp/out" $'\e['
else
        skip "terminal behaviour" "no script(1)"
fi

# ---- bash completion -------------------------------------------------------------------------
if [ -f /usr/share/bash-completion/bash_completion ]; then
        complete_words() {
                bash -c '. /usr/share/bash-completion/bash_completion; . "$1"; shift
                        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                        _xen_dom0ctl; echo "${COMPREPLY[*]}"' _ "$TOP_SRCDIR/shell-completion/bash/xen-dom0ctl" "$@"
        }
        [ "$(complete_words xen-dom0ctl re)" = "reload restart restart-guest refresh-boot-entries" ] && ok "completion: commands" || nok "completion: commands"
        [ "$(complete_words xen-dom0ctl --json restart xenc)" = "xenconsoled" ] && ok "completion: components for restart" ||
                nok "completion: components"
        # the completion's component list is the daemon's
        [ "$(complete_words xen-dom0ctl logs '')" = "$components" ] && ok "completion: every component" ||
                nok "completion: component list differs from the daemon's"
        restartable=$("$ctl" --json status | python3 -c 'import json,sys
print(" ".join(c["name"] for c in json.load(sys.stdin)["components"] if c["restartable"]))')
        [ "$(complete_words xen-dom0ctl restart '')" = "$restartable" ] &&
                ok "completion: restart offers the components the daemon says are restartable ($restartable)" ||
                nok "completion: restart offers $(complete_words xen-dom0ctl restart ''), the daemon restarts $restartable"
        [ "$(complete_words xen-dom0ctl config --ch)" = "--changed" ] && ok "completion: --changed for config" ||
                nok "completion: --changed"
        [ "$(complete_words xen-dom0ctl lo)" = "logs" ] && ok "completion: logs" || nok "completion: logs"
        [ "$(complete_words xen-dom0ctl logs xenc)" = "xenconsoled" ] && ok "completion: components for logs" ||
                nok "completion: components for logs"
else
        skip "bash completion" "bash-completion is not installed"
fi

# ---- logs: journalctl does it ----------------------------------------------------------------
# A journalctl of the test's own on PATH prints the arguments it was given.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "journalctl $*"\n' >"$tmp/bin/journalctl"
chmod 755 "$tmp/bin/journalctl"
expect "logs exits with journalctl's status" 0 env PATH="$tmp/bin:$PATH" "$ctl" logs
expect_line() { grep -qxF -- "$3" "$2" && ok "$1" || { nok "$1: no line '$3' in:"; show "$2"; }; }
expect_line "logs shows the daemon's journal" "$tmp/out" "journalctl --unit xen-dom0.service"
expect "logs COMPONENT" 0 env PATH="$tmp/bin:$PATH" "$ctl" --no-pager --json logs xenconsoled
expect_line "... shows that unit's journal, --no-pager and --json passed on" "$tmp/out" \
        "journalctl --no-pager --output=json --unit xenconsoled.service"
expect "logs takes a unit name too" 0 env PATH="$tmp/bin:$PATH" "$ctl" logs xen-watchdog.service
expect_line "... the same unit" "$tmp/out" "journalctl --unit xen-watchdog.service"
expect "logs of an unknown component exits 4" 4 env PATH="$tmp/bin:$PATH" "$ctl" logs nonesuch
contains "... naming it" "$tmp/err" "No such component: nonesuch"
expect "logs without journalctl exits 1" 1 env PATH="$tmp/empty" "$ctl" logs
contains "... saying so" "$tmp/err" "Failed to run journalctl"

# ---- a daemon that does not answer -----------------------------------------------------------
# Stopped, it holds its name but answers nothing: the call's 25 s default timeout runs out.
kill -STOP "$DAEMON_PID"
expect "status of a daemon that does not answer exits 6 (timeout), not 1 (invalid file)" 6 "$ctl" status
contains "... and says so" "$tmp/err" "xen-dom0d did not answer in time"
kill -CONT "$DAEMON_PID"

# ---- boot entries ----------------------------------------------------------------------------
# The stack is disabled here: the builder never ran. (Its runs are tested in test-supervisor.)
expect "boot-entries exits 0" 0 "$ctl" --no-pager boot-entries
contains "boot-entries says the entries' state" "$tmp/out" "Boot entries: unknown"
contains "boot-entries counts them as systemctl does" "$tmp/out" "0 Xen boot entries listed."
expect "--json boot-entries exits 0" 0 "$ctl" --json=short boot-entries
busctl_json get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager BootEntries
pycheck "--json boot-entries: the daemon's BootEntries, as a list of objects" "
assert j == [dict(zip(['id', 'title', 'xen', 'xen_options', 'kernel'], e)) for e in b['data']], (j, b)
"
rm -f "$tmp/busctl.json"
expect "refresh-boot-entries on a disabled stack fails" 1 "$ctl" --no-ask-password refresh-boot-entries
contains "... and says why" "$tmp/err" "The Xen dom0 stack is disabled (xen.enable = false)"

# ---- no daemon -------------------------------------------------------------------------------
daemon_stop
expect "status without the daemon exits 3 (not running)" 3 "$ctl" status
contains "... and says what to do" "$tmp/err" \
        "Failed to get the daemon's status: xen-dom0d is not running (start it with: systemctl start xen-dom0)"
expect "components without the daemon exits 3" 3 "$ctl" components
contains "... with the same words" "$tmp/err" "xen-dom0d is not running (start it with: systemctl start xen-dom0)"
expect "reload without the daemon exits 3" 3 "$ctl" reload
lacks "... not the bus daemon's words" "$tmp/err" ".service files"
expect "--json status without the daemon exits 3" 3 "$ctl" --json status
pycheck "... and says so in JSON on stdout" "
assert j['exit_status'] == 3 and j['findings'] == [], j
assert j['error'] == 'org.freedesktop.DBus.Error.ServiceUnknown', j
"
# The components are the client's to know: an unknown one is 4, with the daemon or without.
expect "restart of an unknown component without the daemon exits 4" 4 "$ctl" restart nosuch
contains "... naming it as logs does" "$tmp/err" "No such component: nosuch (see: xen-dom0ctl components)"
expect "status of an unknown component without the daemon exits 4" 4 "$ctl" status xenconsoled nosuch
contains "... naming it as logs does" "$tmp/err" "No such component: nosuch (see: xen-dom0ctl components)"
expect "--json restart of an unknown component without the daemon exits 4" 4 "$ctl" --json restart nosuch
pycheck "... and prints the failure in JSON" "
assert j['failed'] == 'restart nosuch' and j['exit_status'] == 4, j
assert j['error'] == 'org.xenproject.Dom0.Error.NoSuchComponent', j
"

tap_done
