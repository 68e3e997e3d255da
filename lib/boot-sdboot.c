/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd-boot: for each Type #1 entry of a Linux kernel that kernel-install put on the ESP, a
 * unified Xen EFI image (xen.efi with a .config section naming that kernel and its initrd) in
 * EFI/xen/ and a loader entry "efi"-booting it in loader/entries/.
 *
 * How Xen finds the files its .config names (docs/misc/efi.pandoc and xen/common/efi/boot.c,
 * Xen 4.17): without a .kernel/.ramdisk section in the image, the kernel= and ramdisk= names are
 * opened with the firmware's EFI_FILE_PROTOCOL.Open() on the directory that holds the Xen image
 * itself ("Filenames must be specified relative to the location of the EFI binary"). The name
 * is passed as it is written (each byte widened to UCS-2), not translated: the separator has to
 * be the UEFI one, a backslash; a '/' is taken as part of a file name, which FAT does not allow.
 * The kernel= value is cut at its first space into the file name and dom0's command line, so the
 * name can hold no blank. The Type #1 paths are absolute on the ESP ("/<token>/<version>/linux");
 * our images live in /EFI/xen, two levels down, so "/a/b/linux" becomes "..\..\a\b\linux".
 * ("." and ".." are path modifiers every EFI_FILE_PROTOCOL.Open() takes, as is a leading "\"
 * for the volume's root; the relative form is the one Xen documents.) Xen reads .config as
 * ASCII and takes '#' anywhere as the start of a comment, so neither command line may hold a
 * '#' or a byte outside printable ASCII. */

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "boot-sdboot.h"
#include "fileset.h"
#include "pe.h"
#include "strv.h"

#define ENTRIES_DIR "loader/entries"
#define LOADER_CONF "loader/loader.conf"
#define XEN_PREFIX "xen-"

/* ---- Type #1 entries ---------------------------------------------------------------------- */

void sdboot_kernel_entry_done(SdbootKernelEntry *e) {
        if (!e)
                return;
        free(e->id);
        free(e->title);
        free(e->version);
        free(e->machine_id);
        free(e->sort_key);
        free(e->linux_path);
        strv_free(e->initrds);
        free(e->options);
        *e = (SdbootKernelEntry) {};
}

static int set_value(char **field, const char *v, size_t n) {
        char *s = strndup(v, n);

        if (!s)
                return -ENOMEM;
        free(*field);
        *field = s;
        return 0;
}

/* Calls f for each "key value" line of a Type #1 entry or loader.conf: blank lines and "#"
 * comments skipped, the value without the blanks around it. */
typedef int (*line_fn)(const char *key, size_t key_len, const char *value, size_t value_len, void *userdata);

static int foreach_key(const char *text, line_fn f, void *userdata) {
        for (const char *p = text; p && *p;) {
                const char *eol = strchrnul(p, '\n'), *k = p, *v, *end = eol;
                size_t kl;
                int r;

                p = *eol ? eol + 1 : eol;
                k += strspn(k, " \t");
                if (k >= end || *k == '#')
                        continue;
                kl = strcspn(k, " \t\n");
                v = k + kl;
                v += strspn(v, " \t");
                if (v > end)
                        v = end;
                while (end > v && strchr(" \t\r", end[-1]))
                        end--;
                r = f(k, kl, v, (size_t) (end - v), userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool key_is(const char *k, size_t kl, const char *name) {
        return strlen(name) == kl && memcmp(k, name, kl) == 0;
}

static int kernel_entry_line(const char *k, size_t kl, const char *v, size_t vl, void *userdata) {
        SdbootKernelEntry *e = userdata;

        if (key_is(k, kl, "title"))
                return set_value(&e->title, v, vl);
        if (key_is(k, kl, "version"))
                return set_value(&e->version, v, vl);
        if (key_is(k, kl, "machine-id"))
                return set_value(&e->machine_id, v, vl);
        if (key_is(k, kl, "sort-key"))
                return set_value(&e->sort_key, v, vl);
        if (key_is(k, kl, "linux"))
                return set_value(&e->linux_path, v, vl);
        if (key_is(k, kl, "initrd")) {
                char *s = strndup(v, vl);
                return s ? strv_consume(&e->initrds, s) : -ENOMEM;
        }
        if (key_is(k, kl, "options")) {
                char *s;
                if (vl == 0)
                        return 0;
                if (asprintf(&s, "%s%s%.*s", strempty(e->options), e->options ? " " : "", (int) vl, v) < 0)
                        return -ENOMEM;
                free(e->options);
                e->options = s;
        }
        return 0;
}

int sdboot_parse_entry(const char *id, const char *text, SdbootKernelEntry *ret) {
        _cleanup_(sdboot_kernel_entry_done) SdbootKernelEntry e = {};
        int r;

        if (isempty(id) || startswith(id, XEN_PREFIX))
                return -EINVAL;
        e.id = strdup(id);
        if (!e.id)
                return -ENOMEM;
        r = foreach_key(text, kernel_entry_line, &e);
        if (r < 0)
                return r;
        if (isempty(e.linux_path))
                return -EINVAL;
        *ret = e;
        e = (SdbootKernelEntry) {};
        return 0;
}

/* ---- what Xen reads ------------------------------------------------------------------------- */

/* Whether s can stand in Xen's .config: printable ASCII, no comment sign. */
static bool xen_cfg_text_ok(const char *s) {
        for (; s && *s; s++)
                if (*s < 0x20 || *s > 0x7e || *s == '#')
                        return false;
        return true;
}

int sdboot_xen_file_name(const char *esp_path, char **ret) {
        _cleanup_free_ char *s = NULL;
        char *q;

        if (isempty(esp_path) || esp_path[0] != '/' || strpbrk(esp_path, " \t") || !xen_cfg_text_ok(esp_path))
                return -EINVAL;
        s = malloc(strlen(SDBOOT_XEN_DIR_UP) + strlen(esp_path) + 1);
        if (!s)
                return -ENOMEM;
        q = stpcpy(s, SDBOOT_XEN_DIR_UP);
        for (const char *p = esp_path; *p; p++) {
                if (*p == '/' && (q[-1] == '\\'))
                        continue; /* leading and doubled slashes */
                *q++ = *p == '/' ? '\\' : *p;
        }
        *q = 0;
        if (endswith(s, "\\"))
                return -EINVAL;
        *ret = TAKE_PTR(s);
        return 0;
}

int sdboot_xen_config(const SdbootKernelEntry *k, const char *xen_options, char **ret) {
        _cleanup_free_ char *kernel = NULL, *initrd = NULL;
        char *s;
        int r;

        if (!xen_cfg_text_ok(xen_options) || !xen_cfg_text_ok(k->options))
                return -EINVAL;
        r = sdboot_xen_file_name(k->linux_path, &kernel);
        if (r < 0)
                return r;
        if (k->initrds && k->initrds[0]) {
                r = sdboot_xen_file_name(k->initrds[0], &initrd);
                if (r < 0)
                        return r;
        }
        if (asprintf(&s,
                     "[global]\n"
                     "default=xen\n"
                     "\n"
                     "[xen]\n"
                     "options=%s\n"
                     "kernel=%s%s%s\n"
                     "%s%s%s",
                     strempty(xen_options), kernel, isempty(k->options) ? "" : " ", strempty(k->options),
                     initrd ? "ramdisk=" : "", strempty(initrd), initrd ? "\n" : "") < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int sdboot_xen_entry(const SdbootKernelEntry *k, const char *image, char **ret) {
        char *s;

        if (asprintf(&s,
                     "# Made by xen-dom0d from %s.conf; rewritten at each refresh.\n"
                     "title Xen with %s\n"
                     "%s%s%s"
                     "%s%s%s"
                     "%s%s%s"
                     "efi %s\n",
                     k->id, k->title ?: k->id,
                     k->version ? "version " : "", strempty(k->version), k->version ? "\n" : "",
                     k->machine_id ? "machine-id " : "", strempty(k->machine_id), k->machine_id ? "\n" : "",
                     k->sort_key ? "sort-key " : "", strempty(k->sort_key), k->sort_key ? "\n" : "",
                     image) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* ---- files ---------------------------------------------------------------------------------- */

static char *path_join3(const char *a, const char *b, const char *c) {
        char *s;

        if (asprintf(&s, "%s/%s%s%s", a, b, c ? "/" : "", strempty(c)) < 0)
                return NULL;
        return s;
}

static int fsync_path(const char *path, int flags) {
        _cleanup_close_ int fd = open(path, flags | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

/* Writes text to tmp, fsynced. On failure tmp is gone. */
static int write_tmp(const char *tmp, const char *text) {
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        size_t n = strlen(text), done = 0;
        int r = 0;

        if (fd < 0)
                return -errno;
        while (done < n) {
                ssize_t k = write(fd, text + done, n - done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                done += (size_t) k;
        }
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (r == 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

static int mkdir_p(const char *root, const char *rel) {
        _cleanup_free_ char *p = path_join3(root, rel, NULL);

        if (!p)
                return -ENOMEM;
        for (char *s = p + strlen(root) + 1;; s++) {
                if (*s == '/' || *s == 0) {
                        char c = *s;
                        *s = 0;
                        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *s = c;
                        if (c == 0)
                                return 0;
                }
        }
}

static int cmp_str(const void *a, const void *b) {
        return strverscmp(*(char *const *) a, *(char *const *) b);
}

/* The names in dir that start with prefix and end with suffix, sorted. A missing dir is empty. */
static int list_dir(const char *dir, const char *prefix, const char *suffix, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        DIR *d = opendir(dir);
        struct dirent *de;
        int r = 0;

        if (!d) {
                if (errno != ENOENT)
                        return -errno;
                *ret = NULL;
                return 0;
        }
        while ((errno = 0, de = readdir(d))) {
                if (!startswith(de->d_name, prefix) || !endswith(de->d_name, suffix) ||
                    strlen(de->d_name) <= strlen(prefix) + strlen(suffix))
                        continue;
                r = strv_extend(&l, de->d_name);
                if (r < 0)
                        break;
        }
        if (r == 0 && errno != 0)
                r = -errno;
        closedir(d);
        if (r < 0)
                return r;
        if (l)
                qsort(l, strv_length(l), sizeof(char *), cmp_str);
        *ret = TAKE_PTR(l);
        return 0;
}

/* ---- reading the Xen entries back --------------------------------------------------------- */

static int xen_entry_line(const char *k, size_t kl, const char *v, size_t vl, void *userdata) {
        BootEntry *e = userdata;

        if (key_is(k, kl, "title"))
                return set_value(&e->title, v, vl);
        if (key_is(k, kl, "efi"))
                return set_value(&e->xen, v, vl);
        return 0;
}

static int set_first(char **field, const char *v, size_t n) {
        return *field ? 0 : set_value(field, v, n);
}

/* Fills the Xen and dom0 fields of e from the text of a .config section as Xen reads it: the
 * section that [global]'s default= names, or without one the first of each key anywhere. */
static int parse_xen_config(const char *cfg, BootEntry *e) {
        _cleanup_free_ char *want = NULL;

        for (int pass = 0; pass < 2; pass++) {
                bool in = pass == 1 && !want;
                bool global = false;

                for (const char *p = cfg, *eol; *p; p = *eol ? eol + 1 : eol) {
                        const char *end, *v;
                        int r = 0;

                        eol = strchrnul(p, '\n');
                        end = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
                        if (*p == '[') {
                                size_t n = (size_t) (end - p);
                                global = n == 8 && memcmp(p, "[global]", 8) == 0;
                                if (want)
                                        in = n == strlen(want) + 2 && memcmp(p + 1, want, n - 2) == 0 && p[n - 1] == ']';
                                continue;
                        }
                        if (pass == 0) {
                                if (global && (v = startswith(p, "default=")) && v < end)
                                        r = set_first(&want, v, (size_t) (end - v));
                        } else if (in) {
                                if ((v = startswith(p, "options=")) && v <= end)
                                        r = set_first(&e->xen_options, v, (size_t) (end - v));
                                else if ((v = startswith(p, "ramdisk=")) && v <= end)
                                        r = set_first(&e->initrd, v, (size_t) (end - v));
                                else if ((v = startswith(p, "kernel=")) && v <= end && !e->kernel) {
                                        const char *sp = memchr(v, ' ', (size_t) (end - v));
                                        r = set_value(&e->kernel, v, (size_t) ((sp ?: end) - v));
                                        if (r >= 0 && sp)
                                                r = set_value(&e->kernel_options, sp + 1, (size_t) (end - sp - 1));
                                }
                        }
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int read_image_config(const char *path, char **ret) {
        _cleanup_(pe_image_done) PeImage img = {};
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        const PeSection *s;
        int r;

        if (fd < 0)
                return -errno;
        r = pe_image_read(fd, &img, NULL);
        if (r < 0)
                return r;
        s = pe_image_find(&img, ".config");
        if (!s)
                return -ENOENT;
        return pe_section_read(fd, s, ret, NULL);
}

int sdboot_read_xen_entries(const char *esp, BootEntries *ret) {
        _cleanup_(boot_entries_done) BootEntries l = {};
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *dir = path_join3(esp, ENTRIES_DIR, NULL);
        int r;

        if (!dir)
                return -ENOMEM;
        r = list_dir(dir, XEN_PREFIX, ".conf", &names);
        if (r < 0)
                return r;
        STRV_FOREACH(name, names) {
                _cleanup_(boot_entry_done) BootEntry e = {};
                _cleanup_free_ char *path = path_join3(dir, *name, NULL), *text = NULL, *cfg = NULL;

                if (!path)
                        return -ENOMEM;
                r = boot_read_text(path, &text);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                e.id = strdup(*name);
                if (!e.id)
                        return -ENOMEM;
                r = foreach_key(text, xen_entry_line, &e);
                if (r < 0)
                        return r;
                /* What the next boot will use is what the image holds: read it back. */
                if (e.xen && e.xen[0] == '/') {
                        _cleanup_free_ char *image = path_join3(esp, e.xen + 1, NULL);
                        if (!image)
                                return -ENOMEM;
                        r = read_image_config(image, &cfg);
                        if (r == -ENOMEM)
                                return r;
                        if (r >= 0) {
                                r = parse_xen_config(cfg, &e);
                                if (r < 0)
                                        return r;
                        }
                }
                r = boot_entries_add(&l, &e);
                if (r < 0)
                        return r;
        }
        *ret = l;
        l = (BootEntries) {};
        return 0;
}

/* ---- refresh -------------------------------------------------------------------------------- */

typedef struct Job {
        SdbootKernelEntry k;
        char *entry_name;  /* xen-<id>.conf */
        char *entry_path;
        char *entry_tmp;
        char *image_name;  /* xen-<id>.efi */
        char *image_path;
        char *image_tmp;
        char *cfg_tmp;
} Job;

typedef struct Refresh {
        const SdbootParams *p;
        const char *objcopy;
        char *entries_dir;
        char *xen_dir;
        Job *jobs;
        size_t n_jobs;
        char *error;
} Refresh;

static void refresh_done(Refresh *c) {
        for (size_t i = 0; i < c->n_jobs; i++) {
                Job *j = &c->jobs[i];
                /* whatever temporary file is still there was not renamed: it goes */
                if (j->entry_tmp)
                        (void) unlink(j->entry_tmp);
                if (j->image_tmp)
                        (void) unlink(j->image_tmp);
                if (j->cfg_tmp)
                        (void) unlink(j->cfg_tmp);
                sdboot_kernel_entry_done(&j->k);
                free(j->entry_name);
                free(j->entry_path);
                free(j->entry_tmp);
                free(j->image_name);
                free(j->image_path);
                free(j->image_tmp);
                free(j->cfg_tmp);
        }
        free(c->jobs);
        free(c->entries_dir);
        free(c->xen_dir);
        free(c->error);
}

#define dbg(c, ...) boot_log((c)->p->log, BOOT_VERBOSITY_DEBUG, __VA_ARGS__)

/* Records the one-sentence reason of a failure (the first one wins) and returns r. */
_printf_(3, 4) static int fail(Refresh *c, int r, const char *fmt, ...) {
        va_list ap;

        if (c->error)
                return r;
        va_start(ap, fmt);
        if (vasprintf(&c->error, fmt, ap) < 0)
                c->error = NULL;
        va_end(ap);
        return r;
}

static int fail_errno(Refresh *c, int r, const char *what, const char *path) {
        if (r == -ENOMEM)
                return fail(c, r, "Out of memory.");
        return fail(c, r, "Cannot %s %s: %s.", what, path, strerror(-r));
}

static void remove_leftovers(Refresh *c, const char *dir) {
        _cleanup_strv_free_ char **tmps = NULL;

        if (list_dir(dir, "." XEN_PREFIX, ".tmp", &tmps) < 0)
                return;
        STRV_FOREACH(t, tmps) {
                _cleanup_free_ char *path = path_join3(dir, *t, NULL);
                if (path && unlink(path) >= 0)
                        dbg(c, "removed %s, left over by an interrupted run", path);
        }
}

static int add_job(Refresh *c, SdbootKernelEntry *k) {
        Job *n, j = {};
        int r = -ENOMEM;

        n = realloc(c->jobs, sizeof(Job) * (c->n_jobs + 1));
        if (!n)
                return -ENOMEM;
        c->jobs = n;
        if (asprintf(&j.entry_name, XEN_PREFIX "%s.conf", k->id) < 0 ||
            asprintf(&j.image_name, XEN_PREFIX "%s.efi", k->id) < 0 ||
            !(j.entry_path = path_join3(c->entries_dir, j.entry_name, NULL)) ||
            !(j.image_path = path_join3(c->xen_dir, j.image_name, NULL)) ||
            asprintf(&j.entry_tmp, "%s/.%s.tmp", c->entries_dir, j.entry_name) < 0 ||
            asprintf(&j.image_tmp, "%s/.%s.tmp", c->xen_dir, j.image_name) < 0 ||
            asprintf(&j.cfg_tmp, "%s/." XEN_PREFIX "%s.cfg.tmp", c->xen_dir, k->id) < 0) {
                /* asprintf leaves its pointer undefined on failure */
                r = -ENOMEM;
                goto fail;
        }
        j.k = *k;
        *k = (SdbootKernelEntry) {};
        c->jobs[c->n_jobs++] = j;
        return 0;
fail:
        free(j.entry_name);
        free(j.image_name);
        free(j.entry_path);
        free(j.image_path);
        free(j.entry_tmp);
        free(j.image_tmp);
        free(j.cfg_tmp);
        return r;
}

static bool on_esp(const char *esp, const char *path) {
        _cleanup_free_ char *p = NULL;

        if (isempty(path) || path[0] != '/')
                return false;
        p = path_join3(esp, path + 1, NULL);
        return p && access(p, F_OK) >= 0;
}

static int collect_kernels(Refresh *c) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = list_dir(c->entries_dir, "", ".conf", &names);
        if (r < 0)
                return fail_errno(c, r, "read", c->entries_dir);
        STRV_FOREACH(name, names) {
                _cleanup_(sdboot_kernel_entry_done) SdbootKernelEntry k = {};
                _cleanup_free_ char *path = NULL, *text = NULL, *id = NULL;

                if (startswith(*name, XEN_PREFIX) || (*name)[0] == '.')
                        continue;
                id = strndup(*name, strlen(*name) - strlen(".conf"));
                path = path_join3(c->entries_dir, *name, NULL);
                if (!id || !path)
                        return fail(c, -ENOMEM, "Out of memory.");
                r = boot_read_text(path, &text);
                if (r < 0)
                        return fail_errno(c, r, "read", path);
                r = sdboot_parse_entry(id, text, &k);
                if (r == -EINVAL) {
                        dbg(c, "skipping %s: not a Linux entry", *name);
                        continue;
                }
                if (r < 0)
                        return fail_errno(c, r, "parse", path);
                if (!on_esp(c->p->esp, k.linux_path) || (k.initrds && !on_esp(c->p->esp, k.initrds[0]))) {
                        dbg(c, "skipping %s: its kernel or initrd is not on the ESP, where Xen could not load it", *name);
                        continue;
                }
                if (strv_length(k.initrds) > 1)
                        dbg(c, "%s: Xen loads one ramdisk, the first of its %zu initrds", *name, strv_length(k.initrds));
                dbg(c, "found kernel entry %s (version %s)", *name, strna(k.version));
                r = add_job(c, &k);
                if (r < 0)
                        return fail(c, r, "Out of memory.");
        }
        return 0;
}

/* The Xen image's headers: where .config goes. */
static int xen_image_vma(Refresh *c, uint64_t *ret) {
        _cleanup_(pe_image_done) PeImage img = {};
        _cleanup_close_ int fd = -1;
        const char *why = NULL;
        int r;

        if (isempty(c->p->xen_efi))
                return fail(c, -EINVAL, "No Xen EFI image is set (efi.path).");
        fd = open(c->p->xen_efi, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return fail_errno(c, -errno, "read", c->p->xen_efi);
        r = pe_image_read(fd, &img, &why);
        if (r == -EBADMSG)
                return fail(c, r, "%s is not a PE image: %s.", c->p->xen_efi, why);
        if (r < 0)
                return fail_errno(c, r, "read", c->p->xen_efi);
        if (pe_image_find(&img, ".config"))
                return fail(c, -EEXIST, "%s already has a .config section: it must be Xen's own image.", c->p->xen_efi);
        *ret = pe_image_next_vma(&img);
        dbg(c, "%s ends at 0x%016" PRIx64 ": .config goes at 0x%016" PRIx64, c->p->xen_efi, pe_image_end(&img), *ret);
        return 0;
}

/* Runs argv, no shell; its standard error is kept, its last line tells why it failed. */
static int run(Refresh *c, char *const *argv, const char *dest) {
        char err[4096];
        size_t n = 0;
        int pipefd[2], status;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return fail_errno(c, -errno, "run", argv[0]);
        fflush(NULL);
        pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return fail_errno(c, r, "run", argv[0]);
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        (void) dup2(null, STDIN_FILENO);
                        (void) dup2(null, STDOUT_FILENO);
                }
                (void) dup2(pipefd[1], STDERR_FILENO);
                execvp(argv[0], argv);
                dprintf(STDERR_FILENO, "cannot execute it: %s\n", strerror(errno));
                _exit(127);
        }
        close(pipefd[1]);
        for (;;) {
                ssize_t k = read(pipefd[0], err + n, sizeof err - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                n += (size_t) k;
                if (n == sizeof err - 1) {
                        /* keep the end: the last line is the one that says why */
                        memmove(err, err + n / 2, n - n / 2);
                        n -= n / 2;
                }
        }
        close(pipefd[0]);
        err[n] = 0;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return fail_errno(c, -errno, "run", argv[0]);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;

        while (n > 0 && strchr("\n\r\t .", err[n - 1]))
                err[--n] = 0;
        {
                char *last = strrchr(err, '\n');
                last = last ? last + 1 : err;
                /* binutils is only recommended: GRUB hosts need no objcopy. */
                if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && startswith(last, "cannot execute it"))
                        return fail(c, -ENOENT, "Cannot write %s: %s cannot be run (%s); install binutils.", dest,
                                    argv[0], last);
                if (*last)
                        return fail(c, -EIO, "Cannot write %s: %s failed: %s.", dest, argv[0], last);
        }
        if (WIFEXITED(status))
                return fail(c, -EIO, "Cannot write %s: %s exited with status %d.", dest, argv[0], WEXITSTATUS(status));
        return fail(c, -EIO, "Cannot write %s: %s was killed by signal %d.", dest, argv[0], WTERMSIG(status));
}

/* Builds a job's image and entry as temporary files beside their destinations. */
static int build(Refresh *c, Job *j, uint64_t vma) {
        _cleanup_free_ char *cfg = NULL, *entry = NULL, *image = NULL, *add = NULL, *change = NULL, *back = NULL;
        int r;

        r = sdboot_xen_config(&j->k, c->p->xen_options, &cfg);
        if (r == -EINVAL)
                return fail(c, r,
                            "Cannot make a Xen configuration for %s.conf: a path holds a blank, or a command line a '#' or a character that is not printable ASCII, which Xen's configuration file cannot hold.",
                            j->k.id);
        if (r < 0)
                return fail(c, r, "Out of memory.");
        r = write_tmp(j->cfg_tmp, cfg);
        if (r < 0)
                return fail_errno(c, r, "write", j->cfg_tmp);
        dbg(c, "wrote %s", j->cfg_tmp);

        if (asprintf(&add, ".config=%s", j->cfg_tmp) < 0 || asprintf(&change, ".config=0x%016" PRIx64, vma) < 0)
                return fail(c, -ENOMEM, "Out of memory.");
        {
                char *const argv[] = {
                        (char *) c->objcopy, (char *) "--add-section", add, (char *) "--change-section-vma", change,
                        (char *) c->p->xen_efi, j->image_tmp, NULL,
                };
                dbg(c, "running %s --add-section %s --change-section-vma %s %s %s", argv[0], add, change,
                    c->p->xen_efi, j->image_tmp);
                r = run(c, argv, j->image_path);
                if (r < 0)
                        return r;
        }
        r = fsync_path(j->image_tmp, O_RDONLY);
        if (r < 0)
                return fail_errno(c, r, "write", j->image_path);

        /* Read back what the firmware will read: the .config section, at the address meant. */
        r = read_image_config(j->image_tmp, &back);
        if (r == -ENOMEM)
                return fail(c, r, "Out of memory.");
        if (r < 0 || !streq(back, cfg))
                return fail(c, -EIO, "Cannot write %s: %s did not add the .config section.", j->image_path, c->objcopy);
        (void) unlink(j->cfg_tmp);
        j->cfg_tmp = mfree(j->cfg_tmp);

        if (asprintf(&image, "/%s/%s", SDBOOT_XEN_DIR, j->image_name) < 0)
                return fail(c, -ENOMEM, "Out of memory.");
        r = sdboot_xen_entry(&j->k, image, &entry);
        if (r < 0)
                return fail(c, r, "Out of memory.");
        r = write_tmp(j->entry_tmp, entry);
        if (r < 0)
                return fail_errno(c, r, "write", j->entry_path);
        dbg(c, "wrote %s", j->entry_tmp);
        return 0;
}

static int install(Refresh *c, Job *j) {
        int r;

        /* the image first: an entry is never there before what it boots */
        if (rename(j->image_tmp, j->image_path) < 0)
                return fail_errno(c, -errno, "write", j->image_path);
        j->image_tmp = mfree(j->image_tmp);
        r = fileset_fsync_parent(j->image_path);
        if (r < 0)
                return fail_errno(c, r, "write", j->image_path);
        dbg(c, "installed %s", j->image_path);
        if (rename(j->entry_tmp, j->entry_path) < 0)
                return fail_errno(c, -errno, "write", j->entry_path);
        j->entry_tmp = mfree(j->entry_tmp);
        r = fileset_fsync_parent(j->entry_path);
        if (r < 0)
                return fail_errno(c, r, "write", j->entry_path);
        dbg(c, "installed %s", j->entry_path);
        return 0;
}

static bool job_has(const Refresh *c, const char *name, bool image) {
        for (size_t i = 0; i < c->n_jobs; i++)
                if (streq(name, image ? c->jobs[i].image_name : c->jobs[i].entry_name))
                        return true;
        return false;
}

/* Removes the Xen entries and images no kernel entry asks for any more: entries first, so that
 * no entry is left pointing at a removed image. */
static int remove_stale(Refresh *c) {
        const struct {
                const char *dir, *suffix;
                bool image;
        } kinds[] = {
                { c->entries_dir, ".conf", false },
                { c->xen_dir, ".efi", true },
        };
        int r;

        for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                _cleanup_strv_free_ char **names = NULL;

                r = list_dir(kinds[k].dir, XEN_PREFIX, kinds[k].suffix, &names);
                if (r < 0)
                        return fail_errno(c, r, "read", kinds[k].dir);
                STRV_FOREACH(name, names) {
                        _cleanup_free_ char *path = NULL;

                        if (job_has(c, *name, kinds[k].image))
                                continue;
                        path = path_join3(kinds[k].dir, *name, NULL);
                        if (!path)
                                return fail(c, -ENOMEM, "Out of memory.");
                        if (unlink(path) < 0 && errno != ENOENT)
                                return fail_errno(c, -errno, "remove", path);
                        dbg(c, "removed stale %s", path);
                }
                if (names)
                        (void) fsync_path(kinds[k].dir, O_RDONLY | O_DIRECTORY);
        }
        return 0;
}

static const Job *newest(const Refresh *c) {
        const Job *best = NULL;

        for (size_t i = 0; i < c->n_jobs; i++) {
                const Job *j = &c->jobs[i];
                int d;

                if (!best) {
                        best = j;
                        continue;
                }
                d = strverscmp(j->k.version ?: j->k.id, best->k.version ?: best->k.id);
                if (d > 0 || (d == 0 && strverscmp(j->k.id, best->k.id) > 0))
                        best = j;
        }
        return best;
}

int sdboot_loader_conf_set_default(const char *text, const char *id, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        bool done = false;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        for (const char *p = strempty(text); *p;) {
                const char *eol = strchrnul(p, '\n'), *k = p + strspn(p, " \t");
                size_t n = (size_t) (eol - p);

                if (startswith(k, "default") && (k + 7 == eol || strchr(" \t\r", k[7]))) {
                        /* the first default line is ours; a later one would override it */
                        if (!done)
                                fprintf(f, "default %s\n", id);
                        done = true;
                } else
                        fprintf(f, "%.*s\n", (int) n, p);
                p = *eol ? eol + 1 : eol;
        }
        if (!done)
                fprintf(f, "default %s\n", id);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int set_default(Refresh *c) {
        _cleanup_free_ char *path = path_join3(c->p->esp, LOADER_CONF, NULL), *tmp = NULL, *old = NULL, *new = NULL;
        const Job *j = newest(c);
        int r;

        if (!j)
                return 0;
        if (!path || asprintf(&tmp, "%s/loader/.loader.conf.tmp", c->p->esp) < 0)
                return fail(c, -ENOMEM, "Out of memory.");
        r = boot_read_text(path, &old);
        if (r < 0 && r != -ENOENT)
                return fail_errno(c, r, "read", path);
        r = sdboot_loader_conf_set_default(old, j->entry_name, &new);
        if (r < 0)
                return fail(c, r, "Out of memory.");
        if (old && streq(old, new)) {
                dbg(c, "%s already has default %s", path, j->entry_name);
                return 0;
        }
        r = write_tmp(tmp, new);
        if (r < 0)
                return fail_errno(c, r, "write", path);
        if (rename(tmp, path) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return fail_errno(c, r, "write", path);
        }
        (void) fileset_fsync_parent(path);
        dbg(c, "set default %s in %s", j->entry_name, path);
        return 0;
}

static int refresh(Refresh *c) {
        uint64_t vma = 0;
        int r;

        if (isempty(c->p->esp))
                return fail(c, -EINVAL, "No ESP is set.");
        c->entries_dir = path_join3(c->p->esp, ENTRIES_DIR, NULL);
        c->xen_dir = path_join3(c->p->esp, SDBOOT_XEN_DIR, NULL);
        if (!c->entries_dir || !c->xen_dir)
                return fail(c, -ENOMEM, "Out of memory.");

        r = xen_image_vma(c, &vma);
        if (r < 0)
                return r;
        r = mkdir_p(c->p->esp, SDBOOT_XEN_DIR);
        if (r < 0)
                return fail_errno(c, r, "create", c->xen_dir);
        r = mkdir_p(c->p->esp, ENTRIES_DIR);
        if (r < 0)
                return fail_errno(c, r, "create", c->entries_dir);
        remove_leftovers(c, c->xen_dir);
        remove_leftovers(c, c->entries_dir);

        r = collect_kernels(c);
        if (r < 0)
                return r;
        /* Everything new is built beside the old files before any of them is replaced: a
         * failure leaves the entries as they were. */
        for (size_t i = 0; i < c->n_jobs; i++) {
                r = build(c, &c->jobs[i], vma);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < c->n_jobs; i++) {
                r = install(c, &c->jobs[i]);
                if (r < 0)
                        return r;
        }
        r = remove_stale(c);
        if (r < 0)
                return r;
        return set_default(c);
}

int sdboot_refresh(const SdbootParams *p, BootEntries *ret_entries, char **ret_error) {
        _cleanup_(refresh_done) Refresh c = { .p = p, .objcopy = p->objcopy ?: "objcopy" };
        _cleanup_(boot_entries_done) BootEntries before = {}, after = {};
        int r;

        if (p->esp)
                (void) sdboot_read_xen_entries(p->esp, &before);
        r = refresh(&c);
        if (r >= 0) {
                r = sdboot_read_xen_entries(p->esp, &after);
                if (r < 0)
                        (void) fail_errno(&c, r, "read the entries in", c.entries_dir);
        }
        if (r < 0) {
                if (!c.error)
                        (void) fail(&c, r, "%s.", strerror(-r));
                boot_log(p->log, BOOT_VERBOSITY_DEFAULT, "Installing Xen boot entries... failed: %s", c.error);
                if (ret_error)
                        *ret_error = TAKE_PTR(c.error);
                return r;
        }
        boot_log(p->log, BOOT_VERBOSITY_DEFAULT, "Installing Xen boot entries... %s",
                 c.n_jobs > 0 ? "done." : "none found: no kernel entry on the ESP.");
        boot_entries_log_diff(p->log, &before, &after);
        if (ret_entries) {
                *ret_entries = after;
                after = (BootEntries) {};
        }
        if (ret_error)
                *ret_error = NULL;
        return 0;
}
