/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading a file with a caller's credentials, without blocking the event loop. */
#pragma once

#include <sys/types.h>
#include <systemd/sd-event.h>

/* r is 0 with the content, or a negative errno (-ENODEV: not a regular file). */
typedef void (*read_as_callback_t)(int r, const char *data, size_t size, void *userdata);
/* Called once the reader's child is gone (reaped, or the event loop freed), always after cb. */
typedef void (*read_as_release_t)(void *userdata);
/* Returns 0 when the read is under way: cb answers exactly once (-ETIMEDOUT after 5 s), then
 * release follows. On a negative return neither is called. */
int read_file_as(sd_event *e, const char *path, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
                 read_as_callback_t cb, read_as_release_t release, void *userdata);
