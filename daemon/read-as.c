/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading a file with a caller's credentials: Check() must not become a way to read files the
 * caller could not read. A child drops to the caller's uid and groups, opens the file (refusing
 * anything but a regular file of bounded size) and streams it back over a pipe; the daemon
 * collects it from its event loop. */
#include <assert.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "dom0-config.h"
#include "log.h"
#include "read-as.h"
#include "xen-child.h"

typedef struct ReadAs {
        read_as_callback_t cb;
        read_as_release_t release;
        void *userdata;
        sd_event_source *io;
        sd_event_source *child;
        sd_event_source *timer;
        pid_t pid;
        char *buf;
        size_t size;
        bool eof;
        bool exited;
        bool answered; /* cb has been called; only the child's reaping is left */
} ReadAs;

#define READ_AS_TIMEOUT_USEC (5 * 1000000ULL)

/* The child source's destroy callback: the last owner of the reader, whether the child was
 * reaped or the event loop went away first. */
static void read_as_destroy(void *userdata) {
        ReadAs *ra = userdata;

        /* Never waited for here: sd-event's own "process owned" reaping would block on it. */
        if (!ra->exited)
                (void) kill(ra->pid, SIGKILL);
        sd_event_source_disable_unref(ra->io);
        sd_event_source_disable_unref(ra->timer);
        free(ra->buf);
        if (ra->release)
                ra->release(ra->userdata);
        free(ra);
}

/* Answers once, then lets go of everything but the child. The child is killed if it still runs
 * and reaped from the loop when it exits: a reader stuck in uninterruptible sleep (a FUSE file
 * whose server never answers) outlives SIGKILL, and no wait for it may block the loop. */
static void read_as_answer(ReadAs *ra, int r, const char *data, size_t size) {
        assert(!ra->answered);
        ra->answered = true;
        ra->cb(r, data, size, ra->userdata);
        ra->io = sd_event_source_disable_unref(ra->io);
        ra->timer = sd_event_source_disable_unref(ra->timer);
        free(ra->buf);
        ra->buf = NULL;
        ra->size = 0;
        if (ra->exited) {
                /* reaped already: dropping the source runs read_as_destroy() */
                sd_event_source_disable_unref(TAKE_PTR(ra->child));
                return;
        }
        (void) kill(ra->pid, SIGKILL);
}

/* The child's stream: a 4-byte status (0 or an errno), then the file's bytes. */
static void maybe_finish(ReadAs *ra, int fail) {
        int32_t status;

        if (ra->answered)
                return;
        if (fail) {
                read_as_answer(ra, fail, NULL, 0);
                return;
        }
        if (!ra->eof || !ra->exited)
                return;
        if (ra->size < sizeof status) {
                read_as_answer(ra, -EIO, NULL, 0);
                return;
        }
        memcpy(&status, ra->buf, sizeof status);
        if (status != 0)
                read_as_answer(ra, -status, NULL, 0);
        else
                read_as_answer(ra, 0, ra->buf + sizeof status, ra->size - sizeof status);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ReadAs *ra = userdata;
        char chunk[65536];
        ssize_t n = read(fd, chunk, sizeof chunk);

        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                maybe_finish(ra, -errno);
                return 0;
        }
        if (n == 0) {
                ra->eof = true;
                ra->io = sd_event_source_disable_unref(ra->io);
                maybe_finish(ra, 0);
                return 0;
        }
        if (ra->size + n > CONFIG_MAX_FILE_SIZE + 64) {
                maybe_finish(ra, -EFBIG);
                return 0;
        }
        char *nb = realloc(ra->buf, ra->size + n);
        if (!nb) {
                maybe_finish(ra, -ENOMEM);
                return 0;
        }
        ra->buf = nb;
        memcpy(ra->buf + ra->size, chunk, n);
        ra->size += n;
        return 0;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        ReadAs *ra = userdata;

        ra->exited = true;
        if (ra->answered) {
                /* the late reaping of a reader that was answered for already */
                sd_event_source_disable_unref(TAKE_PTR(ra->child));
                return 0;
        }
        maybe_finish(ra, 0);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        maybe_finish(userdata, -ETIMEDOUT);
        return 0;
}

