#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# LOG_COMPILER for "make check-valgrind": runs one test of the unit tier with every program of
# the project in it under valgrind's memcheck.
# - A test binary (a Check suite, a fuzz replay) runs under memcheck itself.
# - A shell test runs with TOP_BUILDDIR pointing at a copy of the build tree made of symbolic
#   links, in which each program (xen-dom0d, xen-dom0ctl, fake-systemd, bus-load...) is a
#   script that execs it under memcheck: the tests start their programs from TOP_BUILDDIR.
#   The script names only copies in a directory of its own (the program, the suppressions):
#   a test may run it, or a copy of it, as another user who cannot enter the checkout.
# A fork of a traced process stays traced (the daemon's store probes and Check() readers), with
# a report of its own; what a traced process execs (dbus-daemon, busctl, modprobe, a pager) is
# not. Fails on any memory error and on memory definitely or indirectly lost, in any process,
# and prints valgrind's report for each process that had one, as "# " lines: after a shell
# suite's TAP they are diagnostics to automake's TAP driver, which counts the exit status too.
#   usage: valgrind.sh TEST [ARGS...]
set -u
test=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
is_elf() { [ -f "$1" ] && [ -x "$1" ] && [ "$(head -c 4 "$1" 2>/dev/null)" = $'\x7fELF' ]; }
if ! command -v valgrind >/dev/null; then
	# A skip: exit status 77 to the default driver (the binaries), a plan of none to TAP's.
	is_elf "$test" && { echo "valgrind is not installed"; exit 77; }
	echo "1..0 # SKIP valgrind is not installed"
	exit 0
fi
vgdir=$(mktemp -d)
trap 'rm -rf "$vgdir"' EXIT
# Programs run by another user (setpriv in the tests) write their reports here too, and read
# the suppressions from here: the checkout may sit below a directory only its owner enters.
chmod 755 "$vgdir"
mkdir -m 1777 "$vgdir/logs"
install -m 644 "$here/valgrind.supp" "$vgdir/valgrind.supp"
# valgrind by its full path: a test may run a program with a PATH of its own.
vg=("$(command -v valgrind)" --leak-check=full --show-leak-kinds=definite,indirect
	--errors-for-leak-kinds=definite,indirect --error-exitcode=1 --num-callers=30
	--suppressions="$vgdir/valgrind.supp" --gen-suppressions=all --log-file="$vgdir/logs/vg.%p.log")

# Memcheck makes programs some ten to fifty times slower: waits and deadlines of the tests are
# multiplied by this (tests/unit/test-util.h, lib-bus.sh), and the load test's load is smaller.
export TEST_SLOWDOWN=${TEST_SLOWDOWN:-20}
export LOAD_CLIENTS=${LOAD_CLIENTS:-10} LOAD_CALLS=${LOAD_CALLS:-100} LOAD_RELOADS=${LOAD_RELOADS:-5}
# A test that runs away under memcheck (a loop that forks, each fork followed) ends with an
# error here instead of holding up the tier: none takes ten minutes at -j2.
limit=${VALGRIND_TEST_TIMEOUT:-1200}

if is_elf "$test"; then
	# Check forks every test by default: keep them in the process valgrind watches.
	CK_FORK=no CK_DEFAULT_TIMEOUT=600 timeout -k 30 "$limit" "${vg[@]}" "$test" "$@"
	rc=$?
else
	: "${TOP_BUILDDIR:?}"
	# The build tree again, as symbolic links, with a wrapper in place of each program. Only
	# the directories that hold programs are made anew, the rest is linked as a whole. The
	# wrapper runs a copy of the program kept under $vgdir/programs, by the same name (the
	# programs print it), for the user a test runs it as may not reach the build tree.
	build=$vgdir/build
	programs=$(cd "$TOP_BUILDDIR" && find . -type f -perm -u+x |
		while read -r p; do is_elf "$p" && echo "${p#./}"; done)
	mirror() { # mirror REL: $build/REL for $TOP_BUILDDIR/REL, a directory
		local rel=$1 e name
		mkdir -p "$build/$rel"
		for e in "$TOP_BUILDDIR/$rel"/* "$TOP_BUILDDIR/$rel"/.[!.]*; do
			[ -e "$e" ] || continue
			name=${rel:+$rel/}${e##*/}
			if grep -qxF "$name" <<<"$programs"; then
				mkdir -p "$vgdir/programs/$rel"
				install -m 755 "$e" "$vgdir/programs/$name"
				printf '#!/bin/sh\nexec %s %q "$@"\n' "$(printf '%q ' "${vg[@]}")" "$vgdir/programs/$name" >"$build/$name"
				chmod 755 "$build/$name"
			elif [ -d "$e" ] && grep -q "^$name/" <<<"$programs"; then
				mirror "$name"
			else
				ln -s "$e" "$build/$name"
			fi
		done
	}
	mkdir -p "$vgdir/programs"
	mirror ""
	chmod -R go+rX "$build" "$vgdir/programs"
	TOP_BUILDDIR=$build timeout -k 30 "$limit" "$test" "$@"
	rc=$?
fi
[ "$rc" = 124 ] && echo "# not done after $limit s under memcheck: stopped (VALGRIND_TEST_TIMEOUT)"

found=0 n=0
for log in "$vgdir"/logs/vg.*.log; do
	[ -e "$log" ] || continue
	# a fork that execs another program leaves a report without a summary
	grep -q 'ERROR SUMMARY:' "$log" && n=$((n + 1))
	if grep -qE 'ERROR SUMMARY: [1-9]|(definitely|indirectly) lost: [1-9]' "$log"; then
		found=1
		log_pid=${log##*/vg.}
		echo "# valgrind found errors in process ${log_pid%.log}:"
		sed 's/^/# /' "$log"
	fi
done
echo "# memcheck watched $n process(es) to their end:" \
	"$([ "$found" = 0 ] && echo "no error, nothing definitely or indirectly lost" || echo "see above")"
[ "$rc" = 0 ] && [ "$found" = 1 ] && rc=1
exit "$rc"
