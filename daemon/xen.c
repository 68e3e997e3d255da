/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hypervisor's side of the daemon: which backend runs (XEN_DOM0D_BACKEND=libxl, the
 * default, or fake:N), the table of domains kept from the backend's change events, the domain
 * objects and ListDomains, the host facts, what only a reboot of Xen applies, and dom0's
 * memory target set live. */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>

#include "bus-domain.h"
#include "bus-names.h"
#include "log.h"
#include "render.h"
#include "strv.h"
#include "xen-backend.h"
#include "xen-child.h"
#include "xen-util.h"
#include "xen.h"
#include "xs-async.h"

#define OPEN_RETRY_FIRST_USEC (1000 * 1000ULL)
#define OPEN_RETRY_MAX_USEC (30 * 1000 * 1000ULL)
/* After a change event, list once more a little later: a guest whose name was not written
 * yet, or one still dying, settles by then. */
#define SETTLE_USEC (500 * 1000ULL)
#define SETTLE_ROUNDS 10
/* Deadlines of what talks to xenstored: the names' reads (xs-async.c), the memory target in a
 * child (xen-child.c). A store that answers does within milliseconds; the memory target makes
 * a libxl context and a store transaction. */
#define NAMES_TIMEOUT_USEC (3 * 1000 * 1000ULL)
#define MEMORY_TIMEOUT_USEC (5 * 1000 * 1000ULL)
/* dom0 memory as Xen reports it differs a little from dom0_mem (page tables, rounding). */
#define DOM0_MEMORY_SLACK_KIB(want) ((want) / 50 + 4096)

static const char *const domain_states[_XEN_DOMAIN_STATE_MAX] = {
        [XEN_DOMAIN_RUNNING] = "running", [XEN_DOMAIN_BLOCKED] = "blocked", [XEN_DOMAIN_PAUSED] = "paused",
        [XEN_DOMAIN_SHUTDOWN] = "shutdown", [XEN_DOMAIN_CRASHED] = "crashed", [XEN_DOMAIN_DYING] = "dying",
};

const char *xen_domain_state_to_string(XenDomainState s) {
        return s < _XEN_DOMAIN_STATE_MAX ? domain_states[s] : "unknown";
}

static const char *const shutdown_reasons[_XEN_SHUTDOWN_MAX] = {
        [XEN_SHUTDOWN_POWEROFF] = "poweroff", [XEN_SHUTDOWN_REBOOT] = "reboot",
        [XEN_SHUTDOWN_SUSPEND] = "suspend",   [XEN_SHUTDOWN_CRASH] = "crash",
        [XEN_SHUTDOWN_WATCHDOG] = "watchdog", [XEN_SHUTDOWN_SOFT_RESET] = "soft_reset",
};

const char *xen_shutdown_reason_to_string(XenShutdownReason r) {
        return r < _XEN_SHUTDOWN_MAX ? shutdown_reasons[r] : "unknown";
}

/* A domain whose name is asked of the store, and the answer. */
typedef struct NameLookup {
        uint32_t domid;
        uint8_t uuid[16];
        char *name; /* NULL: not named (yet) */
        uint64_t start_usec;
} NameLookup;

/* What one read of a lookup is for: the name of names[index], the path of its VM record, or
 * the start time in that record; or, for a backend that names its domains itself, whether the
 * store answers at all. */
typedef enum NameReadKind {
        NAME_READ_NAME,
        NAME_READ_VM,
        NAME_READ_START,
        _NAME_READ_PER_DOMAIN,
        NAME_READ_STORE = _NAME_READ_PER_DOMAIN,
} NameReadKind;

typedef struct NameRead {
        struct XenState *x;
        uint32_t index;
        NameReadKind kind;
} NameRead;

typedef struct XenState {
        Manager *manager;
        const XenBackendOps *ops;
        char *arg;
        XenBackend *backend; /* NULL until open */
        char *version, *cmdline;
        sd_event_source *retry;
        usec_t retry_usec;
        sd_event_source *settle;
        unsigned settle_rounds;
        sd_event_source *refresh; /* a refresh asked for, once this loop iteration ends */
        XenDomain *domains;  /* ordered by domid */
        size_t n_domains;
        uint32_t *by_name;   /* indices into domains, ordered by name */
        bool populated;      /* the first listing is not announced: those domains did not appear */
        sd_bus_message **list_waiting; /* ListDomains calls that came before the first listing */
        size_t n_list_waiting;
        /* New domains are named from the store, one lookup at a time, read by the loop without
         * waiting (the store may not answer) and given up at a deadline. */
        XsAsync *store;
        sd_event_source *lookup_timer; /* its deadline */
        sd_event_source *lookup_defer; /* a backend naming its domains itself answers here */
        NameRead *reads;     /* while a lookup runs: _NAME_READ_PER_DOMAIN a name, NAME_READ_STORE */
        size_t reads_pending;
        NameLookup *names;   /* what the running lookup asks, or what the last one answered */
        size_t n_names;
        bool names_answered; /* names holds answers, for the next refresh */
        bool lookup_again;   /* the domains changed while a lookup ran */
        bool names_late;     /* the store did not name them in time (logged once) */
        bool names_tried;    /* a lookup ended, answered or not */
        uint64_t dom0_target_kib; /* what we set live, 0 if nothing */
        XenChild *memory;    /* setting dom0's memory target */
        uint64_t memory_target_kib, memory_was_kib, memory_max_kib;
        XenMemoryDone memory_done;
        const XenCallbacks *callbacks;
        /* GetAll asks for the host's and Domain 0's properties one by one: they are read once
         * per call. The call is held (a reference), so that its address names no other. */
        sd_bus_message *props_call;
        XenHostInfo props_host;
        XenDomainInfo props_dom0;
        bool props_have_host, props_have_dom0;
} XenState;

static XenState *xen_get(Manager *m) {
        return m->xen && m->xen->backend ? m->xen : NULL;
}

/* ---- the domain table --------------------------------------------------------------- */

static int cmp_by_name(const void *a, const void *b, void *userdata) {
        const XenDomain *d = userdata;
        int c = strcmp(d[*(const uint32_t *) a].name, d[*(const uint32_t *) b].name);
        return c != 0 ? c : (int) *(const uint32_t *) a - (int) *(const uint32_t *) b;
}

