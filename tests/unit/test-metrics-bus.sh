#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Metrics of the real daemon on a private bus with the fake hypervisor: GetDomainStats and the
# new Domain properties, GetMetrics in both formats checked by promtool and by an OpenMetrics
# parser, the textfile node_exporter reads (written atomically, rewritten, moved and removed by
# reloads, a missing directory survived), the reload counters, the client's metrics verb, and
# 0, 10 and 1,000 guests.
set -u
shopt -s lastpipe
. "${TOP_SRCDIR:?}/tests/unit/lib-bus.sh"

CTL=$TOP_BUILDDIR/daemon/xen-dom0ctl
control() { printf '%s\n' "$1" >"$XEN_DOM0D_FAKE_CONTROL"; }
# The OpenMetrics parser of Debian's python3-prometheus-client, run by Debian's python3 (a
# python3 earlier on PATH may lack the module).
PY=/usr/bin/python3
missing=()
command -v promtool >/dev/null || missing+=("promtool (package prometheus)")
$PY -c 'import prometheus_client.openmetrics.parser' 2>/dev/null ||
	missing+=("the OpenMetrics parser (package python3-prometheus-client)")
if [ ${#missing[@]} -gt 0 ]; then
	nok "the metrics checkers are installed" "missing: ${missing[*]}; run tools/install-deps"
	tap_done
	exit 1
fi
# om_check FILE: the OpenMetrics parser accepts FILE; prints "families samples".
om_check() {
	$PY - "$1" <<'EOF'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
print(len(fams), sum(len(f.samples) for f in fams))
EOF
}
# value FILE NAME LABELS: the value of the sample NAME{LABELS} (LABELS exactly as written).
value() {
	local sel=$2
	[ -n "$3" ] && sel="$2{$3}"
	awk -v s="$sel" '$1 == s { print $2; found = 1 } END { exit !found }' "$1"
}
# metrics FORMAT OUT: GetMetrics into OUT.
metrics() { call GetMetrics s "$1" | $PY -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["data"][0])' >"$2"; }

work=$BUS_DIR/work
mkdir -p "$work/textfile"
export XEN_DOM0D_FAKE_CONTROL=$work/control
conf=$work/xen-dom0.conf
write_conf() { printf '[xen]\nenable = false\n[metrics]\nenable = %s\ninterval = 1\ndirectory = %s\n' "$1" "$2" >"$conf"; }
write_conf true "$work/textfile"
bus_start
XEN_DOM0D_BACKEND=fake:3 daemon_start "$conf"

# ---- the golden files of test-metrics are themselves what the checkers accept
for g in "$TOP_SRCDIR"/tests/data/metrics/*.om; do
	r=$(om_check "$g" 2>&1) && ok "the OpenMetrics parser accepts ${g##*/}" || nok "the OpenMetrics parser accepts ${g##*/}" "$r"
done
for g in "$TOP_SRCDIR"/tests/data/metrics/*.prom; do
	r=$(promtool check metrics <"$g" 2>&1) && ok "promtool accepts ${g##*/}" || nok "promtool accepts ${g##*/}" "$r"
done

# ---- GetDomainStats and the Domain properties
call GetDomainStats | py "GetDomainStats: Domain-0 and the 3 guests, in one call" \
	'[(e[0], e[1]) for e in d["data"][0]] == [(0, "Domain-0"), (1, "guest-1"), (2, "guest-2"), (3, "guest-3")]'
call GetDomainStats | py "GetDomainStats: memory, maximum memory, vCPUs, maximum vCPUs" \
	'[(e[5], e[6], e[7], e[8]) for e in d["data"][0]][1:] == [(131072, 131072, 1, 1)] * 3 and d["data"][0][0][5] == 1048576'
call GetDomainStats | py "GetDomainStats: flags, no shutdown reason, CPU time" \
	'all(e[9] == ["running"] and e[10] == "" and e[4] > 0 for e in d["data"][0])'
call GetDomainStats | py "GetDomainStats: the guests' start time (now), none for Domain-0" \
	'd["data"][0][0][11] == 0 and all(abs(e[11] / 1e6 - '"$(date +%s)"') < 60 for e in d["data"][0][1:])'
dprop guest_2d2 MaxMemoryKiB | py "a guest's MaxMemoryKiB" 'd["data"] == 131072'
dprop guest_2d2 MaxVCPUs | py "a guest's MaxVCPUs" 'd["data"] == 1'
dprop guest_2d2 StartTimestamp | py "a guest's StartTimestamp" 'abs(d["data"] / 1e6 - '"$(date +%s)"') < 60'
control "crash guest-3"
control "pause guest-1"
sleep 0.3
dprop guest_2d3 Flags | py "a crashed guest is shut down" 'd["data"] == ["shutdown"]'
dprop guest_2d3 ShutdownReason | py "its shutdown reason is crash" 'd["data"] == "crash"'
dprop guest_2d1 Flags | py "a paused guest's flags" 'd["data"] == ["paused"]'
call GetDomainStats | py "GetDomainStats agrees with the properties" \
	'{e[1]: (e[9], e[10]) for e in d["data"][0]} == {"Domain-0": (["running"], ""), "guest-1": (["paused"], ""), "guest-2": (["running"], ""), "guest-3": (["shutdown"], "crash")}'
if out=$(as_nobody busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" call org.xenproject.Dom0 $P $I GetDomainStats 2>&1); then
	ok "GetDomainStats is open to every local user"
else
	nok "GetDomainStats is open to every local user" "$out"
fi

# ---- GetMetrics, both formats, through real checkers
metrics openmetrics "$work/m.om"
metrics prometheus "$work/m.prom"
if r=$(om_check "$work/m.om" 2>&1); then ok "the OpenMetrics parser accepts GetMetrics(openmetrics) ($r)"; else
	nok "the OpenMetrics parser accepts GetMetrics(openmetrics)" "$r"; fi
if r=$(promtool check metrics <"$work/m.prom" 2>&1); then ok "promtool check metrics accepts GetMetrics(prometheus)"; else
	nok "promtool check metrics accepts GetMetrics(prometheus)" "$r"; fi
# The checkers can fail: a text cut short, and a counter without _total.
head -n -1 "$work/m.om" >"$work/cut.om"
if om_check "$work/cut.om" >/dev/null 2>&1; then nok "the OpenMetrics parser refuses a text without # EOF"; else
	ok "the OpenMetrics parser refuses a text without # EOF"; fi
sed 's/^xen_reloads_total/xen_reloads/; s/^# \(HELP\|TYPE\) xen_reloads_total/# \1 xen_reloads/' "$work/m.prom" >"$work/bad.prom"
if promtool check metrics <"$work/bad.prom" >/dev/null 2>&1; then nok "promtool refuses a counter without _total"; else
	ok "promtool refuses a counter without _total"; fi
[ "$(value "$work/m.om" xen_domains '')" = 4 ] && ok "xen_domains 4" || nok "xen_domains 4" "$(grep '^xen_domains' "$work/m.om")"
[ "$(value "$work/m.om" xen_domain_memory_bytes 'domain="guest-2",domid="2"')" = $((128 << 20)) ] &&
	ok "a guest's memory in bytes" || nok "a guest's memory in bytes" "$(grep '^xen_domain_memory_bytes' "$work/m.om")"
[ "$(value "$work/m.om" xen_domain_state 'domain="guest-1",domid="1",state="paused"')" = 1 ] &&
	[ "$(value "$work/m.om" xen_domain_state 'domain="guest-1",domid="1",state="running"')" = 0 ] &&
	ok "the paused guest's state flags" || nok "the paused guest's state flags" "$(grep 'guest-1' "$work/m.om" | grep state)"
[ "$(value "$work/m.om" xen_domain_shutdown_reason 'domain="guest-3",domid="3",reason="crash"')" = 1 ] &&
	ok "the crashed guest's shutdown reason" || nok "the crashed guest's shutdown reason" "$(grep shutdown_reason "$work/m.om")"
[ "$(value "$work/m.om" xen_memory_total_bytes '')" = $((64 << 30)) ] && ok "the host's memory in bytes" ||
	nok "the host's memory in bytes" "$(grep '^xen_memory' "$work/m.om")"
[ "$(value "$work/m.om" xen_dom0d_state 'state="disabled"')" = 1 ] && ok "the supervisor's state" ||
	nok "the supervisor's state" "$(grep '^xen_dom0d_state' "$work/m.om")"
value "$work/m.om" xen_store_responsive '' >/dev/null && nok "xen.enable = false: no xen_store_responsive sample" ||
	ok "xen.enable = false: no xen_store_responsive sample (the store is not ours to alert on)"
rss=$(value "$work/m.om" xen_dom0d_resident_memory_bytes '')
[ "${rss:-0}" -gt $((1 << 20)) ] && [ "$rss" -lt $((256 << 20)) ] && ok "the daemon's resident memory ($((rss >> 10)) KiB)" ||
	nok "the daemon's resident memory" "$rss"
# The same samples in both formats, once the names differ only as the formats say.
$PY - "$work/m.om" "$work/m.prom" <<'EOF' && ok "both formats carry the same samples" || nok "both formats carry the same samples"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
from prometheus_client.parser import text_string_to_metric_families as prom
volatile = ("xen_domain_cpu_seconds_total", "xen_dom0d_cpu_seconds_total", "xen_dom0d_resident_memory_bytes")
def samples(fams):
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in fams for s in f.samples if s.name not in volatile}
a, b = samples(om(open(sys.argv[1]).read())), samples(prom(open(sys.argv[2]).read()))
if a != b:
    print("# only OpenMetrics:", sorted(set(a.items()) - set(b.items()))[:5])
    print("# only 0.0.4:", sorted(set(b.items()) - set(a.items()))[:5])
sys.exit(a != b or len(a) < 50)
EOF
if out=$(call GetMetrics s json 2>&1); then nok "GetMetrics refuses an unknown format" "$out"; else
	grep -q "expected openmetrics or prometheus" <<<"$out" && ok "GetMetrics refuses an unknown format, naming the two" ||
		nok "GetMetrics refuses an unknown format, naming the two" "$out"; fi
if out=$(as_nobody busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" call org.xenproject.Dom0 $P $I GetMetrics s "" 2>&1); then
	ok "GetMetrics is open to every local user"
else
	nok "GetMetrics is open to every local user" "$out"
fi

# ---- the client
"$CTL" metrics >"$work/ctl.om" 2>"$work/ctl.err" && r=$(om_check "$work/ctl.om" 2>&1) &&
	ok "xen-dom0ctl metrics prints OpenMetrics ($r)" || nok "xen-dom0ctl metrics prints OpenMetrics" "$(cat "$work/ctl.err")" "$r"
"$CTL" metrics --format=prometheus | promtool check metrics >/dev/null 2>&1 &&
	ok "xen-dom0ctl metrics --format=prometheus passes promtool" || nok "xen-dom0ctl metrics --format=prometheus passes promtool"
"$CTL" metrics --format=yaml >/dev/null 2>"$work/ctl.err"
[ $? -eq 2 ] && grep -q "expected openmetrics or prometheus" "$work/ctl.err" && ok "--format=yaml: usage error (2)" ||
	nok "--format=yaml: usage error (2)" "$(cat "$work/ctl.err")"
"$CTL" --json metrics >/dev/null 2>"$work/ctl.err"
[ $? -eq 2 ] && ok "--json metrics: usage error (2)" || nok "--json metrics: usage error (2)" "$(cat "$work/ctl.err")"
"$CTL" --format=prometheus status >/dev/null 2>"$work/ctl.err"
[ $? -eq 2 ] && ok "--format with another command: usage error (2)" || nok "--format with another command: usage error (2)"

# ---- the textfile
tf=$work/textfile/xen-dom0.prom
for _ in $(seq $((60 * ${TEST_SLOWDOWN:-1}))); do [ -s "$tf" ] && break; sleep 0.05; done
if [ -s "$tf" ]; then ok "the textfile is written at start"; else nok "the textfile is written at start" "$(cat "$BUS_DIR/daemon.log")"; fi
[ "$(stat -c %a "$tf" 2>/dev/null)" = 644 ] && ok "the textfile is readable by node_exporter (0644)" ||
	nok "the textfile is readable by node_exporter (0644)" "$(stat -c %a "$tf" 2>&1)"
promtool check metrics <"$tf" >/dev/null 2>&1 && ok "promtool accepts the textfile" ||
	nok "promtool accepts the textfile" "$(promtool check metrics <"$tf" 2>&1 | head -5)"
before=$(stat -c %Y.%N "$tf" 2>/dev/null) ino=$(stat -c %i "$tf" 2>/dev/null)
for _ in $(seq $((100 * ${TEST_SLOWDOWN:-1}))); do [ "$(stat -c %i "$tf" 2>/dev/null)" != "$ino" ] && break; sleep 0.05; done
[ "$(stat -c %i "$tf" 2>/dev/null)" != "$ino" ] && ok "rewritten after the interval, by a rename (a new inode)" ||
	nok "rewritten after the interval, by a rename (a new inode)" "$before"
leftover=$(find "$work/textfile" -name '.xen-dom0.prom.*' | wc -l)
[ "$leftover" -eq 0 ] && ok "no temporary file is left behind" || nok "no temporary file is left behind" "$(ls -a "$work/textfile")"

# ---- the reload counters, and reloads that move or stop the textfile
printf 'bogusKey = 1\n' >>"$conf"
call Reload >/dev/null 2>&1 && nok "an invalid file is refused" || ok "an invalid file is refused"
metrics openmetrics "$work/m2.om"
[ "$(value "$work/m2.om" xen_reloads_total 'result="refused"')" = 1 ] && ok "a refused reload counts as refused" ||
	nok "a refused reload counts as refused" "$(grep '^xen_reloads' "$work/m2.om")"
mkdir -p "$work/textfile2"
write_conf true "$work/textfile2"
call Reload >/dev/null 2>&1 && ok "a reload moves the textfile" || nok "a reload moves the textfile" "$(tail "$BUS_DIR/daemon.log")"
metrics openmetrics "$work/m3.om"
[ "$(value "$work/m3.om" xen_reloads_total 'result="succeeded"')" = 1 ] &&
	[ "$(value "$work/m3.om" xen_reloads_total 'result="refused"')" = 1 ] && ok "then one succeeded, one refused" ||
	nok "then one succeeded, one refused" "$(grep '^xen_reloads' "$work/m3.om")"
for _ in $(seq $((60 * ${TEST_SLOWDOWN:-1}))); do [ -s "$work/textfile2/xen-dom0.prom" ] && break; sleep 0.05; done
[ -s "$work/textfile2/xen-dom0.prom" ] && [ ! -e "$tf" ] && ok "the new directory has the file, the old one no longer" ||
	nok "the new directory has the file, the old one no longer" "$(ls -a "$work/textfile" "$work/textfile2")"
write_conf true "$work/nonexistent"
call Reload >/dev/null 2>&1
sleep $((3 * ${TEST_SLOWDOWN:-1}))
n=$(grep -c "Metrics not written" "$BUS_DIR/daemon.log")
[ "$n" -eq 1 ] && ok "a missing directory is logged once, not at every interval" ||
	nok "a missing directory is logged once, not at every interval" "$n times"
grep -q "Metrics not written: cannot create a file in $work/nonexistent: No such file or directory (install prometheus-node-exporter" \
	"$BUS_DIR/daemon.log" && ok "the message names the directory and what to do" ||
	nok "the message names the directory and what to do" "$(grep Metrics "$BUS_DIR/daemon.log")"
mkdir "$work/nonexistent"
# The rename comes before the log line: wait for both, or a slow daemon loses the race.
for _ in $(seq $((60 * ${TEST_SLOWDOWN:-1}))); do
	[ -s "$work/nonexistent/xen-dom0.prom" ] && grep -q "Metrics written again" "$BUS_DIR/daemon.log" && break
	sleep 0.05
done
[ -s "$work/nonexistent/xen-dom0.prom" ] && grep -q "Metrics written again" "$BUS_DIR/daemon.log" &&
	ok "once the directory exists the file is written, and that is logged" ||
	nok "once the directory exists the file is written, and that is logged" "$(grep Metrics "$BUS_DIR/daemon.log")"
kill -0 "$DAEMON_PID" 2>/dev/null && ok "the daemon ran on through it" || nok "the daemon ran on through it"
write_conf false "$work/nonexistent"
call Reload >/dev/null 2>&1
[ ! -e "$work/nonexistent/xen-dom0.prom" ] && ok "metrics turned off: the file is removed, not left to go stale" ||
	nok "metrics turned off: the file is removed, not left to go stale"
write_conf true "$work/textfile"
call Reload >/dev/null 2>&1
for _ in $(seq $((60 * ${TEST_SLOWDOWN:-1}))); do [ -s "$tf" ] && break; sleep 0.05; done
daemon_stop
[ ! -e "$tf" ] && ok "the daemon stopping removes the file" || nok "the daemon stopping removes the file"

# ---- 0, 10 and 1,000 guests
for n in 0 10 1000; do
	XEN_DOM0D_BACKEND=fake:$n daemon_start "$conf"
	call GetDomainStats | py "fake:$n: GetDomainStats has $((n + 1)) domains" "len(d['data'][0]) == $((n + 1))"
	metrics openmetrics "$work/n.om"
	metrics prometheus "$work/n.prom"
	[ "$(value "$work/n.om" xen_domains '')" = $((n + 1)) ] && ok "fake:$n: xen_domains $((n + 1))" ||
		nok "fake:$n: xen_domains $((n + 1))" "$(grep '^xen_domains' "$work/n.om")"
	r=$(om_check "$work/n.om" 2>&1) && ok "fake:$n: the OpenMetrics parser accepts it ($r)" ||
		nok "fake:$n: the OpenMetrics parser accepts it" "$r"
	promtool check metrics <"$work/n.prom" >/dev/null 2>&1 && ok "fake:$n: promtool accepts it" ||
		nok "fake:$n: promtool accepts it" "$(promtool check metrics <"$work/n.prom" 2>&1 | head -3)"
	size=$(stat -c %s "$work/n.om")
	[ "$size" -lt $((1 << 20)) ] && ok "fake:$n: $size bytes, under 1 MiB" || nok "fake:$n: under 1 MiB" "$size bytes"
	daemon_stop
done

tap_done
