/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "ini-write.h"

void ini_write_assignment(FILE *f, const char *prefix, const char *key, const char *value) {
        const char *nl;

        fprintf(f, "%s%s =%s", prefix, key, *value ? " " : "");
        while ((nl = strchr(value, '\n'))) {
                fprintf(f, "%.*s\n%s    ", (int) (nl - value), value, prefix);
                value = nl + 1;
        }
        fputs(value, f);
}

void ini_write_read_only(FILE *f, const char *key, const char *value, const char *why) {
        fprintf(f, "# %s = %s  (read-only, %s)\n", key, value, why);
}

void ini_write_derived(FILE *f, const char *key, const char *value, const char *how) {
        fprintf(f, "# %s = %s  (derived: %s)\n", key, value, how);
}
