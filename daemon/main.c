/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xen-dom0d: the Xen Domain 0 supervisor. Command line parsing and mode dispatch. */

#include <getopt.h>
#include <malloc.h>

#include "daemon.h"
#include "dom0-config.h"
#include "fileset.h"
#include "log.h"
#include "macro.h"
#include "offline.h"

#define DEFAULT_CONFIG SYSCONFDIR "/xen/xen-dom0.conf"

/* Exit status for an invalid configuration: the unit does not restart on it (EX_CONFIG). */
#define EXIT_CONFIG 78

static int run_daemon(const char *config) {
        _cleanup_free_ char *abs = NULL;
        Manager *m = NULL;
        int r;

        (void) log_level_from_environment();
        log_debug("%s %s starting", PACKAGE_NAME, PACKAGE_VERSION);
        /* Any caller may send a message of up to 32 MiB. glibc raises its mmap threshold to the
         * size of each large block freed, so later large messages come from the heap and stay
         * there after they are freed. A fixed threshold (setting one stops glibc adjusting either)
         * keeps every large buffer an mmap of its own, returned to the kernel when freed; the
         * heap's top is given back past 256 KiB free, not at every small burst. */
        (void) mallopt(M_MMAP_THRESHOLD, 128 * 1024);
        (void) mallopt(M_TRIM_THRESHOLD, 256 * 1024);
        /* ConfigPath on the bus and every message name the file as an absolute path. */
        if (config[0] != '/') {
                _cleanup_free_ char *cwd = getcwd(NULL, 0);
                if (!cwd || asprintf(&abs, "%s/%s", cwd, config) < 0) {
                        log_error("Failed to make %s absolute", config);
                        return 1;
                }
                config = abs;
        }
        r = manager_new(config, &m);
        if (r < 0) {
                log_error_errno(r, "Failed to allocate the manager");
                return 1;
        }
        /* A failed start says what failed where it failed; a loop that ends in an error (a
         * connection lost, a backend failing) has logged why, and is named here once more. */
        r = manager_startup(m);
        if (r >= 0) {
                r = manager_run(m);
                if (r < 0)
                        log_error_errno(r, "Exiting after an error in the event loop");
        }
        manager_free(m);
        if (r == -EINVAL)
                return EXIT_CONFIG;
        return r < 0 ? 1 : 0;
}

static void help(void) {
        printf("%s [OPTIONS...]\n\n"
               "Supervise the Xen Domain 0 stack, configured by one INI file.\n\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "  -c --config=FILE       Configuration file (default: %s; - is standard input)\n"
               "     --check             Validate the configuration, print every error, exit\n"
               "     --render=DIR        Write every rendered file under DIR as a root prefix, exit\n"
               "     --render-host       Write every rendered file into this host's /etc and /run, exit\n"
               "     --dump-config       Print the effective configuration, marking defaults, exit\n"
               "     --print-template    Print the commented default configuration file, exit\n"
               "\nSee the xen-dom0d(8) man page for details.\n",
               program_invocation_short_name, DEFAULT_CONFIG);
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_CHECK, ARG_RENDER, ARG_RENDER_HOST, ARG_DUMP, ARG_TEMPLATE, ARG_MAN_OPTIONS };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "config", required_argument, NULL, 'c' },
                { "check", no_argument, NULL, ARG_CHECK },
                { "render", required_argument, NULL, ARG_RENDER },
                { "render-host", no_argument, NULL, ARG_RENDER_HOST },
                { "dump-config", no_argument, NULL, ARG_DUMP },
                { "print-template", no_argument, NULL, ARG_TEMPLATE },
                { "print-man-options", no_argument, NULL, ARG_MAN_OPTIONS },
                {}
        };
        const char *config = DEFAULT_CONFIG, *render_dir = NULL;
        _cleanup_free_ char *render_root = NULL;
        int mode = 0, c, r;

        while ((c = getopt_long(argc, argv, "hc:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
                        return 0;
                case 'c':
                        config = optarg;
                        break;
                case ARG_RENDER:
                        render_dir = optarg;
                        _fallthrough_;
                case ARG_RENDER_HOST:
                case ARG_CHECK:
                case ARG_DUMP:
                case ARG_TEMPLATE:
                case ARG_MAN_OPTIONS:
                        if (mode && mode != c) {
                                fprintf(stderr, "Only one of --check, --render, --render-host, --dump-config, "
                                                "--print-template.\n");
                                return 2;
                        }
                        mode = c;
                        break;
                default:
                        return 2;
                }
        if (optind < argc) {
                fprintf(stderr, "Unexpected argument: %s\n", argv[optind]);
                return 2;
        }

        if (streq(config, "-") && IN_SET(mode, 0, ARG_RENDER_HOST)) {
                fprintf(stderr, "--config=- (standard input) is for --check, --dump-config and --render: the "
                                "daemon reads its file again at every reload.\n");
                return 2;
        }

        if (mode == ARG_RENDER) {
                /* --render is for a directory prefix only: the running system's files are the
                 * daemon's to write, at its start and reload, or --render-host's. */
                r = fileset_resolve_root(render_dir, &render_root);
                if (r == -EINVAL) {
                        if (isempty(render_dir))
                                fprintf(stderr, "--render needs a directory to write under.\n");
                        else
                                fprintf(stderr,
                                        "--render=%s resolves to /: --render writes under a directory prefix, "
                                        "never into the running system (--render-host does that).\n",
                                        render_dir);
                        return 2;
                }
                if (r < 0) {
                        fprintf(stderr, "--render=%s: %s\n", render_dir, strerror(-r));
                        return 1;
                }
        }

        /* xendomains' directory, under the unit tier's root too */
        _cleanup_free_ char *auto_dir = manager_root_path("/etc/xen/auto");
        if (auto_dir)
                guests_auto_dir = auto_dir;

        switch (mode) {
        case ARG_CHECK:
                return offline_check(config);
        case ARG_DUMP:
                return offline_dump(config);
        case ARG_RENDER:
                return offline_render(config, render_root);
        case ARG_RENDER_HOST:
                /* Where the daemon itself writes ("/", or the unit tier's XEN_DOM0D_ROOT). */
                return offline_render(config, manager_root());
        case ARG_TEMPLATE:
                return options_write_template(stdout) < 0 || fflush(stdout) != 0 ? 1 : 0;
        case ARG_MAN_OPTIONS:
                return options_write_man(stdout) < 0 || fflush(stdout) != 0 ? 1 : 0;
        default:
                return run_daemon(config);
        }
}
