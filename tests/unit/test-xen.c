/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Xen side without a hypervisor: libxl error codes to -errno (the one translation), the
 * Xen command line as the daemon reads it, and the libxl <-> sd-event bridge driven the way
 * libxl drives it (the same fd twice, events 0, timeouts in order, re-registration from inside
 * an occurrence, deregistration), and a child of a killed daemon ending with it. */
#include <fcntl.h>
#include <dirent.h>
#include <libxl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "test-util.h"
#include "xen-child.h"
#include "xen-events.h"
#include "xen-util.h"

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
        suite_add_tcase(s, tc);
        return s;
}
