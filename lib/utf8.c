/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UTF-8 validation, following the well-formed byte sequences table of Unicode 15, 3.9. */
#include "utf8.h"

bool utf8_is_valid(const char *str, size_t n) {
        const unsigned char *s = (const unsigned char *) str, *e = s + n;

        while (s < e) {
                unsigned char c = *s;
                size_t len;
                unsigned char lo = 0x80, hi = 0xbf;

                if (c < 0x80) {
                        s++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf)
                        len = 2;
                else if (c >= 0xe0 && c <= 0xef) {
                        len = 3;
                        if (c == 0xe0)
                                lo = 0xa0;
                        else if (c == 0xed)
                                hi = 0x9f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        len = 4;
                        if (c == 0xf0)
                                lo = 0x90;
                        else if (c == 0xf4)
                                hi = 0x8f;
                } else
                        return false;
                if ((size_t) (e - s) < len)
                        return false;
                if (s[1] < lo || s[1] > hi)
                        return false;
                for (size_t i = 2; i < len; i++)
                        if (s[i] < 0x80 || s[i] > 0xbf)
                                return false;
                s += len;
        }
        return true;
}
