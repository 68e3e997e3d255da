#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The D-Bus API on a private bus: every property, method, signal and error of
# org.xenproject.Dom0, bad arguments of every kind, and authorization.
set -u
# py and ok run at the end of pipelines: keep their counters in this shell.
shopt -s lastpipe
. "${TOP_SRCDIR:?}/tests/unit/lib-bus.sh"

# send METHOD [TYPE:VALUE...]: dbus-send, which prints the D-Bus error name of a failure.
send() { local m=$1; shift; dbus-send --system --print-reply --dest=org.xenproject.Dom0 $P "$I.$m" "$@"; }
# fails_with DESCRIPTION ERROR-NAME-PART COMMAND...: the call fails and names the error.
fails_with() {
	local desc=$1 want=$2 out
	shift 2
	if out=$("$@" 2>&1); then nok "$desc" "succeeded: $out"; return; fi
	if grep -qF -- "$want" <<<"$out"; then ok "$desc"; else nok "$desc" "wanted '$want', got: $out"; fi
}

work=$BUS_DIR/work
mkdir -p "$work"
conf=$work/xen-dom0.conf
printf '[xen]\nenable = false\nbootParams = iommu=1\n[dom0Resources]\nmemory = 1024\n' >"$conf"
bus_start
daemon_start "$conf"

# ---- properties
prop State | py "State is disabled with xen.enable = false" 'd["data"] == "disabled"'
prop StatusText | py "StatusText explains why" '"xen.enable = false" in d["data"]'
prop Version | py "Version is the package version" 'd["data"] == "'"$("$XEN_DOM0D" --version | cut -d' ' -f2)"'"'
prop ConfigPath | py "ConfigPath is the file given" 'd["data"] == "'"$conf"'"'
prop ConfigLoadedTimestamp | py "ConfigLoadedTimestamp is a recent realtime stamp" \
	"abs(d['data']/1e6 - $(date +%s)) < 60"
prop PendingReboot | py "no reboot pending" 'd["data"] is False'
prop PendingRebootReasons | py "no reboot reasons" 'd["data"] == []'
prop BootParams | py "BootParams: derived memory first, then bootParams" 'd["data"] == ["dom0_mem=1024M", "iommu=1"]'
B --json=short call org.xenproject.Dom0 $P org.freedesktop.DBus.Properties GetAll s $I |
	py "GetAll returns the twenty properties" 'len(d["data"][0]) == 20'

# ---- GetConfig
call GetConfig | py "GetConfig lists every option" 'len(d["data"][0]) == 47'
call GetConfig | py "GetConfig marks set values" '["xen.enable", "false", False] in d["data"][0] and ["xen.bootParams", "iommu=1", False] in d["data"][0]'
call GetConfig | py "GetConfig marks defaults and computed values" '["xen.debug", "false", True] in d["data"][0] and ["dom0Resources.maxMemory", "1024", True] in d["data"][0]'

# ---- Check
call Check s "$TOP_SRCDIR/tests/data/render/nixos-wiki.conf" | py "Check of a valid file: no errors" 'd["data"] == [[], []]'
call Check s "" | py "Check of \"\" checks the configured file" 'd["data"] == [[], []]'
call Check s "$TOP_SRCDIR/tests/data/bad/many-errors.conf" |
	py "Check returns every error with line and key" '[(e[1], e[2]) for e in d["data"][0]] == [(2, "xen.debug"), (3, "xen.foo"), (5, "dom0Resources.memory"), (7, "bridge.name"), (8, "")]'
