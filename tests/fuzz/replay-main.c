/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs the fuzz target over files (the seed corpus) without libFuzzer, so that every
 * "make check" replays it, under the sanitizers when they are enabled. */
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>

#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *buf = malloc(65537);
        size_t n;

        if (!f || !buf) {
                fprintf(stderr, "cannot read %s\n", path);
                return -1;
        }
        n = fread(buf, 1, 65537, f);
        LLVMFuzzerTestOneInput((const uint8_t *) buf, n);
        return 0;
}

static int replay_dir(const char *dir, unsigned *count) {
        DIR *d = opendir(dir);
        struct dirent *de;
        int r = 0;

        if (!d) {
                fprintf(stderr, "cannot open %s\n", dir);
                return -1;
        }
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                if (!endswith(de->d_name, ".conf"))
                        continue;
                if (asprintf(&p, "%s/%s", dir, de->d_name) < 0 || replay_file(p) < 0)
                        r = -1;
                else
                        (*count)++;
        }
        closedir(d);
        return r;
}

int main(int argc, char *argv[]) {
        const char *top = getenv("TOP_SRCDIR");
        static const char *const dirs[] = { "tests/data/render", "tests/data/bad" };
        unsigned count = 0;
        int r = 0;

        if (argc > 1) {
                for (int i = 1; i < argc; i++)
                        r |= replay_file(argv[i]);
                return r ? 1 : 0;
        }
        if (!top) {
                fprintf(stderr, "TOP_SRCDIR is not set\n");
                return 1;
        }
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", top, dirs[i]) < 0)
                        return 1;
                r |= replay_dir(p, &count);
        }
        printf("replayed %u seed inputs\n", count);
        return r || count < 60 ? 1 : 0;
}
