#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The fleet examples in contrib/: the alerting rules checked and unit-tested by promtool, and
# the unit tests shown to fail when a rule is broken; the scrape config checked; the Ansible
# playbook parsed, its validate command run by the daemon, and its template, rendered with
# the playbook's variables, accepted by the daemon.
set -u
top="${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
bin="${TOP_BUILDDIR:-$top}/daemon/xen-dom0d"
prom="$top/contrib/prometheus"
play="$top/contrib/ansible/xen-dom0.yml"
tpl="$top/contrib/ansible/xen-dom0.conf.j2"
data="$top/tests/data"
. "$top/tests/unit/lib-tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

missing=0
command -v promtool >/dev/null ||
        { nok "promtool is needed (package prometheus, see tools/install-deps)"; missing=1; }
python3 -c 'import yaml' 2>/dev/null ||
        { nok "python3 with yaml is needed (package python3-yaml, see tools/install-deps)"; missing=1; }
[ "$missing" = 0 ] || { tap_done; exit 1; }

# run DESCRIPTION COMMAND...: COMMAND must succeed; its output is shown when it does not.
run() {
        local desc=$1
        shift
        if "$@" >"$tmp/out" 2>&1; then ok "$desc"; else nok "$desc"; show "$tmp/out"; fi
}

for f in "$prom/xen-dom0-alerts.yml" "$prom/xen-dom0-alerts.test.yml" "$prom/scrape.yml" "$play" "$tpl"; do
        if [ "$(head -n 1 "$f")" = "# SPDX-License-Identifier: LGPL-2.1-or-later" ]; then
                ok "${f#"$top"/} starts with its SPDX line"
        else nok "${f#"$top"/}: no SPDX line first"; fi
done

run "promtool check rules xen-dom0-alerts.yml" promtool check rules "$prom/xen-dom0-alerts.yml"
run "the rules: three alerts, each with for, severity, summary and description" python3 -c '
import sys, yaml
rules = [r for g in yaml.safe_load(open(sys.argv[1]))["groups"] for r in g["rules"]]
names = [r.get("alert") for r in rules]
assert names == ["XenDom0StackDegraded", "XenStoreUnresponsive", "XenRebootPending"], names
for r in rules:
    assert r.get("for") and r["labels"].get("severity"), r["alert"]
    assert r["annotations"].get("summary") and r["annotations"].get("description"), r["alert"]
' "$prom/xen-dom0-alerts.yml"
run "promtool test rules xen-dom0-alerts.test.yml" promtool test rules "$prom/xen-dom0-alerts.test.yml"

# The unit tests have teeth: each rule broken in a copy makes promtool test rules fail.
# mutant DESCRIPTION SED-EXPRESSION
mutant() {
        rm -rf "$tmp/mutant" && mkdir "$tmp/mutant"
        cp "$prom/xen-dom0-alerts.test.yml" "$tmp/mutant/"
        sed "$2" "$prom/xen-dom0-alerts.yml" >"$tmp/mutant/xen-dom0-alerts.yml"
        if cmp -s "$prom/xen-dom0-alerts.yml" "$tmp/mutant/xen-dom0-alerts.yml"; then
                nok "mutant '$1': the expression to break was not found"
        elif promtool test rules "$tmp/mutant/xen-dom0-alerts.test.yml" >"$tmp/out" 2>&1; then
                nok "mutant '$1': promtool test rules passed"
        elif grep -q "FAILED:" "$tmp/out"; then
                ok "mutant '$1': promtool test rules fails"
        else
                nok "mutant '$1': promtool failed without a failed test"; show "$tmp/out"
        fi
}
mutant "a failed component ignored" 's/xen_component_state{state="failed"} == 1$/xen_component_state{state="failed"} == 2/'
mutant "degraded after 4 minutes" 's/for: 5m$/for: 4m/'
mutant "store alert on an answering store" 's/xen_store_responsive == 0$/xen_store_responsive == 1/'
mutant "reboot pending after 23 hours" 's/for: 24h$/for: 23h/'
mutant "reboot pending restarted by a missed scrape" 's/last_over_time(xen_reboot_pending\[15m\])/xen_reboot_pending/'

