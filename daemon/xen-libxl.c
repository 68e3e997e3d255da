/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real backend: one libxl context on the daemon's sd-event loop, libxl's log in the
 * daemon's log, SIGCHLD taken in the loop, and a libxenstore watch on @introduceDomain and
 * @releaseDomain for guests coming and going.
 *
 * SIGCHLD: the daemon blocks it for sd-event (signalfd) and reaps its own children through
 * sd_event_add_child. libxl's "selective reap" and default modes install a SIGCHLD handler,
 * which never runs while the signal is blocked in every thread, so libxl would never see its
 * children exit. libxl_sigchld_owner_mainloop is the mode that fits: the loop tells libxl of
 * every SIGCHLD and libxl reaps only its own children by pid; sd-event reaps ours by pid
 * (pidfd) and both coexist on one signalfd.
 *
 * libxenstore calls have no timeout and block while xenstored is not serving (at boot the
 * daemon starts before the store; later it may be stopped or swamped). Setting the watch is
 * therefore done by a helper thread, and the loop only reads the watch fd when it is readable.
 * What else talks to the store (guests' names, dom0's memory target) runs in a child process
 * with a deadline (xen-child.c). Everything the loop itself calls is a hypercall through libxc:
 * libxl_get_version_info, libxl_get_physinfo, libxl_list_domain and libxl_domain_info read
 * nothing from the store. */
#include <fcntl.h>
#include <inttypes.h>
#include <libxl.h>
#include <libxl_utils.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <xenstore.h>

#include "log.h"
#include "xen-backend.h"
#include "xen-events.h"
#include "xen-util.h"

typedef struct DaemonLogger {
        xentoollog_logger vtable; /* first: libxl sees only this */
        XenBackend *backend;
} DaemonLogger;

/* Shared with the thread that sets the xenstore watch up. */
typedef struct WatchSetup {
        pthread_mutex_t lock;
        bool abandoned; /* the backend closed first: the thread cleans up */
        bool done;
        int eventfd;
        struct xs_handle *xsh;
        int error;
} WatchSetup;

struct XenBackend {
        sd_event *event;
        XenBackendCallbacks cb;
        DaemonLogger logger;
        bool opening;      /* libxl's complaints while opening become one line of ours */
        char *open_error;
        libxl_ctx *ctx;
        XenEventBridge *bridge;
        sd_event_source *sigchld;
        WatchSetup *setup;
        sd_event_source *setup_done;
        struct xs_handle *xsh;
        sd_event_source *watch;
};

/* ---- log ------------------------------------------------------------------------------ */

static int xtl_to_priority(xentoollog_level level) {
        switch (level) {
        case XTL_CRITICAL:
                return LOG_CRIT;
        case XTL_ERROR:
                return LOG_ERR;
        case XTL_WARN:
                return LOG_WARNING;
        case XTL_NOTICE:
                return LOG_NOTICE;
        case XTL_INFO:
                return LOG_INFO;
        default: /* debug, verbose, detail, progress */
                return LOG_DEBUG;
        }
}

static void logger_vmessage(xentoollog_logger *l, xentoollog_level level, int errnoval, const char *context,
                            const char *format, va_list ap) {
        XenBackend *b = ((DaemonLogger *) l)->backend;
        int priority = xtl_to_priority(level);
        char buf[1024];
        size_t n;

        vsnprintf(buf, sizeof buf, format, ap);
        n = strlen(buf);
        while (n > 0 && buf[n - 1] == '\n')
                buf[--n] = 0;
        if (b->opening) {
                /* The first error says why best (later ones say "cannot open libxc handle"). */
                if (level >= XTL_ERROR && !b->open_error &&
                    asprintf(&b->open_error, "%s%s%s", buf, errnoval > 0 ? ": " : "",
                             errnoval > 0 ? strerror(errnoval) : "") < 0)
                        b->open_error = NULL;
                priority = LOG_DEBUG;
        }
        if (errnoval > 0)
                log_full(priority, "%s: %s: %s", context ?: "libxl", buf, strerror(errnoval));
        else
                log_full(priority, "%s: %s", context ?: "libxl", buf);
}

