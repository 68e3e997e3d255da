/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Atomic writing of a rendered set: content and mode land, unchanged files keep their mtime,
 * foreign files are kept as .xen-dom0-orig, and a failure leaves the tree exactly as it was. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <utime.h>

#include "fileset.h"
#include "paths.h"
#include "strv.h"
#include "test-util.h"

static void add(FileSet *s, const char *path, const char *text, mode_t mode) {
        ck_assert_int_eq(fileset_add(s, path, strdup(text), strlen(text), mode), 0);
}

static char *at(const char *root, const char *path) {
        char *s;
        ck_assert_int_ge(asprintf(&s, "%s%s", root, path), 0);
        return s;
}

static void put(const char *root, const char *path, const char *text) {
        _cleanup_free_ char *full = at(root, path);
        FILE *f = fopen(full, "we");

        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
}

static char *get(const char *root, const char *path) {
        _cleanup_free_ char *full = at(root, path);
        return test_read_file(full, NULL);
}

/* A listing of every entry under root with its size and mode, to compare trees. */
static char *tree;
static size_t tree_size;
static FILE *tree_f;
static size_t root_len;

static int list_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        /* Directory mtimes move with any temporary file; files' must not. */
        fprintf(tree_f, "%s %o %jd %ld\n", path + root_len, st->st_mode, (intmax_t) st->st_size,
                flag == FTW_F ? st->st_mtim.tv_nsec + st->st_mtim.tv_sec * 1000000000L : 0L);
        return 0;
}

static char *snapshot(const char *root) {
        tree = NULL;
        tree_f = open_memstream(&tree, &tree_size);
        root_len = strlen(root);
        ck_assert_int_eq(nftw(root, list_one, 8, FTW_PHYS), 0);
        fclose(tree_f);
        return tree;
}

START_TEST(test_write_new_tree) {
        _cleanup_free_ char *root = test_mkdtemp(), *a = NULL, *b = NULL, *full = NULL;
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_(write_result_done) WriteResult w = {};
        struct stat st;

        add(&s, "/run/xen-dom0/a", "# " RENDER_MARKER "\nA\n", 0644);
        add(&s, "/etc/deep/er/b", "# " RENDER_MARKER "\nB\n", 0600);
        ck_assert_int_eq(fileset_write(&s, root, &w), 0);
        ck_assert_uint_eq(strv_length(w.changed), 2);
        ck_assert_uint_eq(strv_length(w.backups), 0);
        a = get(root, "/run/xen-dom0/a");
        b = get(root, "/etc/deep/er/b");
        ck_assert_str_eq(a, "# " RENDER_MARKER "\nA\n");
        ck_assert_str_eq(b, "# " RENDER_MARKER "\nB\n");
        full = at(root, "/etc/deep/er/b");
        ck_assert_int_eq(stat(full, &st), 0);
        ck_assert_int_eq(st.st_mode & 07777, 0600);
        test_rm_rf(root);
}
END_TEST

/* A file whose content sets nothing is not written where none is, and rewritten where one is. */
START_TEST(test_absent_ok) {
        _cleanup_free_ char *root = test_mkdtemp(), *dir = NULL, *got = NULL;
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_(write_result_done) WriteResult w = {}, w2 = {};
        const char *empty = "# " RENDER_MARKER "\n[Unit]\n";
        struct stat st;

        add(&s, "/d/x.service.d/50.conf", empty, 0644);
        s.files[0].absent_ok = true;
        add(&s, "/d/x.conf", "# " RENDER_MARKER "\nX\n", 0644);
        ck_assert_int_eq(rendered_file_differs(&s.files[0], root), 0);
        ck_assert_int_eq(fileset_write(&s, root, &w), 0);
        ck_assert_uint_eq(strv_length(w.changed), 1);
        ck_assert_str_eq(w.changed[0], "/d/x.conf");
        dir = at(root, "/d/x.service.d");
        ck_assert_int_eq(stat(dir, &st), -1); /* not even its directory */
        ck_assert_int_eq(errno, ENOENT);

        /* one written before, with an order in it: emptied */
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        put(root, "/d/x.service.d/50.conf", "# " RENDER_MARKER "\n[Unit]\nAfter=y.service\n");
        ck_assert_int_gt(rendered_file_differs(&s.files[0], root), 0);
        ck_assert_int_eq(fileset_write(&s, root, &w2), 0);
        ck_assert_uint_eq(strv_length(w2.changed), 1);
        ck_assert_str_eq(w2.changed[0], "/d/x.service.d/50.conf");
        got = get(root, "/d/x.service.d/50.conf");
        ck_assert_str_eq(got, empty);
        ck_assert_int_eq(rendered_file_differs(&s.files[0], root), 0);
        test_rm_rf(root);
}
END_TEST

