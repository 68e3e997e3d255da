/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xen-dom0ctl's bus side: reading properties, mapping D-Bus errors to exit statuses, the
 * polkit agent for interactive authorization. */
#include <assert.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>

#include "bus-names.h"
#include "ctl-bus.h"
#include "strv.h"

#define PKTTYAGENT "/usr/bin/pkttyagent"

static int read_property(sd_bus_message *m, const BusProperty *p) {
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, p->signature);
        if (r == 0 || r == -ENXIO) /* a variant of another type */
                return -EBADMSG;
        if (r < 0)
                return r;
        if (streq(p->signature, "s")) {
                const char *s;
                char *copy;
                r = sd_bus_message_read_basic(m, 's', &s);
                if (r < 0)
                        return r;
                copy = strdup(s);
                if (!copy)
                        return -ENOMEM;
                free(*(char **) p->ptr);
                *(char **) p->ptr = copy;
        } else if (streq(p->signature, "b")) {
                int b;
                r = sd_bus_message_read_basic(m, 'b', &b);
                if (r < 0)
                        return r;
                *(bool *) p->ptr = b;
        } else if (streq(p->signature, "u")) {
                r = sd_bus_message_read_basic(m, 'u', p->ptr);
                if (r < 0)
                        return r;
        } else if (streq(p->signature, "t")) {
                r = sd_bus_message_read_basic(m, 't', p->ptr);
                if (r < 0)
                        return r;
        } else if (streq(p->signature, "as")) {
                char **l = NULL;
                r = sd_bus_message_read_strv(m, &l);
                if (r < 0)
                        return r;
                strv_free(*(char ***) p->ptr);
                *(char ***) p->ptr = l;
        } else
                return -EINVAL;
        return sd_bus_message_exit_container(m);
}

int bus_read_properties(sd_bus_message *m, const BusProperty *map) {
        uint64_t seen = 0, all = 0;
        const char *name;
        size_t n = 0;
        int r;

        for (const BusProperty *i = map; i->name; i++) {
                assert(n < 64);
                all |= UINT64_C(1) << n++;
        }
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                size_t k = 0;

                r = sd_bus_message_read_basic(m, 's', &name);
                if (r < 0)
                        return r;
                while (map[k].name && !streq(map[k].name, name))
                        k++;
                r = map[k].name ? read_property(m, &map[k]) : sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                if (map[k].name)
                        seen |= UINT64_C(1) << k;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        return seen == all ? 0 : -EBADMSG;
}

bool bus_error_is_not_running(const sd_bus_error *error) {
        return sd_bus_error_has_names(error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER);
}

bool bus_error_is_timeout(const sd_bus_error *error, int r) {
        return sd_bus_error_has_names(error, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT) ||
               (!sd_bus_error_is_set(error) && r == -ETIMEDOUT);
}

int bus_error_exit_status(const sd_bus_error *error, int r) {
        if (bus_error_is_not_running(error))
                return EXIT_NOT_RUNNING;
        if (bus_error_is_timeout(error, r))
                return EXIT_TIMEOUT;
        if (sd_bus_error_has_names(error, BUS_ERROR_NO_SUCH_COMPONENT, BUS_ERROR_NO_SUCH_GUEST))
                return EXIT_NO_COMPONENT;
        if (sd_bus_error_has_names(error, SD_BUS_ERROR_ACCESS_DENIED, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                   "org.freedesktop.PolicyKit1.Error.NotAuthorized"))
                return EXIT_DENIED;
        if (!sd_bus_error_is_set(error) && IN_SET(r, -EACCES, -EPERM))
                return EXIT_DENIED;
        return EXIT_FAILED;
}

const char *bus_error_text(const sd_bus_error *error, int r) {
        if (sd_bus_error_is_set(error) && error->message && *error->message)
                return error->message;
        if (sd_bus_error_is_set(error))
                return error->name;
        return strerror(r < 0 ? -r : r);
}

static pid_t agent_pid = 0;

void polkit_agent_open(void) {
        char notify[16], self[16];
        struct pollfd p;
        int fd[2];
        pid_t pid;

        /* Root is authorized without asking; without a terminal there is nobody to ask. */
        if (agent_pid > 0 || geteuid() == 0 || !isatty(STDIN_FILENO) || access(PKTTYAGENT, X_OK) < 0)
                return;
        if (pipe2(fd, O_CLOEXEC) < 0)
                return;
        snprintf(notify, sizeof notify, "%d", fd[1]);
        snprintf(self, sizeof self, "%d", (int) getpid());

        pid = fork();
        if (pid < 0) {
                close(fd[0]);
                close(fd[1]);
                return;
        }
        if (pid == 0) {
                /* Only the notification end survives exec. */
                if (fcntl(fd[1], F_SETFD, 0) < 0)
                        _exit(EXIT_FAILURE);
                execl(PKTTYAGENT, PKTTYAGENT, "--notify-fd", notify, "--fallback", "--process", self, (char *) NULL);
                _exit(EXIT_FAILURE);
        }
        close(fd[1]);
        agent_pid = pid;

        /* The agent closes its end once registered (or dies): then the call may ask. */
        p = (struct pollfd) { .fd = fd[0], .events = POLLIN };
        while (poll(&p, 1, 10 * 1000) < 0 && errno == EINTR)
                ;
        close(fd[0]);
}

void polkit_agent_close(void) {
        if (agent_pid <= 0)
                return;
        (void) kill(agent_pid, SIGTERM);
        (void) kill(agent_pid, SIGCONT);
        while (waitpid(agent_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        agent_pid = 0;
}