static void logger_destroy(xentoollog_logger *l) {
}

/* ---- libxl's events -------------------------------------------------------------------- */

static void sink_fd(void *ctx, void *for_libxl, int fd, short events, short revents) {
        libxl_osevent_occurred_fd(ctx, for_libxl, fd, events, revents);
}

static void sink_timeout(void *ctx, void *for_libxl) {
        libxl_osevent_occurred_timeout(ctx, for_libxl);
}

static int on_sigchld(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        XenBackend *b = userdata;

        libxl_childproc_sigchld_occurred(b->ctx);
        return 0;
}

/* May not call libxl: tell xen.c, which ends the loop. */
static void on_disaster(void *user, libxl_event_type type, const char *msg, int errnoval) {
        XenBackend *b = user;

        b->cb.disaster(b->cb.userdata, errnoval > 0 ? -errnoval : -EIO, msg);
}

static const libxl_childproc_hooks childproc_hooks = {
        .chldowner = libxl_sigchld_owner_mainloop,
};

static const libxl_event_hooks event_hooks = {
        .event_occurs_mask = 0,
        .disaster = on_disaster,
};

/* ---- the domain watch ------------------------------------------------------------------ */

static void setup_free(WatchSetup *s) {
        if (s->xsh)
                xs_close(s->xsh);
        if (s->eventfd >= 0)
                close(s->eventfd);
        pthread_mutex_destroy(&s->lock);
        free(s);
}

static void *watch_thread(void *p) {
        WatchSetup *s = p;
        struct xs_handle *h = xs_open(0);
        int error = 0;
        bool abandoned;

        if (!h)
                error = negative_errno();
        else if (xs_fileno(h) < 0 || !xs_watch(h, "@introduceDomain", "introduce") ||
                 !xs_watch(h, "@releaseDomain", "release")) {
                error = negative_errno();
                xs_close(h);
                h = NULL;
        }
        pthread_mutex_lock(&s->lock);
        abandoned = s->abandoned;
        if (!abandoned) {
                s->xsh = h;
                s->error = error;
                s->done = true;
                (void) eventfd_write(s->eventfd, 1);
        }
        pthread_mutex_unlock(&s->lock);
        if (abandoned) {
                if (h)
                        xs_close(h);
                setup_free(s);
        }
        return NULL;
}

static int on_watch(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        XenBackend *b = userdata;
        char **event;
        bool any = false;

        while ((event = xs_check_watch(b->xsh))) {
                log_debug("xenstore watch fired: %s", event[XS_WATCH_PATH]);
                free(event);
                any = true;
        }
        if (errno != EAGAIN) {
                log_warning_errno(negative_errno(), "Lost the xenstore watch on domains; guests are no longer followed");
                b->watch = sd_event_source_disable_unref(b->watch);
        }
        if (any)
                b->cb.domains_changed(b->cb.userdata);
        return 0;
}

static int on_setup_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        XenBackend *b = userdata;
        WatchSetup *w = b->setup;
        int r;

        pthread_mutex_lock(&w->lock);
        b->xsh = TAKE_PTR(w->xsh);
        r = w->error;
        pthread_mutex_unlock(&w->lock);
        b->setup_done = sd_event_source_disable_unref(b->setup_done);
        setup_free(TAKE_PTR(b->setup));
        if (r < 0)
                return log_warning_errno(r, "Cannot watch xenstore for domains; guests are not followed"), 0;

        r = sd_event_add_io(b->event, &b->watch, xs_fileno(b->xsh), EPOLLIN, on_watch, b);
        if (r < 0)
                return log_warning_errno(r, "Cannot follow the xenstore watch"), 0;
        (void) sd_event_source_set_description(b->watch, "xenstore-domains");
        log_debug("Watching @introduceDomain and @releaseDomain");
        /* The watches fire once when set: that first event lists the domains. */
        return 0;
}

