/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Xen side without a hypervisor: libxl error codes to -errno (the one translation), the
 * Xen command line as the daemon reads it, and the libxl <-> sd-event bridge driven the way
 * libxl drives it (the same fd twice, events 0, timeouts in order, re-registration from inside
 * an occurrence, deregistration), a child of a killed daemon ending with it, and the store's
 * reads made by the loop (xs-async.c) against a store played here, byte by byte. */
#include <fcntl.h>
#include <dirent.h>
#include <libxl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <xen/io/xs_wire.h>
#include <sys/wait.h>

#include "test-util.h"
#include "xen-child.h"
#include "xen-events.h"
#include "xen-util.h"
#include "xs-async.h"

/* ---- error mapping ------------------------------------------------------------------ */

START_TEST(test_error_mapping) {
        ck_assert_int_eq(xen_libxl_error_to_errno(0), 0);
        ck_assert_int_eq(xen_libxl_error_to_errno(ERROR_NOMEM), -ENOMEM);
        ck_assert_int_eq(xen_libxl_error_to_errno(ERROR_INVAL), -EINVAL);
        ck_assert_int_eq(xen_libxl_error_to_errno(ERROR_DOMAIN_NOTFOUND), -ESRCH);
        ck_assert_int_eq(xen_libxl_error_to_errno(ERROR_NOTFOUND), -ENOENT);
        ck_assert_int_eq(xen_libxl_error_to_errno(ERROR_TIMEDOUT), -ETIMEDOUT);
        ck_assert_int_eq(xen_libxl_error_to_errno(ERROR_NI), -EOPNOTSUPP);
        ck_assert_int_eq(xen_libxl_error_to_errno(ERROR_LOCK_FAIL), -ENOLCK);
        ck_assert_int_eq(xen_libxl_error_to_errno(ERROR_NOT_READY), -EAGAIN);
        ck_assert_int_eq(xen_libxl_error_to_errno(ERROR_DEVICE_EXISTS), -EEXIST);
        ck_assert_int_eq(xen_libxl_error_to_errno(ERROR_ABORTED), -ECANCELED);
        /* the collisions that make passing libxl codes on as -errno wrong */
        ck_assert_int_eq(ERROR_FAIL, -ESRCH);
        ck_assert_int_eq(xen_libxl_error_to_errno(ERROR_FAIL), -EIO);
        ck_assert_int_eq(ERROR_NONSPECIFIC, -EPERM);
        ck_assert_int_eq(xen_libxl_error_to_errno(ERROR_NONSPECIFIC), -EIO);
        ck_assert_int_eq(ERROR_NOMEM, -EIO);
        ck_assert_int_eq(xen_libxl_error_to_errno(ERROR_NOMEM), -ENOMEM);
        /* unknown codes and positive hook codes */
        ck_assert_int_eq(xen_libxl_error_to_errno(-999), -EIO);
        ck_assert_int_eq(xen_libxl_error_to_errno(7), -EIO);
}
END_TEST

START_TEST(test_error_mapping_is_total) {
        /* every code libxl 4.17 defines maps to a negative errno, never to 0, and never to itself:
         * a code passed through unmapped is a small negative number too, so the range alone
         * would not tell */
        for (int e = ERROR_QEMU_API; e < 0; e++) {
                int r = xen_libxl_error_to_errno(e);
                ck_assert_msg(r < 0 && r >= -4095, "libxl error %d mapped to %d", e, r);
                /* two codes equal the errno they mean by chance: ERROR_NOT_READY is -EAGAIN and
                 * ERROR_DEVICE_EXISTS is -EEXIST (their mappings are asserted above by name) */
                if (e != ERROR_NOT_READY && e != ERROR_DEVICE_EXISTS)
                        ck_assert_msg(r != e, "libxl error %d passed through as -errno %d (%s)", e, r, strerror(-r));
        }
}
END_TEST

/* ---- command line ------------------------------------------------------------------- */

START_TEST(test_cmdline_has) {
        const char *c = "console=com1 dom0_mem=1024M,max:1536M loglvl=all  guest_loglvl=all noreboot";

        ck_assert(xen_cmdline_has(c, "loglvl=all"));
        ck_assert(xen_cmdline_has(c, "guest_loglvl=all"));
        ck_assert(xen_cmdline_has(c, "noreboot"));
        ck_assert(xen_cmdline_has(c, "console=com1"));
        ck_assert(!xen_cmdline_has(c, "dom0_mem=1024M"));
        ck_assert(!xen_cmdline_has(c, "loglvl"));
        ck_assert(!xen_cmdline_has(c, "all"));
        ck_assert(!xen_cmdline_has(c, ""));
        ck_assert(!xen_cmdline_has("", "noreboot"));
        ck_assert(!xen_cmdline_has(NULL, "noreboot"));
}
END_TEST

