/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The systemd-boot half of the boot-entry builder against a fake ESP in a temporary directory:
 * the texts it writes (golden files under tests/data/boot-sdboot, UPDATE_GOLDEN=1 rewrites them),
 * the unified images objcopy makes from a small PE32+ image written here, stale entries, the
 * default, what each verbosity prints, and failures that must leave the old entries alone. */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <sys/stat.h>

#include "boot-sdboot.h"
#include "pe.h"
#include "strv.h"
#include "test-util.h"

#define MID "0123456789abcdef0123456789abcdef"
#define XEN_OPTIONS "dom0_mem=2G,max:2G dom0_max_vcpus=2 loglvl=all"

/* The stand-in for xen.efi: what matters is where its sections end. The last one, .pad, maps
 * more than the file holds (virtual size 0x1234 over 0x200 raw bytes), as a .bss-like section
 * does: it ends at 0x4234, so .config belongs at 0x5000, not at the 0x4000 that the raw size
 * (and objdump -h's column) would give. */
#define FAKE_BASE UINT64_C(0xffff82d040200000)
#define FAKE_END (FAKE_BASE + 0x4234)
#define FAKE_VMA (FAKE_BASE + 0x5000)

static void put16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t) v;
        p[1] = (uint8_t) (v >> 8);
}

static void put32(uint8_t *p, uint32_t v) {
        put16(p, (uint16_t) v);
        put16(p + 2, (uint16_t) (v >> 16));
}

static void put64(uint8_t *p, uint64_t v) {
        put32(p, (uint32_t) v);
        put32(p + 4, (uint32_t) (v >> 32));
}

static void section(uint8_t *h, const char *name, uint32_t vsize, uint32_t va, uint32_t raw, uint32_t off,
                    uint32_t flags) {
        memcpy(h, name, strlen(name));
        put32(h + 8, vsize);
        put32(h + 12, va);
        put32(h + 16, raw);
        put32(h + 20, off);
        put32(h + 36, flags);
}

/* A minimal PE32+ x86-64 EFI application: headers, .text (one ret) and .pad. */
static void write_fake_xen(const char *path) {
        uint8_t img[0x600] = {};
        uint8_t *pe = img + 0x80, *opt = pe + 24;
        FILE *f;

        img[0] = 'M';
        img[1] = 'Z';
        put32(img + 0x3c, 0x80);
        memcpy(pe, "PE\0\0", 4);
        put16(pe + 4, 0x8664);        /* Machine: x86-64 */
        put16(pe + 6, 2);             /* NumberOfSections */
        put16(pe + 20, 240);          /* SizeOfOptionalHeader */
        put16(pe + 22, 0x22);         /* executable, large address aware */
        put16(opt, 0x20b);            /* PE32+ */
        put32(opt + 16, 0x1000);      /* AddressOfEntryPoint */
        put32(opt + 20, 0x1000);      /* BaseOfCode */
        put64(opt + 24, FAKE_BASE);   /* ImageBase */
        put32(opt + 32, 0x1000);      /* SectionAlignment */
        put32(opt + 36, 0x200);       /* FileAlignment */
        put32(opt + 56, 0x5000);      /* SizeOfImage */
        put32(opt + 60, 0x200);       /* SizeOfHeaders */
        put16(opt + 68, 10);          /* Subsystem: EFI application */
        put32(opt + 108, 16);         /* NumberOfRvaAndSizes */
        section(opt + 240, ".text", 0x10, 0x1000, 0x200, 0x200, 0x60000020);
        section(opt + 280, ".pad", 0x1234, 0x3000, 0x200, 0x400, 0xc0000040);
        img[0x200] = 0xc3;

        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(img, 1, sizeof img, f), sizeof img);
        ck_assert_int_eq(fclose(f), 0);
}

static char *join(const char *a, const char *b) {
        char *s;

        ck_assert_int_ge(asprintf(&s, "%s/%s", a, b), 0);
        return s;
}

static void write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "we");

        ck_assert_msg(f, "%s: %s", path, strerror(errno));
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
}

static void mkdirs(const char *root, const char *rel) {
        _cleanup_free_ char *p = join(root, rel);

        for (char *s = p + strlen(root) + 1;; s++)
                if (*s == '/' || !*s) {
                        char c = *s;
                        *s = 0;
                        ck_assert(mkdir(p, 0755) >= 0 || errno == EEXIST);
                        *s = c;
                        if (!c)
                                break;
                }
}

static bool exists(const char *root, const char *rel) {
        _cleanup_free_ char *p = join(root, rel);
        return access(p, F_OK) >= 0;
}

