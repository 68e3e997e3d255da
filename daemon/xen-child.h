/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hypervisor calls that may talk to xenstored, run in a child process with a deadline.
 *
 * libxenstore calls have no timeout: while xenstored does not answer (stopped, deadlocked,
 * swamped) they block for ever, and in the event loop that freezes the daemon until the
 * service manager's watchdog kills it. What may block on the store therefore runs in a forked
 * child; the loop waits for its exit and kills it at the deadline. A child gives its result
 * back through a memory file descriptor, read once it has exited. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

typedef struct XenChild XenChild;

/* Runs in the child: may block. Writes its result to fd; returns 0 or a negative errno. */
typedef int (*XenChildRun)(void *userdata, int fd);
/* Back in the loop: error is 0, -ETIMEDOUT when the deadline passed, or the child's error
 * (its exit status, negated). data (size bytes, NUL-terminated) is what the child wrote, also
 * when it exited with an error ("" when it was killed), valid only during the call. */
typedef void (*XenChildDone)(void *userdata, int error, const char *data, size_t size);

/* what names the call in the log. done() is called exactly once, unless the child is cancelled
 * first. */
int xen_child_start(sd_event *e, const char *what, uint64_t timeout_usec, XenChildRun run, XenChildDone done,
                    void *userdata, XenChild **ret);
/* Kills the child and forgets it; done() is not called. NULL is fine. Returns NULL. */
XenChild *xen_child_cancel(XenChild *c);

/* In a child just forked from the process parent, which waits for it: asks the kernel to kill
 * the child when the parent ends, and unblocks the signals that the parent's loop blocked.
 * A child of a killed daemon would otherwise live on, blocked on a store that does not answer,
 * holding the daemon's bus connection (and with it its name) and every descriptor it had; and a
 * child with the loop's mask would ignore the SIGTERM of the service manager stopping the daemon,
 * as would a program it executes, since exec keeps the mask. Returns 0, or -ESRCH when the parent
 * has already gone (the child should exit). A change of credentials clears the first part: call
 * it after one. */
int child_setup(pid_t parent);
