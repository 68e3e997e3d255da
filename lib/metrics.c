/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One writer, two formats. They differ in four places only: OpenMetrics names a counter's
 * family without "_total", has an info type and a UNIT line, and ends with "# EOF"; the 0.0.4
 * text format names the family as its sample is named, knows no info type (a gauge of 1) and
 * no units. Every value is an integer, or a fixed-point decimal of one, so that the text is
 * exact and the same on every machine. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "metrics.h"
#include "utf8.h"

static const char *const format_names[_METRICS_FORMAT_MAX] = {
        [METRICS_OPENMETRICS] = "openmetrics",
        [METRICS_PROMETHEUS] = "prometheus",
};

const char *metrics_format_to_string(MetricsFormat f) {
        return f >= 0 && f < _METRICS_FORMAT_MAX ? format_names[f] : NULL;
}

MetricsFormat metrics_format_from_string(const char *s) {
        for (int i = 0; s && i < _METRICS_FORMAT_MAX; i++)
                if (streq(format_names[i], s))
                        return (MetricsFormat) i;
        return _METRICS_FORMAT_INVALID;
}

const char *metrics_format_content_type(MetricsFormat f) {
        return f == METRICS_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                        : "text/plain; version=0.0.4; charset=utf-8";
}

static const char *const flag_names[_METRICS_DOMAIN_FLAG_COUNT] = {
        "running", "blocked", "paused", "shutdown", "dying",
};

const char *metrics_domain_flag_name(unsigned bit_index) {
        return bit_index < _METRICS_DOMAIN_FLAG_COUNT ? flag_names[bit_index] : NULL;
}

static const char *const restart_reasons[_RESTART_REASON_MAX] = {
        [RESTART_REASON_FAILED] = "failed",
        [RESTART_REASON_RESTART_FAILED] = "restart_failed",
        [RESTART_REASON_REQUESTED] = "requested",
        [RESTART_REASON_RELOAD] = "reload",
};

const char *restart_reason_to_string(RestartReason r) {
        return r >= 0 && r < _RESTART_REASON_MAX ? restart_reasons[r] : NULL;
}

static const char *const reload_results[_RELOAD_RESULT_MAX] = {
        [RELOAD_SUCCEEDED] = "succeeded",
        [RELOAD_REFUSED] = "refused",
        [RELOAD_FAILED] = "failed",
};

const char *reload_result_to_string(ReloadResult r) {
        return r >= 0 && r < _RELOAD_RESULT_MAX ? reload_results[r] : NULL;
}

typedef enum MetricType {
        TYPE_GAUGE,
        TYPE_COUNTER,
        TYPE_INFO,
        TYPE_SUMMARY,
} MetricType;

typedef struct Writer {
        FILE *f;
        MetricsFormat format;
        const char *family;
        MetricType type;
} Writer;

/* value / 10^digits, written exactly */
typedef struct Num {
        uint64_t v;
        unsigned digits;
} Num;

#define INT(x) ((Num) { (uint64_t) (x), 0 })
#define USEC(x) ((Num) { (uint64_t) (x), 6 })
#define NSEC(x) ((Num) { (uint64_t) (x), 9 })
#define KIB_AS_BYTES(x) INT((uint64_t) (x) * 1024)

static void family(Writer *w, const char *name, MetricType type, const char *unit, const char *help) {
        bool om = w->format == METRICS_OPENMETRICS;
        const char *suffix = "";

        w->family = name;
        w->type = type;
        if (!om && type == TYPE_COUNTER)
                suffix = "_total";
        else if (!om && type == TYPE_INFO)
                suffix = "_info";
        static const char *const om_types[] = { "gauge", "counter", "info", "summary" };
        static const char *const prom_types[] = { "gauge", "counter", "gauge", "summary" };
        fprintf(w->f, "# HELP %s%s %s\n", name, suffix, help);
        fprintf(w->f, "# TYPE %s%s %s\n", name, suffix, (om ? om_types : prom_types)[type]);
        if (om && unit)
                fprintf(w->f, "# UNIT %s %s\n", name, unit);
}

/* Both formats want UTF-8; a domain's name comes from the store as any bytes. What is not
 * well-formed goes out as U+FFFD, a byte at a time. */
