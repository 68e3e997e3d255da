#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon binary's offline modes, run as an administrator would run them.
set -u
bin="${TOP_BUILDDIR:?}/daemon/xen-dom0d"
data="${TOP_SRCDIR:?}/tests/data"
. "${TOP_SRCDIR:?}/tests/unit/lib-tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() { # expect DESCRIPTION EXPECTED-EXIT COMMAND...
        local desc=$1 want=$2 rc
        shift 2
        "$@" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        if [ "$rc" -eq "$want" ]; then ok "$desc"; else nok "$desc (exit $rc, wanted $want)"; show "$tmp/out" "$tmp/err"; fi
}
contains() { # contains DESCRIPTION FILE TEXT
        if grep -qF -- "$3" "$2"; then ok "$1"; else nok "$1: no '$3' in:"; show "$2"; fi
}

expect "--help exits 0" 0 "$bin" --help
contains "--help names --check" "$tmp/out" "--check"
expect "--version exits 0" 0 "$bin" --version
contains "--version prints the version" "$tmp/out" "xen-dom0d "
expect "an unknown option is a usage error" 2 "$bin" --bogus
expect "two modes at once are refused" 2 "$bin" --check --dump-config

expect "--check accepts a valid file" 0 "$bin" --check --config "$data/render/nixos-wiki.conf"
contains "--check says valid" "$tmp/out" "configuration is valid"

expect "--check rejects a bad file" 1 "$bin" --check --config "$data/bad/many-errors.conf"
contains "--check reports with file and line" "$tmp/err" "many-errors.conf:2: xen.debug: \"maybe\" is not a boolean"
contains "--check reports every error" "$tmp/err" "many-errors.conf:7: bridge.name: removed"
contains "--check counts the errors" "$tmp/err" "5 errors, configuration rejected"
expect "--check of a missing file fails" 1 "$bin" --check --config "$tmp/nonexistent.conf"
contains "--check names the missing file" "$tmp/err" "nonexistent.conf: cannot open: No such file or directory"

# SYSTEMD_LOG_LEVEL, read by the daemon mode (a missing file ends it at once, exit 78)
lacks() { # lacks DESCRIPTION FILE TEXT
        if grep -qF -- "$3" "$2"; then nok "$1: '$3' in:"; show "$2"; else ok "$1"; fi
}
expect "the daemon with a missing file exits 78" 78 env -u SYSTEMD_LOG_LEVEL "$bin" --config "$tmp/nonexistent.conf"
lacks "no debug line by default" "$tmp/err" "<7>"
contains "errors are logged at level 3" "$tmp/err" "<3>$tmp/nonexistent.conf: cannot open"
expect "SYSTEMD_LOG_LEVEL=debug" 78 env SYSTEMD_LOG_LEVEL=debug "$bin" --config "$tmp/nonexistent.conf"
contains "SYSTEMD_LOG_LEVEL=debug logs the start at level 7" "$tmp/err" "<7>xen-dom0d "
expect "SYSTEMD_LOG_LEVEL=7" 78 env SYSTEMD_LOG_LEVEL=7 "$bin" --config "$tmp/nonexistent.conf"
contains "SYSTEMD_LOG_LEVEL=7 is debug too" "$tmp/err" "<7>xen-dom0d "
expect "SYSTEMD_LOG_LEVEL=crit" 78 env SYSTEMD_LOG_LEVEL=crit "$bin" --config "$tmp/nonexistent.conf"
lacks "SYSTEMD_LOG_LEVEL=crit hides the errors" "$tmp/err" "<3>"
expect "SYSTEMD_LOG_LEVEL=loud" 78 env SYSTEMD_LOG_LEVEL=loud "$bin" --config "$tmp/nonexistent.conf"
contains "a bad SYSTEMD_LOG_LEVEL is named and ignored" "$tmp/err" "<4>Ignoring SYSTEMD_LOG_LEVEL=loud"
contains "a bad SYSTEMD_LOG_LEVEL leaves the default level" "$tmp/err" "<3>$tmp/nonexistent.conf: cannot open"
expect "SYSTEMD_LOG_LEVEL=8" 78 env SYSTEMD_LOG_LEVEL=8 "$bin" --config "$tmp/nonexistent.conf"
contains "SYSTEMD_LOG_LEVEL=8 is out of range" "$tmp/err" "Ignoring SYSTEMD_LOG_LEVEL=8"
# On a terminal a person reads the lines: no "<N>" before them (script(1) gives one).
if command -v script >/dev/null; then
        expect "the daemon on a terminal, a missing file: exit 78" 78 \
                env -u JOURNAL_STREAM script -qec "'$bin' --config '$tmp/nonexistent.conf'" /dev/null
        contains "on a terminal the error is shown" "$tmp/out" "$tmp/nonexistent.conf: cannot open"
        lacks "on a terminal no <3> before it" "$tmp/out" "<3>"