# The scrape config is valid with the rules file next to it (its file_sd glob need not match).
run "promtool check config scrape.yml" promtool check config "$prom/scrape.yml"
run "scrape.yml: 30s interval, node_exporter targets on :9100" python3 -c '
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
assert c["global"]["scrape_interval"] == "30s", c["global"]
assert any(j.get("file_sd_configs") or j.get("static_configs") for j in c["scrape_configs"])
assert ":9100" in open(sys.argv[1]).read()
' "$prom/scrape.yml"

# The playbook: parsed, its template task as documented, its validate command run by the daemon.
run "xen-dom0.yml parses; template to /etc/xen/xen-dom0.conf, root 0644, validate, reload handler" python3 -c '
import sys, yaml
play = yaml.safe_load(open(sys.argv[1]))[0]
t = [t["ansible.builtin.template"] for t in play["tasks"] if "ansible.builtin.template" in t]
assert len(t) == 1, play["tasks"]
t = t[0]
assert t["dest"] == "/etc/xen/xen-dom0.conf" and t["owner"] == "root" and t["mode"] == "0644", t
assert t["validate"].split() == ["xen-dom0d", "--check", "--config", "%s"], t["validate"]
h = [h["ansible.builtin.systemd_service"] for h in play["handlers"]]
assert h == [{"name": "xen-dom0", "state": "reloaded"}], h
' "$play"
validate=$(python3 -c '
import sys, yaml
print(next(t["ansible.builtin.template"]["validate"] for t in yaml.safe_load(open(sys.argv[1]))[0]["tasks"]))
' "$play")
# validate_with FILE: the playbook's validate command on FILE, with the daemon of this build.
# The command is split into words first and %s replaced in them, so that FILE may hold blanks
# (this checkout's path may; Ansible's temporary file does not).
validate_with() {
        local -a words
        local i
        read -ra words <<<"$validate"
        for i in "${!words[@]}"; do words[i]=${words[i]//%s/$1}; done
        words[0]=$bin
        "${words[@]}"
}
run "the validate command accepts a valid file" validate_with "$data/render/full.conf"
# Refused for what is in it: the daemon names the file's errors.
if validate_with "$data/bad/many-errors.conf" >"$tmp/out" 2>&1; then nok "the validate command accepted a bad file"; else
        grep -q "many-errors.conf:[0-9]*:" "$tmp/out" && ok "the validate command refuses a bad file, naming its errors" ||
                { nok "the validate command refuses a bad file, naming its errors"; show "$tmp/out"; }; fi

# The template rendered with the playbook's variables (the few Jinja forms it uses: {{ var }},
# ansible_managed | comment, and if/else/endif lines, which Ansible's trim_blocks removes).
if python3 - "$play" "$tpl" >"$tmp/xen-dom0.conf" 2>"$tmp/err" <<-'EOF'
	import re, sys, yaml
	v = dict(yaml.safe_load(open(sys.argv[1]))[0]["vars"])
	shown = []
	for line in open(sys.argv[2]):
	    m = re.fullmatch(r"\{%-?\s*(if (\w+)|else|endif)\s*-?%\}\s*", line)
	    if m:
	        if m.group(2):
	            shown.append(bool(v[m.group(2)]))
	        elif m.group(1) == "else":
	            shown[-1] = not shown[-1]
	        else:
	            shown.pop()
	        continue
	    if not all(shown):
	        continue
	    line = re.sub(r"\{\{\s*ansible_managed\s*\|\s*comment\s*\}\}", "#\n# Ansible managed\n#", line)
	    line = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: str(v[m.group(1)]), line)
	    if "{{" in line or "{%" in line:
	        sys.exit("unsupported template line: " + line)
	    sys.stdout.write(line)
	EOF
then
        ok "xen-dom0.conf.j2 renders with the playbook's variables"
        if grep -qx "\[metrics\]" "$tmp/xen-dom0.conf" && grep -qx "enable = true" "$tmp/xen-dom0.conf"; then
                ok "the rendered file enables [metrics]"
        else nok "the rendered file does not enable [metrics]"; fi
        if validate_with "$tmp/xen-dom0.conf" >"$tmp/out" 2>&1; then ok "the validate command accepts the rendered template"; else
                nok "the validate command refuses the rendered template"; show "$tmp/out"; cat -n "$tmp/xen-dom0.conf" | show; fi
else
        nok "xen-dom0.conf.j2 does not render"; show "$tmp/err"
fi

tap_done