START_TEST(test_cmdline_dom0_mem) {
        uint64_t a, m;

        ck_assert(xen_cmdline_dom0_mem("console=com1 dom0_mem=1024M,max:1536M", &a, &m));
        ck_assert_uint_eq(a, 1024 * 1024);
        ck_assert_uint_eq(m, 1536 * 1024);
        ck_assert(xen_cmdline_dom0_mem("dom0_mem=2G", &a, &m));
        ck_assert_uint_eq(a, 2 * 1024 * 1024);
        ck_assert_uint_eq(m, 0);
        ck_assert(xen_cmdline_dom0_mem("dom0_mem=min:512M,512M,max:4096M", &a, &m));
        ck_assert_uint_eq(a, 512 * 1024);
        ck_assert_uint_eq(m, 4096 * 1024);
        ck_assert(xen_cmdline_dom0_mem("dom0_mem=262144", &a, &m)); /* no unit: KiB */
        ck_assert_uint_eq(a, 262144);
        ck_assert(xen_cmdline_dom0_mem("dom0_mem=1G dom0_mem=3G", &a, &m)); /* the last one wins */
        ck_assert_uint_eq(a, 3 * 1024 * 1024);
        ck_assert(xen_cmdline_dom0_mem("dom0_mem=-1G", &a, &m)); /* relative: not understood */
        ck_assert_uint_eq(a, 0);
        ck_assert(!xen_cmdline_dom0_mem("console=com1 xdom0_mem=1G", &a, &m));
        ck_assert_uint_eq(xen_cmdline_dom0_max_vcpus("dom0_max_vcpus=4"), 4);
        ck_assert_uint_eq(xen_cmdline_dom0_max_vcpus("dom0_max_vcpus=1-2 x"), 2);
        ck_assert_uint_eq(xen_cmdline_dom0_max_vcpus("console=com1"), 0);
}
END_TEST

/* ---- the event bridge --------------------------------------------------------------- */

typedef struct Recorder {
        char log[64][32];
        unsigned n;
        XenEventBridge *bridge;
        void *reregister_token; /* a timeout re-registered from inside its own occurrence */
        void *rereg;
} Recorder;

static void record(Recorder *r, const char *kind, const char *token, int b) {
        char line[32];

        /* fds are level-triggered: a readable pipe reports at every iteration; keep each once */
        snprintf(line, sizeof line, "%s %s%s%d", kind, token, streq(kind, "fd") ? " " : "", b);
        for (unsigned i = 0; streq(kind, "fd") && i < r->n; i++)
                if (streq(r->log[i], line))
                        return;
        ck_assert_uint_lt(r->n, 64);
        snprintf(r->log[r->n++], 32, "%s %s%s%d", kind, token, streq(kind, "fd") ? " " : "", b);
}

static void rec_fd(void *ctx, void *for_libxl, int fd, short events, short revents) {
        record(ctx, "fd", for_libxl, revents & POLLIN);
}

static void rec_timeout(void *ctx, void *for_libxl) {
        Recorder *r = ctx;

        record(r, "timeout", for_libxl, 0);
        if (r->reregister_token == for_libxl) {
                struct timeval now;
                r->reregister_token = NULL;
                gettimeofday(&now, NULL);
                ck_assert_int_eq(xen_event_hooks.timeout_register(r->bridge, &r->rereg, now, (void *) "again"), 0);
        }
}

static Recorder *recorder_new(sd_event **ret_event) {
        Recorder *r = calloc(1, sizeof(Recorder));

        ck_assert_int_ge(sd_event_new(ret_event), 0);
        ck_assert_int_eq(xen_event_bridge_new(*ret_event, &r->bridge), 0);
        xen_event_bridge_set_sink(r->bridge, &(XenEventSink) { rec_fd, rec_timeout, r });
        return r;
}

