/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The metrics text (lib/metrics.c): golden files of fixed snapshots with 0 and 10 guests in
 * both formats (UPDATE_GOLDEN=1 rewrites them; review the diff), the size at 1,000 guests, and
 * properties that hold whatever the golden files say. test-metrics-bus.sh checks the same text
 * with promtool and an OpenMetrics parser. */
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "metrics.h"
#include "strv.h"
#include "test-util.h"

static const char *const states[] = { "starting", "running", "degraded", "reloading", "stopping", "disabled", NULL };
static const char *const component_states[] = { "pending", "starting", "probing", "active", "failed",
                                                 "skipped", "stopped", "restarting", NULL };
static const char *const component_names[] = { "proc-xen", "xenstored", "xen-init-dom0", "xenconsoled",
                                               "xen-qemu-dom0-disk-backend", "xendomains", "xen-watchdog" };

typedef struct Fixture {
        MetricsSnapshot s;
        MetricsDomain *domains;
        char **names;
        MetricsComponent components[7];
} Fixture;

/* A host with n guests besides Domain 0; every value is derived from the domid, so the text
 * is the same on every run. The first guests cover what is rare: paused, shut down for each
 * reason, dying, no start time, a name that needs escaping, one that is not UTF-8. */
static void fixture_init(Fixture *f, size_t n) {
        static const char *const reasons[] = { "poweroff", "crash", "watchdog" };

        *f = (Fixture) {};
        f->domains = calloc(n + 1, sizeof(MetricsDomain));
        f->names = calloc(n + 2, sizeof(char *));
        ck_assert_ptr_nonnull(f->domains);
        ck_assert_ptr_nonnull(f->names);
        for (size_t i = 0; i <= n; i++) {
                MetricsDomain *d = &f->domains[i];

                if (i == 0)
                        f->names[i] = strdup("Domain-0");
                else if (i == 2)
                        f->names[i] = strdup("quote\"back\\slash\nnewline");
                else if (i == 8) /* not UTF-8: a lone continuation byte, a cut sequence */
                        f->names[i] = strdup("bad\x80name\xc3");
                else
                        ck_assert_int_ge(asprintf(&f->names[i], "guest-%zu", i), 0);
                ck_assert_ptr_nonnull(f->names[i]);
                *d = (MetricsDomain) {
                        .domid = (uint32_t) i,
                        .name = f->names[i],
                        .flags = METRICS_DOMAIN_RUNNING,
                        .cpu_time_ns = i * 1500000000ULL + 123,
                        .memory_kib = i == 0 ? 1048576 : 131072 * (1 + i % 4),
                        .max_memory_kib = i == 0 ? 1572864 : 131072 * (1 + i % 4) + 65536,
                        .vcpus = 1 + (uint32_t) (i % 3),
                        .max_vcpus = 4,
                        .start_time_usec = i == 0 ? 0 : 1796169600000000ULL + i * 10000ULL,
                };
                snprintf(d->uuid, sizeof d->uuid, "00000000-0000-4000-8000-%012x", (unsigned) i);
                if (i == 3)
                        d->flags = METRICS_DOMAIN_PAUSED | METRICS_DOMAIN_BLOCKED;
                if (i >= 4 && i <= 6) {
                        d->flags = METRICS_DOMAIN_SHUTDOWN;
                        d->shutdown_reason = reasons[i - 4];
                }
                if (i == 7)
                        d->flags = METRICS_DOMAIN_SHUTDOWN | METRICS_DOMAIN_DYING; /* reason not known */
                /* declared guests: up, or waiting for their readiness key */
                if (i == 1 || i == 9) {
                        d->declared = true;
                        d->unit = i == 1 ? "xen-guest@guest-1.service" : "xen-guest@guest-9.service";
                        d->readiness = i == 1 ? "started" : "xenstore:data/ready";
                        d->ready = i == 1;
                }
        }
        for (size_t c = 0; c < ELEMENTSOF(f->components); c++)
                f->components[c] = (MetricsComponent) { .name = component_names[c], .state = "active" };
        f->components[3].state = "restarting";
        f->components[3].restarts[RESTART_REASON_FAILED] = 2;
        f->components[3].restarts[RESTART_REASON_RELOAD] = 1;
        f->components[3].last_restart_usec = 1796169700250000ULL;
        f->components[5].state = "failed";
        f->s = (MetricsSnapshot) {
                .have_xen = true,
                .domains = f->domains,
                .n_domains = n + 1,
                .host_total_kib = 64ULL << 20,
                .host_free_kib = 32ULL << 20,
                .state = "degraded",
                .states = states,
                .components = f->components,
                .n_components = ELEMENTSOF(f->components),
                .component_states = component_states,
                .reloads = { 3, 1, 0 },
                .have_store = true,
                .store_responsive = true,
                .store_probes = 40,
                .store_probe_usec = 123456,
                .store_probe_failures = 1,
                .store_last_answer_usec = 1796169800000000ULL,
                .have_bringup = true,
                .bringup_usec = 8750000,
                .self_cpu_usec = 1250000,
                .self_rss_bytes = 4 << 20,
        };
}

static void fixture_done(Fixture *f) {
        strv_free(f->names);
        free(f->domains);
}

static char *write_text(const MetricsSnapshot *s, MetricsFormat format, size_t *ret_size) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(metrics_write(f, format, s), 0);
        ck_assert_int_eq(fclose(f), 0);
        if (ret_size)
                *ret_size = size;
        return text;
}

