#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bad configuration corpus (tests/data/bad), every file as a reload of the live host:
# each reload fails with the corpus' expected errors, and nothing changes on disk or in the
# running stack (rendered files byte-identical, no component restarted, the guest untouched,
# the same configuration live). Then a missing file and a directory in place of the file.
# systest-timeout: 900
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"

corpus=${SYSTEST_CORPUS:-$SYSTEST_LIB/../data/bad}
if ! stack_has_project; then
	skip "bad files as reloads" "the project is not installed in this image"
	exit 0
fi
if ! compgen -G "$corpus/*.conf" >/dev/null; then
	fail "the bad configuration corpus is in the image" "nothing at $corpus"
	exit 0
fi
conf=/etc/xen/xen-dom0.conf
cp -a "$conf" /tmp/bad-reloads.conf.orig
cleanup() {
	rm -rf "$conf"
	cp -a /tmp/bad-reloads.conf.orig "$conf"
	guests_cleanup
}
trap cleanup EXIT

prop() { systemctl show -P "$2" "$1"; }
manager_prop() { busctl get-property org.xenproject.Dom0 /org/xenproject/Dom0 org.xenproject.Dom0.Manager "$1"; }
state() { systemctl show -p Id,MainPID,ActiveEnterTimestampMonotonic xenstored.service xenconsoled.service \
	xen-qemu-dom0-disk-backend.service xen-watchdog.service xendomains.service xen-init-dom0.service proc-xen.mount; }

check_wait "the stack is running" 180 systemctl is-active --quiet xen-dom0.service || exit 0
check "a guest runs" guest_create bad-guest stay || exit 0
check "the guest printed its marker" guest_wait_up bad-guest || exit 0
domid=$(xl domid bad-guest)
sums=$(stack_rendered_sums) before=$(state) config=$(xen-dom0ctl --no-pager config) loaded=$(manager_prop ConfigLoadedTimestamp)

tried=0 refused=0 exact=0 changed=0
mismatch=()
t_loop=$(date +%s%N)
for f in "$corpus"/*.conf; do
	name=$(basename "$f" .conf)
	cp "$f" "$conf"
	tried=$((tried + 1))
	if out=$(timeout 60 xen-dom0ctl --no-pager reload 2>&1); then
		mismatch+=("$name: the reload succeeded")
		continue
	fi
	refused=$((refused + 1))
	# every expected error (warnings aside: a refused reload reports its errors)
	missing=$(while IFS= read -r want; do [[ -z $want ]] || grep -qF -- "$want" <<<"$out" || echo "$want"; done \
		<<<"$(grep -v ': warning: ' "${f%.conf}.err")")
	if [[ -z $missing ]]; then exact=$((exact + 1)); else mismatch+=("$name: missing '$missing' in: $out"); fi
	# Files after each reload; the processes once at the end (a restarted one keeps its new
	# PID, so one look at the end sees every restart).
	if [[ $(stack_rendered_sums) != "$sums" ]]; then
		changed=$((changed + 1))
		mismatch+=("$name: a rendered file changed")
	fi
done
diag "$tried refused reloads with their checks in $((($(date +%s%N) - t_loop) / 1000000)) ms"
check_eq "every corpus file ($tried) is refused as a reload" "$tried" echo "$refused"
check_eq "every refusal names exactly the corpus' expected errors" "$tried" echo "$exact"
check_eq "no refused reload changed a rendered file" 0 echo "$changed"
((${#mismatch[@]} == 0)) || diag "${mismatch[@]}"

# What only xl finds, with the hypervisor: a disk specification libxlutil's reader lets through
# and "xl -N create" refuses. The daemon runs xl's dry run before it takes the settings.
cp -a /tmp/bad-reloads.conf.orig "$conf"
cat >>"$conf" <<EOF
[guests.xlbad]
autostart = false
[guests.xlbad.settings]
type = "pv"
kernel = "$SYSTEST_GUEST_KERNEL"
memory = 64
disk = [ "format=qcow9, vdev=xvda, target=/dev/null" ]
EOF
disk_line=$(grep -n '^disk = ' "$conf" | cut -d: -f1)
out=$(timeout 120 xen-dom0ctl --no-pager reload 2>&1) && rc=0 || rc=$?
check "a reload with a disk specification xl refuses fails" test "$rc" -ne 0
check "and names the setting at its line, with xl's message" \
	grep -qF -- "$conf:$disk_line: guests.xlbad.settings.disk: xl -N create refuses it: " <<<"$out"
diag "xl's refusal: $(grep -F 'guests.xlbad' <<<"$out" | head -n 1)"
check_match "xen-dom0ctl diff says the same" "guests\.xlbad\.settings\.disk: xl -N create refuses it" \
	bash -c 'timeout 120 xen-dom0ctl --no-pager diff 2>&1; true'
check "xl ran in the daemon: its verdict is in the journal" \
	bash -c 'journalctl -b -u xen-dom0.service -o cat | grep -qF "Guest xlbad: xl -N create refuses its settings"'
check "the refused guest's file is not written" test ! -e /run/xen-dom0/guests/xlbad.cfg
tried=$((tried + 1)) refused=$((refused + 1))
check_eq "no rendered file changed" "$sums" stack_rendered_sums

# No file at all, and a directory where the file should be.
rm -f "$conf"
check_fail "a reload with the file missing fails" timeout 60 xen-dom0ctl --no-pager reload
check_match "and says so" 'No such file or directory' bash -c 'timeout 60 xen-dom0ctl --no-pager reload 2>&1; true'
mkdir "$conf"
check_fail "a reload with a directory in place of the file fails" timeout 60 xen-dom0ctl --no-pager reload
check_match "and says so" '[Ii]s a directory' bash -c 'timeout 60 xen-dom0ctl --no-pager reload 2>&1; true'
rmdir "$conf"

check_eq "after $((tried + 2)) refused reloads, the rendered files are byte-identical" "$sums" stack_rendered_sums
check_eq "no component was restarted" "$before" state
check_eq "the configuration live is the one loaded before" "$loaded" manager_prop ConfigLoadedTimestamp
check_eq "and reads the same" "$config" xen-dom0ctl --no-pager config
check_eq "the manager is running" 's "running"' manager_prop State
check_eq "the guest keeps its domid" "$domid" xl domid bad-guest
cp -a /tmp/bad-reloads.conf.orig "$conf"
check "the original file reloads" xen-dom0ctl --no-pager reload
diag "bad reloads tried: $((tried + 2)), refused: $((refused + 2))"
