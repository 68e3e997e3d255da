# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Runs scenario files under a timeout and turns their TAP lines into the
# run's numbered results. Shared by the dom0 runner (guest/runner) and the
# host side (tests/system/run) so both number and judge checks alike.
#
# The caller defines systest_emit LINE (where a line is shown live) and sets
# SYSTEST_TAP (the file numbered results are appended to) and
# SYSTEST_TIMINGS (the file "scenario NAME SECONDS RESULT" lines go to).
# SYSTEST_ECHO=all shows every output line live, not only results.

systest_total=0 systest_passed=0 systest_failed=0 systest_skipped=0
_systest_last_failed=0 _systest_checks=0 _systest_check_failures=0 _systest_partial=
_systest_start=0 _systest_log=/dev/null

# systest_scenario_timeout FILE DEFAULT: the "# systest-timeout: N" header of
# a scenario, or DEFAULT.
systest_scenario_timeout() {
	local t
	t=$(sed -n '1,40{s/^# systest-timeout:[[:space:]]*\([0-9][0-9]*\).*/\1/p}' "$1" | head -n 1)
	printf '%s\n' "${t:-$2}"
}

# systest_result NAME LINE: records one TAP result line of scenario NAME.
systest_result() {
	local name=$1 line=$2 verdict desc numbered
	if [[ $line =~ ^(not ok|ok)([[:space:]]+-)?[[:space:]]*(.*)$ ]]; then
		verdict=${BASH_REMATCH[1]} desc=${BASH_REMATCH[3]}
	else
		return 1
	fi
	systest_total=$((systest_total + 1))
	_systest_checks=$((_systest_checks + 1))
	numbered="$verdict $systest_total - $name: $desc"
	if [[ $verdict == ok ]]; then
		systest_passed=$((systest_passed + 1)) _systest_last_failed=0
		shopt -s nocasematch
		[[ $desc != *'# SKIP'* ]] || systest_skipped=$((systest_skipped + 1))
		shopt -u nocasematch
	else
		systest_failed=$((systest_failed + 1)) _systest_last_failed=1
		_systest_check_failures=$((_systest_check_failures + 1))
	fi
	printf '%s\n' "$numbered" >>"$SYSTEST_TAP"
	systest_emit "$numbered"
}

_systest_line() {
	local name=$1 line=${2%$'\r'}
	local t=$(((${EPOCHREALTIME/./} - _systest_start) / 100000))
	printf '[%4d.%ds] %s\n' $((t / 10)) $((t % 10)) "$line" >>"$_systest_log"
	if [[ $line =~ ^(not ok|ok)([[:space:]]|$) ]]; then
		systest_result "$name" "$line"
	elif [[ $line == '#'* && $_systest_last_failed -eq 1 ]]; then
		# Diagnostics of a failed check belong to the results too.
		printf '%s\n' "$line" >>"$SYSTEST_TAP"
		systest_emit "$line"
	elif [[ ${SYSTEST_ECHO:-results} == all ]]; then
		systest_emit "$line"
	fi
}

# Feeds the complete lines that arrived on file descriptor $1 since the last
# call; keeps a trailing partial line for the next call.
_systest_follow() {
	local fd=$1 name=$2 line
	while IFS= read -r line <&"$fd"; do
		_systest_line "$name" "$_systest_partial$line"
		_systest_partial=
	done
	_systest_partial+=$line
}

_systest_alive() {
	local state
	# The second field of /proc/PID/stat is "(timeout)": no spaces to split.
	read -r _ _ state _ 2>/dev/null <"/proc/$1/stat" || return 1
	[[ $state != Z ]]
}

# systest_run_scenario NAME FILE LOG TIMEOUT [INTERPRETER...]: runs FILE (with
# bash unless an interpreter is given) in its own session under TIMEOUT
# seconds, its output to LOG with each line's arrival time (seconds since the
# scenario started), results shown as they arrive. A timeout, a non-zero
# exit or a scenario without any check is a failed result of its own. Leftover
# processes of the scenario's process group are killed afterwards.
systest_run_scenario() {
	local name=$1 file=$2 log=$3 limit=$4 pid rc start end secs fd verdict out
	shift 4
	(($# > 0)) || set -- bash
	_systest_checks=0 _systest_check_failures=0 _systest_last_failed=0 _systest_partial=
	start=$(date +%s.%N)
	_systest_start=${EPOCHREALTIME/./} _systest_log=$log
	: >"$log"
	out=$(mktemp)
	setsid timeout -k 10 "$limit" "$@" "$file" >"$out" 2>&1 </dev/null &
	pid=$!
	exec {fd}<"$out"
	while _systest_alive "$pid"; do
		_systest_follow "$fd" "$name"
		sleep 0.5
	done
	wait "$pid" && rc=0 || rc=$?
	_systest_follow "$fd" "$name"
	[[ -z $_systest_partial ]] || _systest_line "$name" "$_systest_partial"
	_systest_partial=
	exec {fd}<&-
	rm -f "$out"
	kill -KILL -- "-$pid" 2>/dev/null || true
	end=$(date +%s.%N)
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

	# A scenario's exit status is that of its last command, often a failed
	# check already reported: only a failure nothing reported counts again.
	verdict=passed
	if [[ $rc -eq 124 || $rc -eq 137 ]] && awk -v s="$secs" -v l="$limit" 'BEGIN { exit !(s + 1 >= l) }'; then
		systest_result "$name" "not ok - timed out after ${limit}s (see its log)"
		verdict=timeout
	elif [[ $rc -ne 0 && $_systest_check_failures -eq 0 ]]; then
		systest_result "$name" "not ok - scenario exited with status $rc (see its log)"
	elif [[ $_systest_checks -eq 0 ]]; then
		systest_result "$name" "not ok - scenario reported no checks"
	fi
	[[ $verdict == timeout || $_systest_check_failures -eq 0 ]] || verdict=failed
	printf 'scenario %s %s %s\n' "$name" "$secs" "$verdict" >>"$SYSTEST_TIMINGS"
	# For the caller's progress line.
	# shellcheck disable=SC2034
	SYSTEST_LAST_SECONDS=$secs SYSTEST_LAST_VERDICT=$verdict
}