static int index_names(XenState *x) {
        uint32_t *idx = reallocarray(x->by_name, x->n_domains ?: 1, sizeof(uint32_t));

        if (!idx)
                return -ENOMEM;
        for (size_t i = 0; i < x->n_domains; i++)
                idx[i] = (uint32_t) i;
        qsort_r(idx, x->n_domains, sizeof(uint32_t), cmp_by_name, x->domains);
        x->by_name = idx;
        return 0;
}

/* The index by name of a new table from the old one's: the domains kept stay in their order
 * under their new places (old_to_new, UINT32_MAX for one gone; the table keeps domid order, so
 * the order of equal names holds too), and the few added are sorted and merged in. A thousand
 * guests appearing one by one each sorted a thousand names again. */
static int index_merge(XenState *x, const uint32_t *old_to_new, size_t n_old, const uint32_t *new_added,
                       size_t n_added) {
        _cleanup_free_ uint32_t *kept = malloc((n_old ?: 1) * sizeof(uint32_t));
        _cleanup_free_ uint32_t *added = malloc((n_added ?: 1) * sizeof(uint32_t));
        uint32_t *idx = malloc((x->n_domains ?: 1) * sizeof(uint32_t));
        size_t n_kept = 0, a = 0, k = 0, o = 0;

        if (!kept || !added || !idx) {
                free(idx);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n_old; i++)
                if (old_to_new[x->by_name[i]] != UINT32_MAX)
                        kept[n_kept++] = old_to_new[x->by_name[i]];
        memcpy(added, new_added, n_added * sizeof(uint32_t));
        qsort_r(added, n_added, sizeof(uint32_t), cmp_by_name, x->domains);
        while (k < n_kept || a < n_added)
                idx[o++] = a == n_added || (k < n_kept && cmp_by_name(&kept[k], &added[a], x->domains) < 0)
                                   ? kept[k++]
                                   : added[a++];
        assert(o == x->n_domains);
        free(x->by_name);
        x->by_name = idx;
        return 0;
}