static int watch_start(XenBackend *b) {
        WatchSetup *w = calloc(1, sizeof(WatchSetup));
        pthread_attr_t attr;
        pthread_t t;
        int r;

        if (!w)
                return -ENOMEM;
        pthread_mutex_init(&w->lock, NULL);
        w->eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->eventfd < 0) {
                r = negative_errno();
                setup_free(w);
                return r;
        }
        r = sd_event_add_io(b->event, &b->setup_done, w->eventfd, EPOLLIN, on_setup_done, b);
        if (r < 0) {
                setup_free(w);
                return r;
        }
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        /* The thread inherits the loop's blocked signals: no signal is ever delivered to it. */
        r = -pthread_create(&t, &attr, watch_thread, w);
        pthread_attr_destroy(&attr);
        if (r < 0) {
                b->setup_done = sd_event_source_disable_unref(b->setup_done);
                setup_free(w);
                return r;
        }
        b->setup = w;
        return 0;
}

static void watch_stop(XenBackend *b) {
        b->watch = sd_event_source_disable_unref(b->watch);
        b->setup_done = sd_event_source_disable_unref(b->setup_done);
        if (b->setup) {
                WatchSetup *w = TAKE_PTR(b->setup);
                bool done;

                pthread_mutex_lock(&w->lock);
                done = w->done;
                w->abandoned = true;
                pthread_mutex_unlock(&w->lock);
                /* Still blocked on a silent xenstored: the thread frees it when it returns. */
                if (done)
                        setup_free(w);
        }
        if (b->xsh) {
                xs_close(b->xsh);
                b->xsh = NULL;
        }
}

/* ---- ops -------------------------------------------------------------------------------- */

static bool hypervisor_is_xen(void) {
        char buf[16] = "";
        _cleanup_close_ int fd = open("/sys/hypervisor/type", O_RDONLY | O_CLOEXEC);

        return fd >= 0 && read(fd, buf, sizeof buf - 1) > 0 && startswith(buf, "xen");
}

static void libxl_backend_close(XenBackend *b) {
        if (!b)
                return;
        watch_stop(b);
        b->sigchld = sd_event_source_disable_unref(b->sigchld);
        if (b->ctx)
                libxl_ctx_free(b->ctx); /* deregisters its fds through the bridge */
        xen_event_bridge_free(b->bridge);
        free(b->open_error);
        sd_event_unref(b->event);
        free(b);
}

static int libxl_backend_open(sd_event *e, const char *arg, const XenBackendCallbacks *cb, XenBackend **ret,
                              char **ret_why) {
        XenBackend *b = calloc(1, sizeof(XenBackend));
        int r;

        if (!b)
                return -ENOMEM;
        b->event = sd_event_ref(e);
        b->cb = *cb;
        b->logger = (DaemonLogger) {
                .vtable = { .vmessage = logger_vmessage, .destroy = logger_destroy },
                .backend = b,
        };
        b->opening = true;

        r = xen_event_bridge_new(e, &b->bridge);
        if (r < 0)
                goto fail;
        r = xen_libxl_error_to_errno(libxl_ctx_alloc(&b->ctx, LIBXL_VERSION, 0, &b->logger.vtable));
        if (r < 0) {
                b->ctx = NULL;
                goto fail;
        }
        xen_event_bridge_set_sink(b->bridge, &(XenEventSink) { sink_fd, sink_timeout, b->ctx });
        libxl_osevent_register_hooks(b->ctx, &xen_event_hooks, b->bridge);
        libxl_event_register_callbacks(b->ctx, &event_hooks, b);
        libxl_childproc_setmode(b->ctx, &childproc_hooks, b);
        r = sd_event_add_signal(e, &b->sigchld, SIGCHLD, on_sigchld, b);
        if (r < 0)
                goto fail;
        /* The first hypercall: a handle that opened on a host that is not dom0 fails here. */
        if (!libxl_get_version_info(b->ctx)) {
                r = -EIO;
                goto fail;
        }
        b->opening = false;
        r = watch_start(b);
        if (r < 0)
                goto fail;
        *ret = b;
        return 0;
fail:
        if (ret_why)
                *ret_why = TAKE_PTR(b->open_error);
        if (!hypervisor_is_xen())
                r = -ENODEV;
        libxl_backend_close(b);
        return r;
}

