/* Rendered file sets and their atomic writing: temporary files in the target directories,
 * fsynced, then renamed into place, so a reader sees either the old or the new file. */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "fileset.h"
#include "paths.h"
#include "strv.h"

void (*fileset_rename_hook)(size_t n) = NULL;

void fileset_done(FileSet *s) {
        for (size_t i = 0; i < s->n; i++) {
                free(s->files[i].path);
                free(s->files[i].content);
        }
        free(s->files);
        *s = (FileSet) {};
}

int fileset_add(FileSet *s, const char *path, char *content, size_t size, mode_t mode) {
        RenderedFile *n;
        char *p = strdup(path);

        n = p ? realloc(s->files, sizeof(RenderedFile) * (s->n + 1)) : NULL;
        if (!n) {
                free(p);
                free(content);
                return -ENOMEM;
        }
        s->files = n;
        s->files[s->n++] = (RenderedFile) { .path = p, .content = content, .size = size, .mode = mode };
        return 0;
}

const RenderedFile *fileset_find(const FileSet *s, const char *path) {
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->files[i].path, path))
                        return &s->files[i];
        return NULL;
}

void write_result_done(WriteResult *w) {
        strv_free(w->changed);
        strv_free(w->backups);
        free(w->failed_path);
        *w = (WriteResult) {};
}

static char *path_join(const char *root, const char *path) {
        char *s;

        if (!root || streq(root, "/") || !*root)
                return strdup(path);
        if (asprintf(&s, "%s%s%s", root, endswith(root, "/") ? "" : "/", path[0] == '/' ? path + 1 : path) < 0)
                return NULL;
        return s;
}

int fileset_resolve_root(const char *dir, char **ret) {
        _cleanup_free_ char *abs = NULL, *base = NULL, *out = NULL;
        size_t keep, n;
        char *p, *state = NULL;

        if (isempty(dir))
                return -EINVAL;
        if (dir[0] == '/')
                abs = strdup(dir);
        else {
                _cleanup_free_ char *cwd = getcwd(NULL, 0);
                if (!cwd)
                        return -errno;
                if (asprintf(&abs, "%s/%s", cwd, dir) < 0)
                        abs = NULL;
        }
        if (!abs)
                return -ENOMEM;

        /* The longest prefix that exists, as the kernel resolves it. */
        for (keep = strlen(abs);;) {
                char c = abs[keep];

                abs[keep] = 0;
                base = realpath(keep > 0 ? abs : "/", NULL);
                abs[keep] = c;
                if (base)
                        break;
                if (errno != ENOENT)
                        return -errno;
                p = memrchr(abs, '/', keep);
                keep = p ? (size_t) (p - abs) : 0;
        }

        /* The rest is created as plain directories: it resolves by name. */
        n = strlen(base);
        out = malloc(n + strlen(abs + keep) + 2);
        if (!out)
                return -ENOMEM;
        memcpy(out, base, n + 1);
        for (p = strtok_r(abs + keep, "/", &state); p; p = strtok_r(NULL, "/", &state)) {
                if (streq(p, "."))
                        continue;
                if (streq(p, "..")) {
                        char *slash = strrchr(out, '/');
                        n = slash > out ? (size_t) (slash - out) : 1;
                        out[n] = 0;
                        continue;
                }
                if (n > 1)
                        out[n++] = '/';
                n = stpcpy(out + n, p) - out;
        }
        if (streq(out, "/"))
                return -EINVAL;
        *ret = TAKE_PTR(out);
        return 0;
}

/* Reads at most max bytes; returns the size read or -errno (-ENOENT when missing). */
static ssize_t read_file_prefix(const char *path, char *buf, size_t max, struct stat *st) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        size_t n = 0;

        if (fd < 0)
                return -errno;
        if (fstat(fd, st) < 0)
                return -errno;
        if (!S_ISREG(st->st_mode))
                return -EISDIR;
        while (n < max) {
                ssize_t k = read(fd, buf + n, max - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += k;
        }
        return n;
}