START_TEST(test_unchanged_not_rewritten) {
        _cleanup_free_ char *root = test_mkdtemp(), *full = NULL;
        _cleanup_(fileset_done) FileSet s = {}, s2 = {};
        _cleanup_(write_result_done) WriteResult w = {}, w2 = {}, w3 = {};
        struct utimbuf old = { .actime = 1000000000, .modtime = 1000000000 };
        struct stat st;

        add(&s, "/x/same", "# " RENDER_MARKER "\nsame\n", 0644);
        add(&s, "/x/other", "# " RENDER_MARKER "\nv1\n", 0644);
        ck_assert_int_eq(fileset_write(&s, root, &w), 0);
        full = at(root, "/x/same");
        ck_assert_int_eq(utime(full, &old), 0);

        ck_assert_int_eq(fileset_write(&s, root, &w2), 0);
        ck_assert_uint_eq(strv_length(w2.changed), 0);
        ck_assert_int_eq(stat(full, &st), 0);
        ck_assert_int_eq(st.st_mtime, 1000000000);

        add(&s2, "/x/same", "# " RENDER_MARKER "\nsame\n", 0644);
        add(&s2, "/x/other", "# " RENDER_MARKER "\nv2\n", 0644);
        ck_assert_int_eq(fileset_write(&s2, root, &w3), 0);
        ck_assert_uint_eq(strv_length(w3.changed), 1);
        ck_assert_str_eq(w3.changed[0], "/x/other");
        ck_assert_int_eq(stat(full, &st), 0);
        ck_assert_int_eq(st.st_mtime, 1000000000);
        test_rm_rf(root);
}
END_TEST

START_TEST(test_mode_change_rewrites) {
        _cleanup_free_ char *root = test_mkdtemp();
        _cleanup_(fileset_done) FileSet s = {}, s2 = {};
        _cleanup_(write_result_done) WriteResult w = {}, w2 = {};

        add(&s, "/m", "# " RENDER_MARKER "\n", 0644);
        add(&s2, "/m", "# " RENDER_MARKER "\n", 0640);
        ck_assert_int_eq(fileset_write(&s, root, &w), 0);
        ck_assert_int_eq(fileset_write(&s2, root, &w2), 0);
        ck_assert_uint_eq(strv_length(w2.changed), 1);
        test_rm_rf(root);
}
END_TEST

START_TEST(test_foreign_file_kept) {
        _cleanup_free_ char *root = test_mkdtemp(), *orig = NULL, *now = NULL, *dir = NULL;
        _cleanup_(fileset_done) FileSet s = {}, s2 = {};
        _cleanup_(write_result_done) WriteResult w = {}, w2 = {};

        dir = at(root, "/etc");
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        put(root, "/etc/admin.conf", "hand written\n");
        add(&s, "/etc/admin.conf", "# " RENDER_MARKER "\nnew\n", 0644);
        ck_assert_int_eq(fileset_write(&s, root, &w), 0);
        ck_assert_uint_eq(strv_length(w.backups), 2); /* the file, and where it is kept */
        orig = get(root, "/etc/admin.conf" ORIG_SUFFIX);
        ck_assert_str_eq(orig, "hand written\n");
        now = get(root, "/etc/admin.conf");
        ck_assert_str_eq(now, "# " RENDER_MARKER "\nnew\n");

        /* Ours now: replacing it again keeps no second backup and leaves the first alone. */
        add(&s2, "/etc/admin.conf", "# " RENDER_MARKER "\nnewer\n", 0644);
        ck_assert_int_eq(fileset_write(&s2, root, &w2), 0);
        ck_assert_uint_eq(strv_length(w2.backups), 0);
        free(orig);
        orig = get(root, "/etc/admin.conf" ORIG_SUFFIX);
        ck_assert_str_eq(orig, "hand written\n");
        test_rm_rf(root);
}
END_TEST

/* Replaces the file at path with a new one (another inode), as an editor or a package would. */
static void replace(const char *root, const char *path, const char *text) {
        _cleanup_free_ char *full = at(root, path);

        ck_assert_int_eq(unlink(full), 0);
        put(root, path, text);
}

