# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Guest kit for scenarios in dom0: small PV guests (the dom0 kernel plus the
# busybox initramfs of guest/guest-init, no disk, no network) with distinct
# names, each console captured to a file from the guest's first line on.
# Source it after check.sh.
#
# Modes: "poweroff" prints its marker and powers off at once; "stay" prints
# its marker and keeps running (and answers "xl shutdown").
# The marker line is "SYSTEST-GUEST NAME: up (mode MODE)".

# The dom0 kernel; the run puts its uncompressed payload next to the harness
# (much faster to load), else the bzImage itself.
if [[ -z ${SYSTEST_GUEST_KERNEL:-} ]]; then
	SYSTEST_GUEST_KERNEL=/usr/lib/xen-dom0d-systest/vmlinux
	[[ -f $SYSTEST_GUEST_KERNEL ]] || SYSTEST_GUEST_KERNEL=/boot/vmlinuz-$(uname -r)
fi
: "${SYSTEST_GUEST_INITRD:=/usr/lib/xen-dom0d-systest/guest-initrd.img}"
: "${SYSTEST_GUEST_DIR:=/run/xen-dom0d-systest/guests}"
: "${SYSTEST_GUEST_MEMORY:=128}"
: "${SYSTEST_GUEST_BOOT_TIMEOUT:=120}"
: "${SYSTEST_GUEST_HEARTBEAT:=0}"

# guest_config NAME [MODE [MEMORY]]: writes the guest's xl configuration and
# prints its path.
guest_config() {
	local name=$1 mode=${2:-stay} mem=${3:-$SYSTEST_GUEST_MEMORY} cfg
	mkdir -p "$SYSTEST_GUEST_DIR"
	cfg=$SYSTEST_GUEST_DIR/$name.cfg
	cat >"$cfg" <<-EOF
		# system-test guest $name ($mode)
		name = "$name"
		type = "pv"
		kernel = "$SYSTEST_GUEST_KERNEL"
		ramdisk = "$SYSTEST_GUEST_INITRD"
		extra = "console=hvc0 quiet systest.name=$name systest.mode=$mode systest.heartbeat=$SYSTEST_GUEST_HEARTBEAT"
		memory = $mem
		vcpus = 1
		on_poweroff = "destroy"
		on_reboot = "destroy"
		on_crash = "destroy"
	EOF
	printf '%s\n' "$cfg"
}

# guest_console_file NAME: where the guest's console output is captured.
guest_console_file() { printf '%s/%s.console\n' "$SYSTEST_GUEST_DIR" "$1"; }

# guest_console NAME: the console output captured so far.
guest_console() { tr -d '\r' <"$(guest_console_file "$1")"; }

# _guest_console_attach NAME: captures the console of the (paused) domain.
# xl console reads standard input and quits at its end: a FIFO opened for
# reading and writing by the client itself never ends and never sends.
_guest_console_attach() {
	local name=$1 fifo=$SYSTEST_GUEST_DIR/$1.stdin
	rm -f "$fifo"
	mkfifo "$fifo"
	xl console "$name" <>"$fifo" >"$(guest_console_file "$name")" 2>&1 &
	echo $! >"$SYSTEST_GUEST_DIR/$name.console-pid"
}

# guest_create_paused NAME [MODE [MEMORY]]: creates the guest paused, with its
# console captured from the first line on; guest_unpause starts it.
guest_create_paused() {
	local name=$1 cfg
	cfg=$(guest_config "$@") || return 1
	step xl create -p "$cfg" || return 1
	_guest_console_attach "$name"
	# Give the client its moment to attach before the guest's first line (a
	# client attaching later gets what xenconsoled buffered, not always all).
	wait_until 5 _guest_console_ready "$name" || true
}

# guest_unpause NAME: lets a paused guest run.
guest_unpause() { step xl unpause "$1"; }