static int file_differs(const RenderedFile *f, const char *full) {
        _cleanup_free_ char *buf = malloc(f->size + 1);
        struct stat st;
        ssize_t n;

        if (!buf)
                return -ENOMEM;
        n = read_file_prefix(full, buf, f->size + 1, &st);
        if (n == -ENOENT)
                return 1;
        if (n < 0)
                return (int) n;
        return (size_t) n != f->size || memcmp(buf, f->content, f->size) != 0 || (st.st_mode & 07777) != f->mode;
}

int rendered_file_differs(const RenderedFile *f, const char *root) {
        _cleanup_free_ char *full = path_join(root, f->path);

        return full ? file_differs(f, full) : -ENOMEM;
}

/* Whether an existing file was written by us (carries the marker near its start). */
static bool file_is_ours(const char *full) {
        char buf[512];
        struct stat st;
        ssize_t n = read_file_prefix(full, buf, sizeof buf - 1, &st);

        if (n < 0)
                return false;
        buf[n] = 0;
        return strstr(buf, RENDER_MARKER) != NULL;
}

/* mkdir -p, recording every directory it created (deepest last) so they can be removed. */
static int mkdir_parents(const char *full, char ***created) {
        _cleanup_free_ char *p = strdup(full);
        char *slash;

        if (!p)
                return -ENOMEM;
        slash = strrchr(p, '/');
        if (!slash || slash == p)
                return 0;
        *slash = 0;
        for (char *q = p + 1;; q++) {
                if (*q == '/' || *q == 0) {
                        char c = *q;
                        *q = 0;
                        if (mkdir(p, 0755) == 0) {
                                if (strv_extend(created, p) < 0)
                                        return -ENOMEM;
                        } else if (errno != EEXIST)
                                return -errno;
                        else {
                                struct stat st;
                                if (stat(p, &st) < 0)
                                        return -errno;
                                if (!S_ISDIR(st.st_mode))
                                        return -ENOTDIR;
                        }
                        *q = c;
                        if (c == 0)
                                break;
                }
        }
        return 0;
}

