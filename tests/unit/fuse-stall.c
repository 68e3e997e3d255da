/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A FUSE file system that never answers: it completes the INIT handshake, then reads every
 * request and answers none. A process that looks up a file under it sleeps uninterruptibly
 * once the request has been read, and SIGKILL does not end that sleep: what a hostile local
 * user can arrange against the daemon's Check() readers. The sleepers are released when this
 * program exits (the kernel aborts the connection).
 *
 *   fuse-stall MOUNTPOINT    mounts, prints "ready", and serves until killed */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int reply_init(int fd, const struct fuse_in_header *in) {
        struct {
                struct fuse_out_header h;
                struct fuse_init_out o;
        } out;

        memset(&out, 0, sizeof out);
        out.h.len = sizeof out;
        out.h.unique = in->unique;
        out.o.major = FUSE_KERNEL_VERSION;
        out.o.minor = FUSE_KERNEL_MINOR_VERSION;
        out.o.max_write = 4096;
        out.o.max_background = 16;
        out.o.congestion_threshold = 12;
        out.o.time_gran = 1;
        return write(fd, &out, sizeof out) == (ssize_t) sizeof out ? 0 : -errno;
}

int main(int argc, char *argv[]) {
        static char buf[FUSE_MIN_READ_BUFFER + 1024 * 1024];
        char opts[128];
        int fd;

        if (argc != 2) {
                fprintf(stderr, "usage: %s MOUNTPOINT\n", argv[0]);
                return 2;
        }
        fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                perror("/dev/fuse");
                return 77;
        }
        snprintf(opts, sizeof opts, "fd=%d,rootmode=40755,user_id=0,group_id=0,allow_other", fd);
        if (mount("fuse-stall", argv[1], "fuse.fuse-stall", MS_NOSUID | MS_NODEV, opts) < 0) {
                perror("mount");
                return 77;
        }
        for (bool announced = false;;) {
                ssize_t n = read(fd, buf, sizeof buf);
                if (n < 0) {
                        if (errno == EINTR || errno == ENOENT) /* ENOENT: an interrupted request */
                                continue;
                        if (errno == ENODEV) /* unmounted */
                                return 0;
                        perror("read /dev/fuse");
                        return 1;
                }
                if ((size_t) n < sizeof(struct fuse_in_header))
                        continue;
                const struct fuse_in_header *in = (const struct fuse_in_header *) buf;
                if (in->opcode == FUSE_INIT) {
                        if (reply_init(fd, in) < 0) {
                                perror("FUSE_INIT reply");
                                return 1;
                        }
                        if (!announced) {
                                printf("ready\n");
                                fflush(stdout);
                                announced = true;
                        }
                }
                /* everything else: read, and never answered */
        }
}
