/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's metrics: a snapshot of the domains and the stack put together from what the
 * Manager holds (lib/metrics.c writes it), GetMetrics on the bus, and the file node_exporter's
 * textfile collector reads, written every metrics.interval seconds. The daemon opens no
 * network port: node_exporter serves the file. */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus-names.h"
#include "component.h"
#include "log.h"
#include "manager.h"
#include "stats.h"
#include "strv.h"
#include "xen.h"

#define METRICS_FILE "xen-dom0.prom"

static uint64_t self_rss_bytes(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/statm", "re");
        unsigned long long size, resident;

        if (!f || fscanf(f, "%llu %llu", &size, &resident) != 2)
                return 0;
        return (uint64_t) resident * (uint64_t) sysconf(_SC_PAGESIZE);
}

static uint64_t self_cpu_usec(void) {
        struct rusage ru;

        if (getrusage(RUSAGE_SELF, &ru) < 0)
                return 0;
        return (uint64_t) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000ULL +
               (uint64_t) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* The options a reboot waits for, each once: a label of few values. */
static int pending_options(const OptionReasons *reasons, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < reasons->n; i++)
                if (!strv_contains(l, reasons->items[i].option) && strv_extend(&l, reasons->items[i].option) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

int stats_write(Manager *m, MetricsFormat format, FILE *f) {
        const char *states[_MANAGER_STATE_MAX + 1] = {}, *component_states[_COMPONENT_STATE_MAX + 1] = {};
        MetricsComponent components[_COMP_MAX];
        MetricsDomain *domains = NULL;
        _cleanup_strv_free_ char **pending = NULL;
        MetricsSnapshot s = {
                .state = manager_state_to_string(m->state),
                .states = states,
                .components = components,
                .n_components = _COMP_MAX,
                .component_states = component_states,
                /* With xen.enable = false the store is someone else's: a silent one is no alert of ours. */
                .have_store = config_bool(m->config, OPT_ENABLE),
                .store_responsive = m->components[COMP_XENSTORED].state == COMPONENT_ACTIVE && !m->store_unresponsive,
                .store_probes = m->store_probes,
                .store_probe_usec = m->store_probe_usec,
                .store_probe_failures = m->store_probe_failures,
                .store_last_answer_usec = m->store_last_answer,
                .have_bringup = m->settled && m->bringup_end > m->bringup_start && m->bringup_start > 0,
                .bringup_usec = m->bringup_end - m->bringup_start,
                .self_cpu_usec = self_cpu_usec(),
                .self_rss_bytes = self_rss_bytes(),
        };
        int r;

        for (int i = 0; i < _MANAGER_STATE_MAX; i++)
                states[i] = manager_state_to_string(i);
        for (int i = 0; i < _COMPONENT_STATE_MAX; i++)
                component_states[i] = component_state_to_string(i);
        for (size_t i = 0; i < _COMP_MAX; i++) {
                const Component *c = &m->components[i];

                components[i] = (MetricsComponent) {
                        .name = c->def->name,
                        .state = component_state_to_string(c->state),
                        .last_restart_usec = c->last_restart_realtime,
                };
                memcpy(components[i].restarts, c->restarts_by_reason, sizeof components[i].restarts);
        }
        memcpy(s.reloads, m->reloads, sizeof s.reloads);
        r = pending_options(&m->pending_reboot, &pending);
        if (r < 0)
                return r;
        s.pending_reboot = pending;
        r = xen_metrics_snapshot(m, &domains, &s.n_domains, &s.host_total_kib, &s.host_free_kib);
        if (r < 0 && r != -ENXIO)
                return r;
        s.have_xen = r >= 0;
        s.domains = domains;
        r = metrics_write(f, format, &s);
        xen_metrics_snapshot_free(domains, s.have_xen ? s.n_domains : 0);
        return r;
}

/* ---- GetMetrics ----------------------------------------------------------------------------- */

int bus_stats_get_metrics(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *text = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        MetricsFormat format;
        const char *name;
        size_t size = 0;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        format = isempty(name) ? METRICS_OPENMETRICS : metrics_format_from_string(name);
        if (format < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown metrics format '%.32s'%s: expected openmetrics or prometheus", name,
                                         strlen(name) > 32 ? "..." : "");
        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        r = stats_write(m, format, f);
        if (r < 0)
                return r;
        /* text is complete only once the stream is closed */
        r = fclose(TAKE_PTR(f)) == 0 ? 0 : -ENOMEM;
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", text);
}

/* ---- the textfile --------------------------------------------------------------------------- */

/* A file left behind would be served with its last values as if they were current. */
static void remove_textfile(Manager *m) {
        if (m->metrics_file && unlink(m->metrics_file) < 0 && errno != ENOENT)
                log_warning_errno(-errno, "Cannot remove %s", m->metrics_file);
        m->metrics_file = mfree(m->metrics_file);
}

/* Writes DIR/xen-dom0.prom through a temporary file in DIR and a rename, so that the collector
 * never reads half a file. */
static int write_textfile(Manager *m, char **ret_error) {
        const char *dir = config_str(m->config, OPT_METRICS_DIRECTORY);
        _cleanup_free_ char *root_dir = manager_root_path(dir), *tmp = NULL, *final = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        int fd, r;

        if (!root_dir || asprintf(&tmp, "%s/." METRICS_FILE ".XXXXXX", root_dir) < 0 ||
            asprintf(&final, "%s/" METRICS_FILE, root_dir) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                return asprintf(ret_error, "cannot create a file in %s: %s", dir, strerror(-r)) < 0 ? -ENOMEM : r;
        }
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                (void) close(fd);
                (void) unlink(tmp);
                return r;
        }
        r = stats_write(m, METRICS_PROMETHEUS, f);
        if (r >= 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, final) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return asprintf(ret_error, "cannot write %s/" METRICS_FILE ": %s", dir, strerror(-r)) < 0 ? -ENOMEM
                                                                                                            : r;
        }
        if (!streq_ptr(final, m->metrics_file)) {
                /* written elsewhere before (the directory changed): that one would go stale */
                remove_textfile(m);
                m->metrics_file = TAKE_PTR(final);
        }
        return 0;
}

