# SPDX-License-Identifier: LGPL-2.1-or-later
# fish completion for xen-dom0ctl(1)

set -l commands status components config check diff reload restart domains guests start-guest stop-guest restart-guest logs metrics boot-entries refresh-boot-entries
set -l components proc-xen xenstored xen-init-dom0 xenconsoled xen-qemu-dom0-disk-backend xendomains xen-watchdog
# the components RestartComponent may restart; the others run once per boot
set -l restartable xenconsoled xen-qemu-dom0-disk-backend xen-watchdog

complete -c xen-dom0ctl -f
complete -c xen-dom0ctl -s h -l help -d 'Show the help'
complete -c xen-dom0ctl -l version -d 'Show the version'
complete -c xen-dom0ctl -l system -d 'Talk to the daemon on the system bus'
complete -c xen-dom0ctl -s H -l host -x -a '(__fish_print_hostnames)' -d 'Talk to the daemon on a remote host'
complete -c xen-dom0ctl -l json -f -a 'pretty short off' -d 'Print JSON'
complete -c xen-dom0ctl -s q -l quiet -d 'Print only errors and the data asked for'
complete -c xen-dom0ctl -l no-legend -d 'No column headers and footers'
complete -c xen-dom0ctl -s l -l full -d 'Do not cut tables to the terminal width'
complete -c xen-dom0ctl -l no-pager -d 'Do not pipe the output into a pager'
complete -c xen-dom0ctl -l no-ask-password -d 'Do not ask for a password'

complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a status -d 'Show the stack, its components and the pending reboot'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a components -d 'List the components'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a config -d 'Print the effective configuration'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a check -d 'Check a configuration file'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a diff -d 'Show what a reload would do'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a reload -d 'Apply the configuration file'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a restart -d 'Restart a component'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a domains -d 'List the domains'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a guests -d 'List the declared guests'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a start-guest -d 'Start a declared guest'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a stop-guest -d 'Shut a declared guest down'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a restart-guest -d 'Restart a declared guest'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a logs -d 'Show the journal of the daemon or a component'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a metrics -d 'Print the metrics'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a boot-entries -d 'List the Xen boot entries'
complete -c xen-dom0ctl -n "not __fish_seen_subcommand_from $commands" -a refresh-boot-entries -d 'Write the Xen boot entries again'

complete -c xen-dom0ctl -n "__fish_seen_subcommand_from restart" -a "$restartable"
complete -c xen-dom0ctl -n "__fish_seen_subcommand_from start-guest stop-guest restart-guest" -x \
        -a "(xen-dom0ctl --no-legend --no-pager --quiet guests 2>/dev/null | awk '\$1 != \"-\" && \$3 != \"undeclared\" { print \$1 }')"
complete -c xen-dom0ctl -n "__fish_seen_subcommand_from logs status" -a "$components"
complete -c xen-dom0ctl -n "__fish_seen_subcommand_from check" -F
complete -c xen-dom0ctl -n "__fish_seen_subcommand_from config" -l changed -d 'Only the options that differ from the default'
complete -c xen-dom0ctl -n "__fish_seen_subcommand_from diff" -l files -d 'Also the changes of each file, as diff -u shows them'
complete -c xen-dom0ctl -n "__fish_seen_subcommand_from metrics" -l format -x -a 'openmetrics prometheus' -d 'The text format'
