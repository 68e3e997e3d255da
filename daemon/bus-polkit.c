/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Authorization of mutating calls: root, or the polkit action org.xenproject.Dom0.manage checked
 * through polkit's D-Bus API (asynchronously, interactive when the caller allows it). */
#include "bus-names.h"
#include "bus-polkit.h"
#include "log.h"

typedef struct AuthQuery {
        Manager *manager;
        sd_bus_message *message;
        authorized_callback_t cb;
} AuthQuery;

static void auth_query_free(AuthQuery *q) {
        sd_bus_message_unref(q->message);
        free(q);
}

static int on_polkit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        AuthQuery *q = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int authorized = 0, challenge = 0, r;

        if (e) {
                log_warning("polkit could not authorize %s: %s", sd_bus_message_get_member(q->message),
                            e->message ?: e->name);
                (void) sd_bus_reply_method_errorf(q->message, SD_BUS_ERROR_ACCESS_DENIED,
                                                  "Not authorized: root or the polkit action " DOM0_POLKIT_ACTION
                                                  " is needed, and polkit is not available (%s)",
                                                  e->message ?: e->name);
                goto finish;
        }
        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                (void) sd_bus_reply_method_errorf(q->message, SD_BUS_ERROR_ACCESS_DENIED,
                                                  "Not authorized: unreadable answer from polkit");
                goto finish;
        }
        if (authorized) {
                q->cb(q->manager, q->message);
                goto finish;
        }
        (void) sd_bus_reply_method_errorf(q->message,
                                          challenge ? SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED
                                                    : SD_BUS_ERROR_ACCESS_DENIED,
                                          challenge ? "Interactive authentication required for " DOM0_POLKIT_ACTION
                                                    : "Access denied: root or the polkit action " DOM0_POLKIT_ACTION
                                                      " is needed");
finish:
        auth_query_free(q);
        return 0;
}

int bus_caller_uid(sd_bus_message *msg, uid_t *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        int r;

        /* Only what the bus itself recorded when the caller connected. Augmenting from
         * /proc/PID would read the caller's state now, after a possible setuid or setgid exec. */
        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        return sd_bus_creds_get_euid(creds, ret);
}

int bus_verify_manage(Manager *m, sd_bus_message *msg, authorized_callback_t cb) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        AuthQuery *q;
        uid_t uid;
        int r;

        r = bus_caller_uid(msg, &uid);
        if (r < 0)
                return sd_bus_reply_method_errorf(msg, SD_BUS_ERROR_ACCESS_DENIED,
                                                  "Access denied: cannot tell who the caller is");
        if (uid == 0) {
                cb(m, msg);
                return 1;
        }

        r = sd_bus_message_new_method_call(m->bus, &call, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s",
                                          sd_bus_message_get_sender(msg), DOM0_POLKIT_ACTION, 0,
                                          (uint32_t) (sd_bus_message_get_allow_interactive_authorization(msg) ? 1 : 0),
                                          "");
        if (r < 0)
                return r;
        q = calloc(1, sizeof(AuthQuery));
        if (!q)
                return -ENOMEM;
        *q = (AuthQuery) { .manager = m, .message = sd_bus_message_ref(msg), .cb = cb };
        /* Interactive authorization may wait for a person: no timeout. */
        r = sd_bus_call_async(m->bus, NULL, call, on_polkit_reply, q, UINT64_MAX);
        if (r < 0) {
                auth_query_free(q);
                return r;
        }
        return 1;
}