START_TEST(test_foreign_versions_all_kept) {
        /* Every foreign version that is replaced is kept, under the first free name of
         * FILE.xen-dom0-orig, .1, ... .9; a version kept already is not kept twice; with all ten
         * names taken by other versions the write is refused and changes nothing. */
        _cleanup_free_ char *root = test_mkdtemp(), *dir = NULL, *v = NULL, *full = NULL, *kept = NULL,
                            *before = NULL, *after = NULL, *error = NULL;
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_(write_result_done) WriteResult w1 = {}, w2 = {}, w3 = {}, w4 = {}, w5 = {};

        dir = at(root, "/etc");
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        full = at(root, "/etc/admin.conf");
        add(&s, "/etc/admin.conf", "# " RENDER_MARKER "\nours\n", 0644);

        put(root, "/etc/admin.conf", "first\n");
        ck_assert_int_eq(fileset_write(&s, root, &w1), 0);

        /* A second foreign version: kept next to the first. */
        replace(root, "/etc/admin.conf", "second\n");
        ck_assert_int_eq(fileset_write(&s, root, &w2), 0);
        v = get(root, "/etc/admin.conf" ORIG_SUFFIX ".1");
        ck_assert_ptr_nonnull(v);
        ck_assert_str_eq(v, "second\n");
        v = mfree(v);
        v = get(root, "/etc/admin.conf" ORIG_SUFFIX);
        ck_assert_str_eq(v, "first\n");
        v = mfree(v);
        /* Each result names the file and where it went. */
        ck_assert_uint_eq(strv_length(w1.backups), 2);
        ck_assert_str_eq(w1.backups[0], full);
        ck_assert_int_ge(asprintf(&kept, "%s" ORIG_SUFFIX, full), 0);
        ck_assert_str_eq(w1.backups[1], kept);
        ck_assert_uint_eq(strv_length(w2.backups), 2);
        kept = mfree(kept);
        ck_assert_int_ge(asprintf(&kept, "%s" ORIG_SUFFIX ".1", full), 0);
        ck_assert_str_eq(w2.backups[1], kept);

        /* The first version again, a copy of it: it is kept already. */
        replace(root, "/etc/admin.conf", "first\n");
        ck_assert_int_eq(fileset_write(&s, root, &w3), 0);
        ck_assert_uint_eq(strv_length(w3.backups), 0);
        kept = mfree(kept);
        kept = at(root, "/etc/admin.conf" ORIG_SUFFIX ".2");
        ck_assert_int_eq(access(kept, F_OK), -1);

        /* Kept by a write that was interrupted before its rename: the same inode. */
        replace(root, "/etc/admin.conf", "third\n");
        ck_assert_int_eq(link(full, kept), 0);
        ck_assert_int_eq(fileset_write(&s, root, &w4), 0);
        ck_assert_uint_eq(strv_length(w4.backups), 0);
        kept = mfree(kept);
        kept = at(root, "/etc/admin.conf" ORIG_SUFFIX ".3");
        ck_assert_int_eq(access(kept, F_OK), -1);

        /* All ten names taken by other versions. */
        for (unsigned k = 3; k < 10; k++) {
                _cleanup_free_ char *name = NULL, *text = NULL;
                ck_assert_int_ge(asprintf(&name, "/etc/admin.conf" ORIG_SUFFIX ".%u", k), 0);
                ck_assert_int_ge(asprintf(&text, "version %u\n", k), 0);
                put(root, name, text);
        }
        replace(root, "/etc/admin.conf", "eleventh\n");
        before = snapshot(root);
        ck_assert_int_eq(fileset_write(&s, root, &w5), -EEXIST);
        after = snapshot(root);
        ck_assert_str_eq(before, after);
        ck_assert_str_eq(w5.failed_path, "/etc/admin.conf");
        error = write_result_error(&w5, -EEXIST);
        ck_assert_ptr_nonnull(strstr(error, "/etc/admin.conf" ORIG_SUFFIX ", "));
        ck_assert_ptr_nonnull(strstr(error, ORIG_SUFFIX ".9 all keep other versions"));
        ck_assert_ptr_nonnull(strstr(error, "nothing was changed"));
        test_rm_rf(root);
}
END_TEST

static char *link_target(const char *root, const char *path) {
        _cleanup_free_ char *full = at(root, path);
        char buf[PATH_MAX];
        ssize_t n = readlink(full, buf, sizeof buf - 1);

        ck_assert_int_ge(n, 0);
        return strndup(buf, n);
}

START_TEST(test_symlink_target_kept) {
        /* A symbolic link where a file goes, to a file or to nothing: neither is followed nor
         * aborts the write. Each is kept as FILE.xen-dom0-orig, the same link, and replaced by a
         * regular file; what it pointed to is left alone. */
        _cleanup_free_ char *root = test_mkdtemp(), *dir = NULL, *elsewhere = NULL, *full = NULL, *theirs = NULL,
                            *now = NULL, *l = NULL;
        _cleanup_(fileset_done) FileSet s = {}, s2 = {};
        _cleanup_(write_result_done) WriteResult w = {}, w2 = {};
        struct stat st;

        dir = at(root, "/etc");
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        put(root, "/elsewhere", "theirs\n");
        elsewhere = at(root, "/elsewhere");
        full = at(root, "/etc/link.conf");
        ck_assert_int_eq(symlink(elsewhere, full), 0);
        free(full);
        full = at(root, "/etc/dangling.conf");
        ck_assert_int_eq(symlink("/nonexistent/xen-dom0-test", full), 0);
        add(&s, "/etc/link.conf", "# " RENDER_MARKER "\nnew\n", 0644);
        add(&s, "/etc/dangling.conf", "# " RENDER_MARKER "\nnew\n", 0644);
        ck_assert_int_gt(rendered_file_differs(&s.files[0], root), 0);
        ck_assert_int_gt(rendered_file_differs(&s.files[1], root), 0);

        ck_assert_int_eq(fileset_write(&s, root, &w), 0);
        ck_assert_uint_eq(strv_length(w.changed), 2);
        ck_assert_uint_eq(strv_length(w.backups), 4);
        for (size_t i = 0; i < s.n; i++) {
                free(full);
                full = at(root, s.files[i].path);
                ck_assert_int_eq(lstat(full, &st), 0);
                ck_assert(S_ISREG(st.st_mode));
                ck_assert_int_eq(rendered_file_differs(&s.files[i], root), 0);
        }
        l = link_target(root, "/etc/link.conf" ORIG_SUFFIX);
        ck_assert_str_eq(l, elsewhere);
        free(l);
        l = link_target(root, "/etc/dangling.conf" ORIG_SUFFIX);
        ck_assert_str_eq(l, "/nonexistent/xen-dom0-test");
        theirs = get(root, "/elsewhere");
        ck_assert_str_eq(theirs, "theirs\n");

        /* Ours now: rewritten without another backup. */
        add(&s2, "/etc/link.conf", "# " RENDER_MARKER "\nnewer\n", 0644);
        ck_assert_int_eq(fileset_write(&s2, root, &w2), 0);
        ck_assert_uint_eq(strv_length(w2.backups), 0);
        now = get(root, "/etc/link.conf");
        ck_assert_str_eq(now, "# " RENDER_MARKER "\nnewer\n");
        test_rm_rf(root);
}
END_TEST