static const struct {
        const char *golden;
        size_t guests;
        bool no_xen;
        MetricsFormat format;
} cases[] = {
        { "metrics/10-guests.om", 10, false, METRICS_OPENMETRICS },
        { "metrics/10-guests.prom", 10, false, METRICS_PROMETHEUS },
        { "metrics/0-guests.om", 0, false, METRICS_OPENMETRICS },
        { "metrics/0-guests.prom", 0, false, METRICS_PROMETHEUS },
        { "metrics/no-hypervisor.om", 0, true, METRICS_OPENMETRICS },
};

START_TEST(test_golden) {
        _cleanup_free_ char *rel = NULL, *got = NULL;
        Fixture f;

        fixture_init(&f, cases[_i].guests);
        if (cases[_i].no_xen) {
                f.s.have_xen = false;
                f.s.state = "starting";
                f.s.have_bringup = false;
        }
        got = write_text(&f.s, cases[_i].format, NULL);
        ck_assert_int_ge(asprintf(&rel, "tests/data/%s", cases[_i].golden), 0);
        test_check_golden(rel, got);
        fixture_done(&f);
}
END_TEST

/* Each family's samples follow its metadata, and a family is never named twice: what both
 * formats require and what a loop over the domains could easily break. */
START_TEST(test_families_contiguous) {
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **seen = calloc(1, sizeof(char *));
        Fixture f;

        fixture_init(&f, 10);
        text = write_text(&f.s, (MetricsFormat) _i, NULL);
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                char name[128];
                if (!startswith(line, "# TYPE "))
                        continue;
                ck_assert_int_eq(sscanf(line + 7, "%127s", name), 1);
                ck_assert_msg(!strv_contains(seen, name), "family %s appears twice", name);
                ck_assert_int_eq(strv_extend(&seen, name), 0);
        }
        ck_assert_uint_ge(strv_length(seen), 25);
        fixture_done(&f);
}
END_TEST

START_TEST(test_counters_named) {
        _cleanup_free_ char *om = NULL, *prom = NULL;
        Fixture f;

        fixture_init(&f, 1);
        om = write_text(&f.s, METRICS_OPENMETRICS, NULL);
        prom = write_text(&f.s, METRICS_PROMETHEUS, NULL);
        /* OpenMetrics names the family without _total, the 0.0.4 format with it */
        ck_assert_ptr_nonnull(strstr(om, "# TYPE xen_reloads counter\n"));
        ck_assert_ptr_nonnull(strstr(prom, "# TYPE xen_reloads_total counter\n"));
        ck_assert_ptr_nonnull(strstr(om, "# TYPE xen_domain info\n"));
        ck_assert_ptr_nonnull(strstr(prom, "# TYPE xen_domain_info gauge\n"));
        ck_assert_ptr_nonnull(strstr(om, "# UNIT xen_domain_memory_bytes bytes\n"));
        ck_assert_ptr_null(strstr(prom, "# UNIT"));
        ck_assert_ptr_nonnull(strstr(om, "xen_component_restarts_total{component=\"xenconsoled\"} 3\n"));
        ck_assert_ptr_nonnull(strstr(om, "xen_domain_cpu_seconds_total{domain=\"guest-1\",domid=\"1\"} 1.500000123\n"));
        ck_assert(endswith(om, "\n# EOF\n"));
        ck_assert_ptr_null(strstr(prom, "# EOF"));
        fixture_done(&f);
}
END_TEST

/* The figure the metrics issue sets: under 1 MiB of text for 1,000 guests. */
START_TEST(test_thousand_guests) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0, lines = 0;
        Fixture f;

        fixture_init(&f, 1000);
        text = write_text(&f.s, (MetricsFormat) _i, &size);
        for (const char *p = text; *p; p++)
                lines += *p == '\n';
        fprintf(stderr, "# %s, 1,000 guests: %zu bytes, %zu lines\n", metrics_format_to_string(_i), size, lines);
        ck_assert_uint_lt(size, 1024 * 1024);
        /* 1,001 domains: info, 5 state flags, cpu, memory, max memory, vcpus, max vcpus each, a
         * start time for the guests, and a shutdown reason for the shut-down ones */
        ck_assert_ptr_nonnull(strstr(text, "\nxen_domains 1001\n"));
        ck_assert_ptr_nonnull(strstr(text, "xen_domain_vcpus{domain=\"guest-1000\",domid=\"1000\"} 2\n"));
        fixture_done(&f);
}
END_TEST

START_TEST(test_formats) {
        ck_assert_int_eq(metrics_format_from_string("openmetrics"), METRICS_OPENMETRICS);
        ck_assert_int_eq(metrics_format_from_string("prometheus"), METRICS_PROMETHEUS);
        ck_assert_int_lt(metrics_format_from_string("json"), 0);
        ck_assert_int_lt(metrics_format_from_string(NULL), 0);
        ck_assert_int_lt(metrics_format_from_string(""), 0);
        ck_assert_str_eq(restart_reason_to_string(RESTART_REASON_RESTART_FAILED), "restart_failed");
        ck_assert_ptr_null(restart_reason_to_string(_RESTART_REASON_MAX));
        ck_assert_str_eq(reload_result_to_string(RELOAD_REFUSED), "refused");
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("metrics");
        TCase *tc = tcase_create("metrics");

        tcase_add_loop_test(tc, test_golden, 0, ELEMENTSOF(cases));
        tcase_add_loop_test(tc, test_families_contiguous, 0, _METRICS_FORMAT_MAX);
        tcase_add_test(tc, test_counters_named);
        tcase_add_loop_test(tc, test_thousand_guests, 0, _METRICS_FORMAT_MAX);
        tcase_add_test(tc, test_formats);
        suite_add_tcase(s, tc);
        return s;
}
