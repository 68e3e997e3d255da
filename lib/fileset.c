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
        /* A symbolic link in a file's place is never followed: it is replaced by the file. */
        if (n == -ELOOP && lstat(full, &st) >= 0 && S_ISLNK(st.st_mode))
                return 1;
        if (n < 0)
                return (int) n;
        return (size_t) n != f->size || memcmp(buf, f->content, f->size) != 0 || (st.st_mode & 07777) != f->mode;
}

int rendered_file_differs(const RenderedFile *f, const char *root) {
        _cleanup_free_ char *full = path_join(root, f->path);

        return full ? file_differs(f, full) : -ENOMEM;
}

/* Whether an existing file was written by us (carries the marker near its start). A symbolic
 * link never is: we write regular files only. */
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

/* Next to a file being replaced, a second link to what it was, until the whole set is in place. */
#define OLD_SUFFIX "old"

typedef struct Pending {
        const RenderedFile *file;
        char *full;
        char *tmp;    /* the new content, until renamed into place */
        char *old;    /* a second link to the file it replaces, while a rollback may need it */
        bool backup;  /* a foreign file it replaces was kept by this write */
        bool renamed; /* the new content is in place */
} Pending;

static int link_old(Pending *p) {
        _cleanup_free_ char *old = NULL;
        char *slash = strrchr(p->full, '/');

        if (asprintf(&old, "%.*s/.#%s." OLD_SUFFIX, (int) (slash - p->full), p->full, slash + 1) < 0) {
                old = NULL;
                return -ENOMEM;
        }
        /* Only an interrupted write leaves one behind, and that write's copy is of no use. */
        if (unlink(old) < 0 && errno != ENOENT)
                return -errno;
        if (linkat(AT_FDCWD, p->full, AT_FDCWD, old, 0) < 0)
                return -errno;
        p->old = TAKE_PTR(old);
        return 0;
}

/* Puts back what a renamed file replaced: its old link over it, or nothing where there was
 * nothing. The rename keeps the old inode, so content, mode, owner and mtime all come back. */
static void restore_old(Pending *p) {
        if (p->old) {
                if (rename(p->old, p->full) < 0)
                        return;
                p->old = mfree(p->old);
        } else if (unlink(p->full) < 0 && errno != ENOENT)
                return;
        p->renamed = false;
}

int fileset_write(const FileSet *s, const char *root, WriteResult *ret) {
        _cleanup_strv_free_ char **created = NULL;
        Pending *p = calloc(s->n ? s->n : 1, sizeof(Pending));
        size_t np = 0, i;
        int r = 0;

        *ret = (WriteResult) {};
        if (!p)
                return -ENOMEM;

        /* Phase 1: every changed file to a temporary file next to its target. */
        for (i = 0; i < s->n; i++) {
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

        /* Phase 2: keep foreign files, and a link to every file about to be replaced so that a
         * failed rename can put back the ones before it. Every allocation the result needs is
         * done here too: from the first rename on, only the file system can fail. */
        for (i = 0; i < np; i++) {
                _cleanup_free_ char *orig = NULL;
                struct stat st;

                if (strv_extend(&ret->changed, p[i].file->path) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (lstat(p[i].full, &st) < 0) {
                        if (errno == ENOENT)
                                continue;
                        r = -errno;
                        goto fail_at_pending;
                }
                if (!file_is_ours(p[i].full)) {
                        if (asprintf(&orig, "%s" ORIG_SUFFIX, p[i].full) < 0) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        /* A symbolic link is kept as itself, pointing where it pointed. */
                        if (linkat(AT_FDCWD, p[i].full, AT_FDCWD, orig, 0) >= 0)
                                p[i].backup = true;
                        else if (errno != EEXIST) { /* EEXIST: kept on an earlier run */
                                r = -errno;
                                goto fail_at_pending;
                        }
                }
                r = link_old(&p[i]);
                if (r < 0)
                        goto fail_at_pending;
        }
        for (i = 0; i < np; i++)
                if (p[i].backup && strv_extend(&ret->backups, p[i].full) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }

        /* Phase 3: rename everything into place. */
        for (i = 0; i < np; i++) {
                if (rename(p[i].tmp, p[i].full) < 0) {
                        r = -errno;
                        goto rollback;
                }
                p[i].tmp = mfree(p[i].tmp);
                p[i].renamed = true;
                if (fileset_rename_hook)
                        fileset_rename_hook(i + 1);
        }
        for (i = 0; i < np; i++) {
                if (p[i].old)
                        (void) unlink(p[i].old);
                (void) fsync_parent(p[i].full);
        }
        r = 0;
        goto done;

rollback:
        /* Whoever acts on the result must find on disk what it says: the old set. */
        for (size_t j = i; j > 0; j--)
                restore_old(&p[j - 1]);
        for (size_t j = 0; j < i; j++)
                (void) fsync_parent(p[j].full);
fail_at_pending:
        if (!ret->failed_path)
                ret->failed_path = strdup(p[i].file->path);
fail:
        for (i = 0; i < np; i++) {
                if (p[i].tmp)
                        (void) unlink(p[i].tmp);
                if (p[i].old)
                        (void) unlink(p[i].old);
                /* A foreign file still replaced lives on in its backup only. */
                if (p[i].backup && !p[i].renamed) {
                        _cleanup_free_ char *orig = NULL;
                        if (asprintf(&orig, "%s" ORIG_SUFFIX, p[i].full) >= 0)
                                (void) unlink(orig);
                }
        }
        for (i = strv_length(created); i > 0; i--)
                (void) rmdir(created[i - 1]);
        /* What stays in the results: the files that could not be put back, and their backups
         * (changed[i] is p[i]'s path once phase 2 is through; before that nothing was renamed). */
        for (size_t j = 0, k = 0; ret->changed; j++) {
                if (!ret->changed[j]) {
                        ret->changed[k] = NULL;
                        break;
                }
                if (j < np && p[j].renamed)
                        ret->changed[k++] = ret->changed[j];
                else
                        free(ret->changed[j]);
        }
        for (size_t j = 0, k = 0; ret->backups; j++) {
                bool keep = false;

                if (!ret->backups[j]) {
                        ret->backups[k] = NULL;
                        break;
                }
                for (i = 0; i < np; i++)
                        if (streq(p[i].full, ret->backups[j]))
                                keep = p[i].renamed;
                if (keep)
                        ret->backups[k++] = ret->backups[j];
                else
                        free(ret->backups[j]);
        }
done:
        for (i = 0; i < np; i++) {
                free(p[i].full);
                free(p[i].tmp);
                free(p[i].old);
        }
        free(p);
        return r;
}

char *write_result_error(const WriteResult *w, int error) {
        _cleanup_free_ char *changed = strv_join(w->changed ?: (char *[]) { NULL }, " ");
        char *s;

        if (!changed)
                return NULL;
        if (asprintf(&s, "Cannot write %s: %s; %s%s", strna(w->failed_path), strerror(-error),
                     isempty(changed) ? "nothing was changed" : "the old content could not be put back in ",
                     changed) < 0)
                return NULL;
        return s;
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
                while ((de = readdir(d))) {
                        const char *rest = startswith(de->d_name, prefix);

                        /* mkostemp's six characters after our prefix, or the link to an old file */
                        if (rest && (strlen(rest) == 6 || streq(rest, OLD_SUFFIX)) &&
                            unlinkat(dirfd(d), de->d_name, 0) == 0)
                                n++;
                }
                closedir(d);
        }
        return n;
}