static XenDomain *domain_find(XenState *x, const char *name) {
        size_t lo = 0, hi = x->n_domains;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                XenDomain *d = &x->domains[x->by_name[mid]];
                int c = strcmp(d->name, name);
                if (c == 0) {
                        /* the first of equal names, as the index orders them */
                        while (mid > 0 && streq(x->domains[x->by_name[mid - 1]].name, name))
                                mid--;
                        return &x->domains[x->by_name[mid]];
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static void domain_update(XenDomain *d, const XenDomainInfo *i) {
        d->state = i->state;
        d->flags = i->flags;
        d->shutdown_reason = i->shutdown_reason;
        d->vcpus = i->vcpus;
        d->max_vcpus = i->max_vcpus;
        d->memory_kib = i->memory_kib;
        d->max_memory_kib = i->max_memory_kib;
        d->cpu_time_ns = i->cpu_time_ns;
}

static int on_settle(sd_event_source *s, uint64_t usec, void *userdata);
static void lookup_start(XenState *x, NameLookup *want, size_t n);
static void list_waiting_flush(XenState *x);

static void names_free(XenState *x) {
        for (size_t i = 0; i < x->n_names; i++)
                free(x->names[i].name);
        x->names = mfree(x->names);
        x->n_names = 0;
        x->names_answered = false;
}

/* The name the last lookup brought for this domain (the same one: domids are reused), and
 * its start time. */
static char *name_take(XenState *x, const XenDomainInfo *i, uint64_t *ret_start_usec) {
        if (!x->names_answered)
                return NULL;
        for (size_t k = 0; k < x->n_names; k++)
                if (x->names[k].domid == i->domid && memcmp(x->names[k].uuid, i->uuid, 16) == 0) {
                        *ret_start_usec = x->names[k].start_usec;
                        return TAKE_PTR(x->names[k].name);
                }
        return NULL;
}

static void settle_later(XenState *x) {
        Manager *m = x->manager;

        if (x->settle || x->settle_rounds >= SETTLE_ROUNDS)
                return;
        x->settle_rounds++;
        if (sd_event_add_time_relative(m->event, &x->settle, CLOCK_MONOTONIC, SETTLE_USEC, 0, on_settle, x) < 0)
                x->settle = NULL;
}

/* Lists the domains again and announces the difference. Dying domains count as gone: they
 * are on their way out and may stay as zombies for long. A new domain is announced once a
 * lookup in a child has read its name from the store; may_lookup starts one for those without,
 * unless a lookup is running (which then runs again). */
static int domains_refresh(XenState *x, bool may_lookup) {
        Manager *m = x->manager;
        XenDomainInfo *list = NULL;
        XenDomain *new = NULL;
        NameLookup *want = NULL;
        uint32_t *added = NULL, *moved = NULL, *old_to_new = NULL;
        bool same_set, merge;
        size_t n = 0, n_new = 0, n_added = 0, n_moved = 0, n_want = 0, n_old, j = 0;
        int r;

        r = x->ops->list(x->backend, &list, &n);
        if (r < 0)
                return log_warning_errno(r, "Cannot list the domains");
        new = calloc(n ?: 1, sizeof(XenDomain));
        want = calloc(n ?: 1, sizeof(NameLookup));
        added = calloc(n ?: 1, sizeof(uint32_t));
        moved = calloc(n ?: 1, sizeof(uint32_t));
        old_to_new = malloc((x->n_domains ?: 1) * sizeof(uint32_t));
        if (!new || !want || !added || !moved || !old_to_new) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t i = 0; i < x->n_domains; i++)
                old_to_new[i] = UINT32_MAX;
        for (size_t i = 0; i < n; i++) {
                XenDomain *old;

                if (list[i].state == XEN_DOMAIN_DYING)
                        continue;
                while (j < x->n_domains && x->domains[j].domid < list[i].domid)
                        j++;
                old = j < x->n_domains && x->domains[j].domid == list[i].domid &&
                                      memcmp(x->domains[j].uuid, list[i].uuid, 16) == 0
                              ? &x->domains[j]
                              : NULL;
                new[n_new] = (XenDomain) { .domid = list[i].domid };
                memcpy(new[n_new].uuid, list[i].uuid, 16);
                domain_update(&new[n_new], &list[i]);
                if (old) {
                        /* shared until the old table goes: it must stay searchable meanwhile */
                        new[n_new].name = old->name;
                        new[n_new].start_usec = old->start_usec;
                        old_to_new[j] = (uint32_t) n_new;
                        if (old->state != list[i].state)
                                moved[n_moved++] = (uint32_t) n_new;
                } else {
                        new[n_new].name = name_take(x, &list[i], &new[n_new].start_usec);
                        if (!new[n_new].name) {
                                /* not named yet (being created, or the store is silent) */
                                want[n_want] = (NameLookup) { .domid = list[i].domid };
                                memcpy(want[n_want++].uuid, list[i].uuid, 16);
                                continue;
                        }
                        added[n_added++] = (uint32_t) n_new;
                }
                n_new++;
        }

        /* the same domains at the same places (each new one is kept or added): the index by
         * name holds, and a refresh for a state change need not sort a thousand names again */
        same_set = n_added == 0 && n_new == x->n_domains && x->by_name;
        n_old = x->n_domains;
        merge = x->by_name && n_old > 0;

        /* What went away is announced while its object can still be found. */
        for (size_t i = 0; i < x->n_domains; i++)
                if (old_to_new[i] == UINT32_MAX) {
                        if (x->populated) {
                                log_info("Domain %s (%" PRIu32 ") is gone", x->domains[i].name, x->domains[i].domid);
                                bus_domain_emit(m, "DomainRemoved", &x->domains[i]);
                        }
                        free(x->domains[i].name);
                }
        free(x->domains);
        x->domains = TAKE_PTR(new);
        x->n_domains = n_new;
        r = same_set ? 0 : merge ? index_merge(x, old_to_new, n_old, added, n_added) : index_names(x);
        if (r < 0) {
                /* keep a consistent, empty table rather than a wrong index */
                for (size_t i = 0; i < x->n_domains; i++)
                        free(x->domains[i].name);
                x->n_domains = 0;
                goto finish;
        }
        if (x->populated)
                for (size_t i = 0; i < n_added; i++) {
                        log_info("Domain %s (%" PRIu32 ") appeared", x->domains[added[i]].name,
                                 x->domains[added[i]].domid);
                        bus_domain_emit(m, "DomainAdded", &x->domains[added[i]]);
                }
        for (size_t i = 0; i < n_moved; i++)
                bus_domain_emit_state_changed(m, &x->domains[moved[i]]);
        /* The first listing is complete once the store was asked for its names. */
        if (!x->populated && (n_want == 0 || x->names_tried)) {
                x->populated = true;
                log_info("Following %zu domain%s", x->n_domains, x->n_domains == 1 ? "" : "s");
        }
        /* Answers not taken are of domains gone meanwhile. */
        if (x->names_answered)
                names_free(x);
        if (n_want > 0) {
                log_debug("%zu domain%s without a name yet", n_want, n_want == 1 ? "" : "s");
                if (x->reads)
                        x->lookup_again = true;
                else if (may_lookup)
                        lookup_start(x, TAKE_PTR(want), n_want);
                settle_later(x);
        }
        r = 0;
finish:
        free(list);
        free(new);
        free(want);
        free(added);
        free(moved);
        free(old_to_new);
        if (r == -ENOMEM)
                log_error_errno(r, "Cannot update the domain table");
        return r;
}

static int on_settle(sd_event_source *s, uint64_t usec, void *userdata) {
        XenState *x = userdata;

        x->settle = sd_event_source_disable_unref(x->settle);
        if (x->backend)
                (void) domains_refresh(x, true);
        return 0;
}

/* ---- names, read from the store by the loop --------------------------------------------- */

static void lookup_stop(XenState *x) {
        x->lookup_timer = sd_event_source_disable_unref(x->lookup_timer);
        x->lookup_defer = sd_event_source_disable_unref(x->lookup_defer);
        x->reads = mfree(x->reads);
        x->reads_pending = 0;
}

/* The lookup ended, or could not start: error is 0 (x->names holds the answers), or why none
 * came. */
static void lookup_end(XenState *x, int error) {
        if (error < 0)
                /* reads of this lookup still in flight must not come back to it */
                xs_async_reset(x->store);
        lookup_stop(x);
        x->names_tried = true;
        if (error >= 0) {
                x->names_late = false;
                x->names_answered = true;
                return;
        }
        /* The domains stay unlisted; a later change, settle round or the store answering again
         * asks once more. */
        if (x->names_late)
                ;
        else if (error == -ETIMEDOUT)
                log_warning_errno(error,
                                  "Cannot read the names of %zu new domain%s from xenstored within %llu s; they are "
                                  "listed once it answers",
                                  x->n_names, x->n_names == 1 ? "" : "s", NAMES_TIMEOUT_USEC / 1000000ULL);
        else
                log_warning_errno(error,
                                  "Cannot read the names of %zu new domain%s from xenstored: %s; they are listed "
                                  "once it answers",
                                  x->n_names, x->n_names == 1 ? "" : "s", strerror(-error));
        x->names_late = true;
        names_free(x);
}

/* The lookup ended: the domains are listed again with its answers. */
static void lookup_done(XenState *x, int error) {
        bool again = x->lookup_again;

        x->lookup_again = false;
        lookup_end(x, error);
        (void) domains_refresh(x, again);
        list_waiting_flush(x);
}

/* Names from the backend itself (the fake): its domains live in the daemon. */
static void names_from_backend(XenState *x) {
        _cleanup_free_ uint32_t *domids = calloc(x->n_names ?: 1, sizeof(uint32_t));
        _cleanup_free_ char **names = calloc(x->n_names ?: 1, sizeof(char *));
        _cleanup_free_ uint64_t *starts = calloc(x->n_names ?: 1, sizeof(uint64_t));
        int r;

        if (!domids || !names || !starts) {
                lookup_done(x, -ENOMEM);
                return;
        }
        for (size_t i = 0; i < x->n_names; i++)
                domids[i] = x->names[i].domid;
        r = x->ops->domain_names(x->backend, domids, x->n_names, names, starts);
        for (size_t i = 0; i < x->n_names; i++) {
                if (r >= 0) {
                        x->names[i].name = names[i];
                        x->names[i].start_usec = starts[i];
                } else
                        free(names[i]);
        }
        lookup_done(x, r < 0 ? r : 0);
}

static int on_lookup_defer(sd_event_source *s, void *userdata) {
        XenState *x = userdata;

        x->lookup_defer = sd_event_source_disable_unref(x->lookup_defer);
        names_from_backend(x);
        return 0;
}

static int on_lookup_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        lookup_done(userdata, -ETIMEDOUT);
        return 0;
}

