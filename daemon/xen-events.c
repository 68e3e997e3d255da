/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libxl <-> sd-event bridge. libxl may register one fd more than once (with different
 * events), which epoll refuses: each registration watches its own dup of the fd. Timeouts are
 * absolute CLOCK_REALTIME times (libxl uses gettimeofday) and fire once. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "macro.h"
#include "xen-events.h"

typedef struct Registration Registration;

struct XenEventBridge {
        sd_event *event;
        XenEventSink sink;
        Registration *regs; /* every live registration, to free what libxl leaves */
        unsigned n_fds, n_timeouts;
};

struct Registration {
        XenEventBridge *bridge;
        sd_event_source *source;
        void *for_libxl;
        int fd;       /* libxl's fd, as it knows it; -1 for a timeout */
        short events;
        Registration *prev, *next;
};

static Registration *reg_new(XenEventBridge *b, int fd, void *for_libxl) {
        Registration *r = calloc(1, sizeof(Registration));

        if (!r)
                return NULL;
        *r = (Registration) { .bridge = b, .for_libxl = for_libxl, .fd = fd, .next = b->regs };
        if (b->regs)
                b->regs->prev = r;
        b->regs = r;
        if (fd >= 0)
                b->n_fds++;
        else
                b->n_timeouts++;
        return r;
}

static void reg_free(Registration *r) {
        XenEventBridge *b;

        if (!r)
                return;
        b = r->bridge;
        r->source = sd_event_source_disable_unref(r->source);
        if (r->prev)
                r->prev->next = r->next;
        else
                b->regs = r->next;
        if (r->next)
                r->next->prev = r->prev;
        if (r->fd >= 0)
                b->n_fds--;
        else
                b->n_timeouts--;
        free(r);
}

/* poll() and epoll share the bit values of IN, PRI, OUT, ERR and HUP on Linux; keep only those. */
static uint32_t poll_to_epoll(short events) {
        return (uint32_t) events & (EPOLLIN | EPOLLPRI | EPOLLOUT);
}

static short epoll_to_poll(uint32_t revents) {
        return (short) (revents & (POLLIN | POLLPRI | POLLOUT | POLLERR | POLLHUP));
}

static int on_fd(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Registration *r = userdata;
        XenEventBridge *b = r->bridge;

        /* libxl may deregister r from inside this call; sd-event keeps s alive until we return. */
        if (b->sink.fd_occurred)
                b->sink.fd_occurred(b->sink.ctx, r->for_libxl, r->fd, r->events, epoll_to_poll(revents));
        return 0;
}

static int apply_events(Registration *r, short events) {
        int k;

        r->events = events;
        /* events 0 must work but report nothing: epoll would still report ERR and HUP. */
        if (events == 0)
                return sd_event_source_set_enabled(r->source, SD_EVENT_OFF);
        k = sd_event_source_set_io_events(r->source, poll_to_epoll(events));
        if (k < 0)
                return k;
        return sd_event_source_set_enabled(r->source, SD_EVENT_ON);
}

static int hook_fd_register(void *user, int fd, void **ret_reg, short events, void *for_libxl) {
        XenEventBridge *b = user;
        Registration *r;
        int copy;

        if (fd < 0)
                return ERROR_OSEVENT_REG_FAIL;
        r = reg_new(b, fd, for_libxl);
        if (!r)
                return ERROR_OSEVENT_REG_FAIL;
        copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (copy < 0 || sd_event_add_io(b->event, &r->source, copy, 0, on_fd, r) < 0) {
                if (copy >= 0)
                        close(copy);
                reg_free(r);
                return ERROR_OSEVENT_REG_FAIL;
        }
        (void) sd_event_source_set_io_fd_own(r->source, true);
        (void) sd_event_source_set_description(r->source, "libxl-fd");
        if (apply_events(r, events) < 0) {
                reg_free(r);
                return ERROR_OSEVENT_REG_FAIL;
        }
        *ret_reg = r;
        return 0;
}

static int hook_fd_modify(void *user, int fd, void **reg, short events) {
        Registration *r = *reg;

        /* On failure the registration must stay as it was. */
        short old = r->events;
        if (apply_events(r, events) < 0) {
                (void) apply_events(r, old);
                return ERROR_OSEVENT_REG_FAIL;
        }
        return 0;
}

static void hook_fd_deregister(void *user, int fd, void *reg) {
        reg_free(reg);
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Registration *r = userdata;
        XenEventBridge *b = r->bridge;
        void *for_libxl = r->for_libxl;

        /* libxl considers the timeout deregistered once told: it may register a new one from
         * inside the call, and never deregisters this one. */
        reg_free(r);
        if (b->sink.timeout_occurred)
                b->sink.timeout_occurred(b->sink.ctx, for_libxl);
        return 0;
}

static uint64_t timeval_to_usec(struct timeval tv) {
        if (tv.tv_sec < 0)
                return 1;
        /* 0 is sd-event's "now" only for relative use; 1 is a time long past: fire at once. */
        uint64_t u = (uint64_t) tv.tv_sec * 1000000ULL + (uint64_t) tv.tv_usec;
        return u > 0 ? u : 1;
}

static int hook_timeout_register(void *user, void **ret_reg, struct timeval abs, void *for_libxl) {
        XenEventBridge *b = user;
        Registration *r = reg_new(b, -1, for_libxl);

        if (!r)
                return ERROR_OSEVENT_REG_FAIL;
        /* Accuracy 1 µs: sd-event's default slack (250 ms) would delay libxl's timeouts. */
        if (sd_event_add_time(b->event, &r->source, CLOCK_REALTIME, timeval_to_usec(abs), 1, on_timeout, r) < 0) {
                reg_free(r);
                return ERROR_OSEVENT_REG_FAIL;
        }
        (void) sd_event_source_set_description(r->source, "libxl-timeout");
        *ret_reg = r;
        return 0;
}

/* Only ever called with {0,0}: fire as soon as possible. */
static int hook_timeout_modify(void *user, void **reg, struct timeval abs) {
        Registration *r = *reg;

        if (sd_event_source_set_time(r->source, timeval_to_usec(abs)) < 0 ||
            sd_event_source_set_enabled(r->source, SD_EVENT_ONESHOT) < 0)
                return ERROR_OSEVENT_REG_FAIL;
        return 0;
}

static void hook_timeout_deregister(void *user, void *reg) {
        reg_free(reg);
}

const libxl_osevent_hooks xen_event_hooks = {
        .fd_register = hook_fd_register,
        .fd_modify = hook_fd_modify,
        .fd_deregister = hook_fd_deregister,
        .timeout_register = hook_timeout_register,
        .timeout_modify = hook_timeout_modify,
        .timeout_deregister = hook_timeout_deregister,
};

int xen_event_bridge_new(sd_event *e, XenEventBridge **ret) {
        XenEventBridge *b = calloc(1, sizeof(XenEventBridge));

        if (!b)
                return -ENOMEM;
        b->event = sd_event_ref(e);
        *ret = b;
        return 0;
}

void xen_event_bridge_set_sink(XenEventBridge *b, const XenEventSink *sink) {
        b->sink = *sink;
}

XenEventBridge *xen_event_bridge_free(XenEventBridge *b) {
        if (!b)
                return NULL;
        while (b->regs)
                reg_free(b->regs);
        sd_event_unref(b->event);
        free(b);
        return NULL;
}

unsigned xen_event_bridge_n_fds(const XenEventBridge *b) {
        return b->n_fds;
}

unsigned xen_event_bridge_n_timeouts(const XenEventBridge *b) {
        return b->n_timeouts;
}
