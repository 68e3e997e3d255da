/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "xl -N create" on the guests a reload would change, each in a child with a deadline (xl
 * opens the hypervisor and the store, which may not answer). The text goes to xl through a
 * memory file, so that nothing is written before the reload is accepted. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "guests.h"
#include "log.h"
#include "paths.h"
#include "strv.h"
#include "xen-child.h"
#include "xl-dryrun.h"

/* xl builds a configuration in well under a second; a store that does not answer must not keep
 * a reload waiting for long. */
#define DRYRUN_TIMEOUT_USEC (10 * 1000000ULL)
/* Children at once: a reload adding a hundred guests must not fork a hundred xl. */
#define DRYRUN_PARALLEL 4
/* Diff's callers waiting for one round: Diff is open to every local user. Reload, root's or
 * authorized, is never turned away by them. */
#define DRYRUN_WAITERS_MAX 64
/* What a finding quotes of xl's message. */
#define REASON_MAX 400
/* The child's exit status when xl could not be executed at all. */
#define EXIT_NO_EXEC 127
/* xl's exit status for "no", with its reason on stderr. */
#define XL_EXIT_FAILURE 1
/* What xl says, exiting with 1 all the same, when it cannot open the hypervisor or the store:
 * no verdict on the settings. */
#define XL_NO_CONTEXT "cannot init xl context"
/* Where xl finds the text in the child, and what it calls it in its messages. */
#define MEMFD_FD 3
#define MEMFD_PATH "/dev/fd/3"

typedef enum Verdict {
        VERDICT_OK,
        VERDICT_REFUSED,     /* reason: xl's message */
        VERDICT_NOT_CHECKED, /* reason: why xl could not judge it */
} Verdict;

typedef struct Known {
        uint64_t hash;       /* of the xl run and the text it read */
        Verdict verdict;
        char *reason;
        unsigned seen;       /* the findings round that last asked for it */
} Known;

typedef struct Item {
        XlDryRun *owner;
        uint64_t hash;
        char *xl;
        char *text;
        size_t size;
        char *name;          /* the guest, for the log */
        XenChild *child;
} Item;

typedef struct Waiter {
        XlDryRunDone done;
        void *userdata;
} Waiter;

struct XlDryRun {
        sd_event *event;
        uint64_t timeout_usec;
        Known *known;
        size_t n_known;
        unsigned round;
        Item **queue;        /* this round's runs: started up to next, running of them unfinished */
        size_t n_queue, next, running;
        Waiter *waiters;
        size_t n_waiters;
        size_t n_capped;     /* of them, callers the cap applies to (Diff's) */
        sd_event_source *defer;
};

char *xl_dryrun_command(const Config *c) {
        const char *e = getenv("XEN_DOM0D_XL"), *backend = getenv("XEN_DOM0D_BACKEND");
        char *s;

        if (e)
                return isempty(e) ? NULL : strdup(e);
        if (backend && startswith(backend, "fake"))
                return NULL;
        return asprintf(&s, "%s/bin/xl", config_str(c, OPT_PACKAGE)) < 0 ? NULL : s;
}