/* A toolstack's record of when it created the domain: "SECONDS.CENTISECONDS". */
static uint64_t parse_start_time(const char *s) {
        unsigned long long sec = 0, cs = 0;

        if (sscanf(s, "%llu.%2llu", &sec, &cs) < 1)
                return 0;
        return (uint64_t) sec * 1000000ULL + (uint64_t) cs * 10000ULL;
}

static void on_name_read(void *userdata, int error, const char *value, size_t len);

static int lookup_read(XenState *x, uint32_t index, NameReadKind kind, const char *path) {
        NameRead *nr = &x->reads[kind == NAME_READ_STORE ? (size_t) x->n_names * _NAME_READ_PER_DOMAIN
                                                         : (size_t) index * _NAME_READ_PER_DOMAIN + kind];
        int r;

        *nr = (NameRead) { .x = x, .index = index, .kind = kind };
        r = xs_async_read(x->store, path, on_name_read, nr);
        if (r >= 0)
                x->reads_pending++;
        return r;
}

static void on_name_read(void *userdata, int error, const char *value, size_t len) {
        NameRead *nr = userdata;
        XenState *x = nr->x;
        NameLookup *n = nr->kind == NAME_READ_STORE ? NULL : &x->names[nr->index];

        x->reads_pending--;
        switch (nr->kind) {
        case NAME_READ_STORE:
                /* the store answers: the backend's own names hold */
                if (error < 0) {
                        lookup_done(x, error);
                        return;
                }
                names_from_backend(x);
                return;
        case NAME_READ_NAME:
                /* no name yet: the domain is being created */
                if (error == -ENOENT || (error == 0 && len == 0))
                        break;
                if (error < 0) {
                        lookup_done(x, error);
                        return;
                }
                n->name = strdup(value);
                if (!n->name) {
                        lookup_done(x, -ENOMEM);
                        return;
                }
                break;
        case NAME_READ_VM: {
                _cleanup_free_ char *path = NULL;

                /* without a record (Domain 0) the start time stays unknown */
                if (error < 0 || len == 0 || asprintf(&path, "%s/start_time", value) < 0)
                        break;
                if (lookup_read(x, nr->index, NAME_READ_START, path) < 0)
                        break;
                return; /* reads_pending is back up: not done yet */
        }
        case NAME_READ_START:
                if (error == 0)
                        n->start_usec = parse_start_time(value);
                break;
        default:
                break;
        }
        if (x->reads_pending == 0)
                lookup_done(x, 0);
}

/* Takes want. */
static void lookup_start(XenState *x, NameLookup *want, size_t n) {
        int r;

        names_free(x);
        x->names = want;
        x->n_names = n;
        r = sd_event_add_time_relative(x->manager->event, &x->lookup_timer, CLOCK_MONOTONIC, NAMES_TIMEOUT_USEC, 0,
                                       on_lookup_timeout, x);
        if (r >= 0) {
                x->reads = calloc(n * _NAME_READ_PER_DOMAIN + 1, sizeof(NameRead));
                if (!x->reads)
                        r = -ENOMEM;
        }
        if (r >= 0 && !x->store)
                r = xs_async_new(x->manager->event, &x->store);
        if (r < 0)
                goto fail;
        if (x->ops->domain_names) {
                /* answered in the next iteration, never from within the refresh that asks */
                if (x->ops->domain_names_ask_store && x->ops->domain_names_ask_store(x->backend))
                        r = lookup_read(x, 0, NAME_READ_STORE, "/");
                else
                        r = sd_event_add_defer(x->manager->event, &x->lookup_defer, on_lookup_defer, x);
                if (r < 0)
                        goto fail;
                return;
        }
        for (size_t i = 0; i < n; i++) {
                char path[64];

                snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/name", want[i].domid);
                r = lookup_read(x, (uint32_t) i, NAME_READ_NAME, path);
                if (r < 0)
                        goto fail;
                snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/vm", want[i].domid);
                r = lookup_read(x, (uint32_t) i, NAME_READ_VM, path);
                if (r < 0)
                        goto fail;
        }
        return;
fail:
        /* not started: the domains stay unlisted until the next refresh asks again */
        lookup_end(x, r);
}

/* Memory, CPU time and state of the domains already known, without names (no xenstore). */
static void domains_update_all(XenState *x) {
        XenDomainInfo *list = NULL;
        size_t n = 0, j = 0;

        if (x->ops->list(x->backend, &list, &n) < 0)
                return;
        for (size_t i = 0; i < n && j < x->n_domains; i++) {
                while (j < x->n_domains && x->domains[j].domid < list[i].domid)
                        j++;
                if (j < x->n_domains && x->domains[j].domid == list[i].domid)
                        domain_update(&x->domains[j], &list[i]);
        }
        free(list);
}

/* ---- backend callbacks --------------------------------------------------------------------- */

static int on_refresh(sd_event_source *s, void *userdata) {
        XenState *x = userdata;

        x->refresh = sd_event_source_disable_unref(x->refresh);
        x->settle_rounds = 0;
        (void) domains_refresh(x, true);
        settle_later(x);
        return 0;
}

/* The backend says the domains changed: one listing for every change told at once (a host
 * starting many guests, the fake's commands read together), not one each, since a listing
 * costs in the number of domains. */
static void on_domains_changed(void *userdata) {
        XenState *x = userdata;

        if (x->refresh)
                return;
        if (sd_event_add_defer(x->manager->event, &x->refresh, on_refresh, x) < 0) {
                x->refresh = NULL;
                (void) on_refresh(NULL, x);
        }
}

static void on_disaster(void *userdata, int error, const char *what) {
        XenState *x = userdata;

        log_crit("The Xen backend failed: %s (%s); exiting so that the service manager starts xen-dom0d again",
                 strna(what), strerror(-error));
        (void) sd_event_exit(x->manager->event, error);
}

