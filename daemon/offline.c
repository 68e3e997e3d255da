/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon binary's offline modes: --check, --render, --dump-config. They share the
 * loading path of the running daemon, so a file that passes --check is one the daemon accepts. */

#include "dom0-config.h"
#include "offline.h"
#include "render.h"
#include "strv.h"

int offline_check(const char *path) {
        _cleanup_config_free_ Config *c = NULL;
        _cleanup_(diagnostics_done) Diagnostics d = {};
        int r;

        r = config_load(path, NULL, &c, &d);
        path = config_display_path(path);
        diagnostics_print(&d, stderr);
        if (r == -ENOMEM) {
                fprintf(stderr, "%s: out of memory\n", path);
                return 1;
        }
        if (r < 0) {
                fprintf(stderr, "%s: %zu error%s, configuration rejected\n", path, d.n_errors,
                        d.n_errors == 1 ? "" : "s");
                return 1;
        }
        printf("%s: configuration is valid\n", path);
        return 0;
}

int offline_dump(const char *path) {
        _cleanup_config_free_ Config *c = NULL;
        _cleanup_(diagnostics_done) Diagnostics d = {};
        int r;

        r = config_load(path, NULL, &c, &d);
        path = config_display_path(path);
        diagnostics_print(&d, stderr);
        if (r < 0)
                return 1;
        r = config_dump(c, stdout);
        return r < 0 || fflush(stdout) != 0 ? 1 : 0;
}

int offline_render(const char *path, const char *root) {
        _cleanup_config_free_ Config *c = NULL;
        _cleanup_(diagnostics_done) Diagnostics d = {};
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_(write_result_done) WriteResult w = {};
        int r;

        r = config_load(path, NULL, &c, &d);
        path = config_display_path(path);
        diagnostics_print(&d, stderr);
        if (r < 0) {
                fprintf(stderr, "%s: configuration rejected, nothing written\n", path);
                return 1;
        }
        if (!config_bool(c, OPT_ENABLE)) {
                printf("xen.enable is false: nothing to render\n");
                return 0;
        }
        r = render_config(c, &s);
        if (r < 0) {
                fprintf(stderr, "Failed to render: %s\n", strerror(-r));
                return 1;
        }
        r = fileset_write(&s, root, &w);
        STRV_FOREACH_PAIR(f, b, w.backups)
                printf("kept %s as %s\n", *f, *b);
        if (r < 0) {
                _cleanup_free_ char *error = write_result_error(&w, r);
                fprintf(stderr, "%s: rendering under %s: %s\n", path, root, error ?: strerror(-r));
                return 1;
        }
        /* The paths as they are on disk: under the DIR of --render (made absolute), or under
         * XEN_DOM0D_ROOT for --render-host. */
        size_t rl = strlen(root);
        while (rl > 0 && root[rl - 1] == '/')
                rl--;
        STRV_FOREACH(p, w.changed)
                printf("wrote %.*s%s\n", (int) rl, root, *p);
        printf("%zu of %zu files changed\n", strv_length(w.changed), s.n);
        return 0;
}