/* Every time below, waits and deadlines alike, is in "test milliseconds": TEST_SLOWDOWN real
 * ones (test_slowdown()). Under memcheck the loop's own work takes milliseconds: a 20 ms wait
 * can end before what it waits for is dispatched, and a timeout due in 40 ms can fire within a
 * wait of 30. Scaled together, which timeout fires within which wait stays the same. */
static long test_msec(long msec) {
        return msec * (long) test_slowdown();
}

/* Runs the loop for msec test milliseconds. */
static void run_for(sd_event *e, unsigned msec) {
        struct timespec end, now;

        clock_gettime(CLOCK_MONOTONIC, &end);
        end.tv_nsec += test_msec(msec) % 1000 * 1000000L;
        end.tv_sec += test_msec(msec) / 1000;
        end.tv_sec += end.tv_nsec / 1000000000L;
        end.tv_nsec %= 1000000000L;
        for (;;) {
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
                        return;
                ck_assert_int_ge(sd_event_run(e, 5000), 0);
        }
}

static unsigned count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static bool logged(Recorder *r, const char *line) {
        for (unsigned i = 0; i < r->n; i++)
                if (streq(r->log[i], line))
                        return true;
        return false;
}

START_TEST(test_bridge_same_fd_twice) {
        sd_event *e;
        Recorder *r = recorder_new(&e);
        void *a = NULL, *b = NULL;
        int p[2];
        unsigned fds;

        ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
        fds = count_fds();
        /* libxl registers one fd twice with different tokens: both must work */
        ck_assert_int_eq(xen_event_hooks.fd_register(r->bridge, p[0], &a, POLLIN, (void *) "a"), 0);
        ck_assert_int_eq(xen_event_hooks.fd_register(r->bridge, p[0], &b, POLLIN, (void *) "b"), 0);
        ck_assert_uint_eq(xen_event_bridge_n_fds(r->bridge), 2);
        ck_assert_int_eq(write(p[1], "x", 1), 1);
        run_for(e, 20);
        ck_assert(logged(r, "fd a 1"));
        ck_assert(logged(r, "fd b 1"));

        /* events 0: registered, but silent (not even HUP) */
        r->n = 0;
        ck_assert_int_eq(xen_event_hooks.fd_modify(r->bridge, p[0], &a, 0), 0);
        run_for(e, 20);
        ck_assert(!logged(r, "fd a 1"));
        ck_assert(logged(r, "fd b 1"));

        /* back on; then b deregistered: only a reports, and b's dup is closed */
        ck_assert_int_eq(xen_event_hooks.fd_modify(r->bridge, p[0], &a, POLLIN), 0);
        xen_event_hooks.fd_deregister(r->bridge, p[0], b);
        ck_assert_uint_eq(xen_event_bridge_n_fds(r->bridge), 1);
        r->n = 0;
        run_for(e, 20);
        ck_assert(logged(r, "fd a 1"));
        ck_assert(!logged(r, "fd b 1"));
        xen_event_hooks.fd_deregister(r->bridge, p[0], a);
        ck_assert_uint_eq(xen_event_bridge_n_fds(r->bridge), 0);
        ck_assert_uint_eq(count_fds(), fds);
        r->n = 0;
        run_for(e, 20);
        ck_assert_uint_eq(r->n, 0);

        /* the original fd was never closed by the bridge */
        ck_assert_int_eq(fcntl(p[0], F_GETFD), FD_CLOEXEC);
        close(p[0]);
        close(p[1]);
        xen_event_bridge_free(r->bridge);
        sd_event_unref(e);
        free(r);
}
END_TEST

/* The wall-clock time msec test milliseconds from now, as libxl gives timeouts. */
static struct timeval in_msec(long msec) {
        struct timeval now, d = { test_msec(msec) / 1000, (test_msec(msec) % 1000) * 1000 }, t;
        gettimeofday(&now, NULL);
        timeradd(&now, &d, &t);
        return t;
}