/* ---- opening ------------------------------------------------------------------------------ */

static void opened(XenState *x) {
        Manager *m = x->manager;
        int r;

        r = x->ops->version(x->backend, &x->version, &x->cmdline);
        if (r < 0)
                log_warning_errno(r, "Cannot read the Xen version");
        log_info("Xen %s through the %s backend; Xen command line: %s", strna(x->version), x->ops->name,
                 strna(x->cmdline));
        x->callbacks->properties_changed(m,
                                         (char *[]) { "XenVersion", "XenCommandLine", "HostMemory", "FreeMemory",
                                                       "HostCPUs", "Dom0Memory", "Dom0VCPUs", NULL },
                                         x->callbacks->userdata);
        x->callbacks->opened(m, x->callbacks->userdata);
}

static int try_open(XenState *x, char **ret_why) {
        XenBackendCallbacks cb = { on_domains_changed, on_disaster, x };

        return x->ops->open(x->manager->event, x->arg, &cb, &x->backend, ret_why);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        XenState *x = userdata;
        _cleanup_free_ char *why = NULL;
        int r;

        x->retry = sd_event_source_disable_unref(x->retry);
        r = try_open(x, &why);
        if (r >= 0) {
                opened(x);
                return 0;
        }
        log_debug("Xen is still not ready: %s", why ?: strerror(-r));
        if (r == -ENODEV)
                return 0;
        x->retry_usec = x->retry_usec * 2 > OPEN_RETRY_MAX_USEC ? OPEN_RETRY_MAX_USEC : x->retry_usec * 2;
        (void) sd_event_add_time_relative(x->manager->event, &x->retry, CLOCK_MONOTONIC, x->retry_usec, 0, on_retry,
                                          x);
        return 0;
}

static XenState *xen_state_free(XenState *x) {
        if (!x)
                return NULL;
        sd_event_source_disable_unref(x->retry);
        sd_event_source_disable_unref(x->settle);
        sd_event_source_disable_unref(x->refresh);
        xs_async_free(x->store);
        lookup_stop(x);
        xen_child_cancel(x->memory);
        names_free(x);
        for (size_t i = 0; i < x->n_list_waiting; i++)
                sd_bus_message_unref(x->list_waiting[i]);
        free(x->list_waiting);
        sd_bus_message_unref(x->props_call);
        if (x->backend)
                x->ops->close(x->backend);
        for (size_t i = 0; i < x->n_domains; i++)
                free(x->domains[i].name);
        free(x->domains);
        free(x->by_name);
        free(x->version);
        free(x->cmdline);
        free(x->arg);
        free(x);
        return NULL;
}

int xen_start(Manager *m, const XenCallbacks *callbacks) {
        const char *spec = getenv("XEN_DOM0D_BACKEND");
        static const XenBackendOps *const backends[] = { &xen_backend_libxl, &xen_backend_fake };
        _cleanup_free_ char *why = NULL;
        const char *colon;
        XenState *x;
        int r;

        if (isempty(spec))
                spec = "libxl";
        x = calloc(1, sizeof(XenState));
        if (!x)
                return log_error_errno(-ENOMEM, "Cannot set up the Xen backend");
        x->manager = m;
        x->callbacks = callbacks;
        colon = strchr(spec, ':');
        for (size_t i = 0; i < ELEMENTSOF(backends); i++)
                if (strlen(backends[i]->name) == (colon ? (size_t) (colon - spec) : strlen(spec)) &&
                    strncmp(backends[i]->name, spec, strlen(backends[i]->name)) == 0)
                        x->ops = backends[i];
        if (!x->ops || (colon && !(x->arg = strdup(colon + 1)))) {
                log_error("XEN_DOM0D_BACKEND=%s: expected libxl or fake:N", spec);
                xen_state_free(x);
                return -EINVAL;
        }
        m->xen = x;

        r = try_open(x, &why);
        if (r >= 0) {
                opened(x);
                return 0;
        }
        if (r == -ENODEV || r == -EINVAL) {
                /* No hypervisor here (the build machine, the unit tier): the caller logs once. */
                log_debug("The %s backend did not open: %s", x->ops->name, why ?: strerror(-r));
                m->xen = xen_state_free(x);
                return r;
        }
        /* A Xen host whose stack is not up yet (xenfs, privcmd): try again in the background. */
        log_notice("Xen is not ready yet (%s); trying again in the background", why ?: strerror(-r));
        x->retry_usec = OPEN_RETRY_FIRST_USEC;
        r = sd_event_add_time_relative(m->event, &x->retry, CLOCK_MONOTONIC, x->retry_usec, 0, on_retry, x);
        if (r < 0)
                log_warning_errno(r, "Cannot schedule opening Xen again");
        return 0;
}

void xen_stop(Manager *m) {
        m->xen = xen_state_free(m->xen);
}

/* ---- the Manager's properties and ListDomains ----------------------------------------------- */

int bus_xen_property(sd_bus *bus, const char *path, const char *iface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        XenState *x = xen_get(userdata);
        sd_bus_message *call = sd_bus_get_current_message(bus);
        XenHostInfo host = {};
        XenDomainInfo dom0 = {};

        if (streq(property, "XenVersion"))
                return sd_bus_message_append(reply, "s", x ? strempty(x->version) : "");
        if (streq(property, "XenCommandLine"))
                return sd_bus_message_append(reply, "s", x ? strempty(x->cmdline) : "");
        if (x && call != x->props_call) {
                sd_bus_message_unref(x->props_call);
                x->props_call = sd_bus_message_ref(call); /* NULL outside a call: nothing kept */
                x->props_have_host = x->props_have_dom0 = false;
        }
        if (x && (startswith(property, "Host") || startswith(property, "Free"))) {
                if (!x->props_call || !x->props_have_host) {
                        x->props_host = (XenHostInfo) {};
                        (void) x->ops->host_info(x->backend, &x->props_host);
                        x->props_have_host = x->props_call != NULL;
                }
                host = x->props_host;
        }
        if (x && startswith(property, "Dom0")) {
                if (!x->props_call || !x->props_have_dom0) {
                        x->props_dom0 = (XenDomainInfo) {};
                        (void) x->ops->domain_info(x->backend, 0, &x->props_dom0);
                        x->props_have_dom0 = x->props_call != NULL;
                }
                dom0 = x->props_dom0;
        }
        if (streq(property, "HostMemory"))
                return sd_bus_message_append(reply, "t", host.total_kib);
        if (streq(property, "FreeMemory"))
                return sd_bus_message_append(reply, "t", host.free_kib);
        if (streq(property, "HostCPUs"))
                return sd_bus_message_append(reply, "u", host.cpus);
        if (streq(property, "Dom0Memory"))
                return sd_bus_message_append(reply, "t", dom0.memory_kib);
        if (streq(property, "Dom0VCPUs"))
                return sd_bus_message_append(reply, "u", dom0.vcpus);
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "Unknown property %s", property);
}