static void put_invalid_utf8(FILE *f, const char *v) {
        while (*v) {
                unsigned char c = (unsigned char) *v;
                size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;

                if (k > 0 && strnlen(v, k) == k && utf8_is_valid(v, k)) {
                        if (*v == '\\' || *v == '"' || *v == '\n')
                                fputs(*v == '\n' ? "\\n" : *v == '"' ? "\\\"" : "\\\\", f);
                        else
                                fwrite(v, 1, k, f);
                        v += k;
                } else {
                        fputs("\xef\xbf\xbd", f);
                        v++;
                }
        }
}

/* The runs between characters to escape go out whole: a character at a time was a sixth of
 * the time of a text of 1,000 guests. */
static void put_label_value(FILE *f, const char *v) {
        if (!utf8_is_valid(v, strlen(v))) {
                put_invalid_utf8(f, v);
                return;
        }
        for (;;) {
                size_t n = strcspn(v, "\\\"\n");

                fwrite(v, 1, n, f);
                v += n;
                if (!*v)
                        return;
                fputs(*v == '\n' ? "\\n" : *v == '"' ? "\\\"" : "\\\\", f);
                v++;
        }
}

static void put_num(FILE *f, Num n) {
        uint64_t scale = 1;

        for (unsigned i = 0; i < n.digits; i++)
                scale *= 10;
        fprintf(f, "%" PRIu64, n.v / scale);
        if (n.digits > 0 && n.v % scale != 0) {
                char frac[24];
                int len = snprintf(frac, sizeof frac, "%0*" PRIu64, (int) n.digits, n.v % scale);
                while (len > 0 && frac[len - 1] == '0')
                        frac[--len] = 0;
                fprintf(f, ".%s", frac);
        }
}

/* suffix: appended to the family's name ("_sum"; counters and infos get theirs here). Then
 * label name/value pairs, NULL-terminated. */
static void sample(Writer *w, const char *suffix, Num value, ...) {
        const char *name;
        bool first = true;
        va_list ap;

        if (!suffix)
                suffix = w->type == TYPE_COUNTER ? "_total" : w->type == TYPE_INFO ? "_info" : "";
        fputs(w->family, w->f);
        fputs(suffix, w->f);
        va_start(ap, value);
        while ((name = va_arg(ap, const char *))) {
                const char *v = va_arg(ap, const char *);
                fputc(first ? '{' : ',', w->f);
                fputs(name, w->f);
                fputs("=\"", w->f);
                put_label_value(w->f, v);
                fputc('"', w->f);
                first = false;
        }
        va_end(ap);
        fputs(first ? " " : "} ", w->f);
        put_num(w->f, value);
        fputc('\n', w->f);
}

/* ---- the families ------------------------------------------------------------------------ */

#define DOMAIN_LABELS(d, id) "domain", (d)->name, "domid", (id)