START_TEST(test_bridge_timeouts_in_order) {
        sd_event *e;
        Recorder *r = recorder_new(&e);
        void *t1 = NULL, *t2 = NULL, *t3 = NULL, *past = NULL, *far = NULL;

        /* registered out of order: they fire by their absolute wall-clock times */
        ck_assert_int_eq(xen_event_hooks.timeout_register(r->bridge, &t3, in_msec(60), (void *) "3"), 0);
        ck_assert_int_eq(xen_event_hooks.timeout_register(r->bridge, &t1, in_msec(20), (void *) "1"), 0);
        ck_assert_int_eq(xen_event_hooks.timeout_register(r->bridge, &t2, in_msec(40), (void *) "2"), 0);
        ck_assert_int_eq(xen_event_hooks.timeout_register(r->bridge, &past, (struct timeval) { 1, 0 }, (void *) "0"),
                         0);
        ck_assert_int_eq(xen_event_hooks.timeout_register(r->bridge, &far, in_msec(3600 * 1000), (void *) "far"), 0);
        ck_assert_uint_eq(xen_event_bridge_n_timeouts(r->bridge), 5);
        run_for(e, 30);
        /* the accuracy is tight: 20 ms has fired by 30 ms, 40 ms has not */
        ck_assert_uint_eq(r->n, 2);
        run_for(e, 60);
        ck_assert_uint_eq(r->n, 4);
        ck_assert_str_eq(r->log[0], "timeout 00");
        ck_assert_str_eq(r->log[1], "timeout 10");
        ck_assert_str_eq(r->log[2], "timeout 20");
        ck_assert_str_eq(r->log[3], "timeout 30");
        /* fired timeouts are deregistered implicitly */
        ck_assert_uint_eq(xen_event_bridge_n_timeouts(r->bridge), 1);

        /* modify to {0,0} means "as soon as possible" */
        ck_assert_int_eq(xen_event_hooks.timeout_modify(r->bridge, &far, (struct timeval) { 0, 0 }), 0);
        run_for(e, 10);
        ck_assert_uint_eq(r->n, 5);
        ck_assert_str_eq(r->log[4], "timeout far0");
        ck_assert_uint_eq(xen_event_bridge_n_timeouts(r->bridge), 0);

        xen_event_bridge_free(r->bridge);
        sd_event_unref(e);
        free(r);
}
END_TEST

START_TEST(test_bridge_reregister_from_occurrence) {
        sd_event *e;
        Recorder *r = recorder_new(&e);
        void *t = NULL;

        r->reregister_token = (void *) "first";
        ck_assert_int_eq(xen_event_hooks.timeout_register(r->bridge, &t, in_msec(5), (void *) "first"), 0);
        run_for(e, 40);
        ck_assert_uint_eq(r->n, 2);
        ck_assert_str_eq(r->log[0], "timeout first0");
        ck_assert_str_eq(r->log[1], "timeout again0");
        ck_assert_uint_eq(xen_event_bridge_n_timeouts(r->bridge), 0);
        xen_event_bridge_free(r->bridge);
        sd_event_unref(e);
        free(r);
}
END_TEST

START_TEST(test_bridge_free_drops_leftovers) {
        sd_event *e;
        Recorder *r = recorder_new(&e);
        void *a = NULL, *t = NULL;
        int p[2];
        unsigned fds;

        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        /* the loop's own timerfd comes with the first timer and stays */
        ck_assert_int_eq(xen_event_hooks.timeout_register(r->bridge, &t, in_msec(10000), (void *) "t"), 0);
        fds = count_fds();
        ck_assert_int_eq(xen_event_hooks.fd_register(r->bridge, p[0], &a, POLLIN, (void *) "a"), 0);
        ck_assert_uint_eq(count_fds(), fds + 1);
        xen_event_bridge_free(r->bridge);
        ck_assert_uint_eq(count_fds(), fds);
        close(p[0]);
        close(p[1]);
        sd_event_unref(e);
        free(r);
}
END_TEST

START_TEST(test_bridge_bad_fd) {
        sd_event *e;
        Recorder *r = recorder_new(&e);
        void *a = NULL;

        ck_assert_int_eq(xen_event_hooks.fd_register(r->bridge, -1, &a, POLLIN, (void *) "a"), ERROR_OSEVENT_REG_FAIL);
        ck_assert_int_eq(xen_event_hooks.fd_register(r->bridge, 999, &a, POLLIN, (void *) "a"), ERROR_OSEVENT_REG_FAIL);
        ck_assert_ptr_null(a);
        ck_assert_uint_eq(xen_event_bridge_n_fds(r->bridge), 0);
        xen_event_bridge_free(r->bridge);
        sd_event_unref(e);
        free(r);
}
END_TEST

/* ---- a child with a deadline dies with its parent ------------------------------------ */

static int child_reports_and_blocks(void *userdata, int fd) {
        pid_t self = getpid();

        if (write(*(int *) userdata, &self, sizeof self) != sizeof self)
                return -EIO;
        for (;;)
                pause(); /* as a read of a store that never answers */
}