void xen_format_uuid(const uint8_t u[16], char buf[static 37]) {
        snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
                 u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* A reply of one struct per domain, entry its signature; append writes one domain's fields.
 * Field by field: parsing a format string per entry costs more at thousands. */
typedef int (*AppendDomain)(sd_bus_message *reply, XenState *x, const XenDomain *d);

static int domains_reply(XenState *x, sd_bus_message *msg, const char *entry, AppendDomain append) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char array[32];
        int r;

        if (x)
                domains_update_all(x);
        snprintf(array, sizeof array, "(%s)", entry);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', array);
        for (size_t i = 0; r >= 0 && x && i < x->n_domains; i++) {
                r = sd_bus_message_open_container(reply, 'r', entry);
                if (r >= 0)
                        r = append(reply, x, &x->domains[i]);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* The fields both replies open with: domid, name, uuid, state. */
static int append_identity(sd_bus_message *reply, const XenDomain *d) {
        char uuid[37];
        int r;

        xen_format_uuid(d->uuid, uuid);
        r = sd_bus_message_append_basic(reply, 'u', &d->domid);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 's', d->name);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 's', uuid);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 's', xen_domain_state_to_string(d->state));
        return r;
}

/* ListDomains: (domid, name, uuid, state, memory KiB, vCPUs, CPU ns, object path) */
static int append_listed(sd_bus_message *reply, XenState *x, const XenDomain *d) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = bus_domain_path(d->name, &path);
        if (r >= 0)
                r = append_identity(reply, d);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 't', &d->memory_kib);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 'u', &d->vcpus);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 't', &d->cpu_time_ns);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 'o', path);
        return r;
}

static int list_domains_reply(XenState *x, sd_bus_message *msg) {
        return domains_reply(x, msg, "ussstuto", append_listed);
}

static int domain_stats_reply(XenState *x, sd_bus_message *msg);

static void list_waiting_flush(XenState *x) {
        for (size_t i = 0; i < x->n_list_waiting; i++) {
                sd_bus_message *msg = x->list_waiting[i];
                int r = sd_bus_message_is_method_call(msg, NULL, "GetDomainStats") > 0 ? domain_stats_reply(x, msg)
                                                                                       : list_domains_reply(x, msg);
                if (r < 0)
                        (void) sd_bus_reply_method_errno(msg, r, NULL);
                sd_bus_message_unref(x->list_waiting[i]);
        }
        x->list_waiting = mfree(x->list_waiting);
        x->n_list_waiting = 0;
}

/* Just opened: the first names are on their way, within the lookup's deadline. Later calls
 * never wait: they list the domains named so far. Returns 1 when msg waits. */
static int wait_for_first_listing(XenState *x, sd_bus_message *msg) {
        if (x && !x->populated && x->reads) {
                /* Just opened: the first names are on their way, within the lookup's deadline.
                 * Later calls never wait: they list the domains named so far. */
                sd_bus_message **l = reallocarray(x->list_waiting, x->n_list_waiting + 1, sizeof(sd_bus_message *));
                if (!l)
                        return -ENOMEM;
                x->list_waiting = l;
                x->list_waiting[x->n_list_waiting++] = sd_bus_message_ref(msg);
                return 1;
        }
        return 0;
}

int bus_xen_list_domains(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        XenState *x = xen_get(userdata);
        int r = wait_for_first_listing(x, msg);

        return r != 0 ? r : list_domains_reply(x, msg);
}

int bus_xen_append_flags(sd_bus_message *reply, uint8_t flags) {
        int r = sd_bus_message_open_container(reply, 'a', "s");

        for (unsigned b = 0; r >= 0 && b < _METRICS_DOMAIN_FLAG_COUNT; b++)
                if (flags & (1u << b))
                        r = sd_bus_message_append_basic(reply, 's', metrics_domain_flag_name(b));
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

const char *xen_domain_shutdown_reason(const XenDomain *d) {
        return d->flags & METRICS_DOMAIN_SHUTDOWN ? xen_shutdown_reason_to_string(d->shutdown_reason) : "";
}

/* GetDomainStats: (domid, name, uuid, state, CPU ns, memory KiB, maximum memory KiB, vCPUs,
 * maximum vCPUs, flags, shutdown reason, start time µs, and of a declared guest its unit, its
 * readiness and whether it is up) */
static int append_stats(sd_bus_message *reply, XenState *x, const XenDomain *d) {
        _cleanup_(domain_guest_done) DomainGuest g = {};
        int r;

        r = append_identity(reply, d);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 't', &d->cpu_time_ns);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 't', &d->memory_kib);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 't', &d->max_memory_kib);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 'u', &d->vcpus);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 'u', &d->max_vcpus);
        if (r >= 0)
                r = bus_xen_append_flags(reply, d->flags);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 's', xen_domain_shutdown_reason(d));
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 't', &d->start_usec);
        if (r >= 0)
                r = bus_domain_guest(x->manager, d, &g);
        if (r >= 0)
                r = sd_bus_message_append(reply, "ssb", g.unit, g.readiness, g.ready);
        return r;
}

static int domain_stats_reply(XenState *x, sd_bus_message *msg) {
        return domains_reply(x, msg, "ussstttuuasstssb", append_stats);
}

int bus_xen_get_domain_stats(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        XenState *x = xen_get(userdata);
        int r = wait_for_first_listing(x, msg);

        return r != 0 ? r : domain_stats_reply(x, msg);
}

