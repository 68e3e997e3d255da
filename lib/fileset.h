/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A rendered set of files (path, content, mode), and writing it atomically under a root. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "macro.h"

typedef struct RenderedFile {
        char *path;     /* absolute, as on the target system */
        char *content;
        size_t size;
        mode_t mode;
        /* Its content sets nothing (a drop-in with an empty section): where no file is, none is
         * written, as none means the same to its reader; one that is there gets this content. */
        bool absent_ok;
} RenderedFile;

typedef struct FileSet {
        RenderedFile *files;
        size_t n;
} FileSet;

void fileset_done(FileSet *s);
/* Adds a file, taking ownership of content (freed on failure). Returns 0 or -ENOMEM. */
int fileset_add(FileSet *s, const char *path, char *content, size_t size, mode_t mode);
const RenderedFile *fileset_find(const FileSet *s, const char *path);

/* fsync() of the directory that holds path ("/" for "/x"), so that a file created or renamed
 * there survives a crash. Returns 0, -ENOMEM or -errno. */
int fileset_fsync_parent(const char *path);

/* How many versions of one foreign file are kept: FILE.xen-dom0-orig, then .1 to .9. */
#define FILESET_ORIG_VERSIONS_MAX 10

typedef struct WriteResult {
        char **changed;   /* paths (as in the set) that were written; on error, those that could not be put back */
        char **backups;   /* pairs: a foreign file replaced (full path), then where it is kept (full path) */
        char *failed_path; /* on error: the file that could not be written */
        bool backups_full; /* on error: failed_path is foreign, and every name to keep it under is taken */
} WriteResult;

void write_result_done(WriteResult *w);
/* A failed fileset_write() in one sentence: which file, why, and which files it changed all the
 * same. NULL when out of memory. */
char *write_result_error(const WriteResult *w, int error);

/* The directory dir (absolute or relative, existing or not) resolved as writing under it
 * would resolve it: symlinks, ".", ".." and repeated slashes of its existing part resolved by
 * the kernel, the rest (directories to be created) by name. Returns 0 and the absolute path,
 * -EINVAL when dir is empty or resolves to "/", -ENOMEM, or -errno. */
int fileset_resolve_root(const char *dir, char **ret);

/* Writes every file of s under root ("/" or a prefix) whose content or mode differs from what is
 * there (an absent_ok file only where a file is): each to a temporary file in its directory, fsynced, then all renamed into place. An
 * unchanged file is not touched. A file that exists and lacks the render marker (a foreign one)
 * is first kept, as FILE.xen-dom0-orig or, when that holds an earlier version, the first free of
 * FILE.xen-dom0-orig.1 to .9; a version kept already is not kept twice, and with every name taken
 * by other versions the write fails with -EEXIST. A symbolic link in a file's place is foreign
 * too: kept as the link, never followed, and replaced by a regular file. A file that appears
 * where none was, or in place of the one found, while the write runs is never replaced: the
 * write puts back what it did and starts over, keeping it as a foreign file (-EEXIST after
 * three attempts); one that goes makes it start over too. When anything fails, nothing is
 * changed: temporary files, backups and directories created are removed, and a failed rename
 * puts the files renamed before it back as they were. Returns 0 or -errno, with details in ret; after an error, ret->changed lists the
 * files that hold new content all the same (a rollback that failed too), normally none. */
int fileset_write(const FileSet *s, const char *root, WriteResult *ret);

/* Test hook for crash-consistency tests: when set, called after the n-th file of a write was
 * renamed into place (n counts from 1), and with 0 as each attempt of a write begins. NULL in
 * normal operation. */
extern void (*fileset_rename_hook)(size_t n);

/* Removes temporary files an interrupted fileset_write() may have left next to the files of s
 * under root. Returns the number removed. */
int fileset_clean_stale(const FileSet *s, const char *root);

/* Whether the file at path (under root) differs from f, or does not exist (unless f is
 * absent_ok). Returns >0 when it differs, 0 when equal, -errno. */
int rendered_file_differs(const RenderedFile *f, const char *root);