static int write_all(int fd, const char *data, size_t size) {
        while (size > 0) {
                ssize_t k = write(fd, data, size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                data += k;
                size -= k;
        }
        return 0;
}

static int fsync_parent(const char *full) {
        _cleanup_free_ char *dir = strdup(full);
        _cleanup_close_ int fd = -EBADF;
        char *slash;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (!slash)
                return 0;
        if (slash == dir)
                slash[1] = 0;
        else
                *slash = 0;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

typedef struct Pending {
        const RenderedFile *file;
        char *full;
        char *tmp;
} Pending;

int fileset_write(const FileSet *s, const char *root, WriteResult *ret) {
        _cleanup_strv_free_ char **created = NULL;
        Pending *p = calloc(s->n ? s->n : 1, sizeof(Pending));
        size_t np = 0;
        int r = 0;

        *ret = (WriteResult) {};
        if (!p)
                return -ENOMEM;

        /* Phase 1: every changed file to a temporary file next to its target. */
        for (size_t i = 0; i < s->n; i++) {
                const RenderedFile *f = &s->files[i];
                _cleanup_free_ char *full = path_join(root, f->path), *tmp = NULL;
                _cleanup_close_ int fd = -EBADF;
                char *slash;

                if (!full) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = file_differs(f, full);
                if (r < 0 && r != -ENOTDIR)
                        goto fail_at;
                if (r == 0)
                        continue;
                r = mkdir_parents(full, &created);
                if (r < 0)
                        goto fail_at;
                slash = strrchr(full, '/');
                if (asprintf(&tmp, "%.*s/.#%s.XXXXXX", (int) (slash - full), full, slash + 1) < 0) {
                        tmp = NULL;
                        r = -ENOMEM;
                        goto fail;
                }
                fd = mkostemp(tmp, O_CLOEXEC);
                if (fd < 0) {
                        r = -errno;
                        free(tmp);
                        tmp = NULL;
                        goto fail_at;
                }
                p[np] = (Pending) { .file = f, .full = TAKE_PTR(full), .tmp = TAKE_PTR(tmp) };
                np++;
                if (fchmod(fd, f->mode) < 0 || (r = write_all(fd, f->content, f->size)) < 0 || fsync(fd) < 0) {
                        r = r < 0 ? r : -errno;
                        goto fail_at;
                }
                continue;
        fail_at:
                ret->failed_path = strdup(f->path);
                goto fail;
        }

        /* Phase 2: keep foreign files, then rename everything into place. */
        for (size_t i = 0; i < np; i++) {
                _cleanup_free_ char *orig = NULL;
                struct stat st;

                if (lstat(p[i].full, &st) < 0 || file_is_ours(p[i].full))
                        continue;
                if (asprintf(&orig, "%s" ORIG_SUFFIX, p[i].full) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (link(p[i].full, orig) < 0) {
                        if (errno == EEXIST)
                                continue; /* kept on an earlier run */
                        r = -errno;
                        ret->failed_path = strdup(p[i].file->path);
                        goto fail;
                }
                if (strv_extend(&ret->backups, p[i].full) < 0) {
                        (void) unlink(orig);
                        r = -ENOMEM;
                        goto fail;
                }
        }
        for (size_t i = 0; i < np; i++) {
                if (rename(p[i].tmp, p[i].full) < 0) {
                        /* Only an I/O error can get here: directories and files exist and are ours. */
                        r = -errno;
                        ret->failed_path = strdup(p[i].file->path);
                        for (size_t j = i; j < np; j++)
                                (void) unlink(p[j].tmp);
                        goto done;
                }
                free(p[i].tmp);
                p[i].tmp = NULL;
                if (strv_extend(&ret->changed, p[i].file->path) < 0)
                        r = -ENOMEM;
                if (fileset_rename_hook)
                        fileset_rename_hook(i + 1);
        }
        for (size_t i = 0; i < np; i++)
                (void) fsync_parent(p[i].full);
        goto done;

fail:
        for (size_t i = 0; i < np; i++)
                if (p[i].tmp)
                        (void) unlink(p[i].tmp);
        STRV_FOREACH(b, ret->backups) {
                _cleanup_free_ char *orig = NULL;
                if (asprintf(&orig, "%s" ORIG_SUFFIX, *b) >= 0)
                        (void) unlink(orig);
        }
        ret->backups = strv_free(ret->backups);
        for (size_t i = strv_length(created); i > 0; i--)
                (void) rmdir(created[i - 1]);
        ret->changed = strv_free(ret->changed);
done:
        for (size_t i = 0; i < np; i++) {
                free(p[i].full);
                free(p[i].tmp);
        }
        free(p);
        return r;
}

int fileset_clean_stale(const FileSet *s, const char *root) {
        int n = 0;

        for (size_t i = 0; i < s->n; i++) {
                _cleanup_free_ char *full = path_join(root, s->files[i].path), *prefix = NULL;
                char *slash;
                DIR *d;
                struct dirent *de;

                if (!full || !(slash = strrchr(full, '/')))
                        return -ENOMEM;
                if (asprintf(&prefix, ".#%s.", slash + 1) < 0)
                        return -ENOMEM;
                *slash = 0;
                d = opendir(*full ? full : "/");
                if (!d)
                        continue;
                while ((de = readdir(d)))
                        /* mkostemp's six characters after our prefix */
                        if (startswith(de->d_name, prefix) && strlen(de->d_name) == strlen(prefix) + 6 &&
                            unlinkat(dirfd(d), de->d_name, 0) == 0)
                                n++;
                closedir(d);
        }
        return n;
}