static int write_domains(Writer *w, const MetricsSnapshot *s) {
        char (*ids)[11] = NULL;

        family(w, "xen_domains", TYPE_GAUGE, NULL, "Domains the hypervisor runs, Domain 0 included, dying ones not.");
        sample(w, NULL, INT(s->n_domains), NULL);
        if (s->n_domains == 0)
                goto host;
        ids = calloc(s->n_domains, sizeof *ids);
        if (!ids)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_domains; i++)
                snprintf(ids[i], sizeof ids[i], "%" PRIu32, s->domains[i].domid);

        family(w, "xen_domain", TYPE_INFO, NULL, "A domain's name, domid and UUID.");
        for (size_t i = 0; i < s->n_domains; i++)
                sample(w, NULL, INT(1), DOMAIN_LABELS(&s->domains[i], ids[i]), "uuid", s->domains[i].uuid, NULL);
        family(w, "xen_domain_state", TYPE_GAUGE, NULL,
               "The hypervisor's state flags of a domain, 1 when set; several may be set at once.");
        for (size_t i = 0; i < s->n_domains; i++)
                for (unsigned b = 0; b < _METRICS_DOMAIN_FLAG_COUNT; b++)
                        sample(w, NULL, INT(!!(s->domains[i].flags & (1u << b))), DOMAIN_LABELS(&s->domains[i], ids[i]),
                               "state", flag_names[b], NULL);
        family(w, "xen_domain_shutdown_reason", TYPE_GAUGE, NULL, "Why a domain that is shut down shut down.");
        for (size_t i = 0; i < s->n_domains; i++)
                if (s->domains[i].flags & METRICS_DOMAIN_SHUTDOWN)
                        sample(w, NULL, INT(1), DOMAIN_LABELS(&s->domains[i], ids[i]), "reason",
                               s->domains[i].shutdown_reason ?: "unknown", NULL);
        family(w, "xen_domain_cpu_seconds", TYPE_COUNTER, "seconds", "CPU time a domain used, all its vCPUs together.");
        for (size_t i = 0; i < s->n_domains; i++)
                sample(w, NULL, NSEC(s->domains[i].cpu_time_ns), DOMAIN_LABELS(&s->domains[i], ids[i]), NULL);
        family(w, "xen_domain_memory_bytes", TYPE_GAUGE, "bytes", "Memory a domain has now.");
        for (size_t i = 0; i < s->n_domains; i++)
                sample(w, NULL, KIB_AS_BYTES(s->domains[i].memory_kib), DOMAIN_LABELS(&s->domains[i], ids[i]), NULL);
        family(w, "xen_domain_memory_max_bytes", TYPE_GAUGE, "bytes", "The most memory a domain may have.");
        for (size_t i = 0; i < s->n_domains; i++)
                sample(w, NULL, KIB_AS_BYTES(s->domains[i].max_memory_kib), DOMAIN_LABELS(&s->domains[i], ids[i]),
                       NULL);
        family(w, "xen_domain_vcpus", TYPE_GAUGE, NULL, "A domain's vCPUs online.");
        for (size_t i = 0; i < s->n_domains; i++)
                sample(w, NULL, INT(s->domains[i].vcpus), DOMAIN_LABELS(&s->domains[i], ids[i]), NULL);
        family(w, "xen_domain_vcpus_max", TYPE_GAUGE, NULL, "The most vCPUs a domain may bring online.");
        for (size_t i = 0; i < s->n_domains; i++)
                sample(w, NULL, INT(s->domains[i].max_vcpus), DOMAIN_LABELS(&s->domains[i], ids[i]), NULL);
        family(w, "xen_domain_guest", TYPE_INFO, NULL,
               "The declared guest a domain runs (xen-dom0.conf's [guests.NAME]): its unit and readiness.");
        for (size_t i = 0; i < s->n_domains; i++)
                if (s->domains[i].declared)
                        sample(w, NULL, INT(1), DOMAIN_LABELS(&s->domains[i], ids[i]), "unit",
                               strempty(s->domains[i].unit), "readiness", strempty(s->domains[i].readiness), NULL);
        family(w, "xen_domain_guest_up", TYPE_GAUGE, NULL,
               "1 when a declared guest is up, its readiness met; 0 while it starts or waits for it.");
        for (size_t i = 0; i < s->n_domains; i++)
                if (s->domains[i].declared)
                        sample(w, NULL, INT(s->domains[i].ready), DOMAIN_LABELS(&s->domains[i], ids[i]), NULL);
        family(w, "xen_domain_start_time_seconds", TYPE_GAUGE, "seconds",
               "When a domain was created, in seconds since the epoch; absent when the toolstack did not record it.");
        for (size_t i = 0; i < s->n_domains; i++)
                if (s->domains[i].start_time_usec > 0)
                        sample(w, NULL, USEC(s->domains[i].start_time_usec), DOMAIN_LABELS(&s->domains[i], ids[i]),
                               NULL);
host:
        free(ids);
        family(w, "xen_memory_total_bytes", TYPE_GAUGE, "bytes", "The host's memory, as the hypervisor counts it.");
        sample(w, NULL, KIB_AS_BYTES(s->host_total_kib), NULL);
        family(w, "xen_memory_free_bytes", TYPE_GAUGE, "bytes", "Memory no domain has, free for new ones.");
        sample(w, NULL, KIB_AS_BYTES(s->host_free_kib), NULL);
        return 0;
}