else
        nok "script(1) is missing (package bsdutils): the terminal checks cannot run"
fi
# No system bus: the start fails naming the bus and its address, once.
expect "the daemon without a system bus exits 1" 1 env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/no-bus" \
        "$bin" --config "$data/render/nixos-wiki.conf"
contains "... naming the system bus and its address" "$tmp/err" \
        "<3>Failed to connect to the system bus at unix:path=$tmp/no-bus (is dbus.service running?): No such file or directory"
lacks "... without a bare 'Exiting: No such file or directory' after it" "$tmp/err" "Exiting"

# every bad corpus file fails --check
bad_ok=1
for f in "$data"/bad/*.conf; do
        if "$bin" --check --config "$f" >/dev/null 2>&1; then bad_ok=0; echo "# accepted: $f"; fi
done
[ $bad_ok = 1 ] && ok "--check exits non-zero for every file of the bad corpus" || nok "bad corpus accepted"

expect "--render writes the set" 0 "$bin" --render "$tmp/root" --config "$data/render/nixos-wiki.conf"
contains "--render reports what it wrote, under DIR" "$tmp/out" "wrote $tmp/root/etc/default/grub.d/xen-dom0.cfg"
expect "--render into a relative DIR" 0 sh -c 'cd "$1" && exec "$2" --render relout/ --config "$3"' sh "$tmp" "$bin" \
        "$data/render/nixos-wiki.conf"
contains "... reports the paths under DIR, made absolute" "$tmp/out" \
        "wrote $(cd "$tmp" && pwd -P)/relout/run/xen-dom0/oxenstored.conf"
[ -f "$tmp/root/run/xen-dom0/oxenstored.conf" ] && ok "--render wrote oxenstored.conf under the root" || nok "no oxenstored.conf"
grep -q 'dom0_mem=1024M,max:4096M' "$tmp/root/etc/default/grub.d/xen-dom0.cfg" && ok "--render grub params" || nok "grub params"
find "$tmp/root" -printf '%p %s %T@\n' | sort >"$tmp/before"
expect "--render again succeeds" 0 "$bin" --render "$tmp/root" --config "$data/render/nixos-wiki.conf"
contains "--render again changes nothing" "$tmp/out" "0 of 10 files changed"
find "$tmp/root" -printf '%p %s %T@\n' | sort >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && ok "a second --render leaves every mtime alone" || nok "mtimes moved"

expect "--render of a bad file fails" 1 "$bin" --render "$tmp/root" --config "$data/bad/assert-memory.conf"
contains "--render says nothing was written" "$tmp/err" "configuration rejected, nothing written"
find "$tmp/root" -printf '%p %s %T@\n' | sort >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && ok "a failed --render leaves the target exactly as it was" || nok "target changed"

mkdir -p "$tmp/foreign/etc/modprobe.d"
echo "options loop max_loop=8" >"$tmp/foreign/etc/modprobe.d/xen-dom0.conf"
expect "--render over a foreign file" 0 "$bin" --render "$tmp/foreign" --config "$data/render/defaults.conf"
grep -qx "options loop max_loop=8" "$tmp/foreign/etc/modprobe.d/xen-dom0.conf.xen-dom0-orig" &&
        ok "the foreign file is kept as .xen-dom0-orig" || nok "foreign file lost"
echo "options loop max_loop=16" >"$tmp/foreign/etc/modprobe.d/xen-dom0.conf"
expect "--render over a second foreign version" 0 "$bin" --render "$tmp/foreign" --config "$data/render/defaults.conf"
grep -qx "options loop max_loop=16" "$tmp/foreign/etc/modprobe.d/xen-dom0.conf.xen-dom0-orig.1" &&
        grep -qx "options loop max_loop=8" "$tmp/foreign/etc/modprobe.d/xen-dom0.conf.xen-dom0-orig" &&
        ok "the second foreign version is kept as .xen-dom0-orig.1, the first stays" || nok "a foreign version lost"
contains "--render says where it kept it" "$tmp/out" "xen-dom0.conf as $tmp/foreign/etc/modprobe.d/xen-dom0.conf.xen-dom0-orig.1"

# --render never writes into the running system: an empty DIR, or one that resolves to /, is a
# usage error, found before the file is read. Here the file is one that is refused anyway, so
# that a binary without the check writes nothing either: it exits 1 instead of 2.
ln -s / "$tmp/rootlink"
for d in "" / /. // /// /tmp/.. "$tmp/../.." "$tmp/rootlink" "$tmp/rootlink/." /nonexistent-xen-dom0d-test/.. \
        "$tmp/new/../../.."; do
        expect "--render='$d' is a usage error" 2 "$bin" --render="$d" --config "$data/bad/many-errors.conf"
done
contains "--render=DIR that resolves to / is named" "$tmp/err" "/../.. resolves to /: --render writes under a directory prefix"
expect "--render=. in / is a usage error" 2 sh -c 'cd / && exec "$1" --render=. --config "$2"' sh "$bin" \
        "$data/bad/many-errors.conf"
expect "--render with an empty DIR is a usage error" 2 "$bin" --render "" --config "$data/bad/many-errors.conf"
contains "--render with an empty DIR says so" "$tmp/err" "--render needs a directory to write under"
[ ! -e /nonexistent-xen-dom0d-test ] && [ ! -e "$tmp/new" ] && ok "refusing --render created no directory" ||
        nok "refusing --render created a directory"
expect "--render under a directory still to be created" 0 "$bin" --render "$tmp/new/./a/../b" \
        --config "$data/render/defaults.conf"
[ -f "$tmp/new/b/etc/default/grub.d/xen-dom0.cfg" ] && ok "--render wrote under the directory it resolved to" ||
        nok "--render did not write under $tmp/new/b"

# The same with a valid file, where the running system's /etc and /run are scratch file systems
# of a mount namespace of their own: nothing may appear there, and --render-host writes there.
live="/etc /run"
in_sandbox() { # in_sandbox COMMAND...: runs it with tmpfs over $live, then lists the files there
        unshare --mount --propagation private sh -c '
                for d in '"$live"'; do mount -t tmpfs tmpfs "$d" || exit 99; done
                "$@" >/dev/null 2>&1
                echo "exit $?"
                find '"$live"' -type f' sh "$@"
}
if [ "$(id -u)" -eq 0 ] && unshare --mount --propagation private true 2>/dev/null; then
        for d in "" / /. "$tmp/../.." "$tmp/rootlink"; do
                out=$(in_sandbox "$bin" --render="$d" --config "$data/render/nixos-wiki.conf")
                if [ "$out" = "exit 2" ]; then ok "--render='$d' with a valid file writes nothing into the system"; else
                        nok "--render='$d' with a valid file: $out"; fi
        done
        out=$(in_sandbox "$bin" --render-host --config "$data/render/nixos-wiki.conf")
        case $out in
        "exit 0"*/etc/default/grub.d/xen-dom0.cfg*/run/xen-dom0/xendomains*) ok "--render-host writes into the system" ;;
        *) nok "--render-host: $out" ;;
        esac
