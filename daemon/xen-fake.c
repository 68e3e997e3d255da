/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A fake hypervisor for the unit tier and benchmarks: XEN_DOM0D_BACKEND=fake:N starts with
 * Domain-0 and N guests named guest-1 ... guest-N. Tests drive it without D-Bus through a
 * FIFO named by XEN_DOM0D_FAKE_CONTROL (created if missing), one command per line:
 *     add NAME [MEMORY_MIB [VCPUS [MAX_MIB [MAX_VCPUS]]]]  a guest appears (@introduceDomain)
 *     destroy NAME                     a guest dies (@releaseDomain)
 *     pause NAME | unpause NAME | crash NAME
 *     disaster                         the backend reports a disaster (the daemon exits)
 * XEN_DOM0D_FAKE_CMDLINE is the hypervisor's command line (default
 * "console=com1 dom0_mem=1024M,max:1536M"); dom0's memory and vCPUs follow its dom0_mem and
 * dom0_max_vcpus. The host has 64 GiB and 8 CPUs.
 * With XEN_DOM0D_FAKE_STORE=1, the calls that talk to xenstored on a Xen host (guests' names,
 * a memory target) read "/" from the store at XENSTORED_PATH first (the unit tier's fake one),
 * so that a store that does not answer holds them up as it holds up the real backend. */
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <xenstore.h>

#include "log.h"
#include "xen-backend.h"
#include "xen-util.h"

#define FAKE_DEFAULT_CMDLINE "console=com1 dom0_mem=1024M,max:1536M"
#define FAKE_HOST_KIB (64ULL << 20)
#define FAKE_HOST_CPUS 8
#define FAKE_GUEST_MIB 128
#define FAKE_MAX_GUESTS 1000000

typedef struct FakeDomain {
        uint32_t domid;
        uint8_t state;
        uint32_t vcpus, max_vcpus;
        uint64_t memory_kib;
        uint64_t max_memory_kib;
        uint64_t created_usec; /* CLOCK_REALTIME */
        char *name;
} FakeDomain;

struct XenBackend {
        sd_event *event;
        XenBackendCallbacks cb;
        FakeDomain *domains; /* ordered by domid */
        size_t n, allocated;
        uint32_t next_domid;
        char *cmdline;
        bool use_store;
        uint64_t started_usec;
        int control_fd;
        sd_event_source *control;
        sd_event_source *first_list;
        char line[512];
        size_t line_len;
};

static uint64_t now_mono_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static uint64_t now_real_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static FakeDomain *fake_find(XenBackend *b, const char *name) {
        for (size_t i = 0; i < b->n; i++)
                if (streq(b->domains[i].name, name))
                        return &b->domains[i];
        return NULL;
}

static int fake_add(XenBackend *b, const char *name, uint64_t memory_kib, uint64_t max_kib, uint32_t vcpus,
                    uint32_t max_vcpus) {
        char *copy;

        if (b->n == b->allocated) {
                size_t a = b->allocated ? b->allocated * 2 : 16;
                FakeDomain *d = reallocarray(b->domains, a, sizeof(FakeDomain));
                if (!d)
                        return -ENOMEM;
                b->domains = d;
                b->allocated = a;
        }
        copy = strdup(name);
        if (!copy)
                return -ENOMEM;
        b->domains[b->n++] = (FakeDomain) { .domid = b->next_domid++, .state = XEN_DOMAIN_RUNNING, .vcpus = vcpus,
                                                .max_vcpus = max_vcpus > vcpus ? max_vcpus : vcpus,
                                            .memory_kib = memory_kib, .max_memory_kib = max_kib,
                                            .created_usec = now_real_usec(), .name = copy };
        return 0;
}

static void fake_remove(XenBackend *b, FakeDomain *d) {
        size_t i = (size_t) (d - b->domains);

        free(d->name);
        memmove(d, d + 1, (b->n - i - 1) * sizeof(FakeDomain));
        b->n--;
}

static void fake_command(XenBackend *b, char *line) {
        char *words[6] = {};
        size_t n = 0;
        FakeDomain *d = NULL;

        for (char *save = NULL, *w = strtok_r(line, " \t", &save); w && n < ELEMENTSOF(words);
             w = strtok_r(NULL, " \t", &save))
                words[n++] = w;
        if (n == 0)
                return;
        if (streq(words[0], "disaster")) {
                b->cb.disaster(b->cb.userdata, -EIO, "the fake backend was told to fail");
                return;
        }
        if (n < 2) {
                log_warning("fake backend: '%s' needs a domain name", words[0]);
                return;
        }
        if (!streq(words[0], "add")) {
                d = fake_find(b, words[1]);
                if (!d || d->domid == 0) {
                        log_warning("fake backend: no guest '%s'", words[1]);
                        return;
                }
        }
        if (streq(words[0], "add")) {
                uint64_t mib = n > 2 ? strtoull(words[2], NULL, 10) : FAKE_GUEST_MIB;
                uint32_t vcpus = n > 3 ? (uint32_t) strtoul(words[3], NULL, 10) : 1;
                uint64_t max_mib = n > 4 ? strtoull(words[4], NULL, 10) : mib;
                uint32_t max_vcpus = n > 5 ? (uint32_t) strtoul(words[5], NULL, 10) : vcpus;
                if (fake_find(b, words[1])) {
                        log_warning("fake backend: a domain '%s' exists already", words[1]);
                        return;
                }
                if (fake_add(b, words[1], mib << 10, (max_mib > mib ? max_mib : mib) << 10, vcpus ?: 1, max_vcpus) < 0)
                        return;
        } else if (streq(words[0], "destroy"))
                fake_remove(b, d);
        else if (streq(words[0], "pause"))
                d->state = XEN_DOMAIN_PAUSED;
        else if (streq(words[0], "unpause"))
                d->state = XEN_DOMAIN_RUNNING;
        else if (streq(words[0], "crash"))
                d->state = XEN_DOMAIN_CRASHED;
        else {
                log_warning("fake backend: unknown command '%s'", words[0]);
                return;
        }
        b->cb.domains_changed(b->cb.userdata);
}

static int on_control(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        XenBackend *b = userdata;
        char buf[4096];
        ssize_t k = read(fd, buf, sizeof buf);

        for (ssize_t i = 0; i < k; i++) {
                if (buf[i] != '\n') {
                        if (b->line_len < sizeof b->line - 1)
                                b->line[b->line_len++] = buf[i];
                        continue;
                }
                b->line[b->line_len] = 0;
                b->line_len = 0;
                fake_command(b, b->line);
        }
        return 0;
}

static int on_first_list(sd_event_source *s, void *userdata) {
        XenBackend *b = userdata;

        b->first_list = sd_event_source_disable_unref(b->first_list);
        b->cb.domains_changed(b->cb.userdata);
        return 0;
}

static void fake_close(XenBackend *b) {
        if (!b)
                return;
        sd_event_source_disable_unref(b->control);
        sd_event_source_disable_unref(b->first_list);
        if (b->control_fd >= 0)
                close(b->control_fd);
        for (size_t i = 0; i < b->n; i++)
                free(b->domains[i].name);
        free(b->domains);
        free(b->cmdline);
        sd_event_unref(b->event);
        free(b);
}

static int fake_open(sd_event *e, const char *arg, const XenBackendCallbacks *cb, XenBackend **ret, char **ret_why) {
        const char *control = getenv("XEN_DOM0D_FAKE_CONTROL");
        const char *cmdline = getenv("XEN_DOM0D_FAKE_CMDLINE") ?: FAKE_DEFAULT_CMDLINE;
        unsigned long guests = 0;
        uint64_t mem = 0, max = 0;
        unsigned vcpus = xen_cmdline_dom0_max_vcpus(cmdline);
        XenBackend *b;
        char *end;
        int r;

        if (arg && *arg) {
                errno = 0;
                guests = strtoul(arg, &end, 10);
                if (errno != 0 || *end || guests > FAKE_MAX_GUESTS) {
                        if (ret_why && asprintf(ret_why, "fake:%s is not fake:N with N <= %d", arg, FAKE_MAX_GUESTS) < 0)
                                *ret_why = NULL;
                        return -EINVAL;
                }
        }
        b = calloc(1, sizeof(XenBackend));
        if (!b)
                return -ENOMEM;
        b->event = sd_event_ref(e);
        b->cb = *cb;
        b->control_fd = -1;
        b->started_usec = now_mono_usec();
        b->use_store = streq_ptr(getenv("XEN_DOM0D_FAKE_STORE"), "1");
        b->cmdline = strdup(cmdline);
        if (!b->cmdline) {
                r = -ENOMEM;
                goto fail;
        }
        (void) xen_cmdline_dom0_mem(cmdline, &mem, &max);
        if (mem == 0)
                mem = 4ULL << 20;
        if (max == 0)
                max = mem;
        r = fake_add(b, "Domain-0", mem, max, vcpus > 0 && vcpus < FAKE_HOST_CPUS ? vcpus : FAKE_HOST_CPUS, 0);
        for (unsigned long i = 1; r >= 0 && i <= guests; i++) {
                char name[32];
                snprintf(name, sizeof name, "guest-%lu", i);
                r = fake_add(b, name, FAKE_GUEST_MIB << 10, FAKE_GUEST_MIB << 10, 1, 1);
        }
        if (r < 0)
                goto fail;

        if (control) {
                if (mkfifo(control, 0600) < 0 && errno != EEXIST) {
                        r = negative_errno();
                        goto fail;
                }
                /* Read and write: the FIFO never reports end of file when a writer goes. */
                b->control_fd = open(control, O_RDWR | O_NONBLOCK | O_CLOEXEC);
                if (b->control_fd < 0) {
                        r = negative_errno();
                        goto fail;
                }
                r = sd_event_add_io(e, &b->control, b->control_fd, EPOLLIN, on_control, b);
                if (r < 0)
                        goto fail;
        }
        /* Like the first firing of a xenstore watch: the domains are listed from the loop. */
        r = sd_event_add_defer(e, &b->first_list, on_first_list, b);
        if (r < 0)
                goto fail;
        *ret = b;
        return 0;
fail:
        fake_close(b);
        return r;
}

static int fake_version(XenBackend *b, char **ret_version, char **ret_cmdline) {
        *ret_version = strdup("4.17-fake");
        *ret_cmdline = strdup(b->cmdline);
        if (!*ret_version || !*ret_cmdline) {
                free(*ret_version);
                free(*ret_cmdline);
                return -ENOMEM;
        }
        return 0;
}

static int fake_host_info(XenBackend *b, XenHostInfo *ret) {
        uint64_t used = 0;

        for (size_t i = 0; i < b->n; i++)
                used += b->domains[i].memory_kib;
        *ret = (XenHostInfo) { .total_kib = FAKE_HOST_KIB, .free_kib = used < FAKE_HOST_KIB ? FAKE_HOST_KIB - used : 0,
                               .cpus = FAKE_HOST_CPUS };
        return 0;
}

/* now: CLOCK_MONOTONIC µs, read once for a whole listing */
static void fake_info(XenBackend *b, const FakeDomain *d, uint64_t now, XenDomainInfo *ret) {
        *ret = (XenDomainInfo) {
                .domid = d->domid,
                .state = d->state,
                .flags = d->state == XEN_DOMAIN_PAUSED    ? METRICS_DOMAIN_PAUSED
                         : d->state == XEN_DOMAIN_CRASHED ? METRICS_DOMAIN_SHUTDOWN
                                                          : METRICS_DOMAIN_RUNNING,
                .shutdown_reason = d->state == XEN_DOMAIN_CRASHED ? XEN_SHUTDOWN_CRASH : _XEN_SHUTDOWN_MAX,
                .vcpus = d->vcpus,
                .max_vcpus = d->max_vcpus,
                .memory_kib = d->memory_kib,
                .max_memory_kib = d->max_memory_kib,
                .cpu_time_ns = (now - b->started_usec) * 1000 * d->vcpus / 100,
        };
        /* A stable UUID per domid: 00000000-0000-4000-8000-<domid in hex>. */
        ret->uuid[6] = 0x40;
        ret->uuid[8] = 0x80;
        for (int i = 0; i < 4; i++)
                ret->uuid[15 - i] = (uint8_t) (d->domid >> (8 * i));
}

static int fake_list(XenBackend *b, XenDomainInfo **ret, size_t *ret_n) {
        XenDomainInfo *a = calloc(b->n ?: 1, sizeof(XenDomainInfo));
        uint64_t now = now_mono_usec();

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < b->n; i++)
                fake_info(b, &b->domains[i], now, &a[i]);
        *ret = a;
        *ret_n = b->n;
        return 0;
}