static void child_done_never(void *userdata, int error, const char *data, size_t size) {
        ck_abort_msg("the loop never ran: no child may end through it");
}

/* A daemon (a fork of the test) starts a child that blocks, and is killed with SIGKILL, so
 * that nothing of it runs again: its child must end too, killed. The test is the orphan's
 * reaper, so it sees how it ended. */
START_TEST(test_child_dies_with_parent) {
        int p[2], status = 0;
        pid_t daemon, child = 0, got = 0;
        struct pollfd pfd;

        ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        daemon = fork();
        ck_assert_int_ge(daemon, 0);
        if (daemon == 0) {
                sd_event *e;
                XenChild *c;
                sigset_t chld;

                close(p[0]);
                /* as the daemon has it: SIGCHLD blocked, for sd-event's child sources */
                sigemptyset(&chld);
                sigaddset(&chld, SIGCHLD);
                if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0 || sd_event_new(&e) < 0 ||
                    xen_child_start(e, "a blocked call", 3600 * 1000000ULL, child_reports_and_blocks, child_done_never,
                                    &p[1], &c) < 0)
                        _exit(1);
                for (;;)
                        pause();
        }
        close(p[1]);
        pfd = (struct pollfd) { .fd = p[0], .events = POLLIN };
        ck_assert_int_eq(poll(&pfd, 1, 10000 * test_slowdown()), 1);
        ck_assert_int_eq(read(p[0], &child, sizeof child), sizeof child);
        close(p[0]);
        ck_assert_int_gt(child, 0);
        ck_assert_int_eq(kill(daemon, SIGKILL), 0);
        ck_assert_int_eq(waitpid(daemon, NULL, 0), daemon);
        for (int i = 0; i < 1000 * (int) test_slowdown() && got == 0; i++) {
                got = waitpid(child, &status, WNOHANG);
                if (got == 0)
                        usleep(10 * 1000);
        }
        if (got == 0) { /* left running: ended here, so that the test leaves nothing behind */
                (void) kill(child, SIGKILL);
                (void) waitpid(child, NULL, 0);
        }
        (void) prctl(PR_SET_CHILD_SUBREAPER, 0);
        ck_assert_msg(got == child, "the child of the killed daemon still ran 10 s later");
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}
END_TEST

/* ---- the store, read by the loop (xs-async.c) ------------------------------------------ */

/* A store played by the test in the same loop: it takes one connection at a time, records
 * the requests it read and answers only when told. */
typedef struct Store {
        sd_event *e;
        char *dir;
        int listen_fd, fd;
        sd_event_source *accept, *io;
        size_t connections;
        uint8_t in[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
        size_t in_len;
        struct xsd_sockmsg req[256];
        char path[256][64];
        size_t n_req, answered;
} Store;

static int on_store_data(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Store *st = userdata;
        ssize_t k = read(fd, st->in + st->in_len, sizeof st->in - st->in_len);
        const size_t hs = sizeof(struct xsd_sockmsg);

        if (k <= 0) {
                st->io = sd_event_source_disable_unref(st->io);
                close(st->fd);
                st->fd = -1;
                return 0;
        }
        st->in_len += (size_t) k;
        while (st->in_len >= hs) {
                struct xsd_sockmsg h;

                memcpy(&h, st->in, hs);
                if (st->in_len < hs + h.len)
                        break;
                ck_assert_uint_lt(st->n_req, 256);
                st->req[st->n_req] = h;
                size_t l = h.len < sizeof st->path[0] - 1 ? h.len : sizeof st->path[0] - 1;

                memcpy(st->path[st->n_req], st->in + hs, l); /* the path with its NUL */
                st->path[st->n_req][l] = 0;
                st->n_req++;
                st->in_len -= hs + h.len;
                memmove(st->in, st->in + hs + h.len, st->in_len);
        }
        return 0;
}

static int on_store_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Store *st = userdata;
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

        ck_assert_int_ge(c, 0);
        if (st->fd >= 0) { /* the last connection is over: the client moved on */
                st->io = sd_event_source_disable_unref(st->io);
                close(st->fd);
        }
        st->fd = c;
        st->connections++;
        st->in_len = 0;
        st->n_req = st->answered = 0;
        ck_assert_int_ge(sd_event_add_io(st->e, &st->io, c, EPOLLIN, on_store_data, st), 0);
        return 0;
}