static char *read_rel(const char *root, const char *rel) {
        _cleanup_free_ char *p = join(root, rel);
        return test_read_file(p, NULL);
}

/* A kernel as kernel-install puts it on the ESP: the entry, the kernel and its initrd. */
static void add_kernel(const char *esp, const char *version, const char *options) {
        _cleanup_free_ char *dir = NULL, *entry = NULL, *text = NULL, *k = NULL, *i = NULL;

        ck_assert_int_ge(asprintf(&dir, MID "/%s", version), 0);
        mkdirs(esp, dir);
        mkdirs(esp, "loader/entries");
        ck_assert_int_ge(asprintf(&k, "%s/%s/linux", esp, dir), 0);
        ck_assert_int_ge(asprintf(&i, "%s/%s/initrd.img-%s", esp, dir, version), 0);
        write_text(k, "kernel");
        write_text(i, "initrd");
        ck_assert_int_ge(asprintf(&text,
                                  "# Boot Loader Specification type#1 entry\n"
                                  "title      Debian GNU/Linux 12 (bookworm)\n"
                                  "version    %s\n"
                                  "machine-id " MID "\n"
                                  "sort-key   debian\n"
                                  "options    %s\n"
                                  "linux      /" MID "/%s/linux\n"
                                  "initrd     /" MID "/%s/initrd.img-%s\n",
                                  version, options, version, version, version),
                         0);
        ck_assert_int_ge(asprintf(&entry, "%s/loader/entries/" MID "-%s.conf", esp, version), 0);
        write_text(entry, text);
}

static void remove_kernel_entry(const char *esp, const char *version) {
        _cleanup_free_ char *entry = NULL;

        ck_assert_int_ge(asprintf(&entry, "%s/loader/entries/" MID "-%s.conf", esp, version), 0);
        ck_assert_int_eq(unlink(entry), 0);
}

typedef struct Esp {
        char *tmp;     /* the test's directory */
        char *esp;     /* $tmp/esp */
        char *xen_efi; /* $tmp/xen.efi */
} Esp;

static void esp_done(Esp *e) {
        if (e->tmp)
                test_rm_rf(e->tmp);
        free(e->tmp);
        free(e->esp);
        free(e->xen_efi);
}

static void esp_new(Esp *e) {
        e->tmp = test_mkdtemp();
        e->esp = join(e->tmp, "esp");
        e->xen_efi = join(e->tmp, "xen.efi");
        ck_assert_int_eq(mkdir(e->esp, 0755), 0);
        mkdirs(e->esp, "loader/entries");
        write_fake_xen(e->xen_efi);
}

static int refresh(const Esp *e, const char *xen_efi, const char *objcopy, const char *options, FILE *out,
                   BootVerbosity v, char **ret_error) {
        BootLog log = { .out = out, .verbosity = v };
        SdbootParams p = {
                .esp = e->esp, .xen_efi = xen_efi, .xen_options = options, .objcopy = objcopy, .log = &log,
        };
        _cleanup_(boot_entries_done) BootEntries l = {};

        return sdboot_refresh(&p, &l, ret_error);
}

static void refresh_ok(const Esp *e) {
        _cleanup_free_ char *error = NULL;

        ck_assert_msg(refresh(e, e->xen_efi, NULL, XEN_OPTIONS, NULL, BOOT_VERBOSITY_QUIET, &error) == 0, "%s",
                      strna(error));
        ck_assert_ptr_null(error);
}

static char *replace_all(const char *s, const char *from, const char *to) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        for (const char *p; (p = strstr(s, from)); s = p + strlen(from))
                fprintf(f, "%.*s%s", (int) (p - s), s, to);
        fputs(s, f);
        ck_assert_int_eq(fclose(f), 0);
        return buf;
}

/* The temporary directory's name out of a text, so that it can be compared with a golden file. */
static char *stable(const Esp *e, const char *text) {
        _cleanup_free_ char *a = replace_all(text, e->esp, "$ESP");
        return replace_all(a, e->tmp, "$TMP");
}

/* Any file whose name starts with "." in dir (a temporary file left behind). */
static char *dot_file(const char *esp, const char *rel) {
        _cleanup_free_ char *dir = join(esp, rel);
        DIR *d = opendir(dir);
        struct dirent *de;
        char *found = NULL;

        if (!d)
                return NULL;
        while ((de = readdir(d)))
                if (de->d_name[0] == '.' && !streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        found = strdup(de->d_name);
                        break;
                }
        closedir(d);
        return found;
}

static void assert_no_temporary_files(const Esp *e) {
        const char *dirs[] = { "EFI/xen", "loader/entries", "loader" };

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *f = dot_file(e->esp, dirs[i]);
                ck_assert_msg(!f, "%s/%s left behind", dirs[i], f);
        }
}