START_TEST(test_failure_changes_nothing) {
        _cleanup_free_ char *root = test_mkdtemp(), *before = NULL, *after = NULL, *blocker = NULL;
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_(write_result_done) WriteResult w = {};

        /* an existing file of ours, a foreign one, and a directory where the last file must go */
        blocker = at(root, "/etc");
        ck_assert_int_eq(mkdir(blocker, 0755), 0);
        put(root, "/etc/ours", "# " RENDER_MARKER "\nold\n");
        put(root, "/etc/foreign", "admin\n");
        free(blocker);
        blocker = at(root, "/etc/zz");
        ck_assert_int_eq(mkdir(blocker, 0755), 0);

        add(&s, "/etc/ours", "# " RENDER_MARKER "\nnew\n", 0644);
        add(&s, "/etc/foreign", "# " RENDER_MARKER "\nnew\n", 0644);
        add(&s, "/etc/new/dir/file", "# " RENDER_MARKER "\nnew\n", 0644);
        add(&s, "/etc/zz", "# " RENDER_MARKER "\nnew\n", 0644);

        before = snapshot(root);
        ck_assert_int_lt(fileset_write(&s, root, &w), 0);
        ck_assert_str_eq(w.failed_path, "/etc/zz");
        ck_assert_uint_eq(strv_length(w.changed), 0);
        after = snapshot(root);
        ck_assert_str_eq(before, after);
        test_rm_rf(root);
}
END_TEST

START_TEST(test_differs) {
        _cleanup_free_ char *root = test_mkdtemp();
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_(write_result_done) WriteResult w = {};

        add(&s, "/d", "# " RENDER_MARKER "\n", 0644);
        ck_assert_int_gt(rendered_file_differs(&s.files[0], root), 0);
        ck_assert_int_eq(fileset_write(&s, root, &w), 0);
        ck_assert_int_eq(rendered_file_differs(&s.files[0], root), 0);
        test_rm_rf(root);
}
END_TEST

static void die_after_second(size_t n) {
        if (n == 2)
                _exit(0);
}

static size_t count_tmp(const char *dir) {
        _cleanup_free_ char *list = snapshot(dir);
        size_t n = 0;

        for (const char *p = list; (p = strstr(p, "/.#")); p++)
                n++;
        return n;
}

START_TEST(test_crash_between_renames) {
        /* A process killed between two renames leaves a mix plus temporary files; the next
         * start cleans them and writes the complete new set. */
        _cleanup_free_ char *root = test_mkdtemp(), *a = NULL, *d = NULL;
        _cleanup_(fileset_done) FileSet old = {}, new = {};
        _cleanup_(write_result_done) WriteResult w = {}, w2 = {};
        pid_t pid;
        int status;

        add(&old, "/x/a", "# " RENDER_MARKER "\nold a\n", 0644);
        add(&old, "/x/b", "# " RENDER_MARKER "\nold b\n", 0644);
        add(&old, "/y/c", "# " RENDER_MARKER "\nold c\n", 0644);
        add(&old, "/y/d", "# " RENDER_MARKER "\nold d\n", 0644);
        add(&new, "/x/a", "# " RENDER_MARKER "\nnew a\n", 0644);
        add(&new, "/x/b", "# " RENDER_MARKER "\nnew b\n", 0644);
        add(&new, "/y/c", "# " RENDER_MARKER "\nnew c\n", 0644);
        add(&new, "/y/d", "# " RENDER_MARKER "\nnew d\n", 0644);
        ck_assert_int_eq(fileset_write(&old, root, &w), 0);

        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                WriteResult cw = {};
                fileset_rename_hook = die_after_second;
                (void) fileset_write(&new, root, &cw);
                _exit(1); /* the hook must have ended us */
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        /* two temporary files not yet renamed, and a link to each of the four old files */
        ck_assert_uint_eq(count_tmp(root), 6);
        a = get(root, "/x/a");
        d = get(root, "/y/d");
        ck_assert_str_eq(a, "# " RENDER_MARKER "\nnew a\n");
        ck_assert_str_eq(d, "# " RENDER_MARKER "\nold d\n");

        ck_assert_int_eq(fileset_clean_stale(&new, root), 6);
        ck_assert_uint_eq(count_tmp(root), 0);
        ck_assert_int_eq(fileset_write(&new, root, &w2), 0);
        for (size_t i = 0; i < new.n; i++)
                ck_assert_int_eq(rendered_file_differs(&new.files[i], root), 0);
        test_rm_rf(root);
}
END_TEST

