/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rendering of oxenstored.conf, the xencommons and xendomains environment, the Xen boot
 * parameters (GRUB snippet and bootspec), and the kernel module files. */

#include <inttypes.h>
#include <json-c/json.h>
#include <sys/stat.h>

#include "paths.h"
#include "render.h"
#include "strv.h"

/* The names of the Xen module list: most are aliases on current kernels, and a missing one is
 * no error. The non-legacy ones, in this order, are the boot-time modules-load.d file. */
const Dom0Module dom0_modules[] = {
        { "xen-evtchn", .store = true },
        { "xen-gntdev", .store = true },
        { "xen-gntalloc", .store = true },
        { "xen-blkback" },
        { "xen-netback" },
        { "xen-pciback" },
        { "xen-acpi-processor" },
        { "tun" },
        { "xen_wdt" },
        { "xen-privcmd", .store = true },
        { "xen-scsiback" },
        { "xenfs", .store = true },
        { "evtchn", .store = true, .legacy = true },
        { "gntdev", .store = true, .legacy = true },
        { "netbk", .legacy = true },
        { "blkbk", .legacy = true },
        { "xen-scsibk", .legacy = true },
        { "usbbk", .legacy = true },
        { "pciback", .legacy = true },
        { "blktap2", .legacy = true },
        { "netxen_nic", .legacy = true },
        {},
};

static void header(FILE *f, const Config *c, const char *comment) {
        const char *p = c->path;

        while ((unsigned char) *p >= ' ' && *p != 0x7f)
                p++;
        if (!*p)
                fprintf(f, "%s " RENDER_MARKER " from %s.\n", comment, c->path);
        else {
                /* The path ends up inside a comment of files that shells source: a newline in it
                 * (the path is the caller's) must not end the comment and start a command. */
                fprintf(f, "%s " RENDER_MARKER " from ", comment);
                for (p = c->path; *p; p++)
                        fputc((unsigned char) *p < ' ' || *p == 0x7f ? '?' : *p, f);
                fputs(".\n", f);
        }
        fprintf(f, "%s Do not edit: changes are overwritten; edit that file and run\n"
                   "%s \"systemctl reload xen-dom0\" instead.\n",
                comment, comment);
}

/* One stream for every file of a render: open_memstream() allocates and clears BUFSIZ bytes each
 * time, which at eight files made a seventh of the pipeline's instructions. Each file is the
 * part written since its buf_open(), copied out at its buf_commit(). */
typedef struct Render {
        FileSet *files;
        FILE *f;
        char *data;
        size_t size;
} Render;

typedef struct Buf {
        FILE *f;
        size_t start;
} Buf;

/* Starts a file with the header that marks it as rendered from c. */
static int buf_open(Render *rd, Buf *b, const Config *c) {
        if (fflush(rd->f) != 0)
                return -ENOMEM;
        *b = (Buf) { .f = rd->f, .start = rd->size };
        header(b->f, c, "#");
        return 0;
}

/* A copy of what was written since buf_open(), NUL-terminated; caller frees. */
static int buf_take(Buf *b, Render *rd, char **ret, size_t *ret_size) {
        size_t n;

        if (fflush(rd->f) != 0 || ferror(rd->f) || rd->size < b->start)
                return -ENOMEM;
        n = rd->size - b->start;
        *ret = malloc(n + 1);
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, rd->data + b->start, n);
        (*ret)[n] = 0;
        *ret_size = n;
        return 0;
}

/* Adds what was written since buf_open() to the set. */
static int buf_commit(Buf *b, Render *rd, const char *path, mode_t mode) {
        char *content;
        size_t n;
        int r = buf_take(b, rd, &content, &n);

        return r < 0 ? r : fileset_add(rd->files, path, content, n, mode);
}