static void store_start(Store *st, sd_event *e) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        *st = (Store) { .e = e, .fd = -1, .dir = test_mkdtemp() };
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s/socket", st->dir);
        st->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ck_assert_int_ge(st->listen_fd, 0);
        ck_assert_int_eq(bind(st->listen_fd, (struct sockaddr *) &sa, sizeof sa), 0);
        ck_assert_int_eq(listen(st->listen_fd, 4), 0);
        ck_assert_int_ge(sd_event_add_io(e, &st->accept, st->listen_fd, EPOLLIN, on_store_accept, st), 0);
        ck_assert_int_eq(setenv("XENSTORED_RUNDIR", st->dir, 1), 0);
}

static void store_stop(Store *st) {
        char path[PATH_MAX];

        sd_event_source_disable_unref(st->io);
        sd_event_source_disable_unref(st->accept);
        if (st->fd >= 0)
                close(st->fd);
        close(st->listen_fd);
        snprintf(path, sizeof path, "%s/socket", st->dir);
        (void) unlink(path);
        (void) rmdir(st->dir);
        free(st->dir);
        (void) unsetenv("XENSTORED_RUNDIR");
}

static void store_send(Store *st, const void *data, size_t len) {
        ck_assert_int_eq(write(st->fd, data, len), (ssize_t) len);
}

/* Answers request i: a value, or an error when type is XS_ERROR. */
static void store_answer(Store *st, size_t i, uint32_t type, const char *text, size_t len) {
        uint8_t buf[sizeof(struct xsd_sockmsg) + 64];
        struct xsd_sockmsg h = st->req[i];

        h.type = type;
        h.len = (uint32_t) len;
        memcpy(buf, &h, sizeof h);
        memcpy(buf + sizeof h, text, len);
        store_send(st, buf, sizeof h + len);
        st->answered++;
}

typedef struct Got {
        XsAsync *x;
        size_t n;
        int error[256];
        char value[256][64];
        size_t reset_at; /* resets the client from the callback of this answer (1-based) */
} Got;

static void got_read(void *userdata, int error, const char *value, size_t len) {
        Got *g = userdata;

        ck_assert_uint_lt(g->n, 256);
        g->error[g->n] = error;
        ck_assert(error < 0 ? value == NULL : value != NULL && strlen(value) == len);
        snprintf(g->value[g->n], sizeof g->value[0], "%s", value ?: "");
        g->n++;
        if (g->n == g->reset_at)
                xs_async_reset(g->x);
}

/* Runs the loop until *n reaches want, or 5 s (times the slowdown) pass. */
static bool run_until(sd_event *e, const size_t *n, size_t want) {
        for (int i = 0; i < 500 * (int) test_slowdown() && *n < want; i++)
                ck_assert_int_ge(sd_event_run(e, 10 * 1000), 0);
        return *n >= want;
}

/* Runs the loop for a while: what it does meanwhile is what it does unprompted. */
static void run_idle(sd_event *e) {
        for (int i = 0; i < 10; i++)
                ck_assert_int_ge(sd_event_run(e, 5 * 1000), 0);
}

/* A loop, a store in it, and a client of the store recording its answers in g. */
static sd_event *store_begin(Store *st, Got *g) {
        sd_event *e = NULL;

        ck_assert_int_ge(sd_event_new(&e), 0);
        store_start(st, e);
        ck_assert_int_eq(xs_async_new(e, &g->x), 0);
        return e;
}

static void store_end(Store *st, Got *g) {
        xs_async_free(g->x);
        store_stop(st);
}

/* The store closes its end of the connection. */
static void store_hang_up(Store *st) {
        st->io = sd_event_source_disable_unref(st->io);
        close(st->fd);
        st->fd = -1;
}

static void queue_reads(Got *g, size_t n) {
        for (size_t i = 0; i < n; i++) {
                char path[32];

                snprintf(path, sizeof path, "/p/%zu", i);
                ck_assert_int_eq(xs_async_read(g->x, path, got_read, g), 0);
        }
}