else
        for d in "" / /. "$tmp/../.." "$tmp/rootlink"; do
                skip "--render='$d' with a valid file writes nothing into the system" "needs root and unshare"
        done
        skip "--render-host writes into the system" "needs root and unshare"
fi
expect "--render-host follows XEN_DOM0D_ROOT as the daemon does" 0 env XEN_DOM0D_ROOT="$tmp/host" "$bin" \
        --render-host --config "$data/render/nixos-wiki.conf"
[ -f "$tmp/host/run/xen-dom0/xendomains" ] && ok "--render-host wrote under XEN_DOM0D_ROOT" ||
        nok "--render-host did not write under XEN_DOM0D_ROOT"
contains "--render-host reports the paths where it wrote them" "$tmp/out" "wrote $tmp/host/run/xen-dom0/xendomains"
expect "--render-host takes no directory" 2 "$bin" --render-host=/tmp --config "$data/render/nixos-wiki.conf"

expect "--dump-config succeeds" 0 "$bin" --dump-config --config "$data/render/trace-debug.conf"
follows() { # follows DESCRIPTION FILE LINE NEXT-LINE
        if awk -v a="$3" -v b="$4" 'prev == a && $0 == b { found = 1 } { prev = $0 } END { exit !found }' "$2"; then
                ok "$1"; else nok "$1: no '$3' followed by '$4' in:"; show "$2"; fi
}
follows "--dump-config marks explicit values" "$tmp/out" "; set on line 2" "debug = true"
follows "--dump-config marks defaults" "$tmp/out" "; default" "maxSize = 2048"
contains "--dump-config shows a dependent default commented out, not pinned" "$tmp/out" \
        "# testEAGAIN = true  (derived: same as xen.debug)"
