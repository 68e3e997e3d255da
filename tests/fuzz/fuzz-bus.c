/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: method calls built from arbitrary bytes (object path, interface, member,
 * signature and body), sent over a socketpair to the daemon's own objects and answered by its
 * own handlers: the Manager in disabled mode (xen.enable = false), as the unit tier runs it.
 *
 * Input layout: one byte each choosing the object path, the interface and the member (from the
 * contract's names, or a string of the input), then a signature (from a list of signatures,
 * or a string of the input), then the values that signature needs, taken from the rest. */
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "bus-manager.h"
#include "bus-names.h"
#include "daemon.h"
#include "log.h"
#include "manager.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct Input {
        const uint8_t *p;
        size_t n;
} Input;

static uint8_t take_byte(Input *in) {
        if (in->n == 0)
                return 0;
        in->n--;
        return *in->p++;
}

/* A string of up to max bytes: a length byte, then that many bytes (NULs become 'x'). */
static char *take_string(Input *in, size_t max) {
        size_t len = take_byte(in);
        char *s;

        if (len > max)
                len = max;
        if (len > in->n)
                len = in->n;
        s = malloc(len + 1);
        if (!s)
                return NULL;
        for (size_t i = 0; i < len; i++)
                s[i] = in->p[i] ?: 'x';
        s[len] = 0;
        in->p += len;
        in->n -= len;
        return s;
}

static struct {
        char dir[64];
        char config[96];
        Manager *m;
        sd_bus *client;
} F;

/* A Check() path the reader child may open as root without side effects: nothing in /proc,
 * /dev or /sys (a read of /proc/kmsg blocks, opening /dev/watchdog arms it). */
static const char *safe_path(const char *s) {
        if (strstr(s, "proc") || strstr(s, "dev") || strstr(s, "sys") || strstr(s, "..") || strstr(s, "run") ||
            strstr(s, "/fd") || strlen(s) > 200)
                return F.config;
        return s;
}

static const char *const paths[] = {
        DOM0_OBJECT_PATH,
        DOM0_COMPONENT_PREFIX "/xenstored",
        DOM0_COMPONENT_PREFIX "/xen_2dwatchdog",
        DOM0_COMPONENT_PREFIX,
        DOM0_DOMAIN_PREFIX,
        "/org/xenproject",
        "/",
};
static const char *const interfaces[] = {
        DOM0_MANAGER_IFACE,
        DOM0_COMPONENT_IFACE,
        DOM0_DOMAIN_IFACE,
        "org.freedesktop.DBus.Properties",
        "org.freedesktop.DBus.Introspectable",
        "org.freedesktop.DBus.ObjectManager",
        "org.freedesktop.DBus.Peer",
        NULL,
};
static const char *const members[] = {
        "Check", "GetConfig", "ListComponents", "ListDomains", "Diff", "RestartComponent", "Reload", "Get",
        "GetAll", "Set", "Introspect", "GetManagedObjects", "Ping", "GetMachineId",
};
static const char *const signatures[] = {
        "", "s", "ss", "ssv", "as", "ay", "u", "a{sv}", "(s)", "v", "so", "sa{sv}", "a(suss)", "sss",
};

static int append_values(sd_bus_message *msg, const char **sig, Input *in, unsigned depth, bool check_path);
static int skip_type(const char **sig, unsigned depth);