/* The .config section of an image as our parser and as objdump -h see it. */
static char *image_config(const char *path, uint64_t *ret_vma) {
        _cleanup_(pe_image_done) PeImage img = {};
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        const PeSection *s;
        char *text = NULL;

        ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
        ck_assert_int_eq(pe_image_read(fd, &img, NULL), 0);
        s = pe_image_find(&img, ".config");
        ck_assert_msg(s, "%s has no .config section", path);
        ck_assert_int_eq(pe_section_read(fd, s, &text, NULL), 0);
        *ret_vma = img.image_base + s->virtual_address;
        return text;
}

static uint64_t objdump_vma(const char *path, const char *name) {
        _cleanup_free_ char *cmd = NULL;
        char line[512], sec[64];
        unsigned long long size, vma = 0;
        bool found = false;
        FILE *f;

        ck_assert_int_ge(asprintf(&cmd, "objdump -h '%s'", path), 0);
        f = popen(cmd, "re");
        ck_assert_ptr_nonnull(f);
        while (fgets(line, sizeof line, f))
                if (sscanf(line, " %*u %63s %llx %llx", sec, &size, &vma) == 3 && streq(sec, name)) {
                        found = true;
                        break;
                }
        while (fgets(line, sizeof line, f))
                ;
        ck_assert_int_eq(pclose(f), 0);
        ck_assert_msg(found, "objdump -h %s shows no %s", path, name);
        return vma;
}

/* ---- texts ---------------------------------------------------------------------------------- */

static const char kernel_13[] =
        "title      Debian GNU/Linux 12 (bookworm)\n"
        "version    6.1.0-13-amd64\n"
        "machine-id " MID "\n"
        "sort-key   debian\n"
        "options    root=UUID=9d4a1f2e-1b2c-4d5e-8f90-a1b2c3d4e5f6 ro\n"
        "options    quiet   \n"
        "linux      /" MID "/6.1.0-13-amd64/linux\n"
        "initrd     /" MID "/6.1.0-13-amd64/initrd.img-6.1.0-13-amd64\n"
        "initrd     /" MID "/6.1.0-13-amd64/extra.img\n";

START_TEST(test_parse_entry) {
        _cleanup_(sdboot_kernel_entry_done) SdbootKernelEntry k = {}, bad = {};

        ck_assert_int_eq(sdboot_parse_entry(MID "-6.1.0-13-amd64", kernel_13, &k), 0);
        ck_assert_str_eq(k.id, MID "-6.1.0-13-amd64");
        ck_assert_str_eq(k.title, "Debian GNU/Linux 12 (bookworm)");
        ck_assert_str_eq(k.version, "6.1.0-13-amd64");
        ck_assert_str_eq(k.machine_id, MID);
        ck_assert_str_eq(k.sort_key, "debian");
        ck_assert_str_eq(k.linux_path, "/" MID "/6.1.0-13-amd64/linux");
        ck_assert_uint_eq(strv_length(k.initrds), 2);
        ck_assert_str_eq(k.initrds[1], "/" MID "/6.1.0-13-amd64/extra.img");
        ck_assert_str_eq(k.options, "root=UUID=9d4a1f2e-1b2c-4d5e-8f90-a1b2c3d4e5f6 ro quiet");

        /* ours, and entries that boot no Linux kernel */
        ck_assert_int_eq(sdboot_parse_entry("xen-" MID "-6.1.0-13-amd64", kernel_13, &bad), -EINVAL);
        ck_assert_int_eq(sdboot_parse_entry("memtest", "title Memtest86+\nefi /memtest.efi\n", &bad), -EINVAL);
        ck_assert_ptr_null(bad.id);
}
END_TEST

START_TEST(test_xen_file_name) {
        static const struct {
                const char *in, *out;
        } ok[] = {
                { "/" MID "/6.1.0-13-amd64/linux", "..\\..\\" MID "\\6.1.0-13-amd64\\linux" },
                { "//vmlinuz", "..\\..\\vmlinuz" },
                { "/a//b/initrd.img", "..\\..\\a\\b\\initrd.img" },
        };
        static const char *const bad[] = { "", "linux", "/a b/linux", "/a/#linux", "/a/\xc3\xa9", "/a/" };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                _cleanup_free_ char *s = NULL;
                ck_assert_int_eq(sdboot_xen_file_name(ok[i].in, &s), 0);
                ck_assert_str_eq(s, ok[i].out);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *s = NULL;
                ck_assert_msg(sdboot_xen_file_name(bad[i], &s) == -EINVAL, "%s accepted", bad[i]);
                ck_assert_ptr_null(s);
        }
}
END_TEST