call Check s "$TOP_SRCDIR/tests/data/bad/renamed-qemu-both.conf" | py "Check separates warnings" 'len(d["data"][1]) == 2 and len(d["data"][0]) == 1'
call Check s "$work/missing.conf" | py "Check of a missing file" 'd["data"][0][0][3] == "cannot open: No such file or directory"'
call Check s "$work" | py "Check of a directory" 'd["data"][0][0][3] == "is a directory, not a configuration file"'
call Check s /dev/zero | py "Check of /dev/zero is refused unread" 'd["data"][0][0][3] == "is not a regular file"'
mkfifo "$work/fifo"
call Check s "$work/fifo" | py "Check of a FIFO is refused without hanging" 'd["data"][0][0][3] == "is not a regular file"'
ln -s loop2 "$work/loop1" && ln -s loop1 "$work/loop2"
call Check s "$work/loop1" | py "Check of a symlink loop" 'd["data"][0][0][3] == "cannot open: Too many levels of symbolic links"'
truncate -s 5M "$work/huge.conf"
call Check s "$work/huge.conf" | py "Check of a huge file is refused unread" 'd["data"][0][0][3] == "file is too large"'
fails_with "Check of a relative path is an argument error" "org.freedesktop.DBus.Error.InvalidArgs" send Check string:relative.conf
fails_with "Check of an oversized path is an argument error" "absolute and shorter" call Check s "/$(head -c 5000 /dev/zero | tr '\0' a)"
fails_with "Check with a wrong signature is refused" "org.freedesktop.DBus.Error.InvalidArgs" send Check int32:42
fails_with "Check with no argument is refused" "org.freedesktop.DBus.Error.InvalidArgs" send Check
fails_with "an unknown method is refused" "org.freedesktop.DBus.Error.UnknownMethod" send Frobnicate
printf '[xen]\nenable = true\n' >"$work/secret.conf"
chmod 600 "$work/secret.conf"
out=$(as_nobody busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" --json=short \
	call org.xenproject.Dom0 $P $I Check s "$work/secret.conf")
py "Check reads as the caller: nobody cannot read a root-only file through it" \
	'd["data"][0][0][3] == "cannot open: Permission denied"' <<<"$out"

# ---- components
call ListComponents | py "ListComponents lists the seven components in order" \
	'[c[0] for c in d["data"][0]] == ["proc-xen", "xenstored", "xen-init-dom0", "xenconsoled", "xen-qemu-dom0-disk-backend", "xendomains", "xen-watchdog"]'
call ListComponents | py "component object paths are escaped" \
	'd["data"][0][3][7] == "/org/xenproject/Dom0/component/xenconsoled" and d["data"][0][0][7] == "/org/xenproject/Dom0/component/proc_2dxen"'
n=$(B tree --list org.xenproject.Dom0 | grep -c '^/org/xenproject/Dom0/component/')
[ "$n" = 7 ] && ok "the component objects are enumerable (busctl tree)" || nok "busctl tree shows $n components"
B --json=short call org.xenproject.Dom0 $P/component/xen_2dwatchdog org.freedesktop.DBus.Properties GetAll s org.xenproject.Dom0.Component |
	py "a component object has every property" 'set(d["data"][0]) == {"Name","Unit","State","ActiveState","SubState","Result","Restartable","Restarts","LastError","ActivationTimestamp","StartupMilliseconds","Adopted"} and d["data"][0]["Unit"]["data"] == "xen-watchdog.service" and d["data"][0]["Restartable"]["data"] is True'
B --json=short get-property org.xenproject.Dom0 $P/component/xenstored org.xenproject.Dom0.Component Restartable |
	py "xenstored is not restartable" 'd["data"] is False'
fails_with "an unknown component object does not exist" "Unknown object" \
	B get-property org.xenproject.Dom0 $P/component/xend org.xenproject.Dom0.Component Name
fails_with "RestartComponent of an unknown name" "No component 'xend'" call RestartComponent s xend
fails_with "RestartComponent of an unknown name: NoSuchComponent" "org.xenproject.Dom0.Error.NoSuchComponent" send RestartComponent string:xend
fails_with "RestartComponent of the store: NotRestartable" "org.xenproject.Dom0.Error.NotRestartable" send RestartComponent string:xenstored
fails_with "RestartComponent of a huge name is cut in the message" "..." call RestartComponent s "$(head -c 100000 /dev/zero | tr '\0' x)"
fails_with "RestartComponent of the store is refused" "never restarted" call RestartComponent s xenstored
fails_with "RestartComponent of xendomains is refused" "never restarted" call RestartComponent s xendomains.service
fails_with "RestartComponent with the stack disabled" "disabled" call RestartComponent s xenconsoled

# ---- authorization: no polkit on this bus, so an ordinary user is refused
nobody() { as_nobody busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" "$@"; }
fails_with "Reload by an ordinary user is denied" "ccess denied" nobody call org.xenproject.Dom0 $P $I Reload
out=$(nobody --json=short get-property org.xenproject.Dom0 $P $I State)
py "properties are readable by an ordinary user" 'd["data"] == "disabled"' <<<"$out"
out=$(nobody --json=short call org.xenproject.Dom0 $P $I ListComponents)
py "ListComponents works for an ordinary user" 'len(d["data"][0]) == 7' <<<"$out"

# ---- Reload, Diff and their signals
dbus-monitor --system "type='signal',interface='$I',member='Reloaded'" >"$work/signals" 2>/dev/null &
mon=$!
sleep 0.3
call Diff | py "Diff of an unchanged file is empty" 'd["data"] == [[], [], [], [], [], []]'
printf '[xen]\nenable = false\nbootParams = iommu=1 x=2\n[dom0Resources]\nmemory = 1024\n' >"$conf"
call Diff | py "Diff names the changed option" 'd["data"][0] == ["xen.bootParams"]'
prop BootParams | py "Diff applies nothing" 'd["data"] == ["dom0_mem=1024M", "iommu=1"]'
call Reload | py "Reload of a valid change succeeds" 'len(d["data"]) == 3'
prop BootParams | py "the reloaded configuration is live" 'd["data"] == ["dom0_mem=1024M", "iommu=1", "x=2"]'
printf '[xen]\nenable = false\nbootParams = ok\n[dom0Resources]\nmemory = -1\n' >"$conf"
fails_with "Reload of an invalid file fails with InvalidConfig" "org.xenproject.Dom0.Error.InvalidConfig" send Reload
fails_with "the error names file, line, key and reason" "$conf:5: dom0Resources.memory: \"-1\" is negative" call Reload
prop BootParams | py "the old configuration is still live after a refused reload" 'd["data"] == ["dom0_mem=1024M", "iommu=1", "x=2"]'
fails_with "Diff of an invalid file fails with InvalidConfig" "org.xenproject.Dom0.Error.InvalidConfig" send Diff
sleep 0.3
kill "$mon" 2>/dev/null
wait "$mon" 2>/dev/null
# dbus-monitor prints each signal as a header line and its arguments below it
signals=$(grep -A4 'member=Reloaded' "$work/signals" | grep -E 'member=Reloaded|boolean|string')
[ "$(grep -c 'member=Reloaded' <<<"$signals")" = 3 ] && ok "a Reloaded signal per reload" || nok "Reloaded signals" "$signals"
grep -m1 boolean <<<"$signals" | grep -q 'boolean true' && ok "the first Reloaded says success" || nok "first Reloaded" "$signals"
tail -2 <<<"$signals" | grep -q 'boolean false' && grep -q 'string ".*dom0Resources.memory' <<<"$signals" &&
        ok "a refused reload's signal carries the errors" || nok "refused Reloaded" "$signals"

# ---- a root-only file's text reaches root only: Diff and Reload answer an ordinary user, and the
# Reloaded signal everyone, with option names and what is wrong, never a value or a name the
# file made up
secret="hunter2-$$-$RANDOM"
cp "$conf" "$work/invalid.conf"
printf '[xen]\nenable = false\ndebug = %s\n%s-key = 1\n' "$secret" "$secret" >"$conf"
chmod 600 "$conf"
setpriv --reuid=65534 --regid=65534 --clear-groups dbus-monitor --system \
	"type='signal',interface='$I',member='Reloaded'" >"$work/signals-nobody" 2>&1 &
mon=$!
sleep 0.3
out=$(nobody call org.xenproject.Dom0 $P $I Diff 2>&1)
[[ $out != *"$secret"* ]] && ok "Diff by an ordinary user of a root-only invalid file: no value, no name of the file's own" ||
	nok "Diff showed the root-only file's text to nobody" "got: $out"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups dbus-send --system --print-reply --dest=org.xenproject.Dom0 \
	$P "$I.Diff" 2>&1)
grep -qF org.xenproject.Dom0.Error.InvalidConfig <<<"$out" && grep -qF "$conf:3: xen.debug: invalid value" <<<"$out" &&
	grep -qF "$conf:4: unknown key" <<<"$out" && grep -qF "shows them to root only" <<<"$out" &&
	ok "... still InvalidConfig, naming file, line, option and what is wrong, and that values were left out" ||
	nok "Diff by an ordinary user" "got: $out"
out=$(call Diff 2>&1)
[[ $out == *"$conf:3: xen.debug: \"$secret\" is not a boolean"* ]] && [[ $out == *"$secret-key: unknown key"* ]] &&
	ok "Diff by root shows every finding as it is" || nok "Diff by root" "got: $out"
out=$(call Reload 2>&1)
[[ $out == *"$conf:3: xen.debug: \"$secret\" is not a boolean"* ]] && ok "Reload by root shows every finding as it is" ||
	nok "Reload by root" "got: $out"
sleep 0.3
kill "$mon" 2>/dev/null
wait "$mon" 2>/dev/null
grep -q 'member=Reloaded' "$work/signals-nobody" && grep -qF "string \"$conf:3: xen.debug: invalid value\"" "$work/signals-nobody" &&
	ok "an ordinary user hears the refused reload's Reloaded signal, with its findings" ||
	nok "no Reloaded signal with findings reached nobody" "$(cat "$work/signals-nobody")"
! grep -qF "$secret" "$work/signals-nobody" && ok "the Reloaded signal carries nothing of the root-only file" ||
	nok "the Reloaded signal carried the root-only file's text" "$(cat "$work/signals-nobody")"
cp "$work/invalid.conf" "$conf"
chmod 644 "$conf"

# ---- the installed introspection XML is what the live object offers
for iface in org.xenproject.Dom0.Manager:$P org.xenproject.Dom0.Component:$P/component/xenstored; do
	name=${iface%%:*} path=${iface#*:}
	B introspect --xml-interface org.xenproject.Dom0 "$path" >"$work/live.xml"
	if python3 - "$TOP_SRCDIR/conf/$name.xml" "$work/live.xml" "$name" <<'EOF'; then ok "$name matches its installed introspection XML"; else nok "$name differs from conf/$name.xml"; fi
import sys, xml.etree.ElementTree as ET
def members(path, name):
    for i in ET.parse(path).getroot().iter("interface"):
        if i.get("name") == name:
            out = set()
            for m in i:
                args = tuple((a.get("type"), a.get("direction", "out" if m.tag == "signal" else "in")) for a in m.iter("arg"))
                out.add((m.tag, m.get("name"), m.get("type"), args))
            return out
    return None
a, b = members(sys.argv[1], sys.argv[3]), members(sys.argv[2], sys.argv[3])
for x in sorted(a ^ b, key=str):
    print("# differs:", x)
sys.exit(0 if a and a == b else 1)
EOF
done

# start-up with an invalid file: exit 78 (the unit does not restart on it), every error named
daemon_stop
"$XEN_DOM0D" --config "$conf" >"$work/bad.log" 2>&1
rc=$?
[ "$rc" = 78 ] && ok "an invalid file at start-up exits 78 (EX_CONFIG)" || nok "start-up on an invalid file exited $rc"
grep -qF "$conf:5: dom0Resources.memory: \"-1\" is negative" "$work/bad.log" && ok "and names the error" ||
        nok "start-up error" "$(cat "$work/bad.log")"
printf '[xen]\nenable = false\n' >"$conf"
daemon_start "$conf"
prop State | py "a restarted daemon serves the API again" 'd["data"] == "disabled"'

# the bus going away: the daemon exits non-zero (systemd starts it again) and says why
kill "$BUS_PID" && wait "$BUS_PID" 2>/dev/null
BUS_PID=""
for _ in $(seq 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$DAEMON_PID" 2>/dev/null; then
        nok "the daemon exits when the bus goes away" "still running 5 s later"
else
        wait "$DAEMON_PID"
        rc=$?
        DAEMON_PID=""
        [ "$rc" = 1 ] && ok "the daemon exits 1 when the bus goes away (Restart=on-failure applies)" ||
                nok "exit status when the bus goes away: $rc" "$(cat "$BUS_DIR/daemon.log")"
        grep -q "Lost the connection to the system bus" "$BUS_DIR/daemon.log" &&
                ok "and logs that it lost the bus" || nok "no log line for the lost bus" "$(cat "$BUS_DIR/daemon.log")"
fi

tap_done