/* Appends one complete type from *sig; returns <0 on a malformed signature. */
static int append_one(sd_bus_message *msg, const char **sig, Input *in, unsigned depth, bool check_path) {
        char t = **sig;
        int r;

        if (depth > 8)
                return -EINVAL;
        (*sig)++;
        switch (t) {
        case 'y': {
                uint8_t v = take_byte(in);
                return sd_bus_message_append_basic(msg, t, &v);
        }
        case 'b': {
                int v = take_byte(in) & 1;
                return sd_bus_message_append_basic(msg, t, &v);
        }
        case 'n':
        case 'q':
        case 'i':
        case 'u':
        case 'h':
        case 'x':
        case 't':
        case 'd': {
                uint64_t v = 0;
                for (int i = 0; i < 8; i++)
                        v = v << 8 | take_byte(in);
                if (t == 'h')
                        return -EINVAL; /* fds are not passed over this socketpair */
                if (t == 'd') {
                        double dv = (double) (int64_t) v;
                        return sd_bus_message_append_basic(msg, t, &dv);
                }
                if (t == 'n' || t == 'q') {
                        uint16_t v16 = (uint16_t) v;
                        return sd_bus_message_append_basic(msg, t, &v16);
                }
                if (t == 'i' || t == 'u') {
                        uint32_t v32 = (uint32_t) v;
                        return sd_bus_message_append_basic(msg, t, &v32);
                }
                return sd_bus_message_append_basic(msg, t, &v);
        }
        case 's':
        case 'o':
        case 'g': {
                _cleanup_free_ char *s = take_string(in, 255), *enc = NULL;
                if (!s)
                        return -ENOMEM;
                if (t == 'o') {
                        r = sd_bus_path_encode("/x", s, &enc);
                        if (r < 0)
                                return r;
                        return sd_bus_message_append_basic(msg, t, enc);
                }
                if (check_path)
                        return sd_bus_message_append_basic(msg, t, safe_path(s));
                return sd_bus_message_append_basic(msg, t, s);
        }
        case 'v': {
                static const char *const contents[] = { "s", "u", "b", "as", "t", "(ss)" };
                const char *c = contents[take_byte(in) % ELEMENTSOF(contents)], *cs = c;
                r = sd_bus_message_open_container(msg, 'v', c);
                if (r >= 0)
                        r = append_one(msg, &cs, in, depth + 1, false);
                if (r >= 0)
                        r = sd_bus_message_close_container(msg);
                return r;
        }
        case 'a': {
                const char *start = *sig;
                _cleanup_free_ char *contents = NULL;
                unsigned n = take_byte(in) % 8;
                /* the element type: one complete type */
                const char *e = start - 1; /* the whole array type, 'a' included */
                r = skip_type(&e, depth);
                if (r < 0)
                        return r;
                contents = strndup(start, e - start);
                if (!contents)
                        return -ENOMEM;
                r = sd_bus_message_open_container(msg, 'a', contents);
                for (unsigned i = 0; r >= 0 && i < n; i++) {
                        const char *x = contents;
                        r = append_one(msg, &x, in, depth + 1, false);
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(msg);
                *sig = e;
                return r;
        }
        case '(':
        case '{': {
                char close = t == '(' ? ')' : '}';
                const char *start = *sig, *e = start;
                _cleanup_free_ char *contents = NULL;
                while (*e && *e != close) {
                        r = skip_type(&e, depth + 1);
                        if (r < 0)
                                return r;
                }
                if (*e != close)
                        return -EINVAL;
                contents = strndup(start, e - start);
                if (!contents)
                        return -ENOMEM;
                r = sd_bus_message_open_container(msg, t == '(' ? 'r' : 'e', contents);
                if (r >= 0) {
                        const char *x = contents;
                        r = append_values(msg, &x, in, depth + 1, false);
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(msg);
                *sig = e + 1;
                return r;
        }
        default:
                return -EINVAL;
        }
}

static int append_values(sd_bus_message *msg, const char **sig, Input *in, unsigned depth, bool check_path) {
        while (**sig) {
                int r = append_one(msg, sig, in, depth, check_path);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Walks one complete type of a signature without appending anything; refuses what D-Bus
 * forbids (an empty struct, a dict entry outside an array or with a non-basic key), which
 * sd-bus would send but a peer drops unanswered. */
static int skip_type(const char **sig, unsigned depth) {
        char t = **sig;

        if (depth > 32 || !t)
                return -EINVAL;
        (*sig)++;
        if (strchr("ybnqiuxtdhsogv", t))
                return 0;
        if (t == 'a') {
                if (**sig == '{') {
                        (*sig)++;
                        if (!**sig || !strchr("ybnqiuxtdhsog", **sig))
                                return -EINVAL;
                        (*sig)++;
                        if (skip_type(sig, depth + 1) < 0 || **sig != '}')
                                return -EINVAL;
                        (*sig)++;
                        return 0;
                }
                return skip_type(sig, depth + 1);
        }
        if (t == '(') {
                if (**sig == ')')
                        return -EINVAL;
                while (**sig && **sig != ')')
                        if (skip_type(sig, depth + 1) < 0)
                                return -EINVAL;
                if (**sig != ')')
                        return -EINVAL;
                (*sig)++;
                return 0;
        }
        return -EINVAL;
}

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (getenv("FUZZ_BUS_LOG"))
                fprintf(stderr, "fuzz-bus: answer %s%s%s\n", e ? e->name : sd_bus_message_get_signature(reply, true),
                        e ? ": " : "", e ? strna(e->message) : "");
        if (e && sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY)) {
                fprintf(stderr, "fuzz-bus: the call was never answered\n");
                abort();
        }
        *(bool *) userdata = true;
        return 0;
}

static int setup(void) {
        _cleanup_(diagnostics_done) Diagnostics d = {};
        sigset_t mask;
        sd_id128_t id;
        int pair[2], r;
        FILE *f;

        log_set_max_level(getenv("FUZZ_BUS_LOG") ? LOG_DEBUG : LOG_EMERG);
        /* Check's reader is a child watched through sd-event: SIGCHLD must be blocked. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        snprintf(F.dir, sizeof F.dir, "/tmp/fuzz-bus-XXXXXX");
        if (!mkdtemp(F.dir))
                return -errno;
        snprintf(F.config, sizeof F.config, "%s/xen-dom0.conf", F.dir);
        f = fopen(F.config, "we");
        if (!f)
                return -errno;
        fputs("[xen]\nenable = false\nbootParams = iommu=1\n[dom0Resources]\nmemory = 1024\n", f);
        fclose(f);

        r = manager_new(F.config, &F.m);
        if (r >= 0)
                r = config_load(F.config, NULL, &F.m->config, &d);
        if (r >= 0)
                r = sd_event_new(&F.m->event);
        if (r < 0)
                return r;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) < 0)
                return -errno;
        r = sd_id128_randomize(&id);
        if (r >= 0)
                r = sd_bus_new(&F.m->bus);
        if (r >= 0)
                r = sd_bus_set_fd(F.m->bus, pair[0], pair[0]);
        if (r >= 0)
                r = sd_bus_set_server(F.m->bus, true, id);
        if (r >= 0)
                r = sd_bus_attach_event(F.m->bus, F.m->event, 0);
        if (r >= 0)
                r = sd_bus_start(F.m->bus);
        if (r >= 0)
                r = bus_manager_register(F.m);
        if (r >= 0)
                r = sd_bus_new(&F.client);
        if (r >= 0)
                r = sd_bus_set_fd(F.client, pair[1], pair[1]);
        if (r >= 0)
                r = sd_bus_attach_event(F.client, F.m->event, 0);
        if (r >= 0)
                r = sd_bus_start(F.client);
        if (r < 0)
                return r;
        F.m->config_loaded = now_usec(CLOCK_REALTIME);
        manager_update_state(F.m);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static int initialized;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        _cleanup_free_ char *path_arg = NULL, *iface_arg = NULL, *member_arg = NULL, *sig_arg = NULL, *enc = NULL;
        Input in = { data, size };
        const char *path, *iface, *member, *sig, *s;
        bool done = false;
        uint8_t b;
        int r;

        if (!initialized) {
                r = setup();
                if (r < 0) {
                        fprintf(stderr, "fuzz-bus: setup failed: %s\n", strerror(-r));
                        abort();
                }
                initialized = 1;
        }
        if (size > 4096)
                return 0;

        b = take_byte(&in);
        if (b < 0x80)
                path = paths[b % ELEMENTSOF(paths)];
        else {
                /* a child object of a fallback: an arbitrary name, escaped */
                path_arg = take_string(&in, 64);
                if (!path_arg || sd_bus_path_encode(b & 1 ? DOM0_COMPONENT_PREFIX : DOM0_DOMAIN_PREFIX,
                                                    path_arg, &enc) < 0)
                        return 0;
                path = enc;
        }
        b = take_byte(&in);
        if (b < 0xf0)
                iface = interfaces[b % ELEMENTSOF(interfaces)];
        else
                iface = iface_arg = take_string(&in, 64);
        b = take_byte(&in);
        if (b < 0xf0)
                member = members[b % ELEMENTSOF(members)];
        else
                member = member_arg = take_string(&in, 64);
        b = take_byte(&in);
        if (b < 0xf0)
                sig = signatures[b % ELEMENTSOF(signatures)];
        else {
                sig = sig_arg = take_string(&in, 16);
                if (!sig)
                        return 0;
                for (const char *x = sig; *x;)
                        if (skip_type(&x, 0) < 0)
                                return 0;
        }

        r = sd_bus_message_new_method_call(F.client, &msg, NULL, path, iface, member);
        if (r < 0)
                return 0;
        s = sig;
        r = append_values(msg, &s, &in, 0, streq(member, "Check"));
        if (r < 0)
                return 0;
        r = sd_bus_call_async(F.client, NULL, msg, on_reply, &done, 10 * 1000000ULL);
        if (r < 0)
                return 0;
        /* Both ends share the loop; Check answers once its reader child is done. */
        for (int i = 0; !done && i < 2000; i++)
                if (sd_event_run(F.m->event, 10 * 1000) < 0)
                        break;
        if (!done) {
                fprintf(stderr, "fuzz-bus: no answer to %s %s.%s(%s)\n", path, strna(iface), member, sig);
                abort();
        }
        return 0;
}