static const FakeDomain *fake_by_domid(XenBackend *b, uint32_t domid) {
        size_t lo = 0, hi = b->n;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (b->domains[mid].domid == domid)
                        return &b->domains[mid];
                if (b->domains[mid].domid < domid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static int fake_domain_info(XenBackend *b, uint32_t domid, XenDomainInfo *ret) {
        const FakeDomain *d = fake_by_domid(b, domid);

        if (!d)
                return -ESRCH;
        fake_info(b, d, now_mono_usec(), ret);
        return 0;
}

/* In a child only, like the real backend's calls that read the store. */
static int fake_store_read(XenBackend *b) {
        struct xs_handle *h;
        unsigned len = 0;
        void *v;
        int r;

        if (!b->use_store)
                return 0;
        h = xs_open(XS_OPEN_SOCKETONLY);
        if (!h)
                return negative_errno();
        v = xs_read(h, XBT_NULL, "/", &len);
        r = v ? 0 : negative_errno();
        free(v);
        xs_close(h);
        return r;
}

static int fake_domain_names(XenBackend *b, const uint32_t *domids, size_t n, char **names, uint64_t *start_usec) {
        for (size_t i = 0; i < n; i++) {
                const FakeDomain *d = fake_by_domid(b, domids[i]);

                if (!d)
                        continue;
                names[i] = strdup(d->name);
                if (!names[i])
                        return -ENOMEM;
                /* Like libxl, which records it for the guests it creates only. */
                start_usec[i] = d->domid == 0 ? 0 : d->created_usec;
        }
        return 0;
}

static bool fake_domain_names_ask_store(XenBackend *b) {
        return b->use_store;
}

static int fake_set_memory_target(XenBackend *b, uint32_t domid, uint64_t target_kib) {
        const FakeDomain *d = fake_by_domid(b, domid);
        int r;

        if (!d)
                return -ESRCH;
        if (target_kib > d->max_memory_kib)
                return -EINVAL;
        r = fake_store_read(b);
        if (r < 0)
                return r;
        /* This child's copy of the domains goes with it: memory_target_set() records it. */
        return 0;
}

static void fake_memory_target_set(XenBackend *b, uint32_t domid, uint64_t target_kib) {
        FakeDomain *d = (FakeDomain *) fake_by_domid(b, domid);

        if (d)
                d->memory_kib = target_kib;
}

static int fake_set_vcpus_online(XenBackend *b, uint32_t domid, uint32_t n) {
        const FakeDomain *d = fake_by_domid(b, domid);

        if (!d)
                return -ESRCH;
        if (n == 0 || n > d->max_vcpus)
                return -EINVAL;
        return fake_store_read(b);
}

static void fake_vcpus_online_set(XenBackend *b, uint32_t domid, uint32_t n) {
        FakeDomain *d = (FakeDomain *) fake_by_domid(b, domid);

        if (d)
                d->vcpus = n;
}

const XenBackendOps xen_backend_fake = {
        .name = "fake",
        .open = fake_open,
        .close = fake_close,
        .version = fake_version,
        .host_info = fake_host_info,
        .list = fake_list,
        .domain_info = fake_domain_info,
        .domain_names = fake_domain_names,
        .domain_names_ask_store = fake_domain_names_ask_store,
        .set_memory_target = fake_set_memory_target,
        .memory_target_set = fake_memory_target_set,
        .set_vcpus_online = fake_set_vcpus_online,
        .vcpus_online_set = fake_vcpus_online_set,
};