START_TEST(test_config_golden) {
        _cleanup_(sdboot_kernel_entry_done) SdbootKernelEntry k = {}, bare = {};
        _cleanup_free_ char *cfg = NULL, *cfg_bare = NULL, *no = NULL;

        ck_assert_int_eq(sdboot_parse_entry(MID "-6.1.0-13-amd64", kernel_13, &k), 0);
        ck_assert_int_eq(sdboot_xen_config(&k, XEN_OPTIONS, &cfg), 0);
        test_check_golden("tests/data/boot-sdboot/xen-6.1.0-13-amd64.cfg", cfg);

        /* no options, no initrd, no Xen options: no ramdisk= line, nothing dangling */
        ck_assert_int_eq(sdboot_parse_entry("bare", "linux /vmlinuz\n", &bare), 0);
        ck_assert_int_eq(sdboot_xen_config(&bare, NULL, &cfg_bare), 0);
        test_check_golden("tests/data/boot-sdboot/xen-bare.cfg", cfg_bare);

        /* what Xen's .config would cut short */
        ck_assert_int_eq(sdboot_xen_config(&k, "loglvl=all # comment", &no), -EINVAL);
        ck_assert_int_eq(sdboot_xen_config(&k, "console=\xc3\xa9", &no), -EINVAL);
        ck_assert_ptr_null(no);
}
END_TEST

START_TEST(test_entry_golden) {
        _cleanup_(sdboot_kernel_entry_done) SdbootKernelEntry k = {}, bare = {};
        _cleanup_free_ char *entry = NULL, *entry_bare = NULL;

        ck_assert_int_eq(sdboot_parse_entry(MID "-6.1.0-13-amd64", kernel_13, &k), 0);
        ck_assert_int_eq(sdboot_xen_entry(&k, "/EFI/xen/xen-" MID "-6.1.0-13-amd64.efi", &entry), 0);
        test_check_golden("tests/data/boot-sdboot/xen-6.1.0-13-amd64.conf", entry);

        ck_assert_int_eq(sdboot_parse_entry("bare", "linux /vmlinuz\n", &bare), 0);
        ck_assert_int_eq(sdboot_xen_entry(&bare, "/EFI/xen/xen-bare.efi", &entry_bare), 0);
        test_check_golden("tests/data/boot-sdboot/xen-bare.conf", entry_bare);
}
END_TEST

START_TEST(test_loader_conf) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { NULL, "default xen-a.conf\n" },
                { "", "default xen-a.conf\n" },
                { "timeout 3\n#default old\nconsole-mode max", "timeout 3\n#default old\nconsole-mode max\ndefault xen-a.conf\n" },
                { "timeout 3\n  default " MID "-*\neditor no\n", "timeout 3\ndefault xen-a.conf\neditor no\n" },
                { "default a\ndefault\tb\ndefaults x\n", "default xen-a.conf\ndefaults x\n" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *s = NULL;
                ck_assert_int_eq(sdboot_loader_conf_set_default(cases[i].in, "xen-a.conf", &s), 0);
                ck_assert_str_eq(s, cases[i].out);
        }
}
END_TEST

/* ---- the PE reader -------------------------------------------------------------------------- */

START_TEST(test_pe_headers) {
        _cleanup_(esp_done) Esp e = {};
        _cleanup_(pe_image_done) PeImage img = {};
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *junk = NULL;
        const char *why = NULL;

        esp_new(&e);
        fd = open(e.xen_efi, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pe_image_read(fd, &img, &why), 0);
        ck_assert_uint_eq(img.machine, 0x8664);
        ck_assert_uint_eq(img.image_base, FAKE_BASE);
        ck_assert_uint_eq(img.n_sections, 2);
        ck_assert_str_eq(img.sections[1].name, ".pad");
        ck_assert_uint_eq(pe_image_end(&img), FAKE_END);
        ck_assert_uint_eq(pe_image_next_vma(&img), FAKE_VMA);
        /* objdump agrees on where the sections are */
        ck_assert_uint_eq(objdump_vma(e.xen_efi, ".pad"), FAKE_BASE + 0x3000);

        /* a file that is not one */
        junk = join(e.tmp, "junk");
        write_text(junk, "MZ but nothing after it");
        close(fd);
        fd = open(junk, O_RDONLY | O_CLOEXEC);
        ck_assert_int_eq(pe_image_read(fd, &img, &why), -EBADMSG);
        ck_assert_str_eq(why, "no MZ header"); /* too short for a DOS header */
}
END_TEST

/* ---- refresh -------------------------------------------------------------------------------- */