cp "$tmp/out" "$tmp/dump.conf"
expect "the dump is itself a valid configuration" 0 "$bin" --check --config "$tmp/dump.conf"
# A dump of the defaults, then debug turned on: trace follows debug, as in the original file.
expect "--dump-config of the defaults" 0 "$bin" --dump-config --config "$data/render/defaults.conf"
sed 's/^debug = false$/debug = true/' "$tmp/out" >"$tmp/dump.conf"
expect "a dump edited to debug = true is valid: trace was not pinned to false" 0 \
        "$bin" --check --config "$tmp/dump.conf"
expect "and its trace follows debug" 0 "$bin" --dump-config --config "$tmp/dump.conf"
contains "and its trace follows debug (true)" "$tmp/out" "# trace = true  (derived: same as xen.debug)"

# A missing file names what writes one; "-" is standard input, for the offline modes only.
expect "a missing file is refused" 1 "$bin" --check --config "$tmp/missing.conf"
contains "a missing file: the message says how to write one" "$tmp/err" \
        "$tmp/missing.conf: cannot open: No such file or directory (to start one with every option at its default: xen-dom0d --print-template > $tmp/missing.conf)"
expect "--check --config - reads standard input" 0 sh -c '"$1" --check --config - <"$2"' sh "$bin" "$data/render/nixos-wiki.conf"
contains "--check --config - names it <stdin>" "$tmp/out" "<stdin>: configuration is valid"
expect "--check --config - from a pipe, with an error" 1 sh -c 'printf "[xen]\ndebgu = true\n" | "$1" --check -c -' sh "$bin"
contains "the error names <stdin> and its line" "$tmp/err" "<stdin>:2: xen.debgu: unknown key (did you mean debug?)"
expect "--check --config - from /dev/null, a device" 1 sh -c '"$1" --check -c - </dev/null' sh "$bin"
contains "... is no terminal, and said so" "$tmp/err" "<stdin>: is a device, not a file: give the file on standard input"
expect "--dump-config --config - reads standard input" 0 sh -c '"$1" --dump-config -c - <"$2"' sh "$bin" "$data/render/trace-debug.conf"
follows "--dump-config --config - dumps what it read" "$tmp/out" "; set on line 2" "debug = true"
expect "the daemon refuses --config -: it reads its file again at every reload" 2 "$bin" --config -
contains "and says why" "$tmp/err" "--config=- (standard input) is for --check, --dump-config and --render"