int render_boot_params(const Config *c, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        int64_t mem = config_int(c, OPT_DOM0_MEMORY), max = config_int(c, OPT_DOM0_MAX_MEMORY);
        int64_t vcpus = config_int(c, OPT_DOM0_MAX_VCPUS);
        char *s;

        if (!l)
                return -ENOMEM;
        if (config_bool(c, OPT_TRACE))
                if (strv_extend(&l, "loglvl=all") < 0 || strv_extend(&l, "guest_loglvl=all") < 0)
                        return -ENOMEM;
        if (mem != 0) {
                if (max != mem ? asprintf(&s, "dom0_mem=%" PRId64 "M,max:%" PRId64 "M", mem, max) < 0
                               : asprintf(&s, "dom0_mem=%" PRId64 "M", mem) < 0)
                        return -ENOMEM;
                if (strv_consume(&l, s) < 0)
                        return -ENOMEM;
        }
        if (vcpus != 0) {
                if (asprintf(&s, "dom0_max_vcpus=%" PRId64, vcpus) < 0 || strv_consume(&l, s) < 0)
                        return -ENOMEM;
        }
        STRV_FOREACH(p, config_strv(c, OPT_BOOT_PARAMS))
                if (strv_extend(&l, *p) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

static int render_oxenstored_conf(const Config *c, Render *s) {
        Buf b;
        int r;

        r = buf_open(s, &b, c);
        if (r < 0)
                return r;
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                _cleanup_free_ char *v = NULL;

                if (!option_table[i].oxenstored_key)
                        continue;
                /* One formatter for every value: booleans true/false, floats with a decimal point. */
                v = config_value_to_string(c, i);
                if (!v)
                        return -ENOMEM;
                fprintf(b.f, "%s = %s\n", option_table[i].oxenstored_key, v);
        }
        return buf_commit(&b, s, PATH_OXENSTORED_CONF, 0644);
}

static int render_xencommons(const Config *c, Render *s) {
        bool trace = config_bool(c, OPT_TRACE);
        Buf b;
        int r;

        r = buf_open(s, &b, c);
        if (r < 0)
                return r;
        fputs("# The environment of the Xen dom0 component units (EnvironmentFile=).\n", b.f);
        fprintf(b.f, "XEN_DOM0_PACKAGE=%s\n", config_str(c, OPT_PACKAGE));
        fprintf(b.f, "XENSTORED=%s\n", config_str(c, OPT_STORE_PATH));
        fprintf(b.f, "XENSTORED_TYPE=%s\n", config_enum(c, OPT_STORE_TYPE));
        fprintf(b.f, "XENSTORED_PIDFILE=%s\n", config_str(c, OPT_STORE_PID_FILE));
        if (config_store_is_ocaml(c))
                fprintf(b.f, "XENSTORED_ARGS=\"--no-fork --config-file=%s\"\n", PATH_OXENSTORED_CONF);
        else
                fprintf(b.f, "XENSTORED_ARGS=\"--no-fork --pid-file=%s%s\"\n", config_str(c, OPT_STORE_PID_FILE),
                        trace ? " --trace-file=" XENSTORED_TRACE_FILE : "");
        if (trace)
                fputs("XENSTORED_TRACE=yes\n", b.f);
        fprintf(b.f, "XENCONSOLED_TRACE=%s\n", trace ? "all" : "none");
        fputs("XENCONSOLED_LOG_DIR=" XENCONSOLED_LOG_DIR "\n", b.f);
        fprintf(b.f, "QEMU_XEN=%s\n", config_str(c, OPT_QEMU_PACKAGE));
        fprintf(b.f, "QEMU_PIDFILE=%s\n", config_str(c, OPT_QEMU_PID_FILE));
        return buf_commit(&b, s, PATH_XENCOMMONS, 0644);
}

static int render_xendomains(const Config *c, Render *s) {
        const char *extra = config_str(c, OPT_DOMAINS_EXTRA_CONFIG);
        Buf b;
        int r;

        r = buf_open(s, &b, c);
        if (r < 0)
                return r;
        fputs("# Read by xendomains in place of /etc/default/xendomains. XENDOMAINS_AUTO holds the files of\n"
              "# /etc/xen/auto but those of declared guests, linked there by xendomains.service.\n"
              "XENDOMAINS_SYSRQ=\"\"\n"
              "XENDOMAINS_USLEEP=100000\n"
              "XENDOMAINS_CREATE_USLEEP=5000000\n"
              "XENDOMAINS_MIGRATE=\"\"\n"
              "XENDOMAINS_SAVE=/var/lib/xen/save\n"
              "XENDOMAINS_SHUTDOWN=\"--wait\"\n"
              "XENDOMAINS_SHUTDOWN_ALL=\"--all --wait\"\n"
              "XENDOMAINS_RESTORE=true\n"
              "XENDOMAINS_AUTO=" XENDOMAINS_AUTO_DIR "\n"
              "XENDOMAINS_AUTO_ONLY=true\n"
              "XENDOMAINS_STOP_MAXWAIT=300\n",
              b.f);
        if (extra && *extra)
                fprintf(b.f, "# domains.extraConfig\n%s%s", extra, endswith(extra, "\n") ? "" : "\n");
        return buf_commit(&b, s, PATH_XENDOMAINS, 0644);
}

static int render_grub(const Config *c, char *const *params, Render *s) {
        _cleanup_free_ char *line = strv_join(params, " ");
        Buf b;
        int r;

        if (!line)
                return -ENOMEM;
        r = buf_open(s, &b, c);
        if (r < 0)
                return r;
        fputs("# Xen hypervisor command line for update-grub (20_linux_xen); a setting of the same\n"
              "# variable in /etc/default/grub.d/xen.cfg, read after this file, would override it.\n",
              b.f);
        fprintf(b.f, "GRUB_CMDLINE_XEN_DEFAULT=\"%s\"\n", line);
        return buf_commit(&b, s, PATH_GRUB_SNIPPET, 0644);
}

/* What the boot entry builder (xen-dom0-boot-entries.service) reads: an EnvironmentFile=. */
static int render_boot_entries_env(const Config *c, char *const *params, Render *s) {
        _cleanup_free_ char *line = strv_join(params, " ");
        Buf b;
        int r;

        if (!line)
                return -ENOMEM;
        r = buf_open(s, &b, c);
        if (r < 0)
                return r;
        fputs("# Read by xen-dom0-boot-entries.service, which writes the Xen boot entries.\n", b.f);
        fprintf(b.f, "XEN_DOM0_BOOT_LOADER=%s\n", config_enum(c, OPT_BOOT_ENTRIES_LOADER));
        fprintf(b.f, "XEN_DOM0_BOOT_VERBOSITY=%s\n", config_enum(c, OPT_EFI_BOOT_BUILDER_VERBOSITY));
        /* Boot words and paths hold no quote, backslash or newline (validated). */
        fprintf(b.f, "XEN_DOM0_XEN_EFI=\"%s\"\n", config_str(c, OPT_EFI_PATH));
        fprintf(b.f, "XEN_DOM0_XEN_OPTIONS=\"%s\"\n", line);
        return buf_commit(&b, s, PATH_BOOT_ENTRIES_ENV, 0644);
}

static int render_bootspec(const Config *c, char *const *params, Render *s) {
        json_object *root = json_object_new_object(), *ext = json_object_new_object(),
                    *arr = json_object_new_array();
        _cleanup_free_ char *note = NULL;
        const char *text;
        char *out;
        int r = -ENOMEM;

        if (!root || !ext || !arr)
                goto finish;
        STRV_FOREACH(p, params)
                if (json_object_array_add(arr, json_object_new_string(*p)) < 0)
                        goto finish;
        if (json_object_object_add(ext, "xen", json_object_new_string(config_str(c, OPT_EFI_PATH))) < 0)
                goto finish;
        if (json_object_object_add(ext, "xenParams", arr) < 0)
                goto finish;
        arr = NULL;
        if (asprintf(&note, RENDER_MARKER " from %s; do not edit", c->path) < 0) {
                note = NULL;
                goto finish;
        }
        /* JSON has no comments: the header is a key of its own, first in the document. */
        if (json_object_object_add(root, "_comment", json_object_new_string(note)) < 0)
                goto finish;
        if (json_object_object_add(root, "org.xenproject.bootspec.v1", ext) < 0)
                goto finish;
        ext = NULL;
        text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text || asprintf(&out, "%s\n", text) < 0)
                goto finish;
        r = fileset_add(s->files, PATH_BOOTSPEC, out, strlen(out), 0644);
finish:
        json_object_put(arr);
        json_object_put(ext);
        json_object_put(root);
        return r;
}