static const char *const v13 = "xen-" MID "-6.1.0-13-amd64", *const v9 = "xen-" MID "-6.1.0-9-amd64";

static char *rel(const char *dir, const char *name, const char *suffix) {
        char *s;
        ck_assert_int_ge(asprintf(&s, "%s/%s%s", dir, name, suffix), 0);
        return s;
}

START_TEST(test_refresh) {
        _cleanup_(esp_done) Esp e = {};
        _cleanup_free_ char *img13 = NULL, *img9 = NULL, *ent13 = NULL, *ent9 = NULL, *conf = NULL, *cfg = NULL,
                            *want = NULL, *path = NULL, *entry = NULL;
        _cleanup_(boot_entries_done) BootEntries l = {};
        uint64_t vma = 0;

        esp_new(&e);
        /* 9 sorts before 13 by version, after it by strcmp: the default must be 13's */
        add_kernel(e.esp, "6.1.0-9-amd64", "root=/dev/sda2 ro");
        add_kernel(e.esp, "6.1.0-13-amd64", "root=/dev/sda2 ro quiet");
        write_text((conf = join(e.esp, "loader/loader.conf")), "timeout 3\ndefault " MID "-*\nconsole-mode max\n");
        img13 = rel("EFI/xen", v13, ".efi");
        img9 = rel("EFI/xen", v9, ".efi");
        ent13 = rel("loader/entries", v13, ".conf");
        ent9 = rel("loader/entries", v9, ".conf");

        /* not Linux, and a kernel on another partition (XBOOTLDR), out of Xen's reach: no Xen
         * entry for either, and both left alone */
        free(path);
        path = join(e.esp, "loader/entries/memtest86+.conf");
        write_text(path, "title Memtest86+\nefi /memtest86+/memtest.efi\n");
        free(path);
        path = join(e.esp, "loader/entries/elsewhere.conf");
        write_text(path, "title Elsewhere\nversion 9.9\nlinux /elsewhere/linux\n");

        refresh_ok(&e);
        ck_assert(exists(e.esp, img13) && exists(e.esp, img9) && exists(e.esp, ent13) && exists(e.esp, ent9));
        ck_assert(!exists(e.esp, "loader/entries/xen-memtest86+.conf") && !exists(e.esp, "loader/entries/xen-elsewhere.conf"));
        ck_assert(exists(e.esp, "loader/entries/memtest86+.conf") && exists(e.esp, "loader/entries/elsewhere.conf"));
        assert_no_temporary_files(&e);

        /* the image: .config as sdboot_xen_config makes it, at the page after Xen's last section */
        free(path);
        path = join(e.esp, img13);
        cfg = image_config(path, &vma);
        ck_assert_uint_eq(vma, FAKE_VMA);
        ck_assert_uint_eq(objdump_vma(path, ".config"), FAKE_VMA);
        ck_assert_int_ge(asprintf(&want,
                                  "[global]\ndefault=xen\n\n[xen]\noptions=" XEN_OPTIONS "\n"
                                  "kernel=..\\..\\" MID "\\6.1.0-13-amd64\\linux root=/dev/sda2 ro quiet\n"
                                  "ramdisk=..\\..\\" MID "\\6.1.0-13-amd64\\initrd.img-6.1.0-13-amd64\n"),
                         0);
        ck_assert_str_eq(cfg, want);
        entry = read_rel(e.esp, ent13);
        ck_assert_ptr_nonnull(strstr(entry, "\nefi /EFI/xen/xen-" MID "-6.1.0-13-amd64.efi\n"));
        ck_assert_ptr_nonnull(strstr(entry, "\nversion 6.1.0-13-amd64\n"));

        /* the default is the newest kernel's Xen entry; the other lines stay */
        free(cfg);
        cfg = test_read_file(conf, NULL);
        free(want);
        ck_assert_int_ge(asprintf(&want, "timeout 3\ndefault %s.conf\nconsole-mode max\n", v13), 0);
        ck_assert_str_eq(cfg, want);

        /* the entries as read back */
        ck_assert_int_eq(sdboot_read_xen_entries(e.esp, &l), 0);
        ck_assert_uint_eq(l.n, 2);
        ck_assert_str_eq(l.items[0].id, "xen-" MID "-6.1.0-9-amd64.conf");
        ck_assert_str_eq(l.items[1].title, "Xen with Debian GNU/Linux 12 (bookworm)");
        ck_assert_str_eq(l.items[1].xen, "/EFI/xen/xen-" MID "-6.1.0-13-amd64.efi");
        ck_assert_str_eq(l.items[1].xen_options, XEN_OPTIONS);
        ck_assert_str_eq(l.items[1].kernel, "..\\..\\" MID "\\6.1.0-13-amd64\\linux");
        ck_assert_str_eq(l.items[1].kernel_options, "root=/dev/sda2 ro quiet");
        ck_assert_str_eq(l.items[1].initrd, "..\\..\\" MID "\\6.1.0-13-amd64\\initrd.img-6.1.0-13-amd64");
        boot_entries_done(&l);

        /* the 13 kernel goes: its Xen entry and image go too, 9's stay and becomes the default */
        remove_kernel_entry(e.esp, "6.1.0-13-amd64");
        refresh_ok(&e);
        ck_assert(!exists(e.esp, img13) && !exists(e.esp, ent13));
        ck_assert(exists(e.esp, img9) && exists(e.esp, ent9));
        assert_no_temporary_files(&e);
        free(cfg);
        cfg = test_read_file(conf, NULL);
        free(want);
        ck_assert_int_ge(asprintf(&want, "timeout 3\ndefault %s.conf\nconsole-mode max\n", v9), 0);
        ck_assert_str_eq(cfg, want);

        /* a Xen image nothing refers to is stale too; other files in EFI/xen are not ours */
        free(path);
        path = join(e.esp, "EFI/xen/xen-gone.efi");
        write_text(path, "old");
        free(path);
        path = join(e.esp, "EFI/xen/README");
        write_text(path, "kept");
        refresh_ok(&e);
        ck_assert(!exists(e.esp, "EFI/xen/xen-gone.efi"));
        ck_assert(exists(e.esp, "EFI/xen/README"));
        ck_assert(exists(e.esp, img9) && exists(e.esp, ent9));
}
END_TEST

