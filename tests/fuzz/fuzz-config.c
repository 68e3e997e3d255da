/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: arbitrary bytes through load, validate, render and dump, as the daemon does. */
#include <stdint.h>

#include "dom0-config.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_config_free_ Config *c = NULL;
        _cleanup_(fileset_done) FileSet s = {};
        FILE *null;

        if (size > 65536)
                return 0;
        /* As the daemon loads a file: parse and validation together, a partly read file
         * validated for its other errors. */
        if (config_check_data("/etc/xen/xen-dom0.conf", (const char *) data, size, "x86_64", &c, &d) < 0) {
                for (size_t i = 0; i < d.n; i++)
                        free(diag_format(&d.items[i]));
                return 0;
        }
        (void) render_config(c, &s);
        null = fopen("/dev/null", "we");
        if (null) {
                (void) config_dump(c, null);
                fclose(null);
        }
        return 0;
}