/* What the rename hook does to the tree in the tests below: after the rename numbered
 * sabotage_after, the file sabotage_path (under sabotage_root) becomes a non-empty directory, so
 * that the next rename does not happen: the write finds something else in the file's place and
 * puts back what it did, and its next attempt finds a directory where a file must go. After
 * rename 1, drop_copies_of loses every rollback copy of that file (its ".#NAME." entries), so
 * that it cannot be put back. The replaced file is moved to sabotage_stash to be returned
 * afterwards. */
static const char *sabotage_root, *sabotage_path, *sabotage_stash, *drop_copies_of;
static size_t sabotage_after;

/* Removes every ".#NAME." entry next to path (under root): the write's copies of that file. */
static void drop_copies(const char *root, const char *path) {
        _cleanup_free_ char *full = at(root, path), *prefix = NULL;
        char *slash = strrchr(full, '/');
        struct dirent *de;
        DIR *d;

        ck_assert_int_ge(asprintf(&prefix, ".#%s.", slash + 1), 0);
        *slash = 0;
        d = opendir(full);
        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d)))
                if (startswith(de->d_name, prefix))
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        closedir(d);
}

static void sabotage(size_t n) {
        _cleanup_free_ char *full = at(sabotage_root, sabotage_path), *inner = NULL;

        if (n == 1 && drop_copies_of)
                drop_copies(sabotage_root, drop_copies_of);
        if (n != sabotage_after)
                return;
        ck_assert_int_eq(rename(full, sabotage_stash), 0);
        ck_assert_int_eq(mkdir(full, 0755), 0);
        ck_assert_int_ge(asprintf(&inner, "%s/in-the-way", full), 0);
        put("", inner, "x\n");
}

/* Puts the file the hook replaced back where it was. */
static void unsabotage(void) {
        _cleanup_free_ char *full = at(sabotage_root, sabotage_path), *inner = NULL;

        ck_assert_int_ge(asprintf(&inner, "%s/in-the-way", full), 0);
        ck_assert_int_eq(unlink(inner), 0);
        ck_assert_int_eq(rmdir(full), 0);
        ck_assert_int_eq(rename(sabotage_stash, full), 0);
        fileset_rename_hook = NULL;
        drop_copies_of = NULL;
}

START_TEST(test_rename_failure_rolls_back) {
        /* The third rename fails after two files were replaced and a foreign one kept: both are
         * put back as they were (same inode, mode and mtime), the new file and its directories
         * go, the backup goes, and the result says nothing changed. */
        _cleanup_free_ char *root = test_mkdtemp(), *stash_dir = test_mkdtemp(), *stash = NULL, *dir = NULL,
                            *before = NULL, *after = NULL;
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_(write_result_done) WriteResult w = {};

        dir = at(root, "/etc");
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        put(root, "/etc/ours", "# " RENDER_MARKER "\nold\n");
        put(root, "/etc/foreign", "admin\n");
        put(root, "/etc/last", "# " RENDER_MARKER "\nold last\n");
        add(&s, "/etc/ours", "# " RENDER_MARKER "\nnew\n", 0644);
        add(&s, "/etc/foreign", "# " RENDER_MARKER "\nnew\n", 0644);
        add(&s, "/etc/new/dir/file", "# " RENDER_MARKER "\nnew\n", 0644);
        add(&s, "/etc/last", "# " RENDER_MARKER "\nnew last\n", 0644);

        ck_assert_int_ge(asprintf(&stash, "%s/last", stash_dir), 0);
        sabotage_root = root, sabotage_path = "/etc/last", sabotage_stash = stash, sabotage_after = 3;
        fileset_rename_hook = sabotage;
        before = snapshot(root);
        ck_assert_int_eq(fileset_write(&s, root, &w), -EISDIR);
        unsabotage();
        ck_assert_str_eq(w.failed_path, "/etc/last");
        ck_assert_uint_eq(strv_length(w.changed), 0);
        ck_assert_uint_eq(strv_length(w.backups), 0);
        after = snapshot(root);
        ck_assert_str_eq(before, after);
        ck_assert_uint_eq(count_tmp(root), 0);
        test_rm_rf(root);
        test_rm_rf(stash_dir);
}
END_TEST

/* A new temporary root with an empty /etc. */
static char *root_with_etc(void) {
        char *root = test_mkdtemp();
        _cleanup_free_ char *dir = at(root, "/etc");

        ck_assert_int_eq(mkdir(dir, 0755), 0);
        return root;
}

/* What the hook below does: after the rename numbered appear_after, a foreign file appears at
 * appear_path (under appear_root), a new file in place of what the write found there (or where
 * it found none), as an admin's editor or a package could put one, appear_times times at most.
 * With appear_vanish, it is also taken away whenever an attempt begins, so that every attempt
 * finds no file there. */
static const char *appear_root, *appear_path;
static size_t appear_after;
static unsigned appear_times;
static bool appear_vanish;

static void appear(size_t n) {
        _cleanup_free_ char *full = at(appear_root, appear_path);

        if (n == 0 && appear_vanish)
                (void) unlink(full);
        if (n != appear_after || appear_times == 0)
                return;
        appear_times--;
        (void) unlink(full);
        put(appear_root, appear_path, "the admin's\n");
}

/* After a write of /etc/a and /etc/b (w) during which the admin's /etc/b appeared: b holds the
 * new content, the admin's is kept, and the result says so. */