START_TEST(test_store_reads_in_order_within_a_window) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        Store st;
        Got g = {};

        e = store_begin(&st, &g);
        queue_reads(&g, 100);
        ck_assert_uint_eq(g.n, 0); /* never from within xs_async_read() */
        ck_assert_uint_eq(xs_async_pending(g.x), 100);
        while (st.answered < 100) {
                size_t base = st.answered, want = base + (100 - base < 32 ? 100 - base : 32);

                ck_assert(run_until(e, &st.n_req, want));
                run_idle(e);
                /* 32 in flight at most: the store serves others too */
                ck_assert_uint_eq(st.n_req, want);
                for (size_t i = base; i < want; i++) {
                        char v[16];

                        ck_assert_uint_eq(st.req[i].type, XS_READ);
                        snprintf(v, sizeof v, "/p/%zu", i);
                        ck_assert_str_eq(st.path[i], v);
                        ck_assert_uint_eq(strlen(st.path[i]) + 1, st.req[i].len); /* with its NUL */
                        snprintf(v, sizeof v, "v%zu", i);
                        if (i % 10 == 3)
                                store_answer(&st, i, XS_ERROR, "ENOENT", 7);
                        else if (i % 10 == 7)
                                store_answer(&st, i, XS_ERROR, "EACCES", 7);
                        else if (i % 10 == 9)
                                store_answer(&st, i, XS_ERROR, "ENOTHING", 9);
                        else
                                store_answer(&st, i, XS_READ, v, strlen(v));
                }
                ck_assert(run_until(e, &g.n, want));
        }
        ck_assert_uint_eq(g.n, 100);
        for (size_t i = 0; i < 100; i++) {
                char v[16];

                snprintf(v, sizeof v, "v%zu", i);
                ck_assert_int_eq(g.error[i], i % 10 == 3 ? -ENOENT : i % 10 == 7 ? -EACCES : i % 10 == 9 ? -EIO : 0);
                ck_assert_str_eq(g.value[i], g.error[i] < 0 ? "" : v);
        }
        ck_assert_uint_eq(xs_async_pending(g.x), 0);
        ck_assert_uint_eq(st.connections, 1);
        store_end(&st, &g);
}
END_TEST

START_TEST(test_store_reply_in_pieces_and_watch_events) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        struct xsd_sockmsg w = { .type = XS_WATCH_EVENT, .len = 8 };
        uint8_t buf[sizeof(struct xsd_sockmsg) + 16];
        Store st;
        Got g = {};

        e = store_begin(&st, &g);
        queue_reads(&g, 2);
        ck_assert(run_until(e, &st.n_req, 2));
        /* an event nobody asked for comes first, then the first answer a byte at a time */
        memcpy(buf, &w, sizeof w);
        memcpy(buf + sizeof w, "/a\0tok\0\0", 8);
        store_send(&st, buf, sizeof w + 8);
        w = st.req[0];
        w.type = XS_READ;
        w.len = 5;
        memcpy(buf, &w, sizeof w);
        memcpy(buf + sizeof w, "first", 5);
        for (size_t i = 0; i < sizeof w + 5; i++) {
                store_send(&st, buf + i, 1);
                run_idle(e);
                ck_assert_uint_eq(g.n, i + 1 < sizeof w + 5 ? 0 : 1);
        }
        store_answer(&st, 1, XS_READ, "", 0);
        ck_assert(run_until(e, &g.n, 2));
        ck_assert_int_eq(g.error[0], 0);
        ck_assert_str_eq(g.value[0], "first");
        ck_assert_int_eq(g.error[1], 0);
        ck_assert_str_eq(g.value[1], "");
        store_end(&st, &g);
}
END_TEST

/* What the store sends that makes no sense fails every read in flight and drops the
 * connection; the next read connects again. */
START_TEST(test_store_nonsense_drops_the_connection) {
        static const struct {
                uint32_t type, len;
        } bad[] = {
                { XS_READ, XENSTORE_PAYLOAD_MAX + 1 }, /* longer than the protocol allows */
                { XS_WRITE, 0 },                       /* an answer of another request */
        };

        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
                _cleanup_(sd_event_unrefp) sd_event *e = NULL;
                struct xsd_sockmsg h;
                Store st;
                Got g = {};

                e = store_begin(&st, &g);
                queue_reads(&g, 3);
                ck_assert(run_until(e, &st.n_req, 3));
                h = st.req[0];
                h.type = bad[k].type;
                h.len = bad[k].len;
                store_send(&st, &h, sizeof h);
                ck_assert(run_until(e, &g.n, 3));
                for (size_t i = 0; i < 3; i++)
                        ck_assert_int_eq(g.error[i], -EPROTO);
                ck_assert_uint_eq(xs_async_pending(g.x), 0);
                ck_assert_int_eq(xs_async_read(g.x, "/again", got_read, &g), 0);
                ck_assert(run_until(e, &st.connections, 2));
                ck_assert(run_until(e, &st.n_req, 1));
                ck_assert_str_eq(st.path[0], "/again");
                store_answer(&st, 0, XS_READ, "yes", 3);
                ck_assert(run_until(e, &g.n, 4));
                ck_assert_int_eq(g.error[3], 0);
                ck_assert_str_eq(g.value[3], "yes");
                store_end(&st, &g);
        }
}
END_TEST

