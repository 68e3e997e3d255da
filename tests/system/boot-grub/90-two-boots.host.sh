#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# On the host, after QEMU exited: one QEMU run, two boots of Xen, through the menu tests/system/run --boot grub wrote, then the one update-grub generated when xen-dom0d refreshed the entries;
# only the second has dom0's new memory. Then a clean poweroff.
# shellcheck source=../lib/check.sh
. "$SYSTEST_LIB/check.sh"
# shellcheck source=../lib/two-boots.sh
. "$SYSTEST_LIB/two-boots.sh"

check_two_boots 'dom0_mem=1100M,max:1200M'
