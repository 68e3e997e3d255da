#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Prometheus metrics on a live host: [metrics] enable = true (interval 2 s) reloaded in, the
# daemon keeps replacing its textfile, Debian's node_exporter serves it, and both
# `xen-dom0ctl metrics` and the scrape match the host: the domain count and three guests'
# memory and vCPUs as xl list shows them, one more supervisor restart after a kill -9 of
# xenconsoled, one more refused and one more succeeded reload. The texts are saved for
# promtool on the host (67-metrics.host.sh); the original file is reloaded at the end.
# systest-timeout: 360
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

if ! stack_has_project; then
	skip "xen-dom0d exports Prometheus metrics" "the project is not installed in this image"
	exit 0
fi
conf=/etc/xen/xen-dom0.conf
# The default [metrics] directory: Debian's node_exporter reads its textfiles there.
prom=/var/lib/prometheus/node-exporter/xen-dom0.prom
exporter=prometheus-node-exporter.service
interval=2
guests=(metrics-1 metrics-2 metrics-3)
art=$SYSTEST_ARTIFACTS
mkdir -p "$art"
cp -a "$conf" /tmp/67-metrics.conf.orig
had_prom=0 restored=0 started_exporter=0
[[ ! -e $prom ]] || had_prom=1
cleanup() {
	guests_cleanup
	if ((restored == 0)); then
		cp -a /tmp/67-metrics.conf.orig "$conf"
		timeout 60 xen-dom0ctl --no-pager reload >/dev/null 2>&1 || true
	fi
	((started_exporter == 0)) || timeout 30 systemctl stop "$exporter"
	((had_prom == 1)) || rm -f "$prom"
	rm -f /tmp/67-metrics.conf.orig /tmp/67-metrics.conf.on
}
trap cleanup EXIT

# metric NAME [LABEL="VALUE"...]: the value of the one sample NAME whose labels include every
# LABEL="VALUE" given (values without blanks), in the exposition text (either format) on
# standard input; fails unless exactly one sample matches. Prints plain numbers (node_exporter
# writes 134217728 as 1.34217728e+08).
metric() {
	awk -v name="$1" -v want="${*:2}" '
		BEGIN { n = split(want, w, " ") }
		/^#/ || !NF { next }
		{
			b = index($0, "{"); s = index($0, " ")
			if (b && b < s) {
				e = index($0, "} ")
				sample = substr($0, 1, b - 1); labels = "," substr($0, b + 1, e - b - 1) ","
				rest = substr($0, e + 2)
			} else {
				sample = substr($0, 1, s - 1); labels = ","; rest = substr($0, s + 1)
			}
			if (sample != name) next
			for (i = 1; i <= n; i++) if (!index(labels, "," w[i] ",")) next
			split(rest, v, " "); found++; value = v[1]
		}
		END { if (found != 1) exit 1; printf "%.17g\n", value }'
}
metric_in() { metric "${@:2}" <"$1"; } # metric_in FILE NAME [LABEL="VALUE"...]
ctl() { timeout 30 xen-dom0ctl --no-pager "$@"; }
openmetrics() { ctl metrics; }
prometheus_text() { ctl metrics --format=prometheus; }
# scrape [QUERY]: node_exporter's /metrics (-g: the brackets of "?collect[]=" are no glob).
scrape() { timeout 30 curl -gsSf --max-time 25 "http://localhost:9100/metrics$1"; }
textfile_scrape() { scrape '?collect[]=textfile'; } # only the textfile collector: cheap
mtime() { date -r "$prom" +%s%N; }
prop() { systemctl show -P "$2" "$1"; }

check_wait "the stack is running" 180 stack_manager_is running || exit 0
# Enabled at boot by the package's postinst; started here if it is not running.
diag "$exporter: $(systemctl is-enabled "$exporter" 2>&1) / $(systemctl is-active "$exporter" 2>&1)"
if ! systemctl is-active --quiet "$exporter"; then
	started_exporter=1
	timeout 30 systemctl start "$exporter" # judged below, once its start overlapped the rest
fi

# ---- on, by a reload
printf '\n[metrics]\nenable = true\ninterval = %s\n' "$interval" >>"$conf"
cp -a "$conf" /tmp/67-metrics.conf.on
check "a reload with [metrics] enable = true, interval = $interval succeeds" ctl reload || exit 0
# The guests boot while the textfile is being checked.
create_guests() { local g; for g in "${guests[@]}"; do guest_create "$g" stay || return 1; done; }
check "three guests are created (${guests[*]})" create_guests || exit 0