static void write_all_or_die(int fd, const void *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        _exit(1);
                p = (const char *) p + k;
                n -= k;
        }
}

static _Noreturn void child_main(pid_t parent, int out, const char *path, uid_t uid, gid_t gid,
                                 const gid_t *groups, size_t n_groups) {
        int32_t status = 0;
        struct statfs sfs;
        struct stat st;
        int fd;

        /* killed with the daemon: asked for once the caller's credentials are taken (their
         * change clears it), before the open and the read, which may block (a FUSE file that
         * never answers) */
        if (setgroups(n_groups, groups) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
                status = errno;
        else if (child_setup(parent) < 0)
                _exit(0);
        else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
                status = errno;
        else if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0)
                status = errno;
        else if (sfs.f_type == PROC_SUPER_MAGIC)
                status = ENODEV; /* this reader is a fork of the daemon: /proc/self is the daemon's */
        else if (S_ISDIR(st.st_mode))
                status = EISDIR;
        else if (!S_ISREG(st.st_mode))
                status = ENODEV; /* not a regular file: a FIFO, a device, a socket */
        else if ((uint64_t) st.st_size > CONFIG_MAX_FILE_SIZE)
                status = EFBIG;
        write_all_or_die(out, &status, sizeof status);
        if (status != 0)
                _exit(0);
        for (size_t total = 0;;) {
                char buf[65536];
                ssize_t k = read(fd, buf, sizeof buf);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                total += k;
                if (total > CONFIG_MAX_FILE_SIZE + 1)
                        break;
                write_all_or_die(out, buf, k);
        }
        _exit(0);
}

int read_file_as(sd_event *e, const char *path, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
                 read_as_callback_t cb, read_as_release_t release, void *userdata) {
        _cleanup_close_ int rfd = -EBADF;
        ReadAs *ra;
        int pipefd[2], r;
        pid_t parent = getpid(), pid;

        assert(e && path && cb);
        ra = calloc(1, sizeof(ReadAs));
        if (!ra)
                return -ENOMEM;
        if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0) {
                free(ra);
                return -errno;
        }
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                free(ra);
                return r;
        }
        if (pid == 0) {
                close(pipefd[0]);
                (void) fcntl(pipefd[1], F_SETFL, 0); /* blocking writes in the child */
                child_main(parent, pipefd[1], path, uid, gid, groups, n_groups);
        }
        close(pipefd[1]);
        rfd = pipefd[0];
        ra->cb = cb;
        ra->userdata = userdata;
        ra->pid = pid;
        /* From here on the child source owns the reader: its destroy callback frees it. */
        r = sd_event_add_child(e, &ra->child, pid, WEXITED, on_child, ra);
        if (r < 0) {
                /* Killed, and left unreaped rather than waited for: it may already be stuck. */
                (void) kill(pid, SIGKILL);
                free(ra);
                return r;
        }
        r = sd_event_source_set_destroy_callback(ra->child, read_as_destroy);
        if (r >= 0)
                r = sd_event_add_io(e, &ra->io, rfd, EPOLLIN, on_io, ra);
        if (r >= 0) {
                TAKE_FD(rfd);
                (void) sd_event_source_set_io_fd_own(ra->io, true);
                r = sd_event_add_time_relative(e, &ra->timer, CLOCK_MONOTONIC, READ_AS_TIMEOUT_USEC, 0, on_timeout,
                                               ra);
        }
        if (r < 0) {
                /* Not answered, so no release either: the caller keeps its state and frees it. */
                (void) kill(pid, SIGKILL);
                ra->answered = true;
                sd_event_source_disable_unref(ra->child);
                return r;
        }
        /* Set last: a failure above must not release what the caller still owns. */
        ra->release = release;
        return 0;
}
