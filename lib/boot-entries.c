/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The boot-entry builder's shared model: verbosity, the log, and the entry lists with their diff. */

#include <stdarg.h>

#include "boot-entries.h"
#include "strv.h"

static const char *const verbosity_names[] = {
        [BOOT_VERBOSITY_QUIET] = "quiet",
        [BOOT_VERBOSITY_DEFAULT] = "default",
        [BOOT_VERBOSITY_INFO] = "info",
        [BOOT_VERBOSITY_DEBUG] = "debug",
};

int boot_verbosity_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(verbosity_names); i++)
                if (streq(s, verbosity_names[i]))
                        return (int) i;
        return -EINVAL;
}

void boot_log(const BootLog *log, BootVerbosity level, const char *fmt, ...) {
        va_list ap;

        if (!log || !log->out || level > log->verbosity)
                return;
        va_start(ap, fmt);
        vfprintf(log->out, fmt, ap);
        va_end(ap);
        fputc('\n', log->out);
        fflush(log->out);
}

int boot_read_text(const char *path, char **ret) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *m;

        if (!f)
                return negative_errno();
        m = open_memstream(&buf, &size);
        if (!m)
                return -ENOMEM;
        for (int c; (c = getc(f)) != EOF;)
                fputc(c, m);
        if (ferror(f)) {
                fclose(m);
                return -EIO;
        }
        if (fclose(m) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

void boot_entry_done(BootEntry *e) {
        if (!e)
                return;
        free(e->id);
        free(e->title);
        free(e->xen);
        free(e->xen_options);
        free(e->kernel);
        free(e->kernel_options);
        free(e->initrd);
        *e = (BootEntry) {};
}

void boot_entries_done(BootEntries *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                boot_entry_done(&l->items[i]);
        free(l->items);
        *l = (BootEntries) {};
}

static int strdup_maybe(const char *s, char **ret) {
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int boot_entries_add(BootEntries *l, const BootEntry *e) {
        _cleanup_(boot_entry_done) BootEntry c = {};
        BootEntry *n;

        if (strdup_maybe(e->id, &c.id) < 0 || strdup_maybe(e->title, &c.title) < 0 ||
            strdup_maybe(e->xen, &c.xen) < 0 || strdup_maybe(e->xen_options, &c.xen_options) < 0 ||
            strdup_maybe(e->kernel, &c.kernel) < 0 || strdup_maybe(e->kernel_options, &c.kernel_options) < 0 ||
            strdup_maybe(e->initrd, &c.initrd) < 0)
                return -ENOMEM;
        n = realloc(l->items, sizeof(BootEntry) * (l->n + 1));
        if (!n)
                return -ENOMEM;
        l->items = n;
        l->items[l->n++] = c;
        c = (BootEntry) {};
        return 0;
}

static const BootEntry *find_entry(const BootEntries *l, const char *id) {
        for (size_t i = 0; l && i < l->n; i++)
                if (streq(strempty(l->items[i].id), id))
                        return &l->items[i];
        return NULL;
}

static bool entry_equal(const BootEntry *a, const BootEntry *b) {
        return streq_ptr(a->id, b->id) && streq_ptr(a->title, b->title) && streq_ptr(a->xen, b->xen) &&
                streq_ptr(a->xen_options, b->xen_options) && streq_ptr(a->kernel, b->kernel) &&
                streq_ptr(a->kernel_options, b->kernel_options) && streq_ptr(a->initrd, b->initrd);
}

/* One line per entry: what the loader shows, then what the entry boots. A field the entry does
 * not have is left out; the command lines are quoted, as they hold spaces. */
static void log_entry(const BootLog *log, char sign, const BootEntry *e) {
        boot_log(log, BOOT_VERBOSITY_INFO, "%c %s: %s%s%s%s%s%s%s%s%s%s%s%s%s", sign, strna(e->id), strna(e->title),
                 e->xen ? " xen=" : "", strempty(e->xen),
                 e->xen_options ? " options=\"" : "", strempty(e->xen_options), e->xen_options ? "\"" : "",
                 e->kernel ? " kernel=" : "", strempty(e->kernel),
                 e->kernel_options ? " kernel-options=\"" : "", strempty(e->kernel_options),
                 e->kernel_options ? "\"" : "",
                 e->initrd ? " initrd=" : "", strempty(e->initrd));
}

static int cmp_ids(const void *a, const void *b) {
        return strverscmp(*(char *const *) a, *(char *const *) b);
}

void boot_entries_log_diff(const BootLog *log, const BootEntries *old, const BootEntries *new) {
        _cleanup_strv_free_ char **ids = NULL;
        const BootEntries *lists[] = { old, new };

        if (!log || !log->out || log->verbosity < BOOT_VERBOSITY_INFO)
                return;

        /* Every id of either list once, in version order, so that the lines come out in the order
         * the loader lists the entries whatever order the lists are in. */
        for (size_t k = 0; k < ELEMENTSOF(lists); k++)
                for (size_t i = 0; lists[k] && i < lists[k]->n; i++) {
                        const char *id = strempty(lists[k]->items[i].id);
                        if (!strv_contains(ids, id) && strv_extend(&ids, id) < 0) {
                                boot_log(log, BOOT_VERBOSITY_INFO, "(out of memory: no diff of the entries)");
                                return;
                        }
                }
        if (!ids)
                return;
        qsort(ids, strv_length(ids), sizeof(char *), cmp_ids);

        STRV_FOREACH(id, ids) {
                const BootEntry *a = find_entry(old, *id), *b = find_entry(new, *id);

                if (a && b && entry_equal(a, b))
                        continue;
                if (a)
                        log_entry(log, '-', a);
                if (b)
                        log_entry(log, '+', b);
        }
}
