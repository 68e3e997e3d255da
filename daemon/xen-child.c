/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hypervisor calls that may block on xenstored, run in a child process with a deadline, like
 * the store probe (xs-probe.c). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "xen-child.h"

struct XenChild {
        char *what;
        pid_t pid;
        int fd;
        bool timed_out;
        sd_event_source *exited;
        sd_event_source *timer;
        XenChildDone done;
        void *userdata;
};

static XenChild *child_free(XenChild *c) {
        if (!c)
                return NULL;
        sd_event_source_disable_unref(c->timer);
        sd_event_source_unref(c->exited);
        if (c->fd >= 0)
                close(c->fd);
        free(c->what);
        free(c);
        return NULL;
}

XenChild *xen_child_cancel(XenChild *c) {
        if (!c)
                return NULL;
        if (c->exited) {
                /* Killed, and reaped by the loop whenever it exits, never waited for here: a
                 * child blocked in the kernel may outlive SIGKILL for a while. Its source floats
                 * on its own, and on_child_exit() knows it by its missing userdata. */
                (void) kill(c->pid, SIGKILL);
                (void) sd_event_source_set_userdata(c->exited, NULL);
                (void) sd_event_source_set_floating(c->exited, true);
        }
        return child_free(c);
}

static int read_result(int fd, char **ret, size_t *ret_size) {
        struct stat st;
        char *buf;
        size_t got = 0;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (got < (size_t) st.st_size) {
                ssize_t k = pread(fd, buf + got, (size_t) st.st_size - got, (off_t) got);
                if (k <= 0) {
                        int r = k < 0 ? negative_errno() : -EIO;
                        free(buf);
                        return r;
                }
                got += (size_t) k;
        }
        buf[got] = 0;
        *ret = buf;
        *ret_size = got;
        return 0;
}

static int on_child_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        XenChild *c = userdata;
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        if (!c) {
                /* a cancelled child, reaped: the source frees itself */
                (void) sd_event_source_set_floating(s, false);
                return 0;
        }
        if (si->si_code == CLD_EXITED) {
                int k = read_result(c->fd, &data, &size);

                /* what it wrote counts on an error exit too: the reason, for a command it ran */
                r = si->si_status != 0 ? -si->si_status : k;
        } else
                r = c->timed_out ? -ETIMEDOUT : -EIO;
        if (r == -ETIMEDOUT)
                log_debug("%s: no answer in time, child %d killed", c->what, (int) c->pid);
        c->done(c->userdata, r, data ?: "", size);
        child_free(c);
        return 0;
}

int child_setup(pid_t parent) {
        sigset_t none;

        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
                return -errno;
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                return -errno;
        /* it may have ended before the request */
        return getppid() == parent ? 0 : -ESRCH;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        XenChild *c = userdata;

        /* Its exit arrives through on_child_exit() as killed. */
        c->timed_out = true;
        (void) kill(c->pid, SIGKILL);
        return 0;
}

int xen_child_start(sd_event *e, const char *what, uint64_t timeout_usec, XenChildRun run, XenChildDone done,
                    void *userdata, XenChild **ret) {
        XenChild *c = calloc(1, sizeof(XenChild));
        pid_t parent = getpid();
        int r;

        if (!c)
                return -ENOMEM;
        c->fd = -1;
        c->done = done;
        c->userdata = userdata;
        c->what = strdup(what);
        if (!c->what) {
                child_free(c);
                return -ENOMEM;
        }
        c->fd = memfd_create("xen-dom0d-result", MFD_CLOEXEC);
        if (c->fd < 0) {
                r = negative_errno();
                child_free(c);
                return r;
        }
        c->pid = fork();
        if (c->pid < 0) {
                r = negative_errno();
                child_free(c);
                return r;
        }
        if (c->pid == 0) {
                int fd = c->fd;

                if (child_setup(parent) < 0)
                        _exit(ESRCH);
                /* The child's copy of the record is the parent's business: freed here, it is
                 * not left behind as lost when the child exits. */
                free(c->what);
                free(c);
                r = run(userdata, fd);
                _exit(r < 0 ? (-r < 255 ? -r : 255) : 0);
        }
        r = sd_event_add_child(e, &c->exited, c->pid, WEXITED, on_child_exit, c);
        if (r >= 0)
                r = sd_event_add_time_relative(e, &c->timer, CLOCK_MONOTONIC, timeout_usec, 1000, on_timeout, c);
        if (r < 0) {
                if (!c->exited) {
                        /* nothing would reap it */
                        (void) kill(c->pid, SIGKILL);
                        (void) waitpid(c->pid, NULL, 0);
                }
                xen_child_cancel(c);
                return r;
        }
        (void) sd_event_source_set_description(c->exited, c->what);
        *ret = c;
        return 0;
}