START_TEST(test_refresh_no_loader_conf) {
        _cleanup_(esp_done) Esp e = {};
        _cleanup_free_ char *conf = NULL, *want = NULL;

        esp_new(&e);
        add_kernel(e.esp, "6.1.0-13-amd64", "ro");
        refresh_ok(&e);
        conf = read_rel(e.esp, "loader/loader.conf");
        ck_assert_int_ge(asprintf(&want, "default %s.conf\n", v13), 0);
        ck_assert_str_eq(strna(conf), want);
}
END_TEST

/* Every level against the same change: one kernel gone, one new, and new Xen options for the one
 * that stays. */
static const char *const levels[] = { "quiet", "default", "info", "debug" };

START_TEST(test_verbosity) {
        _cleanup_(esp_done) Esp e = {};
        _cleanup_free_ char *out = NULL, *text = NULL, *golden = NULL, *error = NULL;
        size_t size = 0;
        FILE *f;
        int v = boot_verbosity_from_string(levels[_i]);

        ck_assert_int_ge(v, 0);
        esp_new(&e);
        add_kernel(e.esp, "6.1.0-9-amd64", "root=/dev/sda2 ro");
        add_kernel(e.esp, "6.1.0-13-amd64", "root=/dev/sda2 ro quiet");
        refresh_ok(&e);
        remove_kernel_entry(e.esp, "6.1.0-9-amd64");
        add_kernel(e.esp, "6.1.0-14-amd64", "root=/dev/sda2 ro quiet");

        f = open_memstream(&out, &size);
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(refresh(&e, e.xen_efi, NULL, "dom0_mem=4G,max:4G", f, v, &error), 0);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_ptr_null(error);
        text = stable(&e, out);
        ck_assert_int_ge(asprintf(&golden, "tests/data/boot-sdboot/log-%s.txt", levels[_i]), 0);
        test_check_golden(golden, text);

        /* run again: nothing changes, and info says nothing more than done */
        if (v == BOOT_VERBOSITY_INFO) {
                free(out);
                out = NULL;
                f = open_memstream(&out, &size);
                ck_assert_int_eq(refresh(&e, e.xen_efi, NULL, "dom0_mem=4G,max:4G", f, v, &error), 0);
                ck_assert_int_eq(fclose(f), 0);
                ck_assert_str_eq(out, "Installing Xen boot entries... done.\n");
        }
}
END_TEST

START_TEST(test_verbosity_names) {
        ck_assert_int_eq(boot_verbosity_from_string("quiet"), BOOT_VERBOSITY_QUIET);
        ck_assert_int_eq(boot_verbosity_from_string("debug"), BOOT_VERBOSITY_DEBUG);
        ck_assert_int_eq(boot_verbosity_from_string("Debug"), -EINVAL);
        ck_assert_int_eq(boot_verbosity_from_string(""), -EINVAL);
        ck_assert_int_eq(boot_verbosity_from_string(NULL), -EINVAL);
        /* no log, or no stream: silence, not a crash */
        boot_log(NULL, BOOT_VERBOSITY_QUIET, "x");
        boot_log(&(BootLog) { .out = NULL, .verbosity = BOOT_VERBOSITY_DEBUG }, BOOT_VERBOSITY_QUIET, "x");
}
END_TEST

