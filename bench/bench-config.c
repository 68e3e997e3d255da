/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration pipeline in a loop: load + validate + render of one file, per iteration.
 * Prints the mean over the iterations; run it under callgrind for an instruction count. */
#include <stdint.h>
#include <time.h>

#include "dom0-config.h"
#include "render.h"

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + ts.tv_nsec;
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        unsigned long iterations;
        uint64_t start, elapsed;
        size_t n;

        if (argc != 3) {
                fprintf(stderr, "usage: %s FILE ITERATIONS\n", argv[0]);
                return 2;
        }
        iterations = strtoul(argv[2], NULL, 10);
        f = fopen(argv[1], "re");
        buf = malloc(CONFIG_MAX_FILE_SIZE);
        if (!f || !buf || iterations == 0) {
                fprintf(stderr, "cannot read %s\n", argv[1]);
                return 1;
        }
        n = fread(buf, 1, CONFIG_MAX_FILE_SIZE, f);

        start = now_ns();
        for (unsigned long i = 0; i < iterations; i++) {
                _cleanup_(diagnostics_done) Diagnostics d = {};
                _cleanup_config_free_ Config *c = NULL;
                _cleanup_(fileset_done) FileSet s = {};

                if (config_parse_data(argv[1], buf, n, &c, &d) < 0 || config_validate(c, "x86_64", &d) < 0 ||
                    render_config(c, &s) < 0) {
                        diagnostics_print(&d, stderr);
                        return 1;
                }
        }
        elapsed = now_ns() - start;
        printf("%zu bytes, %lu iterations, %.2f us per load+validate+render\n", n, iterations,
               (double) elapsed / 1000.0 / (double) iterations);
        return 0;
}
