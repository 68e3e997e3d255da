#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The guest kit later scenarios build on: several running guests with
# distinct names, their live consoles, an orderly "xl shutdown", destroy.
# systest-timeout: 300
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/stack.sh
. "$SYSTEST_LIB/stack.sh"
# shellcheck source=../lib/guests.sh
. "$SYSTEST_LIB/guests.sh"
trap guests_cleanup EXIT

check "the Xen stack is up" stack_ensure_up || exit 0
SYSTEST_GUEST_HEARTBEAT=5 check "three guests that stay up are created and print their markers" \
	guests_create 3 systest-kit stay || exit 0
for i in 1 2 3; do
	check_match "xl list shows systest-kit-$i running or blocked" \
		"^systest-kit-${i}[[:space:]].*[[:space:]][rb-]{6}[[:space:]]" xl list
done
# shellcheck disable=SC2016 # expanded by the inner shell
check_eq "the three guests have distinct domain ids" 3 \
	bash -c 'for i in 1 2 3; do xl domid systest-kit-$i; done | sort -u | wc -l'
check_wait "the live console of systest-kit-2 keeps delivering output" 60 \
	_guest_console_has systest-kit-2 "^SYSTEST-GUEST systest-kit-2: alive [2-9]"
check "xl shutdown systest-kit-1 is accepted" xl shutdown systest-kit-1
check_wait "systest-kit-1 shuts down in an orderly way and is gone" 120 guest_gone systest-kit-1
check "xl destroy systest-kit-2 and systest-kit-3" guest_destroy systest-kit-2 && guest_destroy systest-kit-3
check_wait "no test guest is left" 60 bash -c '! xl list | grep -q "^systest-kit-"'
for i in 1 2 3; do cp "$(guest_console_file "systest-kit-$i")" "$SYSTEST_ARTIFACTS/"; done
exit 0
