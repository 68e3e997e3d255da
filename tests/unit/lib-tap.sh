# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# TAP of the unit tier's shell suites, as automake's tap-driver.sh reads it: a numbered line per
# check, "ok N - WHAT" or "not ok N - WHAT", anything else a "# " diagnostic, and the plan
# "1..N" last, from tap_done. A suite that stops before tap_done has no plan and the driver
# counts that as an error, as it does a non-zero exit. Source it, check, end with tap_done.
# Checks must run in the suite's own shell (not in $(...), a pipeline without lastpipe, or a
# background job): the number and the counts live in it, and a check from a subshell would
# repeat a number.

# Sourced twice (by a suite and by lib-bus.sh), it keeps the count.
: "${tap_n:=0}" "${pass:=0}" "${fail:=0}"

# ok WHAT: a check passed.
ok() {
	tap_n=$((tap_n + 1)) pass=$((pass + 1))
	echo "ok $tap_n - $1"
}
# nok WHAT [DIAGNOSTIC...]: a check failed; each DIAGNOSTIC follows it, every line as "# ".
nok() {
	tap_n=$((tap_n + 1)) fail=$((fail + 1))
	echo "not ok $tap_n - $1"
	[ $# -gt 1 ] && printf '%s\n' "${@:2}" | diag
	return 0
}
# skip WHAT WHY: a check that cannot run here; the driver counts it as skipped, not passed.
skip() {
	tap_n=$((tap_n + 1)) pass=$((pass + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}
# diag: stdin as diagnostics. show FILE...: files as diagnostics, indented under the check.
diag() { sed 's/^/# /'; }
show() { sed 's/^/#   /' "$@"; }
# skip_all WHY: nothing of the suite can run here (a tool missing, not root).
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}
# bail WHY: the suite cannot go on (its bus or daemon did not start): no plan, an error.
bail() {
	echo "Bail out! $1"
	exit 99
}
# tap_done: the plan and the counts; the exit status says whether every check passed.
tap_done() {
	echo "1..$tap_n"
	echo "# $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
