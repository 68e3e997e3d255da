/* Reading a file with a caller's credentials, without blocking the event loop. */
#pragma once

#include <sys/types.h>
#include <systemd/sd-event.h>

/* r is 0 with the content, or a negative errno (-ENODEV: not a regular file). */
typedef void (*read_as_callback_t)(int r, const char *data, size_t size, void *userdata);
int read_file_as(sd_event *e, const char *path, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
                 read_as_callback_t cb, void *userdata);