# guest_create NAME [MODE [MEMORY]]: creates the guest and lets it run;
# returns once xl has created it (guest_wait_up waits for its marker).
guest_create() {
	guest_create_paused "$@" && guest_unpause "$1"
}

_guest_console_ready() {
	local pid fd
	pid=$(cat "$SYSTEST_GUEST_DIR/$1.console-pid" 2>/dev/null) || return 1
	# The client execs xenconsole, which holds the guest's pty open.
	for fd in "/proc/$pid/fd/"*; do
		[[ $(readlink "$fd") != /dev/pts/* ]] || return 0
	done
	return 1
}

# guest_exists NAME: the domain exists (in any state).
guest_exists() { step xl domid "$1" >/dev/null 2>&1; }

# guest_gone NAME: the domain does not exist.
guest_gone() { ! guest_exists "$1"; }

# guest_up NAME: the guest printed its marker line, i.e. its init runs.
guest_up() { grep -q "^SYSTEST-GUEST $1: up" <(guest_console "$1") 2>/dev/null; }

# guest_wait_up NAME [SECONDS]: waits for the guest's marker line.
guest_wait_up() { wait_until "${2:-$SYSTEST_GUEST_BOOT_TIMEOUT}" guest_up "$1"; }

# guest_wait_console NAME REGEX [SECONDS]: waits for a console line matching
# the extended REGEX.
guest_wait_console() {
	wait_until "${3:-$SYSTEST_GUEST_BOOT_TIMEOUT}" _guest_console_has "$1" "$2"
}
_guest_console_has() { guest_console "$1" 2>/dev/null | grep -Eq -- "$2"; }

# guest_wait_gone NAME [SECONDS]: waits until the domain no longer exists.
guest_wait_gone() { wait_until "${2:-$SYSTEST_GUEST_BOOT_TIMEOUT}" guest_gone "$1"; }

# guests_create N PREFIX [MODE]: creates PREFIX-1 ... PREFIX-N and waits until
# every one printed its marker; prints the names. Fails naming the guests
# that did not come up.
guests_create() {
	local n=$1 prefix=$2 mode=${3:-stay} i name names=() late=()
	for ((i = 1; i <= n; i++)); do
		name=$prefix-$i
		guest_create "$name" "$mode" >/dev/null || {
			echo "creating guest $name failed" >&2
			return 1
		}
		names+=("$name")
	done
	for name in "${names[@]}"; do
		guest_wait_up "$name" || late+=("$name")
	done
	if ((${#late[@]} > 0)); then
		echo "guests not up after ${SYSTEST_GUEST_BOOT_TIMEOUT}s: ${late[*]}" >&2
		return 1
	fi
	printf '%s\n' "${names[@]}"
}

# guest_destroy NAME: destroys the domain if it exists.
guest_destroy() {
	guest_gone "$1" || step xl destroy "$1"
}

# guests_cleanup: destroys every guest this kit created that still exists
# and stops the console clients.
guests_cleanup() {
	local cfg name pid
	for cfg in "$SYSTEST_GUEST_DIR"/*.cfg; do
		[[ -e $cfg ]] || continue
		name=$(basename "$cfg" .cfg)
		guest_destroy "$name" >/dev/null 2>&1 || true
		pid=$(cat "$SYSTEST_GUEST_DIR/$name.console-pid" 2>/dev/null) || continue
		kill "$pid" 2>/dev/null || true
	done
}

# guest_last_alive NAME: the last heartbeat count the guest printed (SYSTEST_GUEST_HEARTBEAT),
# empty before the first.
guest_last_alive() { guest_console "$1" | sed -n "s/^SYSTEST-GUEST $1: alive \([0-9]*\)\$/\1/p" | tail -n 1; }

# guest_alive_after NAME N: the guest printed a heartbeat "alive K" with K > N: it ran since.
guest_alive_after() { local k; k=$(guest_last_alive "$1"); [[ -n $k ]] && ((k > ${2:-0})); }
