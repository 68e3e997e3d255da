/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xen-dom0-boot-entries: puts the Xen command line xen-dom0d rendered into the boot loader's
 * entries, then leaves the result for the daemon. It runs as xen-dom0-boot-entries.service,
 * outside the daemon's sandbox, because it writes /boot and the ESP. Its inputs come from the
 * rendered environment file (see the unit) or from the options below, which tests use. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boot-grub.h"
#include "boot-sdboot.h"
#include "boot-state.h"
#include "paths.h"

typedef struct Args {
        const char *loader, *verbosity, *xen_efi, *xen_options;
        const char *state, *esp, *grub_cfg, *update_grub, *objcopy, *bootctl, *grub_dir;
} Args;

static void help(void) {
        printf("Usage: xen-dom0-boot-entries [OPTIONS]\n\n"
               "Writes the Xen boot entries of the boot loader in use with the hypervisor command line\n"
               "that xen-dom0d rendered, and records the result for xen-dom0d.\n\n"
               "  --loader=auto|grub|systemd-boot|none   [$XEN_DOM0_BOOT_LOADER, auto]\n"
               "  --verbosity=quiet|default|info|debug   [$XEN_DOM0_BOOT_VERBOSITY, default]\n"
               "  --xen-efi=PATH       the hypervisor's EFI image [$XEN_DOM0_XEN_EFI]\n"
               "  --xen-options=TEXT   the Xen command line [$XEN_DOM0_XEN_OPTIONS]\n"
               "  --state=PATH         where the result goes [" PATH_BOOT_ENTRIES_STATE "]\n"
               "  --esp=DIR            the ESP (default: bootctl --print-esp-path)\n"
               "  --grub-cfg=PATH      [" GRUB_CFG_DEFAULT "]\n"
               "  --update-grub=PROG   [update-grub]\n"
               "  --objcopy=PROG       [objcopy]\n"
               "  --bootctl=PROG       [bootctl]\n"
               "  -h, --help\n\n"
               "See xen-dom0d(8).\n");
}

static int parse_args(int argc, char *argv[], Args *a) {
        enum { ARG_LOADER = 0x100, ARG_VERBOSITY, ARG_XEN_EFI, ARG_XEN_OPTIONS, ARG_STATE, ARG_ESP, ARG_GRUB_CFG,
               ARG_UPDATE_GRUB, ARG_OBJCOPY, ARG_BOOTCTL };
        static const struct option options[] = {
                { "loader", required_argument, NULL, ARG_LOADER },
                { "verbosity", required_argument, NULL, ARG_VERBOSITY },
                { "xen-efi", required_argument, NULL, ARG_XEN_EFI },
                { "xen-options", required_argument, NULL, ARG_XEN_OPTIONS },
                { "state", required_argument, NULL, ARG_STATE },
                { "esp", required_argument, NULL, ARG_ESP },
                { "grub-cfg", required_argument, NULL, ARG_GRUB_CFG },
                { "update-grub", required_argument, NULL, ARG_UPDATE_GRUB },
                { "objcopy", required_argument, NULL, ARG_OBJCOPY },
                { "bootctl", required_argument, NULL, ARG_BOOTCTL },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        *a = (Args) {
                .loader = getenv("XEN_DOM0_BOOT_LOADER") ?: "auto",
                .verbosity = getenv("XEN_DOM0_BOOT_VERBOSITY") ?: "default",
                .xen_efi = getenv("XEN_DOM0_XEN_EFI"),
                .xen_options = getenv("XEN_DOM0_XEN_OPTIONS"),
                .state = PATH_BOOT_ENTRIES_STATE,
                .bootctl = "bootctl",
        };
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        exit(EXIT_SUCCESS);
                case ARG_LOADER: a->loader = optarg; break;
                case ARG_VERBOSITY: a->verbosity = optarg; break;
                case ARG_XEN_EFI: a->xen_efi = optarg; break;
                case ARG_XEN_OPTIONS: a->xen_options = optarg; break;
                case ARG_STATE: a->state = optarg; break;
                case ARG_ESP: a->esp = optarg; break;
                case ARG_GRUB_CFG: a->grub_cfg = optarg; break;
                case ARG_UPDATE_GRUB: a->update_grub = optarg; break;
                case ARG_OBJCOPY: a->objcopy = optarg; break;
                case ARG_BOOTCTL: a->bootctl = optarg; break;
                default:
                        fprintf(stderr, "Try \"xen-dom0-boot-entries --help\".\n");
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "xen-dom0-boot-entries: unexpected argument \"%s\"\n", argv[optind]);
                return -EINVAL;
        }
        if (!IN_SET(0, strcmp(a->loader, "auto"), strcmp(a->loader, "grub"), strcmp(a->loader, "systemd-boot"),
                    strcmp(a->loader, "none"))) {
                fprintf(stderr, "xen-dom0-boot-entries: unknown loader \"%s\": auto, grub, systemd-boot or none\n",
                        a->loader);
                return -EINVAL;
        }
        if (boot_verbosity_from_string(a->verbosity) < 0) {
                fprintf(stderr, "xen-dom0-boot-entries: unknown verbosity \"%s\": quiet, default, info or debug\n",
                        a->verbosity);
                return -EINVAL;
        }
        if (!a->xen_options) {
                fprintf(stderr, "xen-dom0-boot-entries: no Xen command line: is " PATH_BOOT_ENTRIES_ENV
                                " there (xen-dom0.service renders it)? Or give --xen-options.\n");
                return -EINVAL;
        }
        return 0;
}