static void write_stack(Writer *w, const MetricsSnapshot *s) {
        family(w, "xen_dom0d_state", TYPE_GAUGE, NULL, "The supervisor's state, 1 for the one it is in.");
        for (size_t i = 0; s->states && s->states[i]; i++)
                sample(w, NULL, INT(streq(s->states[i], s->state)), "state", s->states[i], NULL);

        family(w, "xen_component_state", TYPE_GAUGE, NULL, "Each component's state, 1 for the one it is in.");
        for (size_t c = 0; c < s->n_components; c++)
                for (size_t i = 0; s->component_states && s->component_states[i]; i++)
                        sample(w, NULL, INT(streq(s->component_states[i], s->components[c].state)), "component",
                               s->components[c].name, "state", s->component_states[i], NULL);
        family(w, "xen_component_restarts", TYPE_COUNTER, NULL,
               "Restarts of a component by the supervisor since it started, for every reason.");
        for (size_t c = 0; c < s->n_components; c++) {
                uint64_t n = 0;
                for (size_t r = 0; r < _RESTART_REASON_MAX; r++)
                        n += s->components[c].restarts[r];
                sample(w, NULL, INT(n), "component", s->components[c].name, NULL);
        }
        family(w, "xen_component_restarts_by_reason", TYPE_COUNTER, NULL,
               "Restarts of a component by the supervisor since it started, by reason.");
        for (size_t c = 0; c < s->n_components; c++)
                for (size_t r = 0; r < _RESTART_REASON_MAX; r++)
                        sample(w, NULL, INT(s->components[c].restarts[r]), "component", s->components[c].name,
                               "reason", restart_reasons[r], NULL);
        family(w, "xen_component_last_restart_timestamp_seconds", TYPE_GAUGE, "seconds",
               "When the supervisor last restarted a component, in seconds since the epoch; 0 if never.");
        for (size_t c = 0; c < s->n_components; c++)
                sample(w, NULL, USEC(s->components[c].last_restart_usec), "component", s->components[c].name, NULL);

        family(w, "xen_reloads", TYPE_COUNTER, NULL,
               "Reloads of the configuration: succeeded, refused (invalid file, nothing changed) or failed.");
        for (size_t r = 0; r < _RELOAD_RESULT_MAX; r++)
                sample(w, NULL, INT(s->reloads[r]), "result", reload_results[r], NULL);
        family(w, "xen_reboot_pending", TYPE_GAUGE, NULL, "1 when a setting in effect differs from the file until a reboot.");
        sample(w, NULL, INT(s->pending_reboot && s->pending_reboot[0]), NULL);
        family(w, "xen_reboot_pending_reason", TYPE_GAUGE, NULL, "The options that wait for a reboot, 1 each.");
        for (char **p = s->pending_reboot; p && *p; p++)
                sample(w, NULL, INT(1), "reason", *p, NULL);

        family(w, "xen_store_responsive", TYPE_GAUGE, NULL,
               "1 while the periodic probe of xenstored is answered; absent while the stack is not the supervisor's.");
        if (s->have_store)
                sample(w, NULL, INT(s->store_responsive), NULL);
        family(w, "xen_store_probe_duration_seconds", TYPE_SUMMARY, "seconds",
               "How long xenstored took to answer the supervisor's probes.");
        sample(w, "_sum", USEC(s->store_probe_usec), NULL);
        sample(w, "_count", INT(s->store_probes), NULL);
        family(w, "xen_store_probe_failures", TYPE_COUNTER, NULL, "Probes of xenstored that got no answer in time.");
        sample(w, NULL, INT(s->store_probe_failures), NULL);
        family(w, "xen_store_last_answer_timestamp_seconds", TYPE_GAUGE, "seconds",
               "When xenstored last answered a probe, in seconds since the epoch; 0 if never.");
        sample(w, NULL, USEC(s->store_last_answer_usec), NULL);

        family(w, "xen_bringup_duration_seconds", TYPE_GAUGE, "seconds",
               "How long bringing the stack up took; absent until it settled.");
        if (s->have_bringup)
                sample(w, NULL, USEC(s->bringup_usec), NULL);
        family(w, "xen_dom0d_cpu_seconds", TYPE_COUNTER, "seconds", "CPU time the supervisor used, user and system.");
        sample(w, NULL, USEC(s->self_cpu_usec), NULL);
        family(w, "xen_dom0d_resident_memory_bytes", TYPE_GAUGE, "bytes", "The supervisor's resident memory.");
        sample(w, NULL, INT(s->self_rss_bytes), NULL);
}

int metrics_write(FILE *f, MetricsFormat format, const MetricsSnapshot *s) {
        Writer w = { .f = f, .format = format };

        if (format < 0 || format >= _METRICS_FORMAT_MAX)
                return -EINVAL;
        if (s->have_xen) {
                int r = write_domains(&w, s);
                if (r < 0)
                        return r;
        }
        write_stack(&w, s);
        if (format == METRICS_OPENMETRICS)
                fputs("# EOF\n", f);
        return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}