void xen_metrics_snapshot_free(MetricsDomain *l, size_t n) {
        for (size_t i = 0; l && i < n; i++) {
                free((char *) l[i].unit);
                free((char *) l[i].readiness);
        }
        free(l);
}

int xen_metrics_snapshot(Manager *m, MetricsDomain **ret_domains, size_t *ret_n, uint64_t *ret_total_kib,
                         uint64_t *ret_free_kib) {
        XenState *x = xen_get(m);
        XenHostInfo host = {};
        MetricsDomain *l;

        if (!x)
                return -ENXIO;
        domains_update_all(x);
        l = calloc(x->n_domains ?: 1, sizeof(MetricsDomain));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < x->n_domains; i++) {
                const XenDomain *d = &x->domains[i];
                DomainGuest g;

                if (bus_domain_guest(m, d, &g) < 0) {
                        xen_metrics_snapshot_free(l, i);
                        return -ENOMEM;
                }

                l[i] = (MetricsDomain) {
                        .domid = d->domid,
                        .name = d->name,
                        .flags = d->flags,
                        .shutdown_reason = d->flags & METRICS_DOMAIN_SHUTDOWN
                                                   ? xen_shutdown_reason_to_string(d->shutdown_reason)
                                                   : NULL,
                        .cpu_time_ns = d->cpu_time_ns,
                        .memory_kib = d->memory_kib,
                        .max_memory_kib = d->max_memory_kib,
                        .vcpus = d->vcpus,
                        .max_vcpus = d->max_vcpus,
                        .start_time_usec = d->start_usec,
                        .declared = g.declared,
                        .unit = g.unit, /* freed by xen_metrics_snapshot_free() */
                        .readiness = g.readiness,
                        .ready = g.ready,
                };
                xen_format_uuid(d->uuid, l[i].uuid);
        }
        (void) x->ops->host_info(x->backend, &host);
        *ret_domains = l;
        *ret_n = x->n_domains;
        *ret_total_kib = host.total_kib;
        *ret_free_kib = host.free_kib;
        return 0;
}

/* ---- the domains, for their bus objects ------------------------------------------------ */

const XenDomain *xen_domains(Manager *m, size_t *ret_n) {
        XenState *x = xen_get(m);

        *ret_n = x ? x->n_domains : 0;
        return x ? x->domains : NULL;
}

XenDomain *xen_domain_by_name(Manager *m, const char *name) {
        XenState *x = xen_get(m);
        XenDomainInfo info;
        XenDomain *d;

        if (!x)
                return NULL;
        d = domain_find(x, name);
        if (!d)
                return NULL;
        /* Fresh memory and CPU time for this one; a domain that just died stays until the
         * watch says so. */
        if (x->ops->domain_info(x->backend, d->domid, &info) >= 0)
                domain_update(d, &info);
        return d;
}

/* ---- what only a reboot of Xen applies ------------------------------------------------------- */

static bool near(uint64_t have, uint64_t want) {
        uint64_t d = have > want ? have - want : want - have;
        return d <= DOM0_MEMORY_SLACK_KIB(want);
}

int xen_pending_reasons(Manager *m, const Config *c, OptionReasons *ret) {
        XenState *x = xen_get(m);
        _cleanup_strv_free_ char **rendered = NULL, **missing_trace = NULL, **missing_params = NULL;
        _cleanup_(option_reasons_done) OptionReasons l = {};
        uint64_t cmd_mem = 0, cmd_max = 0;
        int64_t mem_mib, max_mib, vcpus;
        XenDomainInfo dom0;
        XenHostInfo host = {};
        size_t n_derived;
        int r;

        *ret = (OptionReasons) {};
        if (!x || !x->cmdline || !c)
                return -ENXIO;
        r = render_boot_params(c, &rendered);
        if (r < 0)
                return r;

        /* The derived parameters come first, then xen.bootParams word for word. The words an
         * option misses make one reason. */
        n_derived = strv_length(rendered) - strv_length(config_strv(c, OPT_BOOT_PARAMS));
        for (size_t i = 0; i < strv_length(rendered); i++) {
                const char *p = rendered[i];
                bool derived = i < n_derived;

                /* dom0's memory and vCPUs are compared with what dom0 has, below: a memory
                 * target set live is then no reason. */
                if (derived && (startswith(p, "dom0_mem=") || startswith(p, "dom0_max_vcpus=")))
                        continue;
                if (!xen_cmdline_has(x->cmdline, p) && strv_extend(derived ? &missing_trace : &missing_params, p) < 0)
                        return -ENOMEM;
        }
        for (size_t k = 0; k < 2; k++) {
                char **words = k == 0 ? missing_trace : missing_params;
                _cleanup_free_ char *joined = NULL;

                if (!words || !*words)
                        continue;
                joined = strv_join(words, " ");
                if (!joined || option_reasons_addf(&l, option_table[k == 0 ? OPT_TRACE : OPT_BOOT_PARAMS].name,
                                                   "%s %s not on the running Xen command line", joined,
                                                   strv_length(words) == 1 ? "is" : "are") < 0)
                        return -ENOMEM;
        }

        mem_mib = config_int(c, OPT_DOM0_MEMORY);
        max_mib = config_int(c, OPT_DOM0_MAX_MEMORY);
        vcpus = config_int(c, OPT_DOM0_MAX_VCPUS);
        if ((mem_mib > 0 || vcpus > 0) && x->ops->domain_info(x->backend, 0, &dom0) < 0) {
                *ret = l; /* dom0 cannot be read: the words only */
                l = (OptionReasons) {};
                return 0;
        }
        if (mem_mib > 0) {
                uint64_t want = (uint64_t) mem_mib << 10, want_max = (uint64_t) (max_mib ?: mem_mib) << 10;
                uint64_t have = x->dom0_target_kib ?: dom0.memory_kib, booted_max;

                (void) xen_cmdline_dom0_mem(x->cmdline, &cmd_mem, &cmd_max);
                booted_max = cmd_max ?: cmd_mem ?: dom0.max_memory_kib;
                if (!near(have, want) &&
                    option_reasons_addf(&l, option_table[OPT_DOM0_MEMORY].name,
                                        "Domain 0 has %" PRIu64 " MiB, not the configured %" PRId64 " MiB", have >> 10,
                                        mem_mib) < 0)
                        return -ENOMEM;
                if (!near(booted_max, want_max) &&
                    option_reasons_addf(&l, option_table[OPT_DOM0_MAX_MEMORY].name,
                                        "Domain 0 booted with a maximum of %" PRIu64 " MiB, not the configured %" PRIu64
                                        " MiB",
                                        booted_max >> 10, want_max >> 10) < 0)
                        return -ENOMEM;
        }
        if (vcpus > 0) {
                (void) x->ops->host_info(x->backend, &host);
                /* Xen gives dom0 no more vCPUs than the host has CPUs. */
                if ((int64_t) dom0.max_vcpus != vcpus &&
                    !(host.cpus > 0 && vcpus > host.cpus && dom0.max_vcpus == host.cpus) &&
                    option_reasons_addf(&l, option_table[OPT_DOM0_MAX_VCPUS].name,
                                        "Domain 0 has %" PRIu32 " vCPUs, not the configured %" PRId64, dom0.max_vcpus,
                                        vcpus) < 0)
                        return -ENOMEM;
        }
        *ret = l;
        l = (OptionReasons) {};
        return 0;
}

