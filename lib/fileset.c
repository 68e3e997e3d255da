/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rendered file sets and their atomic writing: temporary files in the target directories,
 * fsynced, then renamed into place, so a reader sees either the old or the new file. */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>

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

/* Reads until size bytes or the end; returns the size read or -errno. */
static ssize_t read_full(int fd, char *buf, size_t size) {
        size_t n = 0;

        while (n < size) {
                ssize_t k = read(fd, buf + n, size - n);
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

/* Reads at most max bytes; returns the size read or -errno (-ENOENT when missing). */
static ssize_t read_file_prefix(const char *path, char *buf, size_t max, struct stat *st) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

        if (fd < 0)
                return -errno;
        if (fstat(fd, st) < 0)
                return -errno;
        if (!S_ISREG(st->st_mode))
                return -EISDIR;
        return read_full(fd, buf, max);
}

/* file_differs(): no file is there at all */
#define FILE_ABSENT 2

static int file_differs(const RenderedFile *f, const char *full) {
        _cleanup_free_ char *buf = malloc(f->size + 1);
        struct stat st;
        ssize_t n;

        if (!buf)
                return -ENOMEM;
        n = read_file_prefix(full, buf, f->size + 1, &st);
        if (n == -ENOENT)
                return f->absent_ok ? 0 : FILE_ABSENT;
        /* A symbolic link in a file's place is never followed: it is replaced by the file. */
        if (n == -ELOOP && lstat(full, &st) >= 0 && S_ISLNK(st.st_mode))
                return 1;
        if (n < 0)
                return (int) n;
        return (size_t) n != f->size || memcmp(buf, f->content, f->size) != 0 || (st.st_mode & 07777) != f->mode;
}

int rendered_file_differs(const RenderedFile *f, const char *root) {
        _cleanup_free_ char *full = path_join(root, f->path);
        int r;

        if (!full)
                return -ENOMEM;
        r = file_differs(f, full);
        return r > 0 ? 1 : r;
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

/* 0 when dir is a directory, -ENOTDIR when something else is in its place, else -errno. */
static int is_dir(const char *dir) {
        struct stat st;

        if (stat(dir, &st) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* mkdir -p of dir (changed while it runs, then as it was), from the deepest directory that is
 * there: one stat() for a directory that exists, not one mkdir() and stat() per component, so
 * that a thousand guests' drop-in directories cost a few calls each. Records every directory
 * it created, deepest last, so that they can be removed. */
static int mkdir_tree(char *dir, char ***created) {
        char *slash;
        int r = is_dir(dir);

        if (r != -ENOENT)
                return r;
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = 0;
                r = mkdir_tree(dir, created);
                *slash = '/';
                if (r < 0)
                        return r;
        }
        if (mkdir(dir, 0755) < 0)
                return errno == EEXIST ? is_dir(dir) : -errno;
        return strv_extend(created, dir) < 0 ? -ENOMEM : 0;
}

/* Makes the directory of full. *known is the last directory found or made: the files of a set
 * come a directory at a time (a thousand guests' files in one), and each was a stat() of it.
 * Returns 1 when the directory is another than the last, 0 when the same, or -errno. */
static int mkdir_parents(const char *full, char ***created, char **known) {
        const char *slash = strrchr(full, '/');
        _cleanup_free_ char *p = NULL;
        size_t n;
        int r;

        if (!slash || slash == full) {
                *known = mfree(*known); /* "/": another directory, nothing to make */
                return 1;
        }
        n = slash - full;
        if (*known && strlen(*known) == n && memcmp(*known, full, n) == 0)
                return 0;
        p = strndup(full, n);
        if (!p)
                return -ENOMEM;
        r = mkdir_tree(p, created);
        if (r < 0)
                return r;
        free(*known);
        *known = TAKE_PTR(p);
        return 1;
}

/* Whether fd is on a file system in memory alone, where fsync() has nothing to do. */
static bool in_memory(int fd) {
        struct statfs sf;

        return fstatfs(fd, &sf) >= 0 && ((uint64_t) sf.f_type == TMPFS_MAGIC || (uint64_t) sf.f_type == RAMFS_MAGIC);
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

int fileset_fsync_parent(const char *full) {
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
        char *backup; /* where this write kept the foreign file it replaces */
        bool absent;  /* no file was at full when checked: it is put there only while none is */
        dev_t dev;    /* otherwise the file that was there, which is replaced only while it is */
        ino_t ino;
        bool renamed; /* the new content is in place */
} Pending;

/* Orders paths by their directory part alone. */
static int cmp_dir(const void *a, const void *b) {
        const char *x = *(const char *const *) a, *y = *(const char *const *) b;
        const char *sx = strrchr(x, '/'), *sy = strrchr(y, '/');
        size_t lx = sx ? (size_t) (sx - x) : 0, ly = sy ? (size_t) (sy - y) : 0;
        int c = memcmp(x, y, lx < ly ? lx : ly);

        return c != 0 ? c : (lx > ly) - (lx < ly);
}

/* fileset_fsync_parent() of the first n pending files, each directory once: a thousand guests'
 * files share a handful. */
static void fsync_parents(const Pending *p, size_t n) {
        _cleanup_free_ const char **full = calloc(n ?: 1, sizeof(char *));

        if (!full) {
                for (size_t i = 0; i < n; i++)
                        (void) fileset_fsync_parent(p[i].full);
                return;
        }
        for (size_t i = 0; i < n; i++)
                full[i] = p[i].full;
        qsort(full, n, sizeof(char *), cmp_dir);
        for (size_t i = 0; i < n; i++)
                if (i == 0 || cmp_dir(&full[i], &full[i - 1]) != 0)
                        (void) fileset_fsync_parent(full[i]);
}

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
        } else if (!file_is_ours(p->full)) {
                /* someone's file came after ours: it stays */
        } else if (unlink(p->full) < 0 && errno != ENOENT)
                return;
        p->renamed = false;
}

static char *orig_name(const char *full, unsigned k) {
        char *s;

        if ((k == 0 ? asprintf(&s, "%s" ORIG_SUFFIX, full) : asprintf(&s, "%s" ORIG_SUFFIX ".%u", full, k)) < 0)
                return NULL;
        return s;
}

static bool same_content(const char *a, const char *b) {
        _cleanup_close_ int fa = open(a, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK),
                            fb = open(b, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        char ba[4096], bb[4096];

        if (fa < 0 || fb < 0)
                return false;
        for (;;) {
                ssize_t na = read_full(fa, ba, sizeof ba), nb = read_full(fb, bb, sizeof bb);

                if (na < 0 || na != nb || memcmp(ba, bb, na) != 0)
                        return false;
                if (na == 0)
                        return true;
        }
}

/* Whether the kept file b (sb) is the version at a (sa) already: the same inode (a write
 * interrupted after keeping it), the same link, or a file of the same content. */
static bool same_version(const char *a, const struct stat *sa, const char *b, const struct stat *sb) {
        if (sa->st_dev == sb->st_dev && sa->st_ino == sb->st_ino)
                return true;
        if ((sa->st_mode & S_IFMT) != (sb->st_mode & S_IFMT))
                return false;
        if (S_ISLNK(sa->st_mode)) {
                char la[PATH_MAX], lb[PATH_MAX];
                ssize_t na = readlink(a, la, sizeof la), nb = readlink(b, lb, sizeof lb);
                return na >= 0 && na == nb && memcmp(la, lb, na) == 0;
        }
        return S_ISREG(sa->st_mode) && sa->st_size == sb->st_size && same_content(a, b);
}

/* Keeps the foreign file at p->full (st) under the first free of FILE.xen-dom0-orig, .1, ...,
 * unless one of them holds that version already: a foreign file is never replaced unkept.
 * Returns -EEXIST when every name holds another version. */
static int keep_foreign(Pending *p, const struct stat *st) {
        _cleanup_free_ char *free_name = NULL;

        for (unsigned k = 0; k < FILESET_ORIG_VERSIONS_MAX; k++) {
                _cleanup_free_ char *name = orig_name(p->full, k);
                struct stat sb;

                if (!name)
                        return -ENOMEM;
                if (lstat(name, &sb) < 0) {
                        if (errno != ENOENT)
                                return -errno;
                        if (!free_name)
                                free_name = TAKE_PTR(name);
                } else if (same_version(p->full, st, name, &sb))
                        return 0;
        }
        if (!free_name)
                return -EEXIST;
        /* A symbolic link is kept as itself, pointing where it pointed. */
        if (linkat(AT_FDCWD, p->full, AT_FDCWD, free_name, 0) < 0)
                return -errno;
        p->backup = TAKE_PTR(free_name);
        return 0;
}

/* Renames tmp to full only while nothing is at full; -EAGAIN when something came since the
 * check. */
static int rename_noreplace(const char *tmp, const char *full) {
        struct stat st;

        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, full, RENAME_NOREPLACE) >= 0)
                return 0;
        if (errno == EEXIST)
                return -EAGAIN;
        if (errno != EINVAL && errno != ENOSYS)
                return -errno;
        /* A file system without it: the check is as close to the rename as it can be. */
        if (lstat(full, &st) >= 0)
                return -EAGAIN;
        if (errno != ENOENT)
                return -errno;
        return rename(tmp, full) < 0 ? -errno : 0;
}

/* Renames p->tmp over p->full only while p->full is still the file found there (p->dev,
 * p->ino): the two are exchanged, and a file that came in its place since is put back; -EAGAIN
 * then, and when the file went. A file system without the exchange gets a plain rename. */
static int rename_replacing(Pending *p) {
        struct stat st;
        int r;

        if (renameat2(AT_FDCWD, p->tmp, AT_FDCWD, p->full, RENAME_EXCHANGE) < 0) {
                r = -errno;
                if (r == -ENOENT && lstat(p->full, &st) < 0 && errno == ENOENT)
                        return -EAGAIN;
                if (r != -EINVAL && r != -ENOSYS)
                        return r;
                return rename(p->tmp, p->full) < 0 ? -errno : 0;
        }
        /* p->tmp names what was at p->full a moment ago */
        if (lstat(p->tmp, &st) >= 0 && st.st_dev == p->dev && st.st_ino == p->ino) {
                (void) unlink(p->tmp);
                return 0;
        }
        if (renameat2(AT_FDCWD, p->tmp, AT_FDCWD, p->full, RENAME_EXCHANGE) >= 0)
                return -EAGAIN;
        /* Or theirs over ours, which nobody else has. */
        if (rename(p->tmp, p->full) >= 0) {
                p->tmp = mfree(p->tmp);
                return -EAGAIN;
        }
        /* The file system refuses renames here: ours is in place and theirs stays under the
         * temporary name. */
        r = -errno;
        p->tmp = mfree(p->tmp);
        p->renamed = true;
        return r;
}

/* After a rollback, what stays in the results: the files that could not be put back, and the
 * backups of those. Both lists are complete when the renames start (changed[i] is p[i]'s, the
 * backups are pairs in the order of p), so this only drops entries. */
static void results_keep_renamed(WriteResult *ret, const Pending *p, size_t np) {
        size_t c = 0, b = 0, kb = 0;

        for (size_t i = 0; i < np; i++) {
                if (p[i].renamed)
                        ret->changed[c++] = ret->changed[i];
                else
                        free(ret->changed[i]);
                if (!p[i].backup)
                        continue;
                if (p[i].renamed) {
                        ret->backups[kb++] = ret->backups[b];
                        ret->backups[kb++] = ret->backups[b + 1];
                } else {
                        free(ret->backups[b]);
                        free(ret->backups[b + 1]);
                }
                b += 2;
        }
        ret->changed[c] = NULL;
        if (ret->backups)
                ret->backups[kb] = NULL;
}

/* One attempt of fileset_write(); -EAGAIN when a file came where none was, came in place of the
 * one found or went since the check, and everything was put back. */
static int write_once(const FileSet *s, const char *root, WriteResult *ret) {
        _cleanup_strv_free_ char **created = NULL;
        _cleanup_free_ char *known_dir = NULL;
        int dir_in_memory = -1; /* the known directory's file system: 1 in memory, -1 not known yet */
        Pending *p = calloc(s->n ? s->n : 1, sizeof(Pending));
        size_t np = 0, i;
        bool renaming = false;
        int r = 0;

        *ret = (WriteResult) {};
        if (!p)
                return -ENOMEM;
        if (fileset_rename_hook)
                fileset_rename_hook(0);

        /* Phase 1: every changed file to a temporary file next to its target. */
        for (i = 0; i < s->n; i++) {
                const RenderedFile *f = &s->files[i];
                _cleanup_free_ char *full = path_join(root, f->path), *tmp = NULL;
                _cleanup_close_ int fd = -EBADF;
                bool absent;
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
                absent = r == FILE_ABSENT;
                r = mkdir_parents(full, &created, &known_dir);
                if (r < 0)
                        goto fail_at;
                if (r > 0)
                        dir_in_memory = -1;
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
                p[np] = (Pending) { .file = f, .full = TAKE_PTR(full), .tmp = TAKE_PTR(tmp), .absent = absent };
                np++;
                /* /run is a tmpfs: a thousand guests' files each made an fsync() that did nothing */
                if (dir_in_memory < 0)
                        dir_in_memory = in_memory(fd);
                if (fchmod(fd, f->mode) < 0 || (r = write_all(fd, f->content, f->size)) < 0 ||
                    (!dir_in_memory && fsync(fd) < 0)) {
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
                struct stat st;

                if (strv_extend(&ret->changed, p[i].file->path) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                /* Nothing to keep: the rename below makes sure that nothing came since. */
                if (p[i].absent)
                        continue;
                if (lstat(p[i].full, &st) < 0) {
                        if (errno == ENOENT) {
                                /* gone since the check: one written only over a file is not
                                 * written any more, which the next attempt sees */
                                if (p[i].file->absent_ok) {
                                        r = -EAGAIN;
                                        goto fail_at_pending;
                                }
                                p[i].absent = true;
                                continue;
                        }
                        r = -errno;
                        goto fail_at_pending;
                }
                p[i].dev = st.st_dev;
                p[i].ino = st.st_ino;
                if (!file_is_ours(p[i].full)) {
                        r = keep_foreign(&p[i], &st);
                        if (r < 0) {
                                ret->backups_full = r == -EEXIST;
                                goto fail_at_pending;
                        }
                }
                r = link_old(&p[i]);
                if (r < 0)
                        goto fail_at_pending;
        }
        for (i = 0; i < np; i++)
                if (p[i].backup &&
                    (strv_extend(&ret->backups, p[i].full) < 0 || strv_extend(&ret->backups, p[i].backup) < 0)) {
                        r = -ENOMEM;
                        goto fail;
                }
        renaming = true;

        /* Phase 3: rename everything into place. */
        for (i = 0; i < np; i++) {
                r = p[i].absent ? rename_noreplace(p[i].tmp, p[i].full) : rename_replacing(&p[i]);
                if (r < 0) {
                        /* -EAGAIN: a file came or went since the check; start over */
                        if (p[i].renamed)
                                restore_old(&p[i]);
                        goto rollback;
                }
                p[i].tmp = mfree(p[i].tmp);
                p[i].renamed = true;
                if (fileset_rename_hook)
                        fileset_rename_hook(i + 1);
        }
        for (i = 0; i < np; i++)
                if (p[i].old)
                        (void) unlink(p[i].old);
        fsync_parents(p, np);
        r = 0;
        goto done;

rollback:
        /* Whoever acts on the result must find on disk what it says: the old set. */
        for (size_t j = i; j > 0; j--)
                restore_old(&p[j - 1]);
        fsync_parents(p, i);
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
                if (p[i].backup && !p[i].renamed)
                        (void) unlink(p[i].backup);
        }
        for (i = strv_length(created); i > 0; i--)
                (void) rmdir(created[i - 1]);
        if (renaming) {
                results_keep_renamed(ret, p, np);
                /* Starting over is for a complete rollback only. */
                if (r == -EAGAIN && strv_length(ret->changed) > 0)
                        r = -EEXIST;
        } else {
                ret->changed = strv_free(ret->changed);
                ret->backups = strv_free(ret->backups);
        }
done:
        for (i = 0; i < np; i++) {
                free(p[i].full);
                free(p[i].tmp);
                free(p[i].old);
                free(p[i].backup);
        }
        free(p);
        return r;
}

/* How often a write starts over for files that come or go while it runs. */
#define WRITE_ATTEMPTS 3

int fileset_write(const FileSet *s, const char *root, WriteResult *ret) {
        for (unsigned k = 1;; k++) {
                int r = write_once(s, root, ret);

                if (r != -EAGAIN)
                        return r;
                if (k == WRITE_ATTEMPTS)
                        return -EEXIST;
                write_result_done(ret);
        }
}

char *write_result_error(const WriteResult *w, int error) {
        _cleanup_free_ char *changed = strv_join(w->changed ?: (char *[]) { NULL }, " "), *why = NULL;
        char *s;

        if (!changed)
                return NULL;
        if (w->backups_full &&
            asprintf(&why, "xen-dom0d did not write it, and %s" ORIG_SUFFIX ", " ORIG_SUFFIX ".1 to " ORIG_SUFFIX
                           ".%d all keep other versions of it: move one away",
                     strna(w->failed_path), FILESET_ORIG_VERSIONS_MAX - 1) < 0)
                return NULL;
        if (asprintf(&s, "Cannot write %s: %s; %s%s", strna(w->failed_path), why ?: strerror(-error),
                     isempty(changed) ? "nothing was changed" : "the old content could not be put back in ",
                     changed) < 0)
                return NULL;
        return s;
}

/* Orders paths by their directory (cmp_dir()), then by their name. */
static int cmp_dir_then_name(const void *a, const void *b) {
        const char *x = *(const char *const *) a, *y = *(const char *const *) b;
        int c = cmp_dir(a, b);

        return c != 0 ? c : strcmp(strrchr(x, '/') + 1, strrchr(y, '/') + 1);
}

static int cmp_name(const void *key, const void *p) {
        const char *path = *(const char *const *) p;

        return strcmp(key, strrchr(path, '/') + 1);
}

/* Whether entry is a temporary file of one of names (sorted): mkostemp's ".#NAME.XXXXXX", or
 * ".#NAME.old", the link to an old file. */
static bool is_stale(const char *entry, const char **names, size_t n) {
        size_t len = strlen(entry);
        char name[NAME_MAX + 1];

        if (!startswith(entry, ".#") || len > NAME_MAX)
                return false;
        /* the name, then "." and three letters (old) or mkostemp's six */
        for (size_t suffix = 1 + 3; suffix <= 1 + 6; suffix += 3) {
                size_t k;

                if (len < 2 + 1 + suffix)
                        continue;
                k = len - 2 - suffix;
                if (entry[2 + k] != '.' || (suffix == 1 + 3 && !streq(entry + 2 + k + 1, OLD_SUFFIX)))
                        continue;
                memcpy(name, entry + 2, k);
                name[k] = 0;
                if (bsearch(name, names, n, sizeof(char *), cmp_name))
                        return true;
        }
        return false;
}

/* Each directory is read once, whatever number of files it holds: a read per file made a
 * reload of a thousand guests' files quadratic. */
int fileset_clean_stale(const FileSet *s, const char *root) {
        _cleanup_free_ const char **paths = NULL;
        int n = 0;

        if (s->n == 0)
                return 0;
        paths = calloc(s->n, sizeof(char *));
        if (!paths)
                return -ENOMEM;
        for (size_t i = 0; i < s->n; i++) {
                if (s->files[i].path[0] != '/')
                        return -EINVAL;
                paths[i] = s->files[i].path;
        }
        qsort(paths, s->n, sizeof(char *), cmp_dir_then_name);

        for (size_t i = 0, j; i < s->n; i = j) {
                _cleanup_free_ char *full = path_join(root, paths[i]);
                DIR *d;
                struct dirent *de;

                for (j = i + 1; j < s->n && cmp_dir(&paths[i], &paths[j]) == 0; j++)
                        ;
                if (!full)
                        return -ENOMEM;
                *strrchr(full, '/') = 0;
                d = opendir(*full ? full : "/");
                if (!d)
                        continue;
                while ((de = readdir(d)))
                        if (is_stale(de->d_name, paths + i, j - i) && unlinkat(dirfd(d), de->d_name, 0) == 0)
                                n++;
                closedir(d);
        }
        return n;
}