if check_wait "xen-dom0d writes $prom" 10 test -s "$prom"; then
	exec {old}<"$prom"
	m0=$(mtime)
	rewritten() { local m; m=$(mtime) && ((m > m0)); }
	check_wait "and writes it again within $((2 * interval + 2)) s (its mtime advances)" $((2 * interval + 2)) rewritten
	# Replaced by a rename, the file held open here is unlinked; rewritten in place it is not.
	check_eq "by renaming a new file over it (the old one has no link left)" 0 stat -L -c %h "/proc/$$/fd/$old"
	exec {old}<&-
	check "node_exporter's user (prometheus) may read it" \
		setpriv --reuid=prometheus --regid=prometheus --clear-groups test -r "$prom"
fi

# ---- node_exporter serves it
exporter_ok=0
check_wait "$exporter is active" 30 systemctl is-active --quiet "$exporter" && exporter_ok=1
full_scrape() { scrape >"$art/node-exporter-metrics.txt" && metric_in "$art/node-exporter-metrics.txt" xen_domains; }
if ((exporter_ok)) && check_wait "curl localhost:9100/metrics shows xen_domains" 30 full_scrape; then
	check_eq "and xen_component_state{component=\"xenconsoled\",state=\"active\"} 1" 1 \
		metric_in "$art/node-exporter-metrics.txt" xen_component_state 'component="xenconsoled"' 'state="active"'
	check_eq "node_exporter parsed the textfile (node_textfile_scrape_error 0)" 0 \
		metric_in "$art/node-exporter-metrics.txt" node_textfile_scrape_error
fi

# ---- the domains, against xl list
wait_guests() { local g; for g in "${guests[@]}"; do guest_wait_up "$g" || { echo "$g is not up"; return 1; }; done; }
check "the three guests are up" wait_guests || exit 0
# NAME ID MEM(MiB) VCPUS of every domain, header line excluded
xl_rows() { timeout 20 xl list | awk 'NR > 1 { print $1, $2, $3, $4 }'; }
xl_col() { awk -v g="$2" -v c="$3" '$1 == g { print $c }' "$1.xl"; } # xl_col FILE GUEST COLUMN
# mem_near FILE GUEST: the guest's xen_domain_memory_bytes is xl list's MiB within 1 MiB.
mem_near() {
	local bytes mib
	bytes=$(metric_in "$1" xen_domain_memory_bytes "domain=\"$2\"") mib=$(xl_col "$1" "$2" 3)
	awk -v b="$bytes" -v m="$mib" 'BEGIN { d = b - m * 1048576; exit !(b != "" && m != "" && d <= 1048576 && d >= -1048576) }' ||
		{ echo "xen_domain_memory_bytes{domain=\"$2\"} is '$bytes', xl list shows '$mib' MiB"; return 1; }
}
vcpus_eq() { [[ $(metric_in "$1" xen_domain_vcpus "domain=\"$2\"") == "$(xl_col "$1" "$2" 4)" ]]; }
# agrees SOURCE FILE: saves SOURCE's text to FILE and xl list to FILE.xl; succeeds when they
# agree on everything compare checks.
agrees() {
	local g
	xl_rows >"$2.xl" && "$1" >"$2" || return 1
	[[ $(metric_in "$2" xen_domains) == "$(wc -l <"$2.xl")" ]] || return 1
	for g in "${guests[@]}"; do mem_near "$2" "$g" >/dev/null && vcpus_eq "$2" "$g" || return 1; done
}
# compare WHAT FILE: one check per value, on the texts agrees saved last.
compare() {
	local what=$1 file=$2 g
	check_eq "$what: xen_domains is the number of domains xl list shows" "$(wc -l <"$file.xl")" \
		metric_in "$file" xen_domains
	for g in "${guests[@]}"; do
		check "$what: xen_domain_memory_bytes of $g is xl list's $(xl_col "$file" "$g" 3) MiB (within 1 MiB)" \
			mem_near "$file" "$g"
		check_eq "$what: xen_domain_vcpus of $g is xl list's VCPUs" "$(xl_col "$file" "$g" 4)" \
			metric_in "$file" xen_domain_vcpus "domain=\"$g\""
	done
}
wait_until 15 agrees openmetrics "$art/xen-dom0ctl-metrics.txt"
compare "xen-dom0ctl metrics" "$art/xen-dom0ctl-metrics.txt"
diag "xl list: $(tr '\n' ';' <"$art/xen-dom0ctl-metrics.txt.xl")"
check_eq "xen-dom0ctl metrics is OpenMetrics text (its last line is # EOF)" "# EOF" \
	tail -n 1 "$art/xen-dom0ctl-metrics.txt"
# The texts promtool checks on the host.
cp "$prom" "$art/xen-dom0.prom"
prometheus_text >"$art/xen-dom0ctl-metrics.prom"
families() { grep '^# TYPE ' "$1" | sort; }
check_eq "xen-dom0ctl metrics --format=prometheus declares the textfile's families" \
	"$(families "$art/xen-dom0.prom")" families "$art/xen-dom0ctl-metrics.prom"
# node_exporter reads the file at each scrape: the values after the next write.
if ((exporter_ok)) && check_wait "node_exporter's scrape agrees with xl list" $((6 * interval)) \
	agrees textfile_scrape "$art/node-exporter-textfile.txt"; then
	compare "node_exporter" "$art/node-exporter-textfile.txt"