static int libxl_backend_version(XenBackend *b, char **ret_version, char **ret_cmdline) {
        const libxl_version_info *v = libxl_get_version_info(b->ctx);

        if (!v)
                return -EIO;
        if (asprintf(ret_version, "%d.%d%s", v->xen_version_major, v->xen_version_minor,
                     strempty(v->xen_version_extra)) < 0)
                return -ENOMEM;
        *ret_cmdline = strdup(strempty(v->commandline));
        if (!*ret_cmdline) {
                free(*ret_version);
                return -ENOMEM;
        }
        return 0;
}

static int libxl_backend_host_info(XenBackend *b, XenHostInfo *ret) {
        libxl_physinfo p;
        int r;

        libxl_physinfo_init(&p);
        r = xen_libxl_error_to_errno(libxl_get_physinfo(b->ctx, &p));
        if (r >= 0)
                *ret = (XenHostInfo) {
                        .total_kib = p.total_pages * 4 /* KiB per Xen page */,
                        .free_kib = p.free_pages * 4,
                        .cpus = p.nr_cpus,
                };
        libxl_physinfo_dispose(&p);
        return r;
}

static void from_dominfo(const libxl_dominfo *d, XenDomainInfo *ret) {
        XenDomainState state;

        if (d->dying)
                state = XEN_DOMAIN_DYING;
        else if (d->shutdown)
                state = d->shutdown_reason == LIBXL_SHUTDOWN_REASON_CRASH ? XEN_DOMAIN_CRASHED : XEN_DOMAIN_SHUTDOWN;
        else if (d->paused)
                state = XEN_DOMAIN_PAUSED;
        else if (d->blocked && !d->running)
                state = XEN_DOMAIN_BLOCKED;
        else
                state = XEN_DOMAIN_RUNNING;
        *ret = (XenDomainInfo) {
                .domid = d->domid,
                .state = state,
                .vcpus = d->vcpu_online,
                .max_vcpus = d->vcpu_max_id + 1,
                .memory_kib = d->current_memkb,
                .max_memory_kib = d->max_memkb,
                .cpu_time_ns = d->cpu_time,
                .flags = (d->running ? METRICS_DOMAIN_RUNNING : 0) | (d->blocked ? METRICS_DOMAIN_BLOCKED : 0) |
                         (d->paused ? METRICS_DOMAIN_PAUSED : 0) | (d->shutdown ? METRICS_DOMAIN_SHUTDOWN : 0) |
                         (d->dying ? METRICS_DOMAIN_DYING : 0),
                /* libxl's numbering is the hypervisor's; its "unknown" (-1) is not */
                .shutdown_reason = (int) d->shutdown_reason >= 0 && (int) d->shutdown_reason < (int) _XEN_SHUTDOWN_MAX
                                           ? (uint8_t) d->shutdown_reason
                                           : _XEN_SHUTDOWN_MAX,
        };
        memcpy(ret->uuid, libxl_uuid_bytearray_const(&d->uuid), sizeof ret->uuid);
}