START_TEST(test_entries_diff) {
        _cleanup_(boot_entries_done) BootEntries a = {}, b = {};
        _cleanup_free_ char *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);
        BootLog log = { .out = f, .verbosity = BOOT_VERBOSITY_INFO };

        ck_assert_int_eq(boot_entries_add(&a, &(BootEntry) { .id = "xen-10.conf", .title = "T", .xen_options = "a" }), 0);
        ck_assert_int_eq(boot_entries_add(&a, &(BootEntry) { .id = "xen-9.conf", .title = "T" }), 0);
        ck_assert_int_eq(boot_entries_add(&a, &(BootEntry) { .id = "xen-8.conf" }), 0);
        ck_assert_int_eq(boot_entries_add(&b, &(BootEntry) { .id = "xen-8.conf" }), 0);
        ck_assert_int_eq(boot_entries_add(&b, &(BootEntry) { .id = "xen-10.conf", .title = "T", .xen_options = "b" }), 0);
        ck_assert_int_eq(boot_entries_add(&b, &(BootEntry) { .id = "xen-11.conf", .title = "T", .initrd = "i" }), 0);
        boot_entries_log_diff(&log, &a, &b);
        /* equal lists, or a lower verbosity: nothing */
        boot_entries_log_diff(&log, &b, &b);
        log.verbosity = BOOT_VERBOSITY_DEFAULT;
        boot_entries_log_diff(&log, &a, &b);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_str_eq(out,
                         "- xen-9.conf: T\n"
                         "- xen-10.conf: T options=\"a\"\n"
                         "+ xen-10.conf: T options=\"b\"\n"
                         "+ xen-11.conf: T initrd=i\n");
}
END_TEST

/* ---- failures ------------------------------------------------------------------------------- */

/* Every Xen file on the ESP (the entries, the images, loader.conf), each after its name and size. */
static char *snapshot(const Esp *e, size_t *ret_size) {
        static const char *const names[] = {
                "loader/loader.conf",
                "loader/entries/xen-" MID "-6.1.0-9-amd64.conf",
                "loader/entries/xen-" MID "-6.1.0-13-amd64.conf",
                "EFI/xen/xen-" MID "-6.1.0-9-amd64.efi",
                "EFI/xen/xen-" MID "-6.1.0-13-amd64.efi",
        };
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *p = join(e->esp, names[i]), *data = NULL;
                size_t n = 0;

                data = test_read_file(p, &n);
                ck_assert_msg(data, "%s is missing", names[i]);
                fprintf(f, "%s %zu\n", names[i], n);
                fwrite(data, 1, n, f);
        }
        ck_assert_int_eq(fclose(f), 0);
        *ret_size = size;
        return buf;
}

/* Installs two kernels' entries, then runs a refresh with other Xen options that must fail with
 * want (after $ESP and $TMP are put back in) and leave every file as it was. */
static void check_failure(Esp *e, const char *xen_efi, const char *objcopy, const char *want) {
        _cleanup_free_ char *before = NULL, *after = NULL, *error = NULL, *got = NULL, *out = NULL, *line = NULL;
        size_t size = 0, n_before, n_after;
        FILE *f;

        add_kernel(e->esp, "6.1.0-9-amd64", "ro");
        add_kernel(e->esp, "6.1.0-13-amd64", "ro");
        refresh_ok(e);
        before = snapshot(e, &n_before);

        f = open_memstream(&out, &size);
        ck_assert_ptr_nonnull(f);
        ck_assert_int_lt(refresh(e, xen_efi, objcopy, "loglvl=none", f, BOOT_VERBOSITY_DEFAULT, &error), 0);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_ptr_nonnull(error);
        got = stable(e, error);
        ck_assert_str_eq(got, want);
        /* one line at the default verbosity, with the same sentence */
        ck_assert_int_ge(asprintf(&line, "Installing Xen boot entries... failed: %s\n", error), 0);
        ck_assert_str_eq(out, line);

        assert_no_temporary_files(e);
        after = snapshot(e, &n_after);
        ck_assert_msg(n_before == n_after && memcmp(before, after, n_before) == 0,
                      "a failed refresh changed the files on the ESP");
}

START_TEST(test_fail_missing_xen) {
        _cleanup_(esp_done) Esp e = {};
        _cleanup_free_ char *missing = NULL;

        esp_new(&e);
        missing = join(e.tmp, "nope.efi");
        check_failure(&e, missing, NULL, "Cannot read $TMP/nope.efi: No such file or directory.");
}
END_TEST

