/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The NixOS module's assertions and the cross-option checks, on a configuration as read. */

#include <inttypes.h>
#include <sys/utsname.h>

#include "dom0-config.h"
#include "strv.h"

/* The line to blame for a cross-option finding: the last of the given keys that was set. */
static unsigned blame_line(const Config *c, OptionId a, OptionId b) {
        unsigned la = c->v[a].set ? c->v[a].line : 0, lb = c->v[b].set ? c->v[b].line : 0;
        return la > lb ? la : lb;
}

/* Warnings about xen.bootParams: a parameter an option sets already (Xen takes the last one
 * given, the one from bootParams, and the option then says something the host does not do),
 * and commas where blanks separate parameters. */
static void boot_params_warnings(const Config *c, Diagnostics *d) {
        static const struct {
                const char *param;
                OptionId by;
        } derived[] = {
                { "dom0_mem", OPT_DOM0_MEMORY },
                { "dom0_max_vcpus", OPT_DOM0_MAX_VCPUS },
                { "loglvl", OPT_TRACE },
                { "guest_loglvl", OPT_TRACE },
        };
        const OptionValue *v = &c->v[OPT_BOOT_PARAMS];

        if (!v->set || v->invalid)
                return;
        STRV_FOREACH(w, v->l) {
                size_t n = strcspn(*w, "=");

                for (size_t i = 0; i < ELEMENTSOF(derived); i++) {
                        const OptionValue *o = &c->v[derived[i].by];

                        if (strlen(derived[i].param) != n || strncmp(*w, derived[i].param, n) != 0 || o->invalid ||
                            !(option_table[derived[i].by].type == OPTION_BOOL ? o->b : o->i != 0))
                                continue;
                        diag_add(d, DIAG_WARNING, DIAG_VALUE, c->path, v->line, "xen.bootParams",
                                 "\"%s\" overrides %s, which sets %s= already (Xen takes the last one given); "
                                 "set %s alone",
                                 *w, option_table[derived[i].by].name, derived[i].param,
                                 option_table[derived[i].by].name);
                }
                if (**w == ',' || endswith(*w, ","))
                        diag_add(d, DIAG_WARNING, DIAG_VALUE, c->path, v->line, "xen.bootParams",
                                 "\"%s\": parameters are separated by blanks, not commas; the comma becomes part "
                                 "of a parameter",
                                 *w);
        }
}

int config_validate(const Config *c, const char *machine, Diagnostics *d) {
        const OptionValue *v = c->v;
        size_t errors_before = d->n_errors;
        struct utsname u;

        if (!machine) {
                if (uname(&u) < 0)
                        return -errno;
                machine = u.machine;
        }
        if (guests_validate(&c->guests, c->path, d) < 0 || guests_check_auto(&c->guests, c->path, d) < 0)
                return -ENOMEM;
        if (!streq(machine, "x86_64"))
                diag_add(d, DIAG_ERROR, DIAG_PLAIN, c->path, v[OPT_ENABLE].line, "xen.enable",
                         "the Xen Domain 0 stack is supported on x86_64 hosts only, this host is %s", machine);

        /* A check that involves a refused value would judge the default in its place. */
#define VALID(a, b) (!v[a].invalid && !v[b].invalid)
        if (VALID(OPT_DOM0_MEMORY, OPT_DOM0_MAX_MEMORY) && v[OPT_DOM0_MEMORY].i != 0 &&
            v[OPT_DOM0_MAX_MEMORY].i < v[OPT_DOM0_MEMORY].i)
                diag_add(d, DIAG_ERROR, DIAG_VALUE, c->path, blame_line(c, OPT_DOM0_MEMORY, OPT_DOM0_MAX_MEMORY),
                         "dom0Resources.maxMemory",
                         "maxMemory (%" PRId64 " MiB) must be at least dom0Resources.memory (%" PRId64 " MiB)",
                         v[OPT_DOM0_MAX_MEMORY].i, v[OPT_DOM0_MEMORY].i);

        if (VALID(OPT_DEBUG, OPT_TRACE) && v[OPT_DEBUG].b && !v[OPT_TRACE].b)
                diag_add(d, DIAG_ERROR, DIAG_PLAIN, c->path, blame_line(c, OPT_DEBUG, OPT_TRACE), "xen.trace",
                         "debugging features are enabled, but logging is disabled (xen.debug = true requires "
                         "xen.trace = true)");

        if (VALID(OPT_QUOTA_MAX_WATCH_EVENTS, OPT_QUOTA_MAX_OUTSTANDING) &&
            v[OPT_QUOTA_MAX_WATCH_EVENTS].i < v[OPT_QUOTA_MAX_OUTSTANDING].i)
                diag_add(d, DIAG_ERROR, DIAG_VALUE, c->path,
                         blame_line(c, OPT_QUOTA_MAX_WATCH_EVENTS, OPT_QUOTA_MAX_OUTSTANDING),
                         "store.settings.quota.maxWatchEvents",
                         "maxWatchEvents (%" PRId64 ") must be at least quota.maxOutstanding (%" PRId64
                         "), or a malicious frontend can make the store queue events without bound",
                         v[OPT_QUOTA_MAX_WATCH_EVENTS].i, v[OPT_QUOTA_MAX_OUTSTANDING].i);

        if (!v[OPT_STORE_PATH].invalid && v[OPT_STORE_TYPE].e == 0 && !endswith(v[OPT_STORE_PATH].s, "/oxenstored") &&
            v[OPT_STORE_PATH].set)
                diag_add(d, DIAG_WARNING, DIAG_VALUE, c->path, v[OPT_STORE_PATH].line, "store.path",
                         "%s is taken as the OCaml oxenstored because its name ends in oxenstored",
                         v[OPT_STORE_PATH].s);
#undef VALID
        boot_params_warnings(c, d);

        return d->oom ? -ENOMEM : d->n_errors > errors_before ? -EINVAL : 0;
}