fi

# ---- a supervisor restart of xenconsoled counts one
restarts() { openmetrics | metric xen_component_restarts_total 'component="xenconsoled"'; }
n0=$(restarts) old=$(prop xenconsoled.service MainPID)
if check "xen_component_restarts_total{component=\"xenconsoled\"} is exported (${n0:-absent})" test -n "$n0" &&
	check "xenconsoled runs (MainPID ${old:-none})" test "${old:-0}" -gt 0; then
	t_kill=$(date +%s)
	kill -9 "$old"
	healed() { local p; p=$(prop xenconsoled.service MainPID); [[ $p != 0 && $p != "$old" ]] && systemctl is-active --quiet xenconsoled.service; }
	check_wait "xenconsoled is healed after kill -9" 15 healed
	active_metric() { [[ $(openmetrics | metric xen_component_state 'component="xenconsoled"' 'state="active"') == 1 ]]; }
	check_wait "xen_component_state says xenconsoled is active again" 15 active_metric
	restarts_are() { local n; n=$(restarts); [[ $n == "$1" ]] || { echo "xen_component_restarts_total is '$n'"; return 1; }; }
	check_wait "xen_component_restarts_total{component=\"xenconsoled\"} went from $n0 to $((n0 + 1))" 10 restarts_are $((n0 + 1))
	restarted_since() {
		local t
		t=$(openmetrics | metric xen_component_last_restart_timestamp_seconds 'component="xenconsoled"')
		awk -v t="$t" -v a="$1" -v b="$(date +%s)" 'BEGIN { exit !(t != "" && t >= a && t <= b + 1) }' ||
			{ echo "xen_component_last_restart_timestamp_seconds is '$t', the kill was at $1"; return 1; }
	}
	check "xen_component_last_restart_timestamp_seconds is the time of that restart" restarted_since "$t_kill"
fi

# ---- a refused reload counts one, the reload after it one succeeded
reloads_of() { # reloads_of: "succeeded=N refused=N failed=N" of the text on standard input
	local text r
	text=$(cat)
	for r in succeeded refused failed; do printf '%s=%s ' "$r" "$(metric xen_reloads_total "result=\"$r\"" <<<"$text")"; done
}
reloads_are() { local got; got=$(openmetrics | reloads_of); [[ $got == "$1" ]] || { echo "got: $got"; return 1; }; }
text=$(openmetrics)
s0=$(metric xen_reloads_total 'result="succeeded"' <<<"$text")
r0=$(metric xen_reloads_total 'result="refused"' <<<"$text")
f0=$(metric xen_reloads_total 'result="failed"' <<<"$text")
all_set() { local v; for v; do [[ -n $v ]] || return 1; done; }
if check "xen_reloads_total is exported for succeeded, refused, failed (${s0:-?} ${r0:-?} ${f0:-?})" all_set "$s0" "$r0" "$f0"; then
	printf '\n[xen]\nbogusKey = 1\n' >>"$conf"
	check_fail "a reload of the file with bogusKey = 1 under [xen] fails" ctl reload
	want="succeeded=$s0 refused=$((r0 + 1)) failed=$f0 "
	check_wait "xen_reloads_total{result=\"refused\"} went from $r0 to $((r0 + 1))" 10 reloads_are "$want"
	cp -a /tmp/67-metrics.conf.on "$conf"
	check "the file without it reloads" ctl reload
	want="succeeded=$((s0 + 1)) refused=$((r0 + 1)) failed=$f0 "
	check_wait "xen_reloads_total{result=\"succeeded\"} went from $s0 to $((s0 + 1))" 10 reloads_are "$want"
	counters_served() {
		local text n r
		text=$(textfile_scrape) || return 1
		n=$(metric xen_component_restarts_total 'component="xenconsoled"' <<<"$text") r=$(reloads_of <<<"$text")
		[[ $n == $((n0 + 1)) && $r == "$want" ]] || { echo "xenconsoled restarts: $n; reloads: $r"; return 1; }
	}
	if ((exporter_ok)) && [[ -n $n0 ]]; then
		check_wait "node_exporter serves both new counts" $((6 * interval)) counters_served
	fi
fi

# ---- off again: the original file, exactly
cp -a /tmp/67-metrics.conf.orig "$conf"
check "the original file reloads (metrics off)" ctl reload && restored=1
destroy_guests() { local g; for g in "${guests[@]}"; do guest_destroy "$g" && guest_wait_gone "$g" 30 || return 1; done; }
check "the three guests are destroyed" destroy_guests
# Turned off, the file goes: left in place, node_exporter would serve its last values as current.
prom_gone() { [[ ! -e $prom ]]; }
check_wait "with metrics off, xen-dom0d removed $prom" $((2 * interval)) prom_gone