START_TEST(test_fail_no_xen) {
        _cleanup_(esp_done) Esp e = {};

        esp_new(&e);
        check_failure(&e, NULL, NULL, "No Xen EFI image is set (efi.path).");
}
END_TEST

START_TEST(test_fail_not_pe) {
        _cleanup_(esp_done) Esp e = {};
        _cleanup_free_ char *elf = NULL;
        char head[4096] = "\x7f" "ELF";

        esp_new(&e);
        elf = join(e.tmp, "xen.gz");
        {
                FILE *f = fopen(elf, "we");
                ck_assert_ptr_nonnull(f);
                ck_assert_uint_eq(fwrite(head, 1, sizeof head, f), sizeof head);
                ck_assert_int_eq(fclose(f), 0);
        }
        check_failure(&e, elf, NULL, "$TMP/xen.gz is not a PE image: no MZ header.");
}
END_TEST

START_TEST(test_fail_objcopy) {
        _cleanup_(esp_done) Esp e = {};

        esp_new(&e);
        check_failure(&e, e.xen_efi, "/bin/false",
                      "Cannot write $ESP/EFI/xen/xen-" MID "-6.1.0-9-amd64.efi: /bin/false exited with status 1.");
}
END_TEST

/* An objcopy that runs out of space on the second image (9 is built before 13): it leaves part of
 * its output behind and says so; the first image, built by the real objcopy, is not installed
 * either. */
START_TEST(test_fail_disk_full) {
        _cleanup_(esp_done) Esp e = {};
        _cleanup_free_ char *script = NULL, *want = NULL;

        esp_new(&e);
        script = join(e.tmp, "objcopy");
        write_text(script,
                   "#!/bin/sh\n"
                   "for a; do out=$a; done\n"
                   "case $out in *-9-amd64.efi.tmp) exec objcopy \"$@\";; esac\n"
                   "head -c 100 \"$5\" >\"$out\" 2>/dev/null\n"
                   "echo \"objcopy: $out: No space left on device\" >&2\n"
                   "exit 1\n");
        ck_assert_int_eq(chmod(script, 0755), 0);
        ck_assert_int_ge(asprintf(&want,
                                  "Cannot write $ESP/EFI/xen/xen-" MID "-6.1.0-13-amd64.efi: $TMP/objcopy failed: objcopy: "
                                  "$ESP/EFI/xen/.xen-" MID "-6.1.0-13-amd64.efi.tmp: No space left on device."),
                         0);
        check_failure(&e, e.xen_efi, script, want);
}
END_TEST

/* An objcopy that exits 0 without adding the section: the image is checked before it is used. */
START_TEST(test_fail_objcopy_lies) {
        _cleanup_(esp_done) Esp e = {};
        _cleanup_free_ char *script = NULL, *want = NULL;

        esp_new(&e);
        script = join(e.tmp, "objcopy");
        write_text(script, "#!/bin/sh\nfor a; do out=$a; done\ncp \"$5\" \"$out\"\n");
        ck_assert_int_eq(chmod(script, 0755), 0);
        ck_assert_int_ge(asprintf(&want,
                                  "Cannot write $ESP/EFI/xen/xen-" MID "-6.1.0-9-amd64.efi: $TMP/objcopy did not add the .config section."),
                         0);
        check_failure(&e, e.xen_efi, script, want);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("boot-sdboot");
        TCase *tc = tcase_create("texts");

        tcase_add_test(tc, test_parse_entry);
        tcase_add_test(tc, test_xen_file_name);
        tcase_add_test(tc, test_config_golden);
        tcase_add_test(tc, test_entry_golden);
        tcase_add_test(tc, test_loader_conf);
        tcase_add_test(tc, test_verbosity_names);
        tcase_add_test(tc, test_entries_diff);
        suite_add_tcase(s, tc);

        tc = tcase_create("esp");
        tcase_add_test(tc, test_pe_headers);
        tcase_add_test(tc, test_refresh);
        tcase_add_test(tc, test_refresh_no_loader_conf);
        tcase_add_loop_test(tc, test_verbosity, 0, ELEMENTSOF(levels));
        suite_add_tcase(s, tc);

        tc = tcase_create("failures");
        tcase_add_test(tc, test_fail_missing_xen);
        tcase_add_test(tc, test_fail_no_xen);
        tcase_add_test(tc, test_fail_not_pe);
        tcase_add_test(tc, test_fail_objcopy);
        tcase_add_test(tc, test_fail_disk_full);
        tcase_add_test(tc, test_fail_objcopy_lies);
        suite_add_tcase(s, tc);
        return s;
}