static int on_metrics_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        _cleanup_free_ char *error = NULL;
        int r;

        r = write_textfile(m, &error);
        if (r < 0 && !streq_ptr(error, m->metrics_error)) {
                /* Once per distinct failure: a missing directory would otherwise log every 15 s. */
                log_warning("Metrics not written: %s%s", error ?: strerror(-r),
                            r == -ENOENT ? " (install prometheus-node-exporter, or set metrics.directory)" : "");
                free(m->metrics_error);
                m->metrics_error = TAKE_PTR(error);
        } else if (r >= 0 && m->metrics_error) {
                log_info("Metrics written again to %s", config_str(m->config, OPT_METRICS_DIRECTORY));
                m->metrics_error = mfree(m->metrics_error);
        }
        (void) sd_event_source_set_time_relative(s, (uint64_t) config_int(m->config, OPT_METRICS_INTERVAL) * 1000000ULL);
        return 0;
}

void stats_configure(Manager *m) {
        int r;

        if (!config_bool(m->config, OPT_METRICS_ENABLE)) {
                stats_stop(m);
                return;
        }
        if (!m->metrics_timer) {
                /* The first write at once, then every interval; a second of slack lets the loop
                 * wake for several timers at once. */
                r = sd_event_add_time_relative(m->event, &m->metrics_timer, CLOCK_MONOTONIC, 0, 1000 * 1000ULL,
                                               on_metrics_timer, m);
                if (r < 0) {
                        log_warning_errno(r, "Cannot schedule writing the metrics");
                        return;
                }
                (void) sd_event_source_set_enabled(m->metrics_timer, SD_EVENT_ON);
                /* Below everything else: a metrics write is never urgent. */
                (void) sd_event_source_set_priority(m->metrics_timer, SD_EVENT_PRIORITY_IDLE);
                log_info("Writing metrics to %s/" METRICS_FILE " every %" PRId64 " s",
                         config_str(m->config, OPT_METRICS_DIRECTORY), config_int(m->config, OPT_METRICS_INTERVAL));
                return;
        }
        /* Enabled already: write now with the new settings (a new directory, a new interval). */
        m->metrics_error = mfree(m->metrics_error);
        (void) sd_event_source_set_time_relative(m->metrics_timer, 0);
}

void stats_stop(Manager *m) {
        if (m->metrics_timer)
                log_info("No longer writing metrics");
        m->metrics_timer = sd_event_source_disable_unref(m->metrics_timer);
        m->metrics_error = mfree(m->metrics_error);
        remove_textfile(m);
}