static void assert_b_written_admins_kept(const char *root, const WriteResult *w) {
        _cleanup_free_ char *b = get(root, "/etc/b"), *kept = get(root, "/etc/b" ORIG_SUFFIX),
                            *full = at(root, "/etc/b");

        ck_assert_str_eq(b, "# " RENDER_MARKER "\nB\n");
        ck_assert_ptr_nonnull(kept);
        ck_assert_str_eq(kept, "the admin's\n");
        ck_assert_uint_eq(strv_length(w->backups), 2);
        ck_assert_str_eq(w->backups[0], full);
        ck_assert_uint_eq(strv_length(w->changed), 2);
        ck_assert_uint_eq(count_tmp(root), 0);
}

START_TEST(test_file_appearing_is_kept) {
        /* A file that appears where none was, after the write looked, is never replaced unkept:
         * the write starts over and keeps it as a foreign file. */
        _cleanup_free_ char *root = root_with_etc();
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_(write_result_done) WriteResult w = {};

        add(&s, "/etc/a", "# " RENDER_MARKER "\nA\n", 0644);
        add(&s, "/etc/b", "# " RENDER_MARKER "\nB\n", 0644);
        appear_root = root, appear_path = "/etc/b", appear_after = 1, appear_times = 1, appear_vanish = false;
        fileset_rename_hook = appear;
        ck_assert_int_eq(fileset_write(&s, root, &w), 0);
        fileset_rename_hook = NULL;
        assert_b_written_admins_kept(root, &w);
        test_rm_rf(root);
}
END_TEST

START_TEST(test_file_replaced_is_kept) {
        /* A file replaced by someone else's after the write looked at it (another inode: an
         * editor's or a package's) is not replaced unkept either. */
        _cleanup_free_ char *root = root_with_etc();
        _cleanup_(fileset_done) FileSet old = {}, new = {};
        _cleanup_(write_result_done) WriteResult w = {}, w2 = {};

        add(&old, "/etc/a", "# " RENDER_MARKER "\nold A\n", 0644);
        add(&old, "/etc/b", "# " RENDER_MARKER "\nold B\n", 0644);
        add(&new, "/etc/a", "# " RENDER_MARKER "\nA\n", 0644);
        add(&new, "/etc/b", "# " RENDER_MARKER "\nB\n", 0644);
        ck_assert_int_eq(fileset_write(&old, root, &w), 0);
        appear_root = root, appear_path = "/etc/b", appear_after = 1, appear_times = 1, appear_vanish = false;
        fileset_rename_hook = appear;
        ck_assert_int_eq(fileset_write(&new, root, &w2), 0);
        fileset_rename_hook = NULL;
        assert_b_written_admins_kept(root, &w2);
        test_rm_rf(root);
}
END_TEST

/* What the hook below does: after the rename numbered vanish_after, the file vanish_path (under
 * vanish_root) is removed, as an admin could; with vanish_theirs, a file of the admin's comes in
 * its place instead, and the next file's temporary copy goes, so that its rename fails. */
static const char *vanish_root, *vanish_path, *vanish_next;
static size_t vanish_after;
static bool vanish_theirs;

static void vanish(size_t n) {
        _cleanup_free_ char *full = at(vanish_root, vanish_path);

        if (n != vanish_after)
                return;
        (void) unlink(full);
        if (vanish_theirs) {
                put(vanish_root, vanish_path, "the admin's\n");
                drop_copies(vanish_root, vanish_next);
        }
}

START_TEST(test_file_gone_is_written) {
        /* A file that goes after the write looked at it is written all the same, and one that
         * is written only over an existing file is not. */
        _cleanup_free_ char *root = root_with_etc(), *b = NULL, *c = NULL;
        _cleanup_(fileset_done) FileSet old = {}, new = {};
        _cleanup_(write_result_done) WriteResult w = {}, w2 = {}, w3 = {};

        add(&old, "/etc/a", "# " RENDER_MARKER "\nold A\n", 0644);
        add(&old, "/etc/b", "# " RENDER_MARKER "\nold B\n", 0644);
        add(&old, "/etc/c", "# " RENDER_MARKER "\nold C\n", 0644);
        add(&new, "/etc/a", "# " RENDER_MARKER "\nA\n", 0644);
        add(&new, "/etc/b", "# " RENDER_MARKER "\nB\n", 0644);
        add(&new, "/etc/c", "# " RENDER_MARKER "\n", 0644);
        new.files[2].absent_ok = true;
        ck_assert_int_eq(fileset_write(&old, root, &w), 0);

        vanish_root = root, vanish_path = "/etc/b", vanish_after = 1, vanish_theirs = false;
        fileset_rename_hook = vanish;
        ck_assert_int_eq(fileset_write(&new, root, &w2), 0);
        b = get(root, "/etc/b");
        ck_assert_str_eq(b, "# " RENDER_MARKER "\nB\n");

        ck_assert_int_eq(fileset_write(&old, root, &w3), 0);
        vanish_path = "/etc/c", vanish_after = 2;
        write_result_done(&w2);
        ck_assert_int_eq(fileset_write(&new, root, &w2), 0);
        fileset_rename_hook = NULL;
        c = at(root, "/etc/c");
        ck_assert_int_lt(access(c, F_OK), 0);
        ck_assert_uint_eq(count_tmp(root), 0);
        test_rm_rf(root);
}
END_TEST

