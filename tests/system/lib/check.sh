# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# TAP checks for system-test scenarios, sourced by scenarios in dom0 and by
# host-side scenarios alike.
#
# A check prints "ok - DESCRIPTION" or "not ok - DESCRIPTION"; the runner
# numbers these lines and prefixes the scenario name. A failed check also
# prints "# " lines with the command, its exit status and its output. Each
# check returns the command's status, so a scenario can stop early:
#   check "the store answers" xenstore-read / || exit 0
#
# Every external command a check runs is bounded by SYSTEST_STEP_TIMEOUT
# seconds (set it for one call with SYSTEST_STEP_TIMEOUT=300 check ...).
# Shell functions run as they are, in a subshell: they are expected to bound
# their own commands (the helpers here and in guests.sh do).

: "${SYSTEST_STEP_TIMEOUT:=60}"
: "${SYSTEST_POLL_INTERVAL:=0.5}"

# diag TEXT...: TAP diagnostics, one "# " line per line of each TEXT.
diag() {
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done < <(printf '%s\n' "$@")
}

# step CMD...: runs one command with the step timeout (external commands
# only; functions run directly).
step() {
	case $(type -t "$1") in
	function | builtin) "$@" ;;
	*) timeout -k 5 "$SYSTEST_STEP_TIMEOUT" "$@" ;;
	esac
}

pass() { printf 'ok - %s\n' "$1"; }

# fail DESCRIPTION [DETAIL...]: a failed check with optional diagnostics.
fail() {
	printf 'not ok - %s\n' "$1"
	shift
	[[ $# -eq 0 ]] || diag "$*"
	return 1
}

# skip DESCRIPTION REASON: a check that could not apply here.
skip() { printf 'ok - %s # SKIP %s\n' "$1" "$2"; }

_systest_status_text() {
	case $1 in
	124 | 137) printf 'timed out after %ss (exit status %s)' "$SYSTEST_STEP_TIMEOUT" "$1" ;;
	*) printf 'exit status %s' "$1" ;;
	esac
}

# _systest_fail_with DESCRIPTION STATUS OUTPUT COMMAND...
_systest_fail_with() {
	local desc=$1 rc=$2 out=$3
	shift 3
	printf 'not ok - %s\n' "$desc"
	diag "command: $*"
	diag "$(_systest_status_text "$rc")"
	[[ -z $out ]] || diag "$(tail -n 40 <<<"$out")"
}

# check DESCRIPTION CMD...: passes when CMD exits 0.
check() {
	local desc=$1 out rc
	shift
	out=$(step "$@" 2>&1) && rc=0 || rc=$?
	if [[ $rc -eq 0 ]]; then
		pass "$desc"
	else
		_systest_fail_with "$desc" "$rc" "$out" "$@"
	fi
	return "$rc"
}

# check_fail DESCRIPTION CMD...: passes when CMD exits non-zero (but does not
# time out).
check_fail() {
	local desc=$1 out rc
	shift
	out=$(step "$@" 2>&1) && rc=0 || rc=$?
	if [[ $rc -ne 0 && $rc -ne 124 && $rc -ne 137 ]]; then
		pass "$desc"
		return 0
	fi
	printf 'not ok - %s\n' "$desc"
	diag "command: $* (expected to fail)"
	diag "$(_systest_status_text "$rc")"
	[[ -z $out ]] || diag "$(tail -n 40 <<<"$out")"
	return 1
}

# check_eq DESCRIPTION EXPECTED CMD...: passes when CMD exits 0 and its
# standard output (trailing newlines removed) is EXPECTED.
check_eq() {
	local desc=$1 want=$2 got rc err
	shift 2
	err=$(mktemp)
	got=$(step "$@" 2>"$err") && rc=0 || rc=$?
	if [[ $rc -eq 0 && $got == "$want" ]]; then
		pass "$desc"
	else
		printf 'not ok - %s\n' "$desc"
		diag "command: $*"
		diag "expected: $want"
		diag "got: $got"
		diag "$(_systest_status_text "$rc")"
		[[ ! -s $err ]] || diag "$(tail -n 20 "$err")"
		[[ $rc -ne 0 ]] || rc=1
	fi
	rm -f "$err"
	return "$rc"
}

# check_match DESCRIPTION REGEX CMD...: passes when CMD exits 0 and a line of
# its output (standard output and error) matches the extended REGEX.
check_match() {
	local desc=$1 re=$2 out rc
	shift 2
	out=$(step "$@" 2>&1) && rc=0 || rc=$?
	if [[ $rc -eq 0 ]] && grep -Eq -- "$re" <<<"$out"; then
		pass "$desc"
		return 0
	fi
	printf 'not ok - %s\n' "$desc"
	diag "command: $*"
	diag "expected a line matching: $re"
	diag "$(_systest_status_text "$rc")"
	[[ -z $out ]] || diag "$(tail -n 40 <<<"$out")"
	[[ $rc -ne 0 ]] || rc=1
	return "$rc"
}

# wait_until SECONDS CMD...: runs CMD every SYSTEST_POLL_INTERVAL seconds
# until it exits 0 (returns 0) or SECONDS have passed (returns 1). No attempt
# runs past the deadline.
wait_until() {
	local limit=$1 deadline left
	shift
	deadline=$((SECONDS + limit))
	while :; do
		left=$((deadline - SECONDS))
		((left > 0)) || left=1
		SYSTEST_STEP_TIMEOUT=$left step "$@" >/dev/null 2>&1 && return 0
		((SECONDS < deadline)) || return 1
		sleep "$SYSTEST_POLL_INTERVAL"
	done
}

# check_wait DESCRIPTION SECONDS CMD...: passes once CMD exits 0 within
# SECONDS; on failure shows the output of one last attempt.
check_wait() {
	local desc=$1 limit=$2 out rc
	shift 2
	if wait_until "$limit" "$@"; then
		pass "$desc"
		return 0
	fi
	out=$(step "$@" 2>&1) && rc=0 || rc=$?
	if [[ $rc -eq 0 ]]; then
		pass "$desc"
		return 0
	fi
	printf 'not ok - %s\n' "$desc"
	diag "command: $*"
	diag "still failing after ${limit}s; last attempt: $(_systest_status_text "$rc")"
	[[ -z $out ]] || diag "$(tail -n 40 <<<"$out")"
	return 1
}

# systest_reboot: asks the runner to reboot the host once this scenario has
# ended (end it soon after: the reboot waits for it). The scenarios after it
# run in the next boot, their results numbered on; SYSTEST_BOOT (1, 2, ...)
# tells a scenario which boot of the run it runs in. Only the GRUB and UEFI
# boots can reboot (tests/system/run --boot grub or uefi); elsewhere this is
# a failed check.
systest_reboot() {
	if [[ ${SYSTEST_CAN_REBOOT:-0} != 1 || -z ${SYSTEST_REBOOT_REQUEST:-} ]]; then
		fail "the host can reboot" "this boot mode cannot reboot the host (tests/system/run --boot grub or uefi can)"
		return 1
	fi
	: >"$SYSTEST_REBOOT_REQUEST" || { fail "the reboot request is recorded" "cannot write $SYSTEST_REBOOT_REQUEST"; return 1; }
	diag "reboot requested: the runner reboots the host once this scenario ends (boot ${SYSTEST_BOOT:-?})"
}
