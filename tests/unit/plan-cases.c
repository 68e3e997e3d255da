/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writes the plan table's cases as files for the shell suites: DIR/N.what, DIR/N.old and
 * DIR/N.new for N from 0, and prints how many there are. */
#include <stdio.h>

#include "macro.h"
#include "plan-cases.h"

static int write_file(const char *dir, size_t n, const char *suffix, const char *text) {
        char path[4096];
        FILE *f;

        snprintf(path, sizeof path, "%s/%zu.%s", dir, n, suffix);
        f = fopen(path, "we");
        if (!f || fputs(text, f) < 0) {
                perror(path);
                if (f)
                        fclose(f);
                return -1;
        }
        return fclose(f) == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
        if (argc != 2) {
                fprintf(stderr, "usage: %s DIR\n", argv[0]);
                return 2;
        }
        for (size_t i = 0; i < ELEMENTSOF(plans); i++)
                if (write_file(argv[1], i, "what", plans[i].what) < 0 || write_file(argv[1], i, "old", plans[i].old) < 0 ||
                    write_file(argv[1], i, "new", plans[i].new) < 0)
                        return 1;
        printf("%zu\n", ELEMENTSOF(plans));
        return 0;
}