START_TEST(test_rollback_keeps_theirs) {
        /* A rename that fails puts back what the write did, but a file of someone else's that
         * came in place of a new one stays. */
        _cleanup_free_ char *root = root_with_etc(), *a = NULL, *b = NULL;
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_(write_result_done) WriteResult w = {};

        add(&s, "/etc/a", "# " RENDER_MARKER "\nA\n", 0644);
        add(&s, "/etc/b", "# " RENDER_MARKER "\nB\n", 0644);
        vanish_root = root, vanish_path = "/etc/a", vanish_next = "/etc/b", vanish_after = 1, vanish_theirs = true;
        fileset_rename_hook = vanish;
        ck_assert_int_eq(fileset_write(&s, root, &w), -ENOENT);
        fileset_rename_hook = NULL;
        ck_assert_str_eq(w.failed_path, "/etc/b");
        ck_assert_uint_eq(strv_length(w.changed), 0);
        a = get(root, "/etc/a");
        ck_assert_ptr_nonnull(a);
        ck_assert_str_eq(a, "the admin's\n");
        b = at(root, "/etc/b");
        ck_assert_int_lt(access(b, F_OK), 0);
        ck_assert_uint_eq(count_tmp(root), 0);
        test_rm_rf(root);
}
END_TEST

START_TEST(test_file_appearing_again_refused) {
        /* One that keeps going and coming back: after three attempts the write gives up with
         * -EEXIST, and changes nothing. */
        _cleanup_free_ char *root = root_with_etc(), *a = NULL, *c = NULL, *error = NULL;
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_(write_result_done) WriteResult w = {};

        add(&s, "/etc/a", "# " RENDER_MARKER "\nA\n", 0644);
        add(&s, "/etc/b", "# " RENDER_MARKER "\nB\n", 0644);
        add(&s, "/etc/c", "# " RENDER_MARKER "\nC\n", 0644);
        appear_root = root, appear_path = "/etc/c", appear_after = 2, appear_times = 100, appear_vanish = true;
        fileset_rename_hook = appear;
        ck_assert_int_eq(fileset_write(&s, root, &w), -EEXIST);
        fileset_rename_hook = NULL;
        ck_assert_str_eq(w.failed_path, "/etc/c");
        ck_assert_uint_eq(strv_length(w.changed), 0);
        error = write_result_error(&w, -EEXIST);
        ck_assert_str_eq(error, "Cannot write /etc/c: File exists; nothing was changed");
        a = at(root, "/etc/a");
        ck_assert_int_lt(access(a, F_OK), 0);
        c = get(root, "/etc/c");
        ck_assert_str_eq(c, "the admin's\n");
        ck_assert_uint_eq(count_tmp(root), 0);
        test_rm_rf(root);
}
END_TEST

START_TEST(test_rollback_failure_names_changed) {
        /* A file that cannot be put back is the one named as changed; the others are restored.
         * The directory that came in /x/c's place is not replaced, and no new attempt is made
         * on an incomplete rollback. */
        _cleanup_free_ char *root = test_mkdtemp(), *stash_dir = test_mkdtemp(), *stash = NULL, *a = NULL,
                            *b = NULL;
        _cleanup_(fileset_done) FileSet old = {}, new = {};
        _cleanup_(write_result_done) WriteResult w = {}, w2 = {};

        add(&old, "/x/a", "# " RENDER_MARKER "\nold a\n", 0644);
        add(&old, "/x/b", "# " RENDER_MARKER "\nold b\n", 0644);
        add(&old, "/x/c", "# " RENDER_MARKER "\nold c\n", 0644);
        add(&new, "/x/a", "# " RENDER_MARKER "\nnew a\n", 0644);
        add(&new, "/x/b", "# " RENDER_MARKER "\nnew b\n", 0644);
        add(&new, "/x/c", "# " RENDER_MARKER "\nnew c\n", 0644);
        ck_assert_int_eq(fileset_write(&old, root, &w), 0);

        ck_assert_int_ge(asprintf(&stash, "%s/c", stash_dir), 0);
        sabotage_root = root, sabotage_path = "/x/c", sabotage_stash = stash, sabotage_after = 2;
        drop_copies_of = "/x/a";
        fileset_rename_hook = sabotage;
        ck_assert_int_eq(fileset_write(&new, root, &w2), -EEXIST);
        unsabotage();
        ck_assert_str_eq(w2.failed_path, "/x/c");
        ck_assert_uint_eq(strv_length(w2.changed), 1);
        ck_assert_str_eq(w2.changed[0], "/x/a");
        a = get(root, "/x/a");
        b = get(root, "/x/b");
        ck_assert_str_eq(a, "# " RENDER_MARKER "\nnew a\n");
        ck_assert_str_eq(b, "# " RENDER_MARKER "\nold b\n");
        ck_assert_uint_eq(count_tmp(root), 0);
        test_rm_rf(root);
        test_rm_rf(stash_dir);
}
END_TEST

static int set_immutable(const char *path, bool on) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        int flags;

        if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
                return -errno;
        flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
        return ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0 ? -errno : 0;
}

