# SPDX-License-Identifier: LGPL-2.1-or-later
# fish completion for xen-dom0d(8)

complete -c xen-dom0d -f
complete -c xen-dom0d -s h -l help -d 'Show the help'
complete -c xen-dom0d -l version -d 'Show the version'
complete -c xen-dom0d -s c -l config -r -F -d 'The configuration file (- is standard input)'
complete -c xen-dom0d -l check -d 'Check the configuration and exit'
complete -c xen-dom0d -l render -x -a '(__fish_complete_directories)' -d 'Write the rendered files under a directory and exit'
complete -c xen-dom0d -l render-host -d 'Write the rendered files into this host and exit'
complete -c xen-dom0d -l dump-config -d 'Print the effective configuration and exit'
complete -c xen-dom0d -l print-template -d 'Print the commented default configuration and exit'
