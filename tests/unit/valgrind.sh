#!/bin/bash
# LOG_COMPILER for "make check-valgrind": runs a Check suite (or any test binary) under
# valgrind's memcheck, or a shell test with the daemon it starts under memcheck (lib-bus.sh
# puts $XEN_DOM0D_WRAPPER in front of the daemon). Fails on any memory error and on memory
# definitely lost; prints valgrind's report for each process that had one.
#   usage: valgrind.sh TEST [ARGS...]
set -u
test=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 77; }
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
vg=(valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite
	--error-exitcode=1 --suppressions="$here/valgrind.supp" --gen-suppressions=all
	--child-silent-after-fork=yes --log-file="$logs/vg.%p.log")

if [ "$(head -c 4 "$test" 2>/dev/null)" = $'\x7fELF' ]; then
	# Check forks every test by default: keep them in the process valgrind watches.
	CK_FORK=no CK_DEFAULT_TIMEOUT=600 "${vg[@]}" "$test" "$@"
	rc=$?
else
	# The shell tests' daemon: valgrind makes it some twenty times slower, and a smaller load
	# finds the same leaks.
	export XEN_DOM0D_WRAPPER="${vg[*]}"
	export TEST_SLOWDOWN=${TEST_SLOWDOWN:-20}
	export LOAD_CLIENTS=${LOAD_CLIENTS:-10} LOAD_CALLS=${LOAD_CALLS:-100} LOAD_RELOADS=${LOAD_RELOADS:-5}
	"$test" "$@"
	rc=$?
fi

found=0
for log in "$logs"/vg.*.log; do
	[ -e "$log" ] || continue
	if grep -qE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' "$log"; then
		found=1
		echo "# valgrind found errors in process ${log##*/vg.}:"
		sed 's/^/# /' "$log"
	fi
done
n=$(ls "$logs" | wc -l)
echo "# valgrind watched $n process(es): $([ "$found" = 0 ] && echo "no error, nothing definitely lost" || echo "see above")"
[ "$rc" = 0 ] && [ "$found" = 1 ] && rc=1
exit "$rc"