START_TEST(test_immutable_target_changes_nothing) {
        /* chattr +i on the last file of the set: found before any file is replaced. Needs
         * CAP_LINUX_IMMUTABLE and a file system with the flag; skipped without them. */
        _cleanup_free_ char *root = test_mkdtemp(), *full = NULL, *before = NULL, *after = NULL;
        _cleanup_(fileset_done) FileSet old = {}, new = {};
        _cleanup_(write_result_done) WriteResult w = {}, w2 = {};
        int r;

        add(&old, "/x/a", "# " RENDER_MARKER "\nold a\n", 0644);
        add(&old, "/x/b", "# " RENDER_MARKER "\nold b\n", 0644);
        add(&new, "/x/a", "# " RENDER_MARKER "\nnew a\n", 0644);
        add(&new, "/x/b", "# " RENDER_MARKER "\nnew b\n", 0644);
        ck_assert_int_eq(fileset_write(&old, root, &w), 0);
        full = at(root, "/x/b");
        r = set_immutable(full, true);
        if (r < 0) {
                fprintf(stderr, "# skipped test_immutable_target_changes_nothing: %s\n", strerror(-r));
                test_rm_rf(root);
                return;
        }
        before = snapshot(root);
        r = fileset_write(&new, root, &w2);
        ck_assert_int_eq(set_immutable(full, false), 0);
        ck_assert_int_eq(r, -EPERM);
        ck_assert_str_eq(w2.failed_path, "/x/b");
        ck_assert_uint_eq(strv_length(w2.changed), 0);
        after = snapshot(root);
        ck_assert_str_eq(before, after);
        test_rm_rf(root);
}
END_TEST

/* Only a temporary file of a file of the set, in that file's own directory, is stale. */
START_TEST(test_clean_stale_matches) {
        _cleanup_free_ char *root = test_mkdtemp();
        _cleanup_(fileset_done) FileSet s = {};
        _cleanup_(write_result_done) WriteResult w = {};
        static const char *const removed[] = { "/x/.#a.AbC123", "/x/.#b.cfg.old", "/x/.#b.cfg.Q.w-9z", "/y/.#c.old" };
        static const char *const kept[] = {
                "/x/.#c.AbC123",   /* c is in /y, not in /x */
                "/x/.#a.AbC1234",  /* seven characters */
                "/x/.#a.AbC12",    /* five */
                "/x/.#aXAbC123",   /* no dot after the name */
                "/x/.#zz.AbC123",  /* not of the set */
                "/x/.#b.cfg.ol",   /* neither form */
                "/x/#a.AbC123",    /* not ours */
                "/x/.#.old",       /* no name */
                "/y/.#c.older",
        };

        add(&s, "/x/a", "a\n", 0644);
        add(&s, "/x/b.cfg", "b\n", 0644);
        add(&s, "/x/sub/a", "a\n", 0644);
        add(&s, "/y/c", "c\n", 0644);
        ck_assert_int_eq(fileset_write(&s, root, &w), 0);
        for (size_t i = 0; i < ELEMENTSOF(removed); i++)
                put(root, removed[i], "stale\n");
        for (size_t i = 0; i < ELEMENTSOF(kept); i++)
                put(root, kept[i], "kept\n");
        ck_assert_int_eq(fileset_clean_stale(&s, root), (int) ELEMENTSOF(removed));
        for (size_t i = 0; i < ELEMENTSOF(removed); i++) {
                _cleanup_free_ char *full = at(root, removed[i]);
                ck_assert_msg(access(full, F_OK) < 0, "%s is left", removed[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(kept); i++) {
                _cleanup_free_ char *full = at(root, kept[i]);
                ck_assert_msg(access(full, F_OK) == 0, "%s is removed", kept[i]);
        }
        /* nothing stale is left: a second pass finds nothing */
        ck_assert_int_eq(fileset_clean_stale(&s, root), 0);
        test_rm_rf(root);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("fileset");
        TCase *tc = tcase_create("write");

        tcase_add_test(tc, test_write_new_tree);
        tcase_add_test(tc, test_unchanged_not_rewritten);
        tcase_add_test(tc, test_absent_ok);
        tcase_add_test(tc, test_mode_change_rewrites);
        tcase_add_test(tc, test_foreign_file_kept);
        tcase_add_test(tc, test_symlink_target_kept);
        tcase_add_test(tc, test_foreign_versions_all_kept);
        tcase_add_test(tc, test_failure_changes_nothing);
        tcase_add_test(tc, test_differs);
        tcase_add_test(tc, test_crash_between_renames);
        tcase_add_test(tc, test_clean_stale_matches);
        tcase_add_test(tc, test_rename_failure_rolls_back);
        tcase_add_test(tc, test_rollback_failure_names_changed);
        tcase_add_test(tc, test_file_appearing_is_kept);
        tcase_add_test(tc, test_file_replaced_is_kept);
        tcase_add_test(tc, test_file_gone_is_written);
        tcase_add_test(tc, test_rollback_keeps_theirs);
        tcase_add_test(tc, test_file_appearing_again_refused);
        tcase_add_test(tc, test_immutable_target_changes_nothing);
        suite_add_tcase(s, tc);
        return s;
}