/* FNV-1a, 64 bits: the texts are the administrator's own, so no one chooses collisions. */
static uint64_t hash_bytes(uint64_t h, const void *p, size_t n) {
        const unsigned char *b = p;

        for (size_t i = 0; i < n; i++) {
                h ^= b[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

static uint64_t hash_of(const char *xl, const RenderedFile *f) {
        uint64_t h = hash_bytes(0xcbf29ce484222325ULL, xl, strlen(xl) + 1);
        return hash_bytes(h, f->content, f->size);
}

static Known *known_find(XlDryRun *x, uint64_t hash) {
        for (size_t i = 0; i < x->n_known; i++)
                if (x->known[i].hash == hash)
                        return &x->known[i];
        return NULL;
}

static bool queued(XlDryRun *x, uint64_t hash) {
        for (size_t i = 0; i < x->n_queue; i++)
                if (x->queue[i]->hash == hash)
                        return true;
        return false;
}

static void item_free(Item *it) {
        if (!it)
                return;
        xen_child_cancel(it->child);
        free(it->xl);
        free(it->text);
        free(it->name);
        free(it);
}

int xl_dryrun_new(sd_event *e, XlDryRun **ret) {
        XlDryRun *x = calloc(1, sizeof(XlDryRun));

        if (!x)
                return -ENOMEM;
        x->event = sd_event_ref(e);
        x->timeout_usec = env_msec("XEN_DOM0D_XL_TIMEOUT_MSEC", DRYRUN_TIMEOUT_USEC, false);
        *ret = x;
        return 0;
}

static void queue_clear(XlDryRun *x) {
        for (size_t i = 0; i < x->n_queue; i++)
                item_free(x->queue[i]);
        x->queue = mfree(x->queue);
        x->n_queue = x->next = x->running = 0;
}

/* Calls every waiter of the round once. A waiter may start another round. */
static void waiters_call(XlDryRun *x, bool cancelled) {
        Waiter *w = TAKE_PTR(x->waiters);
        size_t n = x->n_waiters;

        x->n_waiters = x->n_capped = 0;
        for (size_t i = 0; i < n; i++)
                w[i].done(w[i].userdata, cancelled);
        free(w);
}

XlDryRun *xl_dryrun_free(XlDryRun *x) {
        if (!x)
                return NULL;
        queue_clear(x);
        x->defer = sd_event_source_disable_unref(x->defer);
        waiters_call(x, true);
        for (size_t i = 0; i < x->n_known; i++)
                free(x->known[i].reason);
        free(x->known);
        sd_event_unref(x->event);
        free(x);
        return NULL;
}

static void record(XlDryRun *x, uint64_t hash, Verdict v, char *reason) {
        Known *k = known_find(x, hash), *n;

        if (k) {
                free(k->reason);
                k->verdict = v;
                k->reason = reason;
                return;
        }
        n = reallocarray(x->known, x->n_known + 1, sizeof(Known));
        if (!n) {
                /* no verdict kept: the caller's next round asks again, or goes on unchecked */
                free(reason);
                return;
        }
        x->known = n;
        x->known[x->n_known++] = (Known) { .hash = hash, .verdict = v, .reason = reason, .seen = x->round };
}

/* xl's message without what names the memory file it read ("Parsing config from /dev/fd/N",
 * "/dev/fd/N: " before a parser's message): its lines joined with "; ", printable, bounded. */
static char *reason_of(const char *data) {
        char *out = malloc(REASON_MAX + 1);
        size_t n = 0, sl = strlen(MEMFD_PATH);

        if (!out)
                return NULL;
        for (const char *p = data, *nl; p && *p; p = nl ? nl + 1 : NULL) {
                const char *end;

                nl = strchr(p, '\n');
                end = nl ?: p + strlen(p);
                if (startswith(p, "Parsing config from "))
                        continue;
                if ((size_t) (end - p) > sl + 1 && strncmp(p, MEMFD_PATH, sl) == 0 && p[sl] == ':')
                        p += sl + 1;
                while (p < end && (*p == ' ' || *p == '\t'))
                        p++;
                while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                        end--;
                if (p == end)
                        continue;
                if (n > 0 && n + 2 < REASON_MAX) {
                        out[n++] = ';';
                        out[n++] = ' ';
                }
                for (; p < end && n < REASON_MAX; p++)
                        out[n++] = (unsigned char) *p < 0x20 || *p == 0x7f ? '?' : *p;
        }
        out[n] = 0;
        return out;
}

static int dryrun_run(void *userdata, int fd) {
        Item *it = userdata;
        int cfg, null;

        /* In the child: the text in a memory file at a known descriptor, xl's messages into the
         * result file, its output (the configuration as JSON) nowhere. */
        cfg = memfd_create("xen-dom0d-guest-cfg", 0);
        null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (cfg < 0 || null < 0 || write(cfg, it->text, it->size) != (ssize_t) it->size ||
            dup2(fd, STDERR_FILENO) < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
            (cfg != MEMFD_FD && dup2(cfg, MEMFD_FD) < 0)) {
                dprintf(fd, "cannot set up xl's run: %m\n");
                return -EXIT_NO_EXEC;
        }
        execl(it->xl, "xl", "-N", "create", MEMFD_PATH, (char *) NULL);
        dprintf(STDERR_FILENO, "%s: %m\n", it->xl);
        return -EXIT_NO_EXEC;
}

static int pump(XlDryRun *x, bool in_loop);

static void dryrun_done(void *userdata, int error, const char *data, size_t size) {
        Item *it = userdata;
        XlDryRun *x = it->owner;
        /* what xl (or the child, when it could not run xl) wrote */
        _cleanup_free_ char *why = IN_SET(error, -XL_EXIT_FAILURE, -EXIT_NO_EXEC) ? reason_of(data) : NULL;
        char *reason = NULL;

        it->child = NULL;
        x->running--;
        /* xl says no to a configuration with exit status 1 and its reason. Anything else (no
         * answer in time, no xl to run, a crash, a result that could not be read) is no verdict
         * on the settings, and is not kept past the findings that report it. */
        if (error == 0) {
                log_debug("Guest %s: xl -N create accepts its settings", it->name);
                record(x, it->hash, VERDICT_OK, NULL);
        } else if (error == -XL_EXIT_FAILURE && !isempty(why) && !strstr(why, XL_NO_CONTEXT)) {
                log_info("Guest %s: xl -N create refuses its settings: %s", it->name, why);
                record(x, it->hash, VERDICT_REFUSED, TAKE_PTR(why));
        } else {
                int k;

                if (error == -ETIMEDOUT)
                        k = asprintf(&reason, "xl -N create did not answer within %llu s",
                                     (unsigned long long) (x->timeout_usec / 1000000ULL));
                else if (IN_SET(error, -XL_EXIT_FAILURE, -EXIT_NO_EXEC))
                        /* an empty reason, or xl could not open the hypervisor */
                        k = asprintf(&reason, "%s: %s", error == -EXIT_NO_EXEC ? "cannot run xl" : "xl failed",
                                     isempty(why) ? "no message" : why);
                else /* a status xl does not use for a verdict, or killed (xen-child.c: -EIO) */
                        k = asprintf(&reason, "xl -N create ended without a verdict (%s %d)",
                                     error == -EIO ? "killed, or exit status" : "exit status", -error);
                if (k < 0)
                        reason = NULL;
                log_warning("Guest %s: its settings are not checked: %s", it->name, strna(reason));
                record(x, it->hash, VERDICT_NOT_CHECKED, reason);
        }
        free(TAKE_PTR(it->text));
        (void) pump(x, true);
}

static int on_round_done(sd_event_source *s, void *userdata) {
        XlDryRun *x = userdata;

        x->defer = sd_event_source_disable_unref(x->defer);
        /* a caller added runs since: the round ends with them */
        if (x->running > 0 || x->next < x->n_queue)
                return 0;
        queue_clear(x);
        waiters_call(x, false);
        return 0;
}

/* Starts what may start; once nothing is left, ends the round. Fails only outside the loop,
 * where no waiter may be called. */
static int pump(XlDryRun *x, bool in_loop) {
        while (x->running < DRYRUN_PARALLEL && x->next < x->n_queue) {
                Item *it = x->queue[x->next++];
                int r;

                r = xen_child_start(x->event, "xl -N create", x->timeout_usec, dryrun_run, dryrun_done, it,
                                    &it->child);
                if (r < 0) {
                        char *reason;
                        log_warning_errno(r, "Guest %s: cannot start xl -N create: %m", it->name);
                        record(x, it->hash, VERDICT_NOT_CHECKED,
                               asprintf(&reason, "cannot start xl: %s", strerror(-r)) < 0 ? NULL : reason);
                        continue;
                }
                x->running++;
        }
        if (x->running > 0 || x->next < x->n_queue || x->defer)
                return 0;
        /* From the loop: a waiter may start the next round, and the caller of xl_dryrun_start()
         * expects no call before it returned. */
        if (sd_event_add_defer(x->event, &x->defer, on_round_done, x) < 0) {
                if (!in_loop)
                        return -ENOMEM;
                log_error("Cannot schedule the end of xl's checks: its callers go on now");
                queue_clear(x);
                waiters_call(x, false);
        }
        return 0;
}

/* The guest whose rendered xl.cfg is path, when it has settings. */
static const Guest *guest_of_path(const Config *c, const char *path) {
        const char *name = startswith(path, PATH_GUESTS_DIR "/"), *dot;
        char buf[GUEST_NAME_MAX + 1];
        const Guest *g;

        if (!name || !(dot = strrchr(name, '.')) || !streq(dot, ".cfg") || (size_t) (dot - name) > GUEST_NAME_MAX ||
            strchr(name, '/'))
                return NULL;
        memcpy(buf, name, dot - name);
        buf[dot - name] = 0;
        g = guests_find(&c->guests, buf);
        return g && g->has_settings ? g : NULL;
}

/* The rendered xl.cfg in files at path, a changed file, when it is a guest's with settings
 * (*ret_guest); else NULL. */
static const RenderedFile *guest_file(const Config *c, const FileSet *files, const char *path,
                                      const Guest **ret_guest) {
        const Guest *g = guest_of_path(c, path);

        *ret_guest = g;
        return g ? fileset_find(files, path) : NULL;
}

/* The setting xl's message names: the first key of the guest's settings that it holds as a
 * word. */
static const XlSetting *setting_named(const Guest *g, const char *reason) {
        for (size_t i = 0; i < g->settings.n; i++) {
                const char *key = g->settings.items[i].key;
                size_t kl = strlen(key);

                for (const char *p = strstr(reason, key); p; p = strstr(p + 1, key)) {
                        bool before = p == reason || !(isalnum((unsigned char) p[-1]) || p[-1] == '_'),
                             after = !(isalnum((unsigned char) p[kl]) || p[kl] == '_');
                        if (before && after)
                                return &g->settings.items[i];
                }
        }
        return NULL;
}

size_t xl_dryrun_findings(XlDryRun *x, const char *xl, const Config *c, const FileSet *files, char *const *changed,
                          const char *path, Diagnostics *d) {
        size_t unknown = 0, seen = 0;

        if (!x || !xl)
                return 0;
        x->round++;
        STRV_FOREACH(p, changed) {
                const Guest *g;
                const RenderedFile *f = guest_file(c, files, *p, &g);
                const XlSetting *s;
                char section[GUEST_NAME_MAX + 32];
                Known *k;

                if (!f)
                        continue;
                k = known_find(x, hash_of(xl, f));
                if (!k) {
                        unknown++;
                        continue;
                }
                k->seen = x->round;
                seen++;
                snprintf(section, sizeof section, "[guests.%s.settings]", g->name);
                if (k->verdict == VERDICT_REFUSED) {
                        s = k->reason ? setting_named(g, k->reason) : NULL;
                        if (s) {
                                char key[GUEST_NAME_MAX + 300];
                                snprintf(key, sizeof key, "guests.%s.settings.%s", g->name, s->key);
                                diag_add(d, DIAG_ERROR, DIAG_VALUE, path, s->line, key, "xl -N create refuses it: %s",
                                         strna(k->reason));
                        } else
                                diag_add(d, DIAG_ERROR, DIAG_VALUE, path, g->settings_line, section,
                                         "xl -N create refuses these settings: %s", strna(k->reason));
                } else if (k->verdict == VERDICT_NOT_CHECKED) {
                        diag_add(d, DIAG_WARNING, DIAG_VALUE, path, g->settings_line, section,
                                 "not checked by xl -N create: %s", strna(k->reason));
                        /* Told once: the next Diff or Reload asks xl again, so that a store that
                         * was slow for a moment (or a Diff at that moment) cannot let a later
                         * Reload through unchecked. */
                        free(k->reason);
                        *k = x->known[--x->n_known];
                        seen--;
                }
        }
        /* Forget the verdicts of texts no longer asked for, once they outnumber the rest. */
        if (x->n_known > 2 * seen + 64) {
                size_t j = 0;
                for (size_t i = 0; i < x->n_known; i++) {
                        if (x->known[i].seen + 1 >= x->round)
                                x->known[j++] = x->known[i];
                        else
                                free(x->known[i].reason);
                }
                x->n_known = j;
        }
        return unknown;
}

int xl_dryrun_start(XlDryRun *x, const char *xl, const Config *c, const FileSet *files, char *const *changed,
                    bool capped, XlDryRunDone done, void *userdata) {
        Waiter *w;

        if (capped && x->n_capped >= DRYRUN_WAITERS_MAX)
                return -EBUSY;
        STRV_FOREACH(p, changed) {
                const Guest *g;
                const RenderedFile *f = guest_file(c, files, *p, &g);
                Item *it, **q;
                uint64_t h;

                if (!f)
                        continue;
                h = hash_of(xl, f);
                if (known_find(x, h) || queued(x, h))
                        continue;
                it = calloc(1, sizeof(Item));
                q = reallocarray(x->queue, x->n_queue + 1, sizeof(Item *));
                if (q)
                        x->queue = q;
                if (!it || !q || !(it->xl = strdup(xl)) || !(it->name = strdup(g->name)) ||
                    !(it->text = malloc(f->size + 1))) {
                        item_free(it);
                        return -ENOMEM;
                }
                memcpy(it->text, f->content, f->size);
                it->text[f->size] = 0;
                it->owner = x;
                it->hash = h;
                it->size = f->size;
                x->queue[x->n_queue++] = it;
        }
        w = reallocarray(x->waiters, x->n_waiters + 1, sizeof(Waiter));
        if (!w)
                return -ENOMEM;
        x->waiters = w;
        x->waiters[x->n_waiters++] = (Waiter) { .done = done, .userdata = userdata };
        if (pump(x, false) < 0) {
                x->n_waiters--;
                return -ENOMEM;
        }
        if (capped)
                x->n_capped++;
        return 0;
}