/* ---- dom0's memory, live ------------------------------------------------------------------- */

/* In the child: libxl writes the target into the store. */
static int memory_run(void *userdata, int fd) {
        XenState *x = userdata;

        return x->ops->set_memory_target(x->backend, 0, x->memory_target_kib);
}

static void memory_done(void *userdata, int error, const char *data, size_t size) {
        XenState *x = userdata;
        Manager *m = x->manager;
        uint64_t mib = x->memory_target_kib >> 10;
        XenMemoryDone done = TAKE_PTR(x->memory_done);

        x->memory = NULL;
        if (error == -ETIMEDOUT)
                log_warning("Cannot set Domain 0's memory target to %" PRIu64 " MiB: xenstored did not answer within "
                            "%llu s; the configured memory is pending",
                            mib, MEMORY_TIMEOUT_USEC / 1000000ULL);
        else if (error < 0)
                log_warning_errno(error, "Cannot set Domain 0's memory target to %" PRIu64 " MiB", mib);
        else {
                if (x->ops->memory_target_set)
                        x->ops->memory_target_set(x->backend, 0, x->memory_target_kib);
                x->dom0_target_kib = x->memory_target_kib;
                log_info("Set Domain 0's memory target to %" PRIu64 " MiB live (was %" PRIu64
                         " MiB, booted maximum %" PRIu64 " MiB)",
                         mib, x->memory_was_kib >> 10, x->memory_max_kib >> 10);
                x->callbacks->properties_changed(m, (char *[]) { "Dom0Memory", "FreeMemory", NULL }, x->callbacks->userdata);
        }
        if (done)
                done(m, error < 0 ? error : 1);
}

/* The most dom0 may have without a reboot, and what it has now. */
static int dom0_booted_max(XenState *x, uint64_t *ret_max_kib, uint64_t *ret_have_kib) {
        uint64_t cmd_mem = 0, cmd_max = 0;
        XenDomainInfo dom0;
        int r;

        r = x->ops->domain_info(x->backend, 0, &dom0);
        if (r < 0)
                return r;
        (void) xen_cmdline_dom0_mem(x->cmdline, &cmd_mem, &cmd_max);
        *ret_max_kib = cmd_max > 0 && cmd_max < dom0.max_memory_kib ? cmd_max : dom0.max_memory_kib;
        *ret_have_kib = dom0.memory_kib;
        return 0;
}

bool xen_dom0_memory_fits(Manager *m, uint64_t mib) {
        XenState *x = xen_get(m);
        uint64_t max, have;

        return x && mib > 0 && !x->memory && dom0_booted_max(x, &max, &have) >= 0 && (mib << 10) <= max;
}

int xen_apply_dom0_memory(Manager *m, uint64_t mib, XenMemoryDone done) {
        XenState *x = xen_get(m);
        uint64_t target = mib << 10, max, have;
        int r;

        if (!x)
                return -ENXIO;
        if (mib == 0)
                return 0; /* "all memory" is a boot-time notion */
        if (x->memory)
                return -EBUSY;
        r = dom0_booted_max(x, &max, &have);
        if (r < 0)
                return log_warning_errno(r, "Cannot read Domain 0's memory");
        if (target > max) {
                log_info("Domain 0 memory %" PRIu64 " MiB is above its booted maximum of %" PRIu64
                         " MiB: it applies after a reboot",
                         mib, max >> 10);
                return 0;
        }
        x->memory_target_kib = target;
        x->memory_was_kib = have;
        x->memory_max_kib = max;
        r = xen_child_start(m->event, "dom0 memory target", MEMORY_TIMEOUT_USEC, memory_run, memory_done, x,
                            &x->memory);
        if (r < 0)
                return log_warning_errno(r, "Cannot set Domain 0's memory target to %" PRIu64 " MiB", mib);
        x->memory_done = done;
        return 1;
}

int xen_guest_memory_run(Manager *m, uint32_t domid, uint64_t kib) {
        XenState *x = xen_get(m);

        return x ? x->ops->set_memory_target(x->backend, domid, kib) : -ENXIO;
}

void xen_guest_memory_set(Manager *m, uint32_t domid, uint64_t kib) {
        XenState *x = xen_get(m);

        if (x && x->ops->memory_target_set)
                x->ops->memory_target_set(x->backend, domid, kib);
}

int xen_guest_vcpus_run(Manager *m, uint32_t domid, uint32_t n) {
        XenState *x = xen_get(m);

        return x && x->ops->set_vcpus_online ? x->ops->set_vcpus_online(x->backend, domid, n) : -ENXIO;
}

void xen_guest_vcpus_set(Manager *m, uint32_t domid, uint32_t n) {
        XenState *x = xen_get(m);

        if (x && x->ops->vcpus_online_set)
                x->ops->vcpus_online_set(x->backend, domid, n);
}

void xen_store_answers(Manager *m) {
        XenState *x = xen_get(m);

        /* Domains that came while it was silent were not named: ask again. */
        if (x)
                on_domains_changed(x);
}