static int render_modules(const Config *c, Render *s) {
        Buf b;
        int r;

        r = buf_open(s, &b, c);
        if (r < 0)
                return r;
        fputs("# Kernel modules of the Xen dom0 stack, loaded at boot by systemd-modules-load.\n", b.f);
        for (const Dom0Module *m = dom0_modules; m->name; m++)
                if (!m->legacy)
                        fprintf(b.f, "%s\n", m->name);
        r = buf_commit(&b, s, PATH_MODULES_LOAD, 0644);
        if (r < 0)
                return r;

        r = buf_open(s, &b, c);
        if (r < 0)
                return r;
        fputs("# Enough loop devices for file-backed guest disks.\noptions loop max_loop=64\n", b.f);
        return buf_commit(&b, s, PATH_MODPROBE, 0644);
}

/* Each declared guest's xl.cfg, and xl.conf. */
static int render_guests(const Config *c, Render *s) {
        _cleanup_free_ char *text = NULL;
        size_t n;
        Buf b;
        int r;

        r = buf_open(s, &b, c);
        if (r < 0)
                return r;
        r = buf_take(&b, s, &text, &n); /* the header alone: each guest's file begins with it */
        if (r < 0)
                return r;
        return guests_render(&c->guests, &c->xl, text, s->files);
}

int render_config(const Config *c, FileSet *ret) {
        _cleanup_strv_free_ char **params = NULL;
        FileSet files = {};
        Render s = { .files = &files };
        int r;

        r = render_boot_params(c, &params);
        if (r < 0)
                return r;
        s.f = open_memstream(&s.data, &s.size);
        if (!s.f)
                return -ENOMEM;
        if (config_store_is_ocaml(c)) {
                r = render_oxenstored_conf(c, &s);
                if (r < 0)
                        goto finish;
        }
        if ((r = render_xencommons(c, &s)) < 0 || (r = render_xendomains(c, &s)) < 0 ||
            (r = render_bootspec(c, params, &s)) < 0 || (r = render_grub(c, params, &s)) < 0 ||
            (r = render_boot_entries_env(c, params, &s)) < 0 ||
            (r = render_modules(c, &s)) < 0 || (r = render_guests(c, &s)) < 0)
                goto finish;
        *ret = files;
        files = (FileSet) {};
finish:
        fclose(s.f);
        free(s.data);
        fileset_done(&files);
        return r;
}
