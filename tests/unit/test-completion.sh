#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shell completions of both programs, run by the shells themselves: bash through
# bash-completion, fish through "complete -C", zsh loaded by compinit. All three offer the
# same commands, only the restartable components after "restart", every component after
# "logs", and the options xen-dom0d --help lists. Prints TAP.
set -u
: "${TOP_BUILDDIR:?}" "${TOP_SRCDIR:?}"
sc=$TOP_SRCDIR/shell-completion
. "$TOP_SRCDIR/tests/unit/lib-tap.sh"
expect() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "wanted '$3'" "got    '$2'"; fi; }

# What the programs say of themselves: the client's commands from its --help, the daemon's
# long options from its --help. The components and which of them restart come from the
# daemon's table through the bus tests; here they are the lists the three files must share.
commands=$("$TOP_BUILDDIR/daemon/xen-dom0ctl" --help | sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]/ { print $1 }' | tr '\n' ' ')
commands=${commands% }
components="proc-xen xenstored xen-init-dom0 xenconsoled xen-qemu-dom0-disk-backend xendomains xen-watchdog"
restartable="xenconsoled xen-qemu-dom0-disk-backend xen-watchdog"
daemon_opts=$("$TOP_BUILDDIR/daemon/xen-dom0d" --help | grep -oE -- '--[a-z-]+=?' | sort -u | tr '\n' ' ')
daemon_opts=${daemon_opts% }
sorted() { tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'; }

# ---- bash
if [ -f /usr/share/bash-completion/bash_completion ]; then
	bash_words() { # bash_words FILE FUNCTION WORD...
		local file=$1 fn=$2
		shift 2
		bash -c '. /usr/share/bash-completion/bash_completion; . "$1"; fn=$2; shift 2
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			$fn; echo "${COMPREPLY[*]}"' _ "$file" "$fn" "$@"
	}
	expect "bash: the commands are those of xen-dom0ctl --help" \
		"$(bash_words "$sc/bash/xen-dom0ctl" _xen_dom0ctl xen-dom0ctl '' | sorted)" "$(sorted <<<"$commands")"
	expect "bash: restart offers the restartable components only" \
		"$(bash_words "$sc/bash/xen-dom0ctl" _xen_dom0ctl xen-dom0ctl restart '')" "$restartable"
	expect "bash: logs offers every component" \
		"$(bash_words "$sc/bash/xen-dom0ctl" _xen_dom0ctl xen-dom0ctl logs '')" "$components"
	expect "bash: status offers every component, after one too" \
		"$(bash_words "$sc/bash/xen-dom0ctl" _xen_dom0ctl xen-dom0ctl status xenstored xen-w)" "xen-watchdog"
	expect "bash: --json= offers the modes" \
		"$(bash_words "$sc/bash/xen-dom0ctl" _xen_dom0ctl xen-dom0ctl --json=)" "pretty short off"
	expect "bash: --json=s" "$(bash_words "$sc/bash/xen-dom0ctl" _xen_dom0ctl xen-dom0ctl --json=s)" "short"
	expect "bash: --format FORMAT offers the formats" \
		"$(bash_words "$sc/bash/xen-dom0ctl" _xen_dom0ctl xen-dom0ctl --format '')" "openmetrics prometheus"
	expect "bash: the word after --format is its argument, not the command" \
		"$(bash_words "$sc/bash/xen-dom0ctl" _xen_dom0ctl xen-dom0ctl --format prometheus '' | sorted)" \
		"$(sorted <<<"$commands")"
	expect "bash: xen-dom0d's options are those of its --help" \
		"$(bash_words "$sc/bash/xen-dom0d" _xen_dom0d xen-dom0d -- | sorted)" "$(sorted <<<"$daemon_opts")"
	expect "bash: xen-dom0d --ch" "$(bash_words "$sc/bash/xen-dom0d" _xen_dom0d xen-dom0d --ch)" "--check"
else
	skip "bash completion" "bash-completion is not installed"
fi

# ---- fish: "complete -C" prints what a TAB would offer, "word<TAB>description" a line
if command -v fish >/dev/null; then
	fish_words() { # fish_words FILE COMMANDLINE
		fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$1" "$2" 2>&1 | cut -f1 | tr '\n' ' ' | sed 's/ $//'
	}
	expect "fish: the commands are those of xen-dom0ctl --help" \
		"$(fish_words "$sc/fish/xen-dom0ctl.fish" 'xen-dom0ctl ' | sorted)" "$(sorted <<<"$commands")"
	expect "fish: restart offers the restartable components only" \
		"$(fish_words "$sc/fish/xen-dom0ctl.fish" 'xen-dom0ctl restart ' | sorted)" "$(sorted <<<"$restartable")"
	expect "fish: logs offers every component" \
		"$(fish_words "$sc/fish/xen-dom0ctl.fish" 'xen-dom0ctl logs ' | sorted)" "$(sorted <<<"$components")"
	expect "fish: status offers every component" \
		"$(fish_words "$sc/fish/xen-dom0ctl.fish" 'xen-dom0ctl status ' | sorted)" "$(sorted <<<"$components")"
	expect "fish: metrics --format= offers the formats" \
		"$(fish_words "$sc/fish/xen-dom0ctl.fish" 'xen-dom0ctl metrics --format=' | sorted)" \
		"--format=openmetrics --format=prometheus"
	expect "fish: xen-dom0d's options are those of its --help" \
		"$(fish_words "$sc/fish/xen-dom0d.fish" 'xen-dom0d --' | sed 's/--config/--config=/; s/--render /--render= /' | sorted)" \
		"$(sorted <<<"$daemon_opts")"
else
	skip "fish completion" "fish is not installed"
fi

# ---- zsh: each file loads as a completion function; the lists it holds are the same
if command -v zsh >/dev/null; then
	for f in _xen-dom0ctl _xen-dom0d; do
		if out=$(zsh -f -c 'autoload -Uz compinit && compinit -u -D && fpath=($1 $fpath) && autoload -Uz $2 && print -r -- ok' \
			_ "$sc/zsh" "$f" 2>&1) && [ "$out" = ok ]; then
			ok "zsh: $f loads"
		else
			nok "zsh: $f loads" "$out"
		fi
		zsh -n "$sc/zsh/$f" && ok "zsh: $f parses" || nok "zsh: $f parses"
	done
	zlist() { zsh -f -c 'source <(sed -n "/^components=(/p; /^restartable=(/p" $1); print -r -- ${(P)2}' _ "$sc/zsh/_xen-dom0ctl" "$1"; }
	expect "zsh: the components" "$(zlist components)" "$components"
	expect "zsh: the restartable components" "$(zlist restartable)" "$restartable"
	zcommands=$(sed -n "/^commands=(/,/^)/p" "$sc/zsh/_xen-dom0ctl" | sed -nE "s/^[[:space:]]+'([a-z-]+):.*/\1/p" | sorted)
	expect "zsh: the commands are those of xen-dom0ctl --help" "$zcommands" "$(sorted <<<"$commands")"
	zopts=$(grep -oE -- '--[a-z-]+=?[[}]' "$sc/zsh/_xen-dom0d" | tr -d '[}' | sort -u | sorted)
	expect "zsh: xen-dom0d's options are those of its --help" "$zopts" "$(sorted <<<"$daemon_opts")"
else
	skip "zsh completion" "zsh is not installed"
fi

tap_done