START_TEST(test_store_hangs_up) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        Store st;
        Got g = {};

        e = store_begin(&st, &g);
        queue_reads(&g, 2);
        ck_assert(run_until(e, &st.n_req, 2));
        store_answer(&st, 0, XS_READ, "one", 3);
        store_hang_up(&st);
        ck_assert(run_until(e, &g.n, 2));
        ck_assert_int_eq(g.error[0], 0);
        ck_assert_str_eq(g.value[0], "one");
        ck_assert_int_eq(g.error[1], -ECONNRESET);
        store_end(&st, &g);
}
END_TEST

/* A caller whose deadline passed resets from its callback: no answer of the dropped reads
 * comes back, though the store sent them all. */
START_TEST(test_store_reset_from_a_callback) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        Store st;
        Got g = { .reset_at = 1 };

        e = store_begin(&st, &g);
        queue_reads(&g, 3);
        ck_assert(run_until(e, &st.n_req, 3));
        for (size_t i = 0; i < 3; i++)
                store_answer(&st, i, XS_READ, "x", 1);
        ck_assert(run_until(e, &g.n, 1));
        run_idle(e);
        ck_assert_uint_eq(g.n, 1);
        ck_assert_uint_eq(xs_async_pending(g.x), 0);
        /* and on a hang-up, the callback of the first failed read resets too */
        g.reset_at = 2;
        queue_reads(&g, 3);
        ck_assert(run_until(e, &st.connections, 2));
        ck_assert(run_until(e, &st.n_req, 3));
        store_hang_up(&st);
        ck_assert(run_until(e, &g.n, 2));
        run_idle(e);
        ck_assert_uint_eq(g.n, 2);
        ck_assert_int_eq(g.error[1], -ECONNRESET);
        store_end(&st, &g);
}
END_TEST

START_TEST(test_store_absent) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_free_ char *dir = test_mkdtemp(), *dev = NULL;
        Got g = {};

        ck_assert_int_ge(sd_event_new(&e), 0);
        ck_assert_int_ge(asprintf(&dev, "%s/xenbus", dir), 0);
        ck_assert_int_eq(setenv("XENSTORED_RUNDIR", dir, 1), 0);
        ck_assert_int_eq(setenv("XENSTORED_PATH", dev, 1), 0);
        ck_assert_int_eq(xs_async_new(e, &g.x), 0);
        ck_assert_int_eq(xs_async_read(g.x, "/", got_read, &g), -ENOENT);
        run_idle(e);
        ck_assert_uint_eq(g.n, 0);
        xs_async_free(g.x);
        (void) unsetenv("XENSTORED_RUNDIR");
        (void) unsetenv("XENSTORED_PATH");
        (void) rmdir(dir);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("xen");
        TCase *tc = tcase_create("xen");

        tcase_add_test(tc, test_error_mapping);
        tcase_add_test(tc, test_error_mapping_is_total);
        tcase_add_test(tc, test_cmdline_has);
        tcase_add_test(tc, test_cmdline_dom0_mem);
        tcase_add_test(tc, test_bridge_same_fd_twice);
        tcase_add_test(tc, test_bridge_timeouts_in_order);
        tcase_add_test(tc, test_bridge_reregister_from_occurrence);
        tcase_add_test(tc, test_bridge_free_drops_leftovers);
        tcase_add_test(tc, test_bridge_bad_fd);
        tcase_add_test(tc, test_child_dies_with_parent);
        tcase_add_test(tc, test_store_reads_in_order_within_a_window);
        tcase_add_test(tc, test_store_reply_in_pieces_and_watch_events);
        tcase_add_test(tc, test_store_nonsense_drops_the_connection);
        tcase_add_test(tc, test_store_hangs_up);
        tcase_add_test(tc, test_store_reset_from_a_callback);
        tcase_add_test(tc, test_store_absent);
        suite_add_tcase(s, tc);
        return s;
}