expect "--print-template succeeds" 0 "$bin" --print-template
cmp -s "$tmp/out" "${TOP_SRCDIR}/conf/xen-dom0.conf" && ok "the template is the shipped conf file" || nok "conf/xen-dom0.conf is stale"

expect "--print-man-options succeeds" 0 "$bin" --print-man-options
sed -n '/^\.\\" BEGIN OPTIONS/,/^\.\\" END OPTIONS/p' "${TOP_SRCDIR}/man/xen-dom0.conf.5" | sed '1d;$d' >"$tmp/man-options"
cmp -s "$tmp/out" "$tmp/man-options" && ok "the options of xen-dom0.conf(5) are the option table's" ||
        nok "man/xen-dom0.conf.5 is stale: replace its OPTIONS part with xen-dom0d --print-man-options"

# every man page formats without a warning from groff, as lintian reads them
if command -v man >/dev/null && command -v groff >/dev/null; then
        for page in "${TOP_SRCDIR}"/man/*.[1-8]; do
                if w=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null) &&
                        [ -z "$w" ]; then
                        ok "$(basename "$page") formats without a groff warning"
                else
                        nok "$(basename "$page") formats without a groff warning"
                        printf '%s\n' "$w" | show
                fi
        done
else
        skip "the man pages' groff warnings" "man or groff is not installed"
fi

# every MESSAGE_ID the daemon logs is explained in the journal catalog, and nothing else is
ids=$(sed -nE 's/^#define MESSAGE_[A-Z_]+ +"([0-9a-f]{32})"$/\1/p' "${TOP_SRCDIR}/daemon/log.h" | sort)
cat_ids=$(sed -nE 's/^-- ([0-9a-f]{32})$/\1/p' "${TOP_SRCDIR}/catalog/xen-dom0d.catalog" | sort)
[ -n "$ids" ] && [ "$ids" = "$cat_ids" ] && ok "the journal catalog explains exactly the daemon's message IDs" ||
        nok "catalog and daemon/log.h disagree"


# The JSON schema and xen-dom0ctl(1)'s JSON OUTPUT name the same keys, each in bold there.
python3 - "${TOP_SRCDIR}/schemas/xen-dom0ctl.schema.json" "${TOP_SRCDIR}/man/xen-dom0ctl.1" >"$tmp/json-keys" 2>&1 <<'EOF2' &&
import json, re, sys
schema = json.load(open(sys.argv[1]))
keys = set()
def walk(v):
    if isinstance(v, dict):
        keys.update(v.get("properties", {}))
        for x in v.values():
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(schema["$defs"])
man = open(sys.argv[2]).read()
section = man[man.index(".SH JSON OUTPUT"):man.index(".SH EXIT STATUS")]
bold = set()
for line in section.splitlines():
    if line.startswith(".B "):
        bold.add(line[3:].split()[0])
    elif line.startswith(".BR "):
        bold.add(line[4:].split()[0])
missing = sorted(keys - bold)
print("not in the man page:", missing)
sys.exit(1 if missing else 0)
EOF2
	ok "every key of the JSON schema is documented in xen-dom0ctl(1)" ||
	nok "the JSON schema and xen-dom0ctl(1) disagree" "$(cat "$tmp/json-keys")"

# Every command of xen-dom0ctl --help has its line in the SYNOPSIS of xen-dom0ctl(1).
commands=$("${TOP_BUILDDIR}/daemon/xen-dom0ctl" --help | sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]/ { print $1 }')
synopsis=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "${TOP_SRCDIR}/man/xen-dom0ctl.1" |
        sed -nE 's/^\.R?B (\[ )?([a-z\\-]+).*/\2/p' | sed 's/\\-/-/g')
missing=""
for c in $commands; do
        grep -qxF -- "$c" <<<"$synopsis" || missing="$missing $c"
done
[ -n "$commands" ] && [ -z "$missing" ] && ok "every command of xen-dom0ctl --help is in the SYNOPSIS of xen-dom0ctl(1)" ||
        nok "the SYNOPSIS of xen-dom0ctl(1) lacks:$missing"

tap_done
