/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "log.h"
#include "xs-async.h"

/* Requests sent and not answered yet, at most: the store serves its connections in turn, and
 * a thousand reads at once would hold the others back. */
#define IN_FLIGHT_MAX 32

typedef struct XsRead {
        XsAsyncDone done;
        void *userdata;
        char *msg; /* the request: header and path */
        size_t msg_len;
} XsRead;

/* items[head..sent) went out and are answered in order, items[sent..n) wait */
typedef struct XsQueue {
        XsRead *items;
        size_t head, sent, n, allocated;
} XsQueue;

struct XsAsync {
        sd_event *event;
        int fd;
        bool is_socket;
        sd_event_source *io;
        XsQueue reads;
        size_t out_off; /* bytes of reads.items[reads.sent] already written */
        /* reads of a lost connection, each told in turn (see fail_all()) */
        XsQueue failing;
        uint32_t next_req_id;
        unsigned generation; /* changes on each reset: a callback may reset */
        size_t in_len;
        uint8_t in[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
};

static void queue_clear(XsQueue *q) {
        for (size_t i = q->head; i < q->n; i++)
                free(q->items[i].msg);
        q->items = mfree(q->items);
        q->head = q->sent = q->n = q->allocated = 0;
}

static int queue_push(XsQueue *q, XsRead r) {
        if (q->n == q->allocated) {
                /* reclaim what was answered before growing */
                if (q->head > 0) {
                        memmove(q->items, q->items + q->head, (q->n - q->head) * sizeof(XsRead));
                        q->n -= q->head;
                        q->sent -= q->head;
                        q->head = 0;
                }
                if (q->n == q->allocated) {
                        size_t a = q->allocated ? q->allocated * 2 : 16;
                        XsRead *p = reallocarray(q->items, a, sizeof(XsRead));

                        if (!p)
                                return -ENOMEM;
                        q->items = p;
                        q->allocated = a;
                }
        }
        q->items[q->n++] = r;
        return 0;
}

static void disconnect(XsAsync *x) {
        x->io = sd_event_source_disable_unref(x->io);
        if (x->fd >= 0)
                close(x->fd);
        x->fd = -EBADF;
        x->in_len = 0;
        x->out_off = 0;
}

void xs_async_reset(XsAsync *x) {
        if (!x)
                return;
        disconnect(x);
        queue_clear(&x->reads);
        queue_clear(&x->failing);
        x->generation++;
}

XsAsync *xs_async_free(XsAsync *x) {
        if (!x)
                return NULL;
        xs_async_reset(x);
        sd_event_unref(x->event);
        free(x);
        return NULL;
}

int xs_async_new(sd_event *e, XsAsync **ret) {
        XsAsync *x = calloc(1, sizeof(XsAsync));

        if (!x)
                return -ENOMEM;
        x->event = sd_event_ref(e);
        x->fd = -EBADF;
        *ret = x;
        return 0;
}

size_t xs_async_pending(const XsAsync *x) {
        return x ? x->reads.n - x->reads.head : 0;
}

/* Tells every read of a connection that ended, in order; stops when a callback resets. Reads
 * queued by the callbacks meanwhile go on a new connection. */
static void fail_all(XsAsync *x, int error) {
        unsigned generation = x->generation;

        disconnect(x);
        queue_clear(&x->failing);
        x->failing = x->reads;
        x->reads = (XsQueue) {};
        while (x->failing.head < x->failing.n) {
                XsRead r = x->failing.items[x->failing.head++];

                free(r.msg);
                r.done(r.userdata, error, NULL, 0);
                if (x->generation != generation)
                        return;
        }
        queue_clear(&x->failing);
}

/* The store's socket as libxenstore finds it, else its device. */
static int store_connect(XsAsync *x) {
        const char *rundir = getenv("XENSTORED_RUNDIR") ?: "/var/run/xenstored";
        const char *dev = getenv("XENSTORED_PATH");
        char path[sizeof(((struct sockaddr_un *) NULL)->sun_path)];
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct stat st;
        int fd;

        if ((size_t) snprintf(path, sizeof path, "%s/socket", rundir) >= sizeof path || stat(path, &st) < 0) {
                if (!dev)
                        dev = access("/dev/xen/xenbus", F_OK) == 0 ? "/dev/xen/xenbus" : "/proc/xen/xenbus";
                if (strlen(dev) >= sizeof path)
                        return -ENAMETOOLONG;
                strcpy(path, dev);
                if (stat(path, &st) < 0)
                        return -errno;
        }
        x->is_socket = S_ISSOCK(st.st_mode);
        if (!x->is_socket) {
                fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return -errno;
                x->fd = fd;
                return 0;
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        strcpy(sa.sun_path, path);
        /* A listening unix socket takes the connection at once, or refuses it (EAGAIN: its
         * backlog is full); either way nothing waits. */
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                int r = -errno;
                close(fd);
                return r == -EINPROGRESS ? -EAGAIN : r;
        }
        x->fd = fd;
        return 0;
}

/* Whether a read waits to be sent and the window has room for it. */
static bool can_send(const XsAsync *x) {
        return x->reads.sent < x->reads.n && x->reads.sent - x->reads.head < IN_FLIGHT_MAX;
}

/* Sends what waits, within the window. Returns 0, or a negative errno when the connection
 * failed. */
static int flush(XsAsync *x) {
        while (can_send(x)) {
                struct iovec iov[IN_FLIGHT_MAX];
                size_t k = 0;
                ssize_t w;

                /* The kernel's xenbus device takes one message a write (it drops what follows);
                 * a socket takes the whole window in one call. */
                for (size_t i = x->reads.sent; i < x->reads.n && x->reads.sent - x->reads.head + k < IN_FLIGHT_MAX; i++) {
                        size_t off = i == x->reads.sent ? x->out_off : 0;

                        iov[k++] = (struct iovec) { .iov_base = x->reads.items[i].msg + off,
                                                    .iov_len = x->reads.items[i].msg_len - off };
                        if (!x->is_socket)
                                break;
                }
                /* MSG_NOSIGNAL: a store that hung up is an error here, not a SIGPIPE that ends a
                 * daemon started without systemd (which ignores SIGPIPE for its services) */
                w = x->is_socket ? sendmsg(x->fd, &(struct msghdr) { .msg_iov = iov, .msg_iovlen = k }, MSG_NOSIGNAL)
                                 : write(x->fd, iov[0].iov_base, iov[0].iov_len);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return sd_event_source_set_io_events(x->io, EPOLLIN | EPOLLOUT);
                        return -errno;
                }
                /* account for what went out: whole messages, then part of one */
                while (w > 0) {
                        size_t left = x->reads.items[x->reads.sent].msg_len - x->out_off;

                        if ((size_t) w < left) {
                                x->out_off += (size_t) w;
                                break;
                        }
                        w -= (ssize_t) left;
                        x->out_off = 0;
                        x->reads.items[x->reads.sent].msg = mfree(x->reads.items[x->reads.sent].msg);
                        x->reads.sent++;
                }
        }
        return sd_event_source_set_io_events(x->io, can_send(x) ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

static int store_error(const char *s) {
        for (size_t i = 0; i < sizeof xsd_errors / sizeof xsd_errors[0]; i++)
                if (strcmp(s, xsd_errors[i].errstring) == 0)
                        return -xsd_errors[i].errnum;
        return -EIO;
}

/* Answers the reads whose replies are in. Returns 0, or a negative errno when the connection
 * must go (the reads are then failed by the caller), or 1 when a callback reset. */
static int dispatch(XsAsync *x) {
        const size_t hs = sizeof(struct xsd_sockmsg);

        while (x->in_len >= hs) {
                struct xsd_sockmsg h;
                char value[XENSTORE_PAYLOAD_MAX + 1];
                unsigned generation = x->generation;
                XsRead r;
                int error = 0;

                memcpy(&h, x->in, hs);
                if (h.len > XENSTORE_PAYLOAD_MAX) {
                        log_warning("xenstored sent a message of %" PRIu32 " bytes, above the protocol's %d: "
                                    "dropping the connection",
                                    h.len, XENSTORE_PAYLOAD_MAX);
                        return -EPROTO;
                }
                if (x->in_len < hs + h.len)
                        return 0;
                memcpy(value, x->in + hs, h.len);
                value[h.len] = 0;
                memmove(x->in, x->in + hs + h.len, x->in_len - hs - h.len);
                x->in_len -= hs + h.len;
                if (h.type == XS_WATCH_EVENT)
                        continue; /* none asked for; a store may still send */
                if (x->reads.head == x->reads.sent) {
                        log_warning("xenstored answered a request never sent: dropping the connection");
                        return -EPROTO;
                }
                if (h.type == XS_ERROR)
                        error = store_error(value);
                else if (h.type != XS_READ) {
                        log_warning("xenstored answered a read with a message of type %" PRIu32
                                    ": dropping the connection",
                                    h.type);
                        return -EPROTO;
                }
                r = x->reads.items[x->reads.head++];
                if (x->reads.head == x->reads.n)
                        x->reads.head = x->reads.sent = x->reads.n = 0; /* drained: start over */
                r.done(r.userdata, error, error < 0 ? NULL : value, error < 0 ? 0 : h.len);
                if (x->generation != generation)
                        return 1;
        }
        return 0;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        XsAsync *x = userdata;
        int r = 0;

        if (revents & EPOLLIN) {
                ssize_t k = read(x->fd, x->in + x->in_len, sizeof x->in - x->in_len);

                if (k < 0 && (errno == EAGAIN || errno == EINTR))
                        k = -1, errno = 0;
                if (k == 0)
                        r = -ECONNRESET;
                else if (k < 0 && errno != 0)
                        r = -errno;
                else if (k > 0) {
                        x->in_len += (size_t) k;
                        r = dispatch(x);
                        if (r > 0)
                                return 0; /* reset by a callback: nothing here is ours any more */
                }
        } else if (revents & (EPOLLHUP | EPOLLERR))
                r = -ECONNRESET;
        if (r >= 0 && x->fd >= 0)
                r = flush(x);
        if (r < 0)
                fail_all(x, r == -EPROTO ? r : -ECONNRESET);
        return 0;
}

int xs_async_read(XsAsync *x, const char *path, XsAsyncDone done, void *userdata) {
        size_t len = strlen(path) + 1;
        struct xsd_sockmsg h = { .type = XS_READ, .len = (uint32_t) len };
        char *msg;
        int r;

        if (len > XENSTORE_ABS_PATH_MAX)
                return -ENAMETOOLONG;
        if (x->fd < 0) {
                r = store_connect(x);
                if (r < 0)
                        return r;
                /* the first flush waits for the loop, so that done never runs from here */
                r = sd_event_add_io(x->event, &x->io, x->fd, EPOLLIN | EPOLLOUT, on_io, x);
                if (r < 0) {
                        disconnect(x);
                        return r;
                }
                (void) sd_event_source_set_description(x->io, "xenstore");
        }
        h.req_id = x->next_req_id++;
        msg = malloc(sizeof h + len);
        if (!msg)
                return -ENOMEM;
        memcpy(msg, &h, sizeof h);
        memcpy(msg + sizeof h, path, len);
        r = queue_push(&x->reads, (XsRead) { .done = done, .userdata = userdata, .msg = msg, .msg_len = sizeof h + len });
        if (r < 0) {
                free(msg);
                return r;
        }
        if (can_send(x))
                (void) sd_event_source_set_io_events(x->io, EPOLLIN | EPOLLOUT);
        return 0;
}
