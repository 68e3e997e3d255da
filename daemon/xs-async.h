/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reads from xenstored without blocking: the store's wire protocol (xen/io/xs_wire.h), spoken
 * by the event loop itself on a connection of its own.
 *
 * libxenstore's calls wait for their reply with no timeout, so the daemon made them in forked
 * children with deadlines; a fork per batch of new domains' names made most of the daemon's
 * cost of starting a thousand guests. Here a read is a message queued on a non-blocking
 * connection, and its reply a callback: nothing waits on the store. The caller keeps its own
 * deadline, and drops the connection (xs_async_reset()) when the store does not answer in
 * time; the next read connects again.
 *
 * The connection is found as libxenstore finds it: the daemon's socket in XENSTORED_RUNDIR
 * (default /var/run/xenstored), else XENSTORED_PATH or the kernel's xenbus device. */
#pragma once

#include <stddef.h>
#include <systemd/sd-event.h>

typedef struct XsAsync XsAsync;

/* error is 0 with value (len bytes, NUL-terminated, valid during the call), or a negative
 * errno: the store's answer (-ENOENT for a path that does not exist, -EACCES), -ECONNRESET when
 * the connection ended before the answer, -EPROTO when the store's reply made no sense (the
 * connection is then dropped). Called from the loop, never from within xs_async_read(). */
typedef void (*XsAsyncDone)(void *userdata, int error, const char *value, size_t len);

int xs_async_new(sd_event *e, XsAsync **ret);
/* Drops the connection and every read in flight, without calling their done. NULL is fine.
 * Returns NULL. */
XsAsync *xs_async_free(XsAsync *x);

/* Queues a read of path; done is called exactly once, unless the reads are dropped first
 * (xs_async_reset(), xs_async_free()). Connects first when there is no connection: fails at
 * once (-ENOENT, -ECONNREFUSED...) when the store cannot be reached. */
int xs_async_read(XsAsync *x, const char *path, XsAsyncDone done, void *userdata);

/* Drops the connection and every read in flight, without calling their done: for a caller
 * whose deadline passed. May be called from a done callback. */
void xs_async_reset(XsAsync *x);

/* Reads sent or queued, not answered yet. */
size_t xs_async_pending(const XsAsync *x);
