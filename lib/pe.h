/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Just enough of the PE/COFF format to put a section after the last one of an EFI image and to
 * read a section back: the headers and the section table, read with bounds checks. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef struct PeSection {
        char name[9];             /* NUL-terminated; a long name is "/<offset>" as in the file */
        uint32_t virtual_size;
        uint32_t virtual_address; /* relative to the image base */
        uint32_t raw_size;
        uint32_t raw_offset;
} PeSection;

typedef struct PeImage {
        uint16_t machine;
        uint64_t image_base;
        PeSection *sections;
        size_t n_sections;
} PeImage;

void pe_image_done(PeImage *img);
/* Reads the headers of the PE image open at fd. Returns 0, -EBADMSG when it is not a PE image
 * (*ret_why then says what is wrong, a static string), -ENOMEM, or -errno of a read. */
int pe_image_read(int fd, PeImage *ret, const char **ret_why);
/* The first address past the image's last section: image base + the highest section end. */
uint64_t pe_image_end(const PeImage *img) _pure_;
/* Where a new section goes: pe_image_end rounded up to the next 4 KiB page. */
uint64_t pe_image_next_vma(const PeImage *img) _pure_;
const PeSection *pe_image_find(const PeImage *img, const char *name) _pure_;
/* The contents of section s (its virtual size, or the raw size when that is smaller), with a NUL
 * after them. Returns 0, -EBADMSG when the section lies outside the file, -ENOMEM, -errno. */
int pe_section_read(int fd, const PeSection *s, char **ret, size_t *ret_size);