static int libxl_backend_list(XenBackend *b, XenDomainInfo **ret, size_t *ret_n) {
        int n = 0;
        libxl_dominfo *l = libxl_list_domain(b->ctx, &n);
        XenDomainInfo *a;

        if (!l)
                return -EIO; /* no libxl code to translate: it has logged why */
        a = calloc(n > 0 ? (size_t) n : 1, sizeof(XenDomainInfo));
        if (!a) {
                libxl_dominfo_list_free(l, n);
                return -ENOMEM;
        }
        for (int i = 0; i < n; i++)
                from_dominfo(&l[i], &a[i]);
        libxl_dominfo_list_free(l, n);
        *ret = a;
        *ret_n = (size_t) n;
        return 0;
}

static int libxl_backend_domain_info(XenBackend *b, uint32_t domid, XenDomainInfo *ret) {
        libxl_dominfo d;
        int r;

        libxl_dominfo_init(&d);
        r = xen_libxl_error_to_errno(libxl_domain_info(b->ctx, &d, domid));
        if (r >= 0)
                from_dominfo(&d, ret);
        libxl_dominfo_dispose(&d);
        return r;
}

/* A libxl context for a child (xen-child.c): libxl wants a child that goes on using it to let
 * go of the parent's contexts first (libxl_event.h), then to make one of its own. */
static int child_ctx_alloc(XenBackend *b, libxl_ctx **ret) {
        libxl_postfork_child_noexec(b->ctx);
        return xen_libxl_error_to_errno(libxl_ctx_alloc(ret, LIBXL_VERSION, 0, &b->logger.vtable));
}

static int libxl_backend_set_memory_target(XenBackend *b, uint32_t domid, uint64_t target_kib) {
        libxl_ctx *ctx = NULL;
        int r;

        r = child_ctx_alloc(b, &ctx);
        if (r < 0)
                return r;
        /* Dom0's is not enforced: the hypervisor's maximum (what dom0 booted with) stays as it is.
         * A guest's is: libxl raises the hypervisor's maximum with it, which it refuses above the
         * guest's static maximum (maxmem), so that its balloon driver can grow to the target. */
        r = xen_libxl_error_to_errno(libxl_set_memory_target(ctx, domid, (int64_t) target_kib, 0, domid != 0));
        libxl_ctx_free(ctx);
        return r;
}

static int libxl_backend_set_vcpus_online(XenBackend *b, uint32_t domid, uint32_t n) {
        libxl_ctx *ctx = NULL;
        libxl_dominfo info;
        libxl_bitmap map;
        int r;

        r = child_ctx_alloc(b, &ctx);
        if (r < 0)
                return r;
        libxl_dominfo_init(&info);
        libxl_bitmap_init(&map);
        r = xen_libxl_error_to_errno(libxl_domain_info(ctx, &info, domid));
        if (r >= 0 && (n == 0 || n > info.vcpu_max_id + 1))
                r = -EINVAL; /* above the maxvcpus it was created with */
        if (r >= 0)
                r = xen_libxl_error_to_errno(libxl_cpu_bitmap_alloc(ctx, &map, info.vcpu_max_id + 1));
        if (r >= 0) {
                for (uint32_t i = 0; i < n; i++)
                        libxl_bitmap_set(&map, i);
                /* for a PV guest, libxl writes cpu/N/availability, which its kernel follows */
                r = xen_libxl_error_to_errno(libxl_set_vcpuonline(ctx, domid, &map, NULL));
        }
        libxl_bitmap_dispose(&map);
        libxl_dominfo_dispose(&info);
        libxl_ctx_free(ctx);
        return r;
}

const XenBackendOps xen_backend_libxl = {
        .name = "libxl",
        .open = libxl_backend_open,
        .close = libxl_backend_close,
        .version = libxl_backend_version,
        .host_info = libxl_backend_host_info,
        .list = libxl_backend_list,
        .domain_info = libxl_backend_domain_info,
        .set_memory_target = libxl_backend_set_memory_target,
        .set_vcpus_online = libxl_backend_set_vcpus_online,
};