/* Runs argv quietly; returns its exit status, or -errno; with ret_out, its first output line. */
static int run_quiet(char *const argv[], char **ret_out) {
        int fds[2], status;
        pid_t pid;

        if (pipe(fds) < 0)
                return negative_errno();
        pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0) {
                dup2(fds[1], STDOUT_FILENO);
                close(fds[0]);
                close(fds[1]);
                int null = open("/dev/null", O_RDWR);
                if (null >= 0)
                        dup2(null, STDERR_FILENO);
                execvp(argv[0], argv);
                _exit(127);
        }
        close(fds[1]);
        if (ret_out) {
                _cleanup_fclose_ FILE *f = fdopen(fds[0], "r");
                size_t n = 0;
                char *line = NULL;
                if (f && getline(&line, &n, f) > 0) {
                        line[strcspn(line, "\n")] = '\0';
                        *ret_out = line;
                } else
                        free(line);
                if (!f)
                        close(fds[0]);
        } else
                close(fds[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* auto: systemd-boot when bootctl says it is installed, else GRUB when its configuration is
 * there, else nothing. */
static const char *detect_loader(const Args *a, const BootLog *log, char **ret_esp) {
        const char *cfg = a->grub_cfg ?: GRUB_CFG_DEFAULT;

        if (!streq(a->loader, "auto"))
                return a->loader;
        if (run_quiet((char *const[]) { (char *) a->bootctl, "is-installed", "--quiet", NULL }, NULL) == 0) {
                boot_log(log, BOOT_VERBOSITY_DEBUG, "bootctl is-installed: systemd-boot is installed");
                return "systemd-boot";
        }
        if (access(cfg, F_OK) == 0) {
                boot_log(log, BOOT_VERBOSITY_DEBUG, "%s exists: GRUB is installed", cfg);
                return "grub";
        }
        (void) ret_esp;
        return NULL;
}

int main(int argc, char *argv[]) {
        _cleanup_(boot_state_done) BootState st = {};
        _cleanup_free_ char *error = NULL, *esp = NULL;
        struct timespec ts;
        const char *loader;
        BootLog log;
        Args a;
        int r;

        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (parse_args(argc, argv, &a) < 0)
                return 2;
        log = (BootLog) { .out = stdout, .verbosity = boot_verbosity_from_string(a.verbosity) };

        st.setting = strdup(a.loader);
        st.xen_efi = a.xen_efi ? strdup(a.xen_efi) : NULL;
        st.xen_options = strdup(a.xen_options);
        if (!st.setting || !st.xen_options || (a.xen_efi && !st.xen_efi))
                return 1;

        loader = detect_loader(&a, &log, &esp);
        if (streq_ptr(loader, "none")) {
                st.state = strdup("disabled");
                st.message = strdup("bootEntries.loader is none: xen-dom0d leaves the boot entries alone");
                boot_log(&log, BOOT_VERBOSITY_DEBUG, "%s", st.message);
        } else if (!loader) {
                st.state = strdup("unsupported");
                st.message = strdup("No boot loader found: neither systemd-boot (bootctl is-installed) nor GRUB "
                                    "(" GRUB_CFG_DEFAULT "); set bootEntries.loader to say which");
                boot_log(&log, BOOT_VERBOSITY_DEFAULT, "%s.", st.message);
        } else if (streq(loader, "grub")) {
                GrubParams p = { .update_grub = a.update_grub, .grub_cfg = a.grub_cfg, .xen_options = a.xen_options,
                                 .log = &log, .ret_tool_usec = &st.tool_usec };

                st.loader = strdup("grub");
                r = grub_refresh(&p, &st.entries, &error);
                if (r == -ENOMEM)
                        return 1;
                if (r < 0) {
                        /* What grub.cfg holds now, current or not, is still what the next boot uses. */
                        (void) grub_read_xen_entries(a.grub_cfg, &st.entries);
                        st.state = strdup("failed");
                        st.message = TAKE_PTR(error);
                } else
                        st.state = strdup("current");
        } else {
                SdbootParams p = { .xen_efi = a.xen_efi, .xen_options = a.xen_options, .objcopy = a.objcopy,
                                   .log = &log };

                st.loader = strdup("systemd-boot");
                if (a.esp)
                        esp = strdup(a.esp);
                else if (run_quiet((char *const[]) { (char *) a.bootctl, "--print-esp-path", NULL }, &esp) != 0) {
                        free(esp);
                        esp = NULL;
                }
                if (!esp) {
                        st.state = strdup("failed");
                        st.message = strdup("No ESP found (bootctl --print-esp-path): mount the EFI system partition "
                                            "on /efi or /boot/efi");
                        boot_log(&log, BOOT_VERBOSITY_DEFAULT, "Installing Xen boot entries (systemd-boot)... failed: %s",
                                 st.message);
                } else if (!a.xen_efi) {
                        st.state = strdup("failed");
                        st.message = strdup("efi.path is not set: the systemd-boot entries need the hypervisor's EFI image");
                } else {
                        p.esp = esp;
                        st.esp = strdup(esp);
                        if (!st.esp || boot_kernel_entry_files(esp, &st.sources) == -ENOMEM)
                                return 1;
                        r = sdboot_refresh(&p, &st.entries, &error);
                        if (r == -ENOMEM)
                                return 1;
                        if (r < 0) {
                                (void) sdboot_read_xen_entries(esp, &st.entries);
                                st.state = strdup("failed");
                                st.message = TAKE_PTR(error);
                        } else
                                st.state = strdup("current");
                }
        }
        if (!st.state)
                return 1;
        if (st.entries.n > 0 && st.entries.items[0].xen_options)
                st.next = strdup(st.entries.items[0].xen_options);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        st.total_usec = (uint64_t) ((int64_t) (ts.tv_sec - start.tv_sec) * 1000000 + (ts.tv_nsec - start.tv_nsec) / 1000);
        clock_gettime(CLOCK_REALTIME, &ts);
        st.finished_usec = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
        r = boot_state_write(a.state, &st);
        if (r < 0) {
                fprintf(stderr, "Cannot write %s: %s\n", a.state, strerror(-r));
                return 1;
        }
        if (streq(st.state, "failed")) {
                if (log.verbosity == BOOT_VERBOSITY_QUIET)
                        fprintf(stderr, "%s\n", st.message);
                return 1;
        }
        return 0;
}
