/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PE/COFF headers, from the layout in the PE format specification: the DOS header's e_lfanew at
 * 0x3c, the "PE\0\0" signature, the 20-byte COFF header, the optional header (PE32 or PE32+) and
 * the 40-byte section headers after it. All fields are little-endian. */

#include "pe.h"

#define DOS_LFANEW_OFFSET 0x3c
#define COFF_HEADER_SIZE 20
#define SECTION_HEADER_SIZE 40
#define OPT_MAGIC_PE32 0x10b
#define OPT_MAGIC_PE32PLUS 0x20b
#define MAX_SECTIONS 96 /* the PE specification's limit */
#define PAGE_SIZE_4K UINT64_C(0x1000)

static uint16_t le16(const uint8_t *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p) {
        return (uint32_t) le16(p) | (uint32_t) le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p) {
        return (uint64_t) le32(p) | (uint64_t) le32(p + 4) << 32;
}

/* Reads exactly n bytes at offset: 0, 1 when the file ends before, -errno. */
static int read_at(int fd, void *buf, size_t n, uint64_t offset) {
        size_t done = 0;

        while (done < n) {
                ssize_t k = pread(fd, (uint8_t *) buf + done, n - done, (off_t) (offset + done));
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return 1;
                done += (size_t) k;
        }
        return 0;
}

void pe_image_done(PeImage *img) {
        if (!img)
                return;
        free(img->sections);
        *img = (PeImage) {};
}

int pe_image_read(int fd, PeImage *ret, const char **ret_why) {
        uint8_t dos[64], coff[4 + COFF_HEADER_SIZE], opt[32];
        _cleanup_free_ uint8_t *table = NULL;
        _cleanup_free_ PeSection *sections = NULL;
        uint32_t lfanew;
        uint16_t n, opt_size, magic;
        uint64_t table_offset;
        int r;

#define NOT_PE(why)                     \
        ({                              \
                if (ret_why)            \
                        *ret_why = why; \
                -EBADMSG;               \
        })

        r = read_at(fd, dos, sizeof dos, 0);
        if (r < 0)
                return r;
        if (r > 0 || dos[0] != 'M' || dos[1] != 'Z')
                return NOT_PE("no MZ header");
        lfanew = le32(dos + DOS_LFANEW_OFFSET);

        r = read_at(fd, coff, sizeof coff, lfanew);
        if (r < 0)
                return r;
        if (r > 0 || memcmp(coff, "PE\0\0", 4) != 0)
                return NOT_PE("no PE signature");
        n = le16(coff + 4 + 2);
        opt_size = le16(coff + 4 + 16);
        if (n == 0 || n > MAX_SECTIONS)
                return NOT_PE("bad number of sections");
        if (opt_size < sizeof opt)
                return NOT_PE("optional header too short");

        r = read_at(fd, opt, sizeof opt, (uint64_t) lfanew + sizeof coff);
        if (r < 0)
                return r;
        if (r > 0)
                return NOT_PE("truncated optional header");
        magic = le16(opt);
        if (!IN_SET(magic, OPT_MAGIC_PE32, OPT_MAGIC_PE32PLUS))
                return NOT_PE("unknown optional header magic");

        table_offset = (uint64_t) lfanew + sizeof coff + opt_size;
        table = malloc((size_t) n * SECTION_HEADER_SIZE);
        sections = calloc(n, sizeof(PeSection));
        if (!table || !sections)
                return -ENOMEM;
        r = read_at(fd, table, (size_t) n * SECTION_HEADER_SIZE, table_offset);
        if (r < 0)
                return r;
        if (r > 0)
                return NOT_PE("truncated section table");
        for (size_t i = 0; i < n; i++) {
                const uint8_t *h = table + i * SECTION_HEADER_SIZE;

                memcpy(sections[i].name, h, 8);
                sections[i].name[8] = 0;
                sections[i].virtual_size = le32(h + 8);
                sections[i].virtual_address = le32(h + 12);
                sections[i].raw_size = le32(h + 16);
                sections[i].raw_offset = le32(h + 20);
        }
#undef NOT_PE

        *ret = (PeImage) {
                .machine = le16(coff + 4),
                /* PE32+ has a 64-bit ImageBase at 24, PE32 a 32-bit one at 28 (after BaseOfData). */
                .image_base = magic == OPT_MAGIC_PE32PLUS ? le64(opt + 24) : le32(opt + 28),
                .sections = TAKE_PTR(sections),
                .n_sections = n,
        };
        return 0;
}

uint64_t pe_image_end(const PeImage *img) {
        uint64_t end = 0;

        for (size_t i = 0; i < img->n_sections; i++) {
                const PeSection *s = &img->sections[i];
                /* The virtual size is what the loader maps; some linkers leave it 0, and then
                 * the raw size is all there is. */
                uint64_t size = s->virtual_size ?: s->raw_size;

                if ((uint64_t) s->virtual_address + size > end)
                        end = (uint64_t) s->virtual_address + size;
        }
        return img->image_base + end;
}

uint64_t pe_image_next_vma(const PeImage *img) {
        return (pe_image_end(img) + PAGE_SIZE_4K - 1) & ~(PAGE_SIZE_4K - 1);
}

const PeSection *pe_image_find(const PeImage *img, const char *name) {
        for (size_t i = 0; i < img->n_sections; i++)
                if (streq(img->sections[i].name, name))
                        return &img->sections[i];
        return NULL;
}

int pe_section_read(int fd, const PeSection *s, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = s->virtual_size && s->virtual_size < s->raw_size ? s->virtual_size : s->raw_size;
        int r;

        buf = malloc(size + 1);
        if (!buf)
                return -ENOMEM;
        r = read_at(fd, buf, size, s->raw_offset);
        if (r < 0)
                return r;
        if (r > 0)
                return -EBADMSG;
        buf[size] = 0;
        if (ret_size)
                *ret_size = size;
        *ret = TAKE_PTR(buf);
        return 0;
}
