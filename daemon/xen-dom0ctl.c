/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xen-dom0ctl: the administrator's client of xen-dom0d on the system bus. Options, command
 * dispatch and the commands themselves. */
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-names.h"
#include "components.h"
#include "ctl-bus.h"
#include "ctl-output.h"
#include "ini-write.h"
#include "metrics.h"
#include "options.h"
#include "strv.h"

/* Reload and restart reply when the work is done; the daemon bounds them, not the client. */
#define TIMEOUT_INFINITY UINT64_MAX
#define DIFF_TIMEOUT_USEC (10 * 60 * 1000000ULL)

static bool arg_json = false;
static bool arg_quiet = false;
static bool arg_no_pager = false;
static bool arg_ask_password = false;
static bool arg_changed = false;
static bool arg_files = false;
static const char *arg_host = NULL;
static const char *arg_format = NULL;

typedef int (*verb_func_t)(sd_bus *bus, char **args);

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args;
        bool pager;
        bool mutating;
        verb_func_t run;
        bool local;     /* runs without the bus (bus is NULL) */
} Verb;

/* --json: a failure as an object on stdout too, for programs; the sentence still goes to stderr.
 * lines: the findings of an invalid configuration, one a line, or NULL. */
static void json_failure(const char *what, const sd_bus_error *error, int r, const char *lines, int status) {
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_strv_free_ char **findings = calloc(1, sizeof(char *));

        if (!arg_json || !findings)
                return;
        for (const char *p = lines, *nl; p && *p; p = nl ? nl + 1 : NULL) {
                nl = strchr(p, '\n');
                if (strv_consume(&findings, nl ? strndup(p, nl - p) : strdup(p)) < 0)
                        return;
        }
        t = table_new_vertical();
        if (!t || table_add_field(t, "Failed", "failed", TABLE_STRING, what) < 0 ||
            table_add_field(t, "Error", "error", TABLE_STRING, sd_bus_error_is_set(error) ? error->name : "") < 0 ||
            table_add_field(t, "Message", "message", TABLE_STRING, bus_error_text(error, r)) < 0 ||
            table_add_field(t, "Exit status", "exit_status", TABLE_UINT32, (uint32_t) status) < 0 ||
            table_add_field(t, "Findings", "findings", TABLE_STRV, findings) < 0)
                return;
        (void) table_print_json(t);
}

static int call_failed(const char *what, const sd_bus_error *error, int r) {
        /* The bus daemon's own words ("not provided by any .service files") do not say what to do. */
        if (bus_error_is_not_running(error))
                fprintf(stderr, "Failed to %s: xen-dom0d is not running (start it with: systemctl start xen-dom0)\n",
                        what);
        else if (bus_error_is_timeout(error, r))
                fprintf(stderr,
                        "Failed to %s: xen-dom0d did not answer in time (%s); its log may say why: "
                        "journalctl -u xen-dom0\n",
                        what, bus_error_text(error, r));
        else
                fprintf(stderr, "Failed to %s: %s\n", what, bus_error_text(error, r));
        json_failure(what, error, r, NULL, bus_error_exit_status(error, r));
        return bus_error_exit_status(error, r);
}

static int parse_failed(const char *what, int r) {
        fprintf(stderr, "Failed to parse the reply to %s: %s\n", what, strerror(-r));
        return EXIT_FAILED;
}

static int oom(void) {
        fprintf(stderr, "Out of memory.\n");
        return EXIT_FAILED;
}

/* A component not known by that name, as the daemon reports it (NoSuchComponent); action says
 * what was asked of it, such as "restart". */
static int no_such_component(const char *action, const char *name) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *what = NULL;

        if (asprintf(&what, "%s %s", action, name) < 0)
                return oom();
        fprintf(stderr, "No such component: %s (see: %s components)\n", name, program_invocation_short_name);
        (void) sd_bus_error_setf(&error, BUS_ERROR_NO_SUCH_COMPONENT, "No component '%s'", name);
        json_failure(what, &error, -ENOENT, NULL, EXIT_NO_COMPONENT);
        return EXIT_NO_COMPONENT;
}

/* --json: the view's table as JSON. */
static int print_table_json(const Table *t) {
        int r = table_print_json(t);

        if (r == -ENOMEM)
                return oom();
        return r < 0 ? EXIT_FAILED : EXIT_OK;
}

/* A list view as text: the table, and "N things listed." under it as systemctl's list
 * commands end, unless --no-legend or --quiet. */
static int print_list(const Table *t, const char *noun) {
        size_t n = table_rows(t);

        if (table_print(t, stdout) < 0)
                return -EIO;
        if (output_legend())
                printf("\n%zu %s%s listed.\n", n, noun, n == 1 ? "" : "s");
        return 0;
}

/* Findings of an InvalidConfig error arrive one per line in its message. A caller other than
 * root gets them without the file's values, marked by a last line: point at what shows them. */
static int print_invalid_config(const char *what, const sd_bus_error *error) {
        bool redacted = error->message && endswith(error->message, BUS_INVALID_CONFIG_REDACTED);
        _cleanup_free_ char *findings = NULL;

        fprintf(stderr, "Failed to %s: the configuration is invalid:\n%s\n", what, strempty(error->message));
        if (redacted) {
                fprintf(stderr, "Run as root to see the values, or 'xen-dom0ctl check' to read the file with your "
                                "own rights.\n");
                /* That last line is a note on the findings, not one of them: JSON has them alone. */
                findings = strndup(error->message, strlen(error->message) - strlen(BUS_INVALID_CONFIG_REDACTED));
                if (!findings)
                        return oom();
        }
        json_failure(what, error, -EINVAL, findings ?: error->message, EXIT_FAILED);
        return EXIT_FAILED;
}

/* ---- components ------------------------------------------------------------------------ */

typedef struct ComponentInfo {
        char *name, *unit, *state, *active_state, *sub_state, *result, *last_error, *path;
        uint32_t restarts;
        uint64_t startup_msec, activation_usec;
        bool restartable, adopted;
        ComponentId id;
} ComponentInfo;

typedef struct ComponentList {
        ComponentInfo *items;
        size_t n;
} ComponentList;

static void component_list_done(ComponentList *l) {
        for (size_t i = 0; i < l->n; i++) {
                ComponentInfo *c = &l->items[i];
                free(c->name);
                free(c->unit);
                free(c->state);
                free(c->active_state);
                free(c->sub_state);
                free(c->result);
                free(c->last_error);
                free(c->path);
        }
        free(l->items);
        *l = (ComponentList) {};
}

static ComponentInfo *component_list_add(ComponentList *l) {
        ComponentInfo *items = reallocarray(l->items, l->n + 1, sizeof(ComponentInfo));

        if (!items)
                return NULL;
        l->items = items;
        items[l->n] = (ComponentInfo) {};
        return &items[l->n++];
}

static const char *component_color(const char *state) {
        if (streq(state, "active"))
                return ANSI_GREEN;
        if (streq(state, "failed"))
                return ANSI_RED;
        if (streq(state, "starting") || streq(state, "probing") || streq(state, "restarting"))
                return ANSI_YELLOW;
        return ANSI_NORMAL;
}

static const char *component_bullet(const char *state) {
        return streq(state, "pending") || streq(state, "stopped") || streq(state, "skipped") ? "○" : "●";
}

/* A component, as every view gives it in JSON (components, status, status COMPONENT): the
 * object's properties. The text shows the first seven columns. */
static Table *components_table(const ComponentList *l) {
        _cleanup_(table_freep) Table *t = NULL;

        t = table_new("NAME", "UNIT", "STATE", "ACTIVE", "SUB", "RESTARTS", "STARTUP", "OBJECT PATH", "RESULT",
                      "RESTARTABLE", "LAST ERROR", "ACTIVATION TIMESTAMP", "ADOPTED");
        if (!t || table_set_json_field_name(t, 3, "active_state") < 0 ||
            table_set_json_field_name(t, 4, "sub_state") < 0 || table_set_json_field_name(t, 6, "startup_ms") < 0)
                return NULL;
        table_set_align_right(t, 5);
        table_set_align_right(t, 6);
        /* Object paths are for programs, the rest is status COMPONENT's: --json has them. */
        for (size_t col = 7; col <= 12; col++)
                table_hide_column(t, col);
        for (size_t i = 0; i < l->n; i++) {
                const ComponentInfo *c = &l->items[i];

                if (table_add_many(t, TABLE_STRING, c->name, TABLE_STRING, c->unit, TABLE_STRING, c->state,
                                   TABLE_STRING, c->active_state, TABLE_STRING, c->sub_state, TABLE_UINT32, c->restarts,
                                   TABLE_TIMESPAN_MSEC, c->startup_msec, TABLE_STRING, c->path, TABLE_STRING,
                                   c->result, TABLE_BOOLEAN, c->restartable, TABLE_STRING, c->last_error,
                                   TABLE_TIMESTAMP, c->activation_usec, TABLE_BOOLEAN, c->adopted) < 0)
                        return NULL;
        }
        return TAKE_PTR(t);
}

/* ---- domains ----------------------------------------------------------------------------- */

static int verb_domains(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        const char *name, *uuid, *state, *path;
        uint64_t memory_kib, cpu_ns;
        uint32_t domid, vcpus;
        int r;

        r = sd_bus_call_method(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "ListDomains", &error, &reply,
                               NULL);
        if (r < 0)
                return call_failed("list domains", &error, r);

        t = table_new("DOMID", "NAME", "UUID", "STATE", "MEMORY", "VCPUS", "CPU TIME", "OBJECT PATH");
        if (!t || table_set_json_field_name(t, 4, "memory_kib") < 0 || table_set_json_field_name(t, 6, "cpu_time_ns") < 0)
                return oom();
        table_set_align_right(t, 0);
        table_set_align_right(t, 4);
        table_set_align_right(t, 5);
        table_set_align_right(t, 6);
        table_hide_column(t, 7);
        r = sd_bus_message_enter_container(reply, 'a', "(ussstuto)");
        if (r < 0)
                return parse_failed("ListDomains", r);
        while ((r = sd_bus_message_read(reply, "(ussstuto)", &domid, &name, &uuid, &state, &memory_kib, &vcpus, &cpu_ns,
                                        &path)) > 0)
                if (table_add_many(t, TABLE_UINT32, domid, TABLE_STRING, name, TABLE_STRING, uuid, TABLE_STRING, state,
                                   TABLE_SIZE_KIB, memory_kib, TABLE_UINT32, vcpus, TABLE_NSEC_SECONDS, cpu_ns,
                                   TABLE_STRING, path) < 0)
                        return oom();
        if (r < 0)
                return parse_failed("ListDomains", r);

        if (arg_json)
                return print_table_json(t);
        return print_list(t, "domain") < 0 ? EXIT_FAILED : EXIT_OK;
}

/* ---- guests ------------------------------------------------------------------------------ */

static int verb_guests(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        const char *name, *domain, *unit, *state, *readiness, *message;
        int r;

        r = sd_bus_call_method(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "ListGuests", &error, &reply,
                               NULL);
        if (r < 0)
                return call_failed("list guests", &error, r);

        t = table_new("GUEST", "DOMAIN", "STATE", "READINESS", "UNIT", "MESSAGE", "PENDING RESTART");
        if (!t || table_set_json_field_name(t, 6, "pending_restart") < 0)
                return oom();
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssas)");
        if (r < 0)
                return parse_failed("ListGuests", r);
        for (;;) {
                _cleanup_strv_free_ char **pending = NULL;

                r = sd_bus_message_enter_container(reply, 'r', "ssssssas");
                if (r <= 0)
                        break;
                r = sd_bus_message_read(reply, "ssssss", &name, &domain, &unit, &state, &readiness, &message);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &pending);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        break;
                if (table_add_many(t, TABLE_STRING, name, TABLE_STRING, domain, TABLE_STRING, state, TABLE_STRING,
                                   readiness, TABLE_STRING, unit, TABLE_STRING, message, TABLE_STRV, pending) < 0)
                        return oom();
        }
        if (r < 0)
                return parse_failed("ListGuests", r);

        if (arg_json)
                return print_table_json(t);
        return print_list(t, "guest") < 0 ? EXIT_FAILED : EXIT_OK;
}

/* start-guest, stop-guest, restart-guest NAME */
static int guest_call(sd_bus *bus, const char *method, const char *verb, const char *name) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_free_ char *what = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, method);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r < 0)
                return oom();
        r = sd_bus_call(bus, m, TIMEOUT_INFINITY, &error, &reply);
        if (r < 0) {
                if (asprintf(&what, "%s guest %s", verb, name) < 0)
                        return oom();
                return call_failed(what, &error, r);
        }
        if (!arg_quiet && !arg_json)
                printf("Guest %s: %s queued; \"xen-dom0ctl guests\" shows its state.\n", name, verb);
        return EXIT_OK;
}

static int verb_start_guest(sd_bus *bus, char **args) {
        return guest_call(bus, "StartGuest", "start", args[0]);
}
static int verb_stop_guest(sd_bus *bus, char **args) {
        return guest_call(bus, "StopGuest", "stop", args[0]);
}
static int verb_restart_guest(sd_bus *bus, char **args) {
        return guest_call(bus, "RestartGuest", "restart", args[0]);
}

/* ---- status ---------------------------------------------------------------------------- */

typedef struct ManagerInfo {
        char *state, *status_text, *version, *config_path;
        uint64_t config_loaded;
        bool pending_reboot;
        char **pending_reboot_reasons, **boot_params;
        /* The hypervisor as running: "" and 0 while unknown. */
        char *xen_version, *xen_command_line;
        /* The boot entries: what the next boot runs. */
        char *boot_entries_state, *boot_entries_message, *boot_loader, *next_xen_command_line;
        uint64_t host_memory_kib, free_memory_kib, dom0_memory_kib;
        uint32_t host_cpus, dom0_vcpus;
        /* Domains but Domain-0. */
        uint32_t guests;
} ManagerInfo;

static void manager_info_done(ManagerInfo *i) {
        free(i->state);
        free(i->status_text);
        free(i->version);
        free(i->config_path);
        strv_free(i->pending_reboot_reasons);
        strv_free(i->boot_params);
        free(i->xen_version);
        free(i->xen_command_line);
        free(i->boot_entries_state);
        free(i->boot_entries_message);
        free(i->boot_loader);
        free(i->next_xen_command_line);
}

static int read_manager(sd_bus_message *m, ManagerInfo *info) {
        const BusProperty map[] = {
                { "State", "s", &info->state },
                { "StatusText", "s", &info->status_text },
                { "Version", "s", &info->version },
                { "ConfigPath", "s", &info->config_path },
                { "ConfigLoadedTimestamp", "t", &info->config_loaded },
                { "PendingReboot", "b", &info->pending_reboot },
                { "PendingRebootReasons", "as", &info->pending_reboot_reasons },
                { "BootParams", "as", &info->boot_params },
                { "XenVersion", "s", &info->xen_version },
                { "XenCommandLine", "s", &info->xen_command_line },
                { "BootEntriesState", "s", &info->boot_entries_state },
                { "BootEntriesMessage", "s", &info->boot_entries_message },
                { "BootLoader", "s", &info->boot_loader },
                { "NextXenCommandLine", "s", &info->next_xen_command_line },
                { "HostMemory", "t", &info->host_memory_kib },
                { "FreeMemory", "t", &info->free_memory_kib },
                { "HostCPUs", "u", &info->host_cpus },
                { "Dom0Memory", "t", &info->dom0_memory_kib },
                { "Dom0VCPUs", "u", &info->dom0_vcpus },
                {}
        };

        return bus_read_properties(m, map);
}

static int read_component(sd_bus_message *m, const char *path, ComponentList *l) {
        ComponentInfo *c = component_list_add(l);
        const ComponentDef *def;
        int r;

        if (!c)
                return -ENOMEM;
        c->path = strdup(path);
        if (!c->path)
                return -ENOMEM;
        r = bus_read_properties(m, (const BusProperty[]) {
                { "Name", "s", &c->name },
                { "Unit", "s", &c->unit },
                { "State", "s", &c->state },
                { "ActiveState", "s", &c->active_state },
                { "SubState", "s", &c->sub_state },
                { "Result", "s", &c->result },
                { "Restartable", "b", &c->restartable },
                { "Restarts", "u", &c->restarts },
                { "LastError", "s", &c->last_error },
                { "ActivationTimestamp", "t", &c->activation_usec },
                { "StartupMilliseconds", "t", &c->startup_msec },
                { "Adopted", "b", &c->adopted },
                {}
        });
        if (r < 0)
                return r;
        def = component_find(c->name);
        if (!def)
                return -EBADMSG;
        c->id = def->id;
        return 0;
}

static int component_compare(const void *a, const void *b) {
        const ComponentInfo *x = a, *y = b;

        return x->id < y->id ? -1 : x->id > y->id;
}

/* Everything status shows, from the reply of one GetManagedObjects: the Manager object, the
 * component objects and the domain objects (counted). */
static int read_managed_objects(sd_bus_message *m, ManagerInfo *info, ComponentList *l) {
        bool have_manager = false;
        const char *path, *iface;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}")) > 0) {
                r = sd_bus_message_read_basic(m, 'o', &path);
                if (r < 0)
                        return r;
                r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
                if (r < 0)
                        return r;
                while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
                        r = sd_bus_message_read_basic(m, 's', &iface);
                        if (r < 0)
                                return r;
                        if (streq(iface, DOM0_MANAGER_IFACE) && streq(path, DOM0_OBJECT_PATH)) {
                                r = read_manager(m, info);
                                have_manager = true;
                        } else if (streq(iface, DOM0_COMPONENT_IFACE))
                                r = read_component(m, path, l);
                        else if (streq(iface, DOM0_DOMAIN_IFACE)) {
                                uint32_t domid;
                                r = bus_read_properties(m, (const BusProperty[]) { { "DomID", "u", &domid }, {} });
                                if (r >= 0 && domid != 0)
                                        info->guests++;
                        } else
                                r = sd_bus_message_skip(m, "a{sv}");
                        if (r < 0)
                                return r;
                        r = sd_bus_message_exit_container(m);
                        if (r < 0)
                                return r;
                }
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        if (!have_manager)
                return -EBADMSG;
        /* Objects come in no promised order: the stack's, as ListComponents has it. */
        if (l->n > 0)
                qsort(l->items, l->n, sizeof(ComponentInfo), component_compare);
        return 0;
}

static const char *manager_color(const char *state) {
        if (streq(state, "running"))
                return ANSI_GREEN;
        if (streq(state, "degraded"))
                return ANSI_RED;
        if (streq(state, "starting") || streq(state, "reloading") || streq(state, "stopping"))
                return ANSI_YELLOW;
        return ANSI_NORMAL;
}

/* The status view as a record; its components are a nested table. */
static Table *status_table(const ManagerInfo *info, const ComponentList *l) {
        _cleanup_(table_freep) Table *t = table_new_vertical();

        if (!t || table_add_field(t, "State", "state", TABLE_STRING, info->state) < 0 ||
            table_add_field(t, "Status", "status_text", TABLE_STRING, info->status_text) < 0 ||
            table_add_field(t, "Version", "version", TABLE_STRING, info->version) < 0 ||
            table_add_field(t, "Config", "config_path", TABLE_STRING, info->config_path) < 0 ||
            table_add_field(t, "Loaded", "config_loaded_timestamp", TABLE_TIMESTAMP, info->config_loaded) < 0 ||
            table_add_field(t, "Pending reboot", "pending_reboot", TABLE_BOOLEAN, info->pending_reboot) < 0 ||
            table_add_field(t, "Reasons", "pending_reboot_reasons", TABLE_STRV, info->pending_reboot_reasons) < 0 ||
            table_add_field(t, "Boot params", "boot_params", TABLE_STRV, info->boot_params) < 0 ||
            table_add_field(t, "Xen", "xen_version", TABLE_STRING, info->xen_version) < 0 ||
            table_add_field(t, "Booted with", "xen_command_line", TABLE_STRING, info->xen_command_line) < 0 ||
            table_add_field(t, "Next boot", "next_xen_command_line", TABLE_STRING, info->next_xen_command_line) < 0 ||
            table_add_field(t, "Boot entries", "boot_entries_state", TABLE_STRING, info->boot_entries_state) < 0 ||
            table_add_field(t, "Boot loader", "boot_loader", TABLE_STRING, info->boot_loader) < 0 ||
            table_add_field(t, "Boot entries message", "boot_entries_message", TABLE_STRING,
                            info->boot_entries_message) < 0 ||
            table_add_field(t, "Host memory", "host_memory_kib", TABLE_SIZE_KIB, info->host_memory_kib) < 0 ||
            table_add_field(t, "Free memory", "free_memory_kib", TABLE_SIZE_KIB, info->free_memory_kib) < 0 ||
            table_add_field(t, "Host CPUs", "host_cpus", TABLE_UINT32, info->host_cpus) < 0 ||
            table_add_field(t, "Domain 0 memory", "dom0_memory_kib", TABLE_SIZE_KIB, info->dom0_memory_kib) < 0 ||
            table_add_field(t, "Domain 0 vCPUs", "dom0_vcpus", TABLE_UINT32, info->dom0_vcpus) < 0 ||
            table_add_field(t, "Guests", "guests", TABLE_UINT32, info->guests) < 0 ||
            table_add_field(t, "Components", "components", TABLE_TABLE, components_table(l)) < 0)
                return NULL;
        return TAKE_PTR(t);
}

#define LABEL "%14s: "

static void print_component_line(const ComponentInfo *c, int name_width) {
        _cleanup_free_ char *startup = c->startup_msec > 0 ? format_timespan_msec(c->startup_msec) : NULL;
        _cleanup_free_ char *since = c->activation_usec > 0 ? format_timestamp(c->activation_usec) : NULL;

        if (output_on_tty())
                printf("  %s%s%s %-*s ", ansi(component_color(c->state)), component_bullet(c->state), ansi(ANSI_NORMAL),
                       name_width, c->name);
        else
                printf("  %-*s ", name_width, c->name);
        printf("%s%s%s", ansi(component_color(c->state)), c->state, ansi(ANSI_NORMAL));
        if (!isempty_str(c->active_state))
                printf(" (%s%s%s)", c->active_state, isempty_str(c->sub_state) ? "" : "/", c->sub_state);
        if (startup)
                printf(", started in %s", startup);
        if (since)
                printf(", since %s", since);
        if (c->restarts > 0)
                printf(", %" PRIu32 " restart%s", c->restarts, c->restarts == 1 ? "" : "s");
        if (!isempty_str(c->result))
                printf(", result %s", c->result);
        if (c->adopted)
                printf(", adopted");
        printf("\n");
        if (!isempty_str(c->last_error))
                printf("  %*s %*s Last error: %s\n", output_on_tty() ? 1 : 0, "", name_width, "", c->last_error);
}

/* The text is a summary, not the record field by field: a line may join several fields (Host:
 * CPUs, memory, free), what is unknown is left out, and each component is a sentence. */
static void print_status(const ManagerInfo *info, const ComponentList *l) {
        int name_width = 0;

        if (output_on_tty())
                printf("%s●%s ", ansi(manager_color(info->state)), ansi(ANSI_NORMAL));
        printf("Xen Domain 0 stack (xen-dom0d %s)\n", strna(info->version));
        printf(LABEL "%s%s%s\n", "State", ansi(manager_color(info->state)), info->state, ansi(ANSI_NORMAL));
        if (!isempty_str(info->status_text)) {
                /* The daemon's STATUS= starts with its state ("running: 7 of 7 components up"),
                 * for systemctl status; here State: said it the line before. */
                const char *text = info->status_text, *rest = info->state ? startswith(text, info->state) : NULL;
                if (rest && startswith(rest, ": ") && !isempty_str(rest + 2))
                        text = rest + 2;
                printf(LABEL "%s\n", "Status", text);
        }
        printf(LABEL "%s\n", "Config", strna(info->config_path));
        if (info->config_loaded > 0) {
                _cleanup_free_ char *ts = format_timestamp(info->config_loaded);
                _cleanup_free_ char *ago = format_timestamp_relative(info->config_loaded);
                printf(LABEL "%s; %s\n", "Loaded", strna(ts), strna(ago));
        }
        if (info->boot_params && *info->boot_params) {
                _cleanup_free_ char *p = strv_join(info->boot_params, " ");
                printf(LABEL "%s\n", "Boot params", strna(p));
        }
        if (!isempty_str(info->xen_version))
                printf(LABEL "%s\n", "Xen", info->xen_version);
        if (!isempty_str(info->xen_command_line))
                printf(LABEL "%s\n", "Booted with", info->xen_command_line);
        if (!isempty_str(info->next_xen_command_line))
                printf(LABEL "%s\n", "Next boot", info->next_xen_command_line);
        if (!isempty_str(info->boot_entries_state) && !streq(info->boot_entries_state, "unknown")) {
                const char *st = info->boot_entries_state;
                bool bad = streq(st, "failed") || streq(st, "unsupported");

                printf(LABEL "%s%s%s", "Boot entries", ansi(bad ? ANSI_RED : ANSI_NORMAL), st, ansi(ANSI_NORMAL));
                if (!isempty_str(info->boot_loader))
                        printf(" (%s)", info->boot_loader);
                if (!isempty_str(info->boot_entries_message) && !streq(st, "current"))
                        printf(": %s", info->boot_entries_message);
                printf("\n");
        }
        if (info->host_cpus > 0 || info->host_memory_kib > 0) {
                _cleanup_free_ char *mem = format_bytes_kib(info->host_memory_kib);
                _cleanup_free_ char *free_mem = format_bytes_kib(info->free_memory_kib);
                printf(LABEL "%" PRIu32 " CPUs, %s memory, %s free\n", "Host", info->host_cpus, strna(mem),
                       strna(free_mem));
        }
        if (info->dom0_vcpus > 0 || info->dom0_memory_kib > 0) {
                _cleanup_free_ char *mem = format_bytes_kib(info->dom0_memory_kib);
                printf(LABEL "%" PRIu32 " vCPUs, %s memory\n", "Domain 0", info->dom0_vcpus, strna(mem));
        }
        printf(LABEL "%s%s%s\n", "Pending reboot", ansi(info->pending_reboot ? ANSI_YELLOW : ANSI_NORMAL),
               info->pending_reboot ? "yes" : "no", ansi(ANSI_NORMAL));
        STRV_FOREACH(reason, info->pending_reboot_reasons)
                printf("%16s%s\n", "", *reason);
        printf(LABEL "%" PRIu32 "\n", "Guests", info->guests);
        printf("\n%sComponents:%s\n", ansi(ANSI_HIGHLIGHT), ansi(ANSI_NORMAL));
        for (size_t i = 0; i < l->n; i++)
                if ((int) strlen(l->items[i].name) > name_width)
                        name_width = (int) strlen(l->items[i].name);
        for (size_t i = 0; i < l->n; i++)
                print_component_line(&l->items[i], name_width);
}

/* status COMPONENT...: each as systemctl status UNIT shows a unit, one field a line. */
static void print_component(const ComponentInfo *c) {
        const ComponentDef *def = component_find(c->name);
        _cleanup_free_ char *startup = c->startup_msec > 0 ? format_timespan_msec(c->startup_msec) : NULL;
        _cleanup_free_ char *since = c->activation_usec > 0 ? format_timestamp(c->activation_usec) : NULL;
        _cleanup_free_ char *ago = c->activation_usec > 0 ? format_timestamp_relative(c->activation_usec) : NULL;

        if (output_on_tty())
                printf("%s%s%s ", ansi(component_color(c->state)), component_bullet(c->state), ansi(ANSI_NORMAL));
        printf("%s - %s (%s)\n", c->name, def ? def->description : "", c->unit);
        printf(LABEL "%s%s%s", "State", ansi(component_color(c->state)), c->state, ansi(ANSI_NORMAL));
        if (!isempty_str(c->active_state))
                printf(" (%s%s%s)", c->active_state, isempty_str(c->sub_state) ? "" : "/", c->sub_state);
        if (since)
                printf(" since %s; %s", since, strna(ago));
        printf("\n");
        if (startup)
                printf(LABEL "in %s\n", "Started", startup);
        if (!isempty_str(c->result))
                printf(LABEL "%s\n", "Result", c->result);
        printf(LABEL "%" PRIu32 "%s\n", "Restarts", c->restarts,
               c->restartable ? "" : " (never restarted while the host runs)");
        if (c->adopted)
                printf(LABEL "yes, it was running when xen-dom0d started\n", "Adopted");
        if (!isempty_str(c->last_error))
                printf(LABEL "%s\n", "Last error", c->last_error);
        printf(LABEL "xen-dom0ctl logs %s\n", "Journal", c->name);
}

static int status_components(const ComponentList *l, char **names) {
        /* a view of l's items: borrowed, freed with l */
        _cleanup_free_ ComponentInfo *items = calloc(strv_length(names), sizeof(ComponentInfo));
        ComponentList pick = { .items = items };
        _cleanup_(table_freep) Table *t = NULL;
        bool all_active = true;

        if (!items)
                return oom();
        STRV_FOREACH(n, names) {
                const ComponentInfo *found = NULL;

                for (size_t i = 0; i < l->n && !found; i++)
                        if (streq(l->items[i].name, *n) || streq(l->items[i].unit, *n))
                                found = &l->items[i];
                if (!found) {
                        /* main() checked the name against the client's own table: this daemon,
                         * over -H of another version perhaps, lacks a component the client has */
                        return no_such_component("show the status of", *n);
                }
                all_active = all_active && streq(found->state, "active");
                pick.items[pick.n++] = *found;
        }
        if (arg_json) {
                /* the same objects as status's "components" */
                t = components_table(&pick);
                if (!t)
                        return oom();
                return print_table_json(t) ?: (all_active ? EXIT_OK : EXIT_NOT_RUNNING);
        }
        for (size_t i = 0; i < pick.n; i++) {
                if (i > 0)
                        printf("\n");
                print_component(&pick.items[i]);
        }
        return all_active ? EXIT_OK : EXIT_NOT_RUNNING;
}

/* The daemon's state in one round trip: the object manager's view has the Manager, its
 * components and the domains. Returns an exit status. */
static int get_managed_objects(sd_bus *bus, ManagerInfo *info, ComponentList *l) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, DOM0_BUS_NAME, DOM0_OBJECT_MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
                               "GetManagedObjects", &error, &reply, NULL);
        if (r < 0)
                return call_failed("get the daemon's status", &error, r);
        r = read_managed_objects(reply, info, l);
        if (r < 0)
                return parse_failed("GetManagedObjects", r);
        return EXIT_OK;
}

static int verb_status(sd_bus *bus, char **args) {
        _cleanup_(manager_info_done) ManagerInfo info = {};
        _cleanup_(component_list_done) ComponentList l = {};
        int r;

        r = get_managed_objects(bus, &info, &l);
        if (r != EXIT_OK)
                return r;
        if (args[0])
                return status_components(&l, args);

        if (arg_json) {
                _cleanup_(table_freep) Table *t = status_table(&info, &l);
                if (!t)
                        return oom();
                r = print_table_json(t);
                if (r != EXIT_OK)
                        return r;
        } else
                print_status(&info, &l);
        return streq(info.state, "running") ? EXIT_OK : EXIT_NOT_RUNNING;
}

static int verb_components(sd_bus *bus, char **args) {
        _cleanup_(manager_info_done) ManagerInfo info = {};
        _cleanup_(component_list_done) ComponentList l = {};
        _cleanup_(table_freep) Table *t = NULL;
        int r;

        r = get_managed_objects(bus, &info, &l);
        if (r != EXIT_OK)
                return r;
        t = components_table(&l);
        if (!t)
                return oom();
        if (arg_json)
                return print_table_json(t);
        return print_list(t, "component") < 0 ? EXIT_FAILED : EXIT_OK;
}

/* ---- config ---------------------------------------------------------------------------- */

/* The text is the configuration file the daemon takes back (xen-dom0ctl config > f;
 * xen-dom0ctl check f): each section's keys under its header, in the daemon's order. */
static int print_config(const Table *t) {
        _cleanup_strv_free_ char **sections = NULL;
        size_t n = table_rows(t);

        for (size_t i = 0; i < n; i++) {
                const char *name = table_get_string(t, i, 0), *dot = strrchr(name, '.');
                _cleanup_free_ char *section = dot ? strndup(name, dot - name) : strdup("");

                if (!section)
                        return oom();
                if (!strv_contains(sections, section) && strv_consume(&sections, TAKE_PTR(section)) < 0)
                        return oom();
        }
        STRV_FOREACH(section, sections) {
                if (section != sections)
                        printf("\n");
                if (**section)
                        printf("%s[%s]%s\n", ansi(ANSI_HIGHLIGHT), *section, ansi(ANSI_NORMAL));
                for (size_t i = 0; i < n; i++) {
                        const char *name = table_get_string(t, i, 0), *value = table_get_string(t, i, 1);
                        const char *dot = strrchr(name, '.');
                        size_t len = dot ? (size_t) (dot - name) : 0;

                        if (strlen(*section) != len || strncmp(name, *section, len) != 0)
                                continue;
                        const OptionDef *def = option_by_name(name);
                        const char *key = dot ? dot + 1 : name;

                        /* What nobody may set is shown as a comment, which check takes back. */
                        if (def && (def->flags & OPTION_READONLY))
                                ini_write_read_only(stdout, key, value, def->default_value);
                        else {
                                ini_write_assignment(stdout, "", key, value);
                                putchar('\n');
                        }
                }
        }
        return EXIT_OK;
}

/* The JSON of an option's value, typed as the option is: a boolean, a number, a list of
 * words, null; a string otherwise (and for the guests' settings, which are xl's). A NULL
 * *ret is null. Returns 0 or -ENOMEM. */
static int config_value_json(const char *name, const char *value, struct json_object **ret) {
        const OptionDef *d = option_by_name(name);
        _cleanup_json_ struct json_object *j = NULL;
        char *end;

        *ret = NULL;
        if (d && (d->flags & OPTION_NULLABLE) && streq(value, "null"))
                return 0;
        switch (d ? d->type : OPTION_PATH) {
        case OPTION_BOOL:
                j = json_object_new_boolean(streq(value, "true"));
                break;
        case OPTION_UINT:
        case OPTION_POSINT:
        case OPTION_INT:
        case OPTION_NONZERO: {
                long long n;

                errno = 0;
                n = strtoll(value, &end, 10);
                j = errno == 0 && end != value && !*end ? json_object_new_int64(n) : json_object_new_string(value);
                break;
        }
        case OPTION_FLOAT: {
                double f = strtod(value, &end);

                j = end != value && !*end ? json_object_new_double_s(f, value) : json_object_new_string(value);
                break;
        }
        case OPTION_LIST: {
                _cleanup_strv_free_ char **words = NULL;

                j = json_object_new_array();
                if (strv_split_ws(value, &words) < 0 || !j)
                        return -ENOMEM;
                STRV_FOREACH(w, words) {
                        struct json_object *v = json_object_new_string(*w);

                        if (!v || json_object_array_add(j, v) < 0) {
                                json_object_put(v);
                                return -ENOMEM;
                        }
                }
                break;
        }
        default:
                j = json_object_new_string(value);
        }
        if (!j)
                return -ENOMEM;
        *ret = TAKE_PTR(j);
        return 0;
}

static int verb_config(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        const char *name, *value;
        int b, r;

        r = sd_bus_call_method(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "GetConfig", &error, &reply,
                               NULL);
        if (r < 0)
                return call_failed("get the configuration", &error, r);
        t = table_new("NAME", "VALUE", "DEFAULT");
        if (!t || table_set_json_field_name(t, 2, "is_default") < 0)
                return oom();
        r = sd_bus_message_enter_container(reply, 'a', "(ssb)");
        if (r < 0)
                return parse_failed("GetConfig", r);
        while ((r = sd_bus_message_read(reply, "(ssb)", &name, &value, &b)) > 0) {
                struct json_object *typed;

                if (arg_changed && b)
                        continue;
                if (config_value_json(name, value, &typed) < 0 ||
                    table_add_many(t, TABLE_STRING, name, TABLE_JSON, typed, value, TABLE_BOOLEAN, b) < 0)
                        return oom();
        }
        if (r < 0)
                return parse_failed("GetConfig", r);

        return arg_json ? print_table_json(t) : print_config(t);
}

/* ---- check ----------------------------------------------------------------------------- */

typedef struct Finding {
        char *file, *key, *message;
        uint32_t line;
        bool warning;
} Finding;

typedef struct Findings {
        Finding *items;
        size_t n;
} Findings;

static void findings_done(Findings *f) {
        for (size_t i = 0; i < f->n; i++) {
                free(f->items[i].file);
                free(f->items[i].key);
                free(f->items[i].message);
        }
        free(f->items);
}

static int read_findings(sd_bus_message *m, bool warning, Findings *f) {
        const char *file, *key, *message;
        uint32_t line;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(suss)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "(suss)", &file, &line, &key, &message)) > 0) {
                Finding *items = reallocarray(f->items, f->n + 1, sizeof(Finding));
                if (!items)
                        return -ENOMEM;
                f->items = items;
                f->items[f->n++] = (Finding) {
                        .file = strdup(file), .key = strdup(key), .message = strdup(message),
                        .line = line, .warning = warning,
                };
                if (!f->items[f->n - 1].file || !f->items[f->n - 1].key || !f->items[f->n - 1].message)
                        return -ENOMEM;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* Findings without a line come after those with one; a warning before an error on its line. */
static int finding_compare(const void *a, const void *b) {
        const Finding *x = a, *y = b;
        uint64_t lx = x->line ?: UINT64_MAX, ly = y->line ?: UINT64_MAX;

        if (lx != ly)
                return lx < ly ? -1 : 1;
        if (x->warning != y->warning)
                return x->warning ? -1 : 1;
        return 0;
}

/* The same form as the daemon's own log lines: "FILE:LINE: [warning: ]key: message". */
static void print_finding(FILE *out, const Finding *f) {
        fprintf(out, "%s", f->file);
        if (f->line > 0)
                fprintf(out, ":%" PRIu32, f->line);
        fprintf(out, ": ");
        if (f->warning)
                fprintf(out, "%swarning:%s ", ansi(ANSI_YELLOW), ansi(ANSI_NORMAL));
        fprintf(out, "%s%s%s\n", f->key, *f->key ? ": " : "", f->message);
}

static Table *findings_table(const Findings *f, bool warnings) {
        _cleanup_(table_freep) Table *t = table_new("FILE", "LINE", "KEY", "MESSAGE");

        if (!t)
                return NULL;
        for (size_t i = 0; i < f->n; i++)
                if (f->items[i].warning == warnings &&
                    table_add_many(t, TABLE_STRING, f->items[i].file, TABLE_UINT32, f->items[i].line, TABLE_STRING,
                                   f->items[i].key, TABLE_STRING, f->items[i].message) < 0)
                        return NULL;
        return TAKE_PTR(t);
}

/* An absolute form of path: the daemon resolves nothing against the client's directory. */
static char *make_absolute(const char *path) {
        _cleanup_free_ char *cwd = NULL;
        char *s;

        if (path[0] == '/')
                return strdup(path);
        cwd = getcwd(NULL, 0);
        if (!cwd)
                return NULL;
        while (path[0] == '.' && path[1] == '/')
                for (path += 2; *path == '/'; path++)
                        ;
        if (asprintf(&s, "%s%s%s", cwd, endswith(cwd, "/") ? "" : "/", path) < 0)
                return NULL;
        return s;
}

static int verb_check(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(findings_done) Findings f = {};
        _cleanup_free_ char *path = NULL;
        size_t n_errors, n_warnings;
        int r;

        if (args[0]) {
                path = make_absolute(args[0]);
                if (!path) {
                        fprintf(stderr, "Cannot make %s absolute: %s\n", args[0], strerror(errno));
                        return EXIT_FAILED;
                }
        }
        r = sd_bus_call_method(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "Check", &error, &reply, "s",
                               strempty(path));
        if (r < 0)
                return call_failed("check the configuration", &error, r);
        r = read_findings(reply, false, &f);
        if (r < 0)
                return parse_failed("Check", r);
        n_errors = f.n;
        r = read_findings(reply, true, &f);
        if (r < 0)
                return parse_failed("Check", r);
        n_warnings = f.n - n_errors;

        if (arg_json && !path) {
                /* Without FILE the daemon checked the file it was started with. */
                r = sd_bus_get_property_string(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "ConfigPath",
                                               &error, &path);
                if (r < 0)
                        return call_failed("get the configuration file's path", &error, r);
        }
        if (arg_json) {
                _cleanup_(table_freep) Table *t = table_new_vertical();
                if (!t || table_add_field(t, "File", "file", TABLE_STRING, path) < 0 ||
                    table_add_field(t, "Valid", "valid", TABLE_BOOLEAN, n_errors == 0) < 0 ||
                    table_add_field(t, "Errors", "errors", TABLE_TABLE, findings_table(&f, false)) < 0 ||
                    table_add_field(t, "Warnings", "warnings", TABLE_TABLE, findings_table(&f, true)) < 0)
                        return oom();
                r = print_table_json(t);
                return r != EXIT_OK ? r : n_errors == 0 ? EXIT_OK : EXIT_FAILED;
        }

        /* The text is the daemon's log form, errors and warnings merged in file order: both lists
         * are in file order, a stable merge keeps it. */
        for (size_t i = 1; i < f.n; i++)
                for (size_t j = i; j > 0 && finding_compare(&f.items[j - 1], &f.items[j]) > 0; j--) {
                        Finding t = f.items[j];
                        f.items[j] = f.items[j - 1];
                        f.items[j - 1] = t;
                }
        for (size_t i = 0; i < f.n; i++)
                print_finding(stdout, &f.items[i]);
        if (output_on_tty() && !arg_quiet) {
                if (n_errors > 0)
                        printf("%zu error%s, %zu warning%s: the configuration is invalid.\n", n_errors,
                               n_errors == 1 ? "" : "s", n_warnings, n_warnings == 1 ? "" : "s");
                else
                        printf("The configuration is valid%s.\n", n_warnings > 0 ? ", with warnings" : "");
        }
        return n_errors == 0 ? EXIT_OK : EXIT_FAILED;
}

/* ---- diff, reload, restart ------------------------------------------------------------- */

/* The whole of a (small) file. Returns 0 or -errno. */
static int read_text_file(const char *path, char **ret) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, n = 0;

        if (!f)
                return -errno;
        for (;;) {
                char *b;

                if (n + 4096 + 1 > size) {
                        b = realloc(buf, size = n + 4096 + 1);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                }
                b = buf + n;
                n += fread(b, 1, 4096, f);
                if (b == buf + n)
                        break;
        }
        if (ferror(f))
                return -EIO;
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path) < 0 ? -1 : 0;
}

/* Runs argv with stdout into the file out (or /dev/null), stderr passed through. Returns its
 * exit status, or -errno. */
static int run_program(const char *const *argv, const char *out) {
        int status;
        pid_t pid;

        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int fd = open(out ?: "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

                if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
                        _exit(127);
                execvp(argv[0], (char *const *) argv);
                fprintf(stderr, "Failed to run %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* diff --files: each file the reload would write, as the configuration file now renders it
 * (xen-dom0d --render into a private directory), against the one on disk, as diff -u shows
 * it. A table of (file, unified diff). Returns an exit status. */
static int file_diffs(sd_bus *bus, char *const *files, Table **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *config = NULL, *dir = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        const char *daemon = getenv("XEN_DOM0D") ?: SBINDIR "/xen-dom0d";
        const char *tmp = getenv("TMPDIR") ?: "/tmp";
        /* the daemon's root prefix (its tests run it under one), as xen-dom0d reads it */
        const char *root = getenv("XEN_DOM0D_ROOT") ?: "";
        int r, k = EXIT_OK;

        t = table_new("FILE", "UNIFIED DIFF");
        if (!t)
                return oom();
        if (!files || !*files) {
                *ret = TAKE_PTR(t);
                return EXIT_OK;
        }
        r = sd_bus_get_property_string(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "ConfigPath", &error,
                                       &config);
        if (r < 0)
                return call_failed("get the configuration file's path", &error, r);
        if (access(config, R_OK) < 0) {
                int e = errno;

                fprintf(stderr, "diff --files renders %s, which this user may not read: %s.\n"
                                "Run it as root, or leave out --files.\n", config, strerror(e));
                return e == EACCES ? EXIT_DENIED : EXIT_FAILED;
        }
        if (asprintf(&dir, "%s/xen-dom0ctl.XXXXXX", tmp) < 0)
                return oom();
        if (!mkdtemp(dir)) {
                fprintf(stderr, "Failed to make a directory in %s: %s\n", tmp, strerror(errno));
                return EXIT_FAILED;
        }
        r = run_program((const char *const[]) { daemon, "--render", dir, "--config", config, NULL }, NULL);
        if (r != 0) {
                fprintf(stderr, "Failed to render %s with %s (%s %d).\n", config, daemon, r < 0 ? "error" : "exit status",
                        r < 0 ? -r : r);
                k = EXIT_FAILED;
        }
        for (size_t i = 0; k == EXIT_OK && files[i]; i++) {
                _cleanup_free_ char *old = NULL, *new = NULL, *out = NULL, *text = NULL, *a = NULL, *b = NULL;

                if (asprintf(&old, "%s%s", root, files[i]) < 0 || asprintf(&new, "%s%s", dir, files[i]) < 0 ||
                    asprintf(&out, "%s/.diff", dir) < 0 || asprintf(&a, "a%s", files[i]) < 0 ||
                    asprintf(&b, "b%s", files[i]) < 0) {
                        k = oom();
                        break;
                }
                r = run_program((const char *const[]) { "diff", "-u", "--label", a, "--label", b,
                                                        access(old, F_OK) < 0 ? "/dev/null" : old,
                                                        access(new, F_OK) < 0 ? "/dev/null" : new, NULL },
                                out);
                if (r < 0 || r > 1) {
                        fprintf(stderr, "Failed to compare %s with its new text.\n", files[i]);
                        k = EXIT_FAILED;
                } else if (read_text_file(out, &text) < 0 ||
                           table_add_many(t, TABLE_STRING, files[i], TABLE_STRING, text) < 0)
                        k = oom();
        }
        (void) nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        if (k == EXIT_OK)
                *ret = TAKE_PTR(t);
        return k;
}

static int verb_diff(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **changed = NULL, **files = NULL, **restarts = NULL, **pending = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_strv_free_ char **shown = NULL;
        _cleanup_(table_freep) Table *values = NULL, *guests = NULL, *file_diffs_table = NULL;
        const Table *diffs = NULL;
        _cleanup_strv_free_ char **guest_lines = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        const char *name, *old, *new;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "Diff");
        if (r < 0)
                return oom();
        /* Diff waits for xl's dry run of each new or changed guest, a few at a time: longer than
         * the bus's default 25 s when a file adds many guests at once. */
        r = sd_bus_call(bus, call, DIFF_TIMEOUT_USEC, &error, &reply);
        if (r < 0 && sd_bus_error_has_name(&error, BUS_ERROR_INVALID_CONFIG))
                return print_invalid_config("compute the reload plan", &error);
        if (r < 0)
                return call_failed("compute the reload plan", &error, r);
        if ((r = sd_bus_message_read_strv(reply, &changed)) < 0 || (r = sd_bus_message_read_strv(reply, &files)) < 0 ||
            (r = sd_bus_message_read_strv(reply, &restarts)) < 0 || (r = sd_bus_message_read_strv(reply, &pending)) < 0)
                return parse_failed("Diff", r);
        /* (option, old, new): given to root and the daemon's user only; the names alone otherwise */
        values = table_new("OPTION", "OLD", "NEW");
        shown = strv_copy(changed);
        if (!values || !shown)
                return oom();
        r = sd_bus_message_enter_container(reply, 'a', "(sss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sss)", &name, &old, &new)) > 0) {
                struct json_object *old_json, *new_json = NULL;

                if (config_value_json(name, old, &old_json) < 0 || config_value_json(name, new, &new_json) < 0 ||
                    table_add_many(values, TABLE_STRING, name, TABLE_JSON, old_json, old, TABLE_JSON, new_json, new) < 0) {
                        json_object_put(new_json);
                        return oom();
                }
                for (size_t i = 0; shown[i]; i++)
                        if (streq(shown[i], name)) {
                                char *s;
                                /* one line each: a value of several lines is shown joined */
                                if (asprintf(&s, "%s: %s → %s", name, old, new) < 0)
                                        return oom();
                                for (char *p = s; *p; p++)
                                        if (*p == '\n')
                                                *p = ' ';
                                free(shown[i]);
                                shown[i] = s;
                        }
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return parse_failed("Diff", r);
        /* what the reload does to the declared guests: one line each, and a table for JSON */
        guests = table_new("GUEST", "CHANGE", "OPTION");
        if (!guests)
                return oom();
        r = sd_bus_message_enter_container(reply, 'a', "(sss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sss)", &name, &old, &new)) > 0) {
                char *s = NULL;
                int k;

                if (table_add_many(guests, TABLE_STRING, name, TABLE_STRING, old, TABLE_STRING, new) < 0)
                        return oom();
                if (streq(old, "start"))
                        k = asprintf(&s, "%s: started", name);
                else if (streq(old, "undeclared"))
                        k = asprintf(&s, "%s: no longer declared, left running as it is", name);
                else if (streq(old, "live"))
                        k = asprintf(&s, "%s: %s applied live", name, new);
                else if (streq(old, "pending-restart"))
                        k = asprintf(&s, "%s: %s waits for xen-dom0ctl restart-guest %s", name, new, name);
                else
                        k = asprintf(&s, "%s: %s %s", name, old, new);
                if (k < 0 || strv_consume(&guest_lines, s) < 0)
                        return oom();
        }
        if (r < 0)
                return parse_failed("Diff", r);

        if (arg_files) {
                r = file_diffs(bus, files, &file_diffs_table);
                if (r != EXIT_OK)
                        return r;
        }
        t = table_new_vertical();
        if (!t || table_add_field(t, "Changed options", "changed_options", TABLE_STRV, arg_json ? changed : shown) < 0 ||
            table_add_field(t, "Changed values", "changed_values", TABLE_TABLE, TAKE_PTR(values)) < 0 ||
            table_add_field(t, "Files to write", "files", TABLE_STRV, files) < 0 ||
            table_add_field(t, "Components to restart", "restarts", TABLE_STRV, restarts) < 0 ||
            table_add_field(t, "Pending reboot", "pending_reboot", TABLE_STRV, pending) < 0 ||
            table_add_field(t, "Guests", "guests", arg_json ? TABLE_TABLE : TABLE_STRV,
                            arg_json ? (void *) TAKE_PTR(guests) : (void *) guest_lines) < 0)
                return oom();
        /* borrowed for the text below: the record owns it */
        diffs = file_diffs_table;
        if (file_diffs_table &&
            table_add_field(t, "File diffs", "file_diffs", TABLE_TABLE, TAKE_PTR(file_diffs_table)) < 0)
                return oom();
        if (arg_json)
                return print_table_json(t);
        if (strv_length(changed) + strv_length(files) + strv_length(restarts) + strv_length(pending) +
                    strv_length(guest_lines) ==
            0)
                printf("No changes: a reload would do nothing.\n");
        else
                table_print_lists(t, stdout);
        for (size_t i = 0; diffs && i < table_rows(diffs); i++)
                fputs(table_get_string(diffs, i, 1), stdout);
        return EXIT_OK;
}

/* ---- progress of a reload or a restart, on a terminal ----------------------------------- */

/* What systemctl start shows of its job: while the call runs, each component's restart, as its
 * object announces its State. Only on a terminal, and neither with --json nor --quiet. */
typedef struct Progress {
        uint32_t restarting;    /* the components shown as being restarted (bits of their ids) */
        sd_bus_message *reply;
        sd_bus_error error;
        bool done;
} Progress;

static bool progress_wanted(void) {
        return output_on_tty() && !arg_json && !arg_quiet;
}

static void progress_show(Progress *p, const ComponentDef *def, const char *state);

static int on_component_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Progress *p = userdata;
        _cleanup_free_ char *name = NULL, *state = NULL; /* bus_read_properties() copies strings */
        const ComponentDef *def;
        const char *iface;

        if (sd_bus_path_decode(sd_bus_message_get_path(m), DOM0_COMPONENT_PREFIX, &name) <= 0 ||
            !(def = component_find(name)) || sd_bus_message_read_basic(m, 's', &iface) < 0 ||
            !streq(iface, DOM0_COMPONENT_IFACE) ||
            bus_read_properties(m, (const BusProperty[]) { { "State", "s", &state }, {} }) < 0 || !state)
                return 0;
        progress_show(p, def, state);
        return 0;
}

static void progress_show(Progress *p, const ComponentDef *def, const char *state) {
        if ((streq(state, "restarting") || streq(state, "starting")) && !(p->restarting & COMP_BIT(def->id))) {
                p->restarting |= COMP_BIT(def->id);
                printf("%sRestarting%s %s (%s)...\n", ansi(ANSI_HIGHLIGHT), ansi(ANSI_NORMAL), def->name, def->unit);
        } else if ((streq(state, "active") || streq(state, "failed")) && (p->restarting & COMP_BIT(def->id))) {
                p->restarting &= ~COMP_BIT(def->id);
                printf("%s%s%s %s\n", ansi(streq(state, "active") ? ANSI_GREEN : ANSI_RED),
                       streq(state, "active") ? "Done:" : "Failed:", ansi(ANSI_NORMAL), def->name);
        }
        fflush(stdout);
}

static int on_call_done(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Progress *p = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (e)
                (void) sd_bus_error_copy(&p->error, e);
        else
                p->reply = sd_bus_message_ref(m);
        p->done = true;
        return 0;
}

/* sd_bus_call(), with the components' progress shown meanwhile when progress_wanted(). */
static int call_with_progress(sd_bus *bus, sd_bus_message *m, sd_bus_error *error, sd_bus_message **reply) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *match = NULL, *call = NULL;
        Progress p = { .error = SD_BUS_ERROR_NULL };
        int r;

        if (!progress_wanted() ||
            sd_bus_match_signal(bus, &match, DOM0_BUS_NAME, NULL, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", on_component_changed, &p) < 0)
                return sd_bus_call(bus, m, TIMEOUT_INFINITY, error, reply);
        r = sd_bus_call_async(bus, &call, m, on_call_done, &p, TIMEOUT_INFINITY);
        while (r >= 0 && !p.done) {
                r = sd_bus_process(bus, NULL);
                if (r == 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
        }
        /* What came with the reply, then the state of those still shown as restarting: the
         * reply may overtake the announcement of their end. */
        while (r >= 0 && sd_bus_process(bus, NULL) > 0)
                ;
        for (size_t id = 0; r >= 0 && p.restarting && id < _COMP_MAX; id++) {
                const ComponentDef *def = &component_table[id];
                _cleanup_free_ char *path = NULL, *state = NULL;

                if (!(p.restarting & COMP_BIT(id)) ||
                    sd_bus_path_encode(DOM0_COMPONENT_PREFIX, def->name, &path) < 0 ||
                    sd_bus_get_property_string(bus, DOM0_BUS_NAME, path, DOM0_COMPONENT_IFACE, "State", NULL,
                                               &state) < 0)
                        continue;
                progress_show(&p, def, state);
        }
        if (r < 0) {
                sd_bus_error_free(&p.error);
                return r;
        }
        if (sd_bus_error_is_set(&p.error)) {
                r = -sd_bus_error_get_errno(&p.error);
                sd_bus_error_move(error, &p.error);
                return r;
        }
        *reply = p.reply;
        return 0;
}

static int verb_reload(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_strv_free_ char **files = NULL, **restarted = NULL, **pending = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "Reload");
        if (r < 0)
                return oom();
        r = call_with_progress(bus, m, &error, &reply);
        if (r < 0 && sd_bus_error_has_name(&error, BUS_ERROR_INVALID_CONFIG))
                return print_invalid_config("reload", &error);
        if (r < 0)
                return call_failed("reload", &error, r);
        if ((r = sd_bus_message_read_strv(reply, &files)) < 0 || (r = sd_bus_message_read_strv(reply, &restarted)) < 0 ||
            (r = sd_bus_message_read_strv(reply, &pending)) < 0)
                return parse_failed("Reload", r);

        t = table_new_vertical();
        if (!t || table_add_field(t, "Files written", "files", TABLE_STRV, files) < 0 ||
            table_add_field(t, "Components restarted", "restarted", TABLE_STRV, restarted) < 0 ||
            table_add_field(t, "Pending reboot", "pending_reboot", TABLE_STRV, pending) < 0)
                return oom();
        if (arg_json)
                return print_table_json(t);
        if (arg_quiet)
                return EXIT_OK;
        if (strv_length(files) + strv_length(restarted) + strv_length(pending) == 0) {
                printf("Reloaded: nothing changed.\n");
                return EXIT_OK;
        }
        printf("Reloaded.\n");
        table_print_lists(t, stdout);
        return EXIT_OK;
}

static int verb_restart(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_free_ char *what = NULL;
        const char *name = args[0];
        int r;

        /* The daemon takes a component's name or its unit's. */
        r = sd_bus_message_new_method_call(bus, &m, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE,
                                           "RestartComponent");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r < 0)
                return oom();
        r = call_with_progress(bus, m, &error, &reply);
        if (r < 0) {
                if (asprintf(&what, "restart %s", name) < 0)
                        return oom();
                return call_failed(what, &error, r);
        }
        return EXIT_OK;
}

/* ---- logs ------------------------------------------------------------------------------ */

/* The journal of the daemon or of one component: journalctl does it, with its own pager. */
static int verb_logs(sd_bus *bus, char **args) {
        const char *argv[8];
        const char *unit = "xen-dom0.service";
        size_t n = 0;

        if (arg_host) {
                fprintf(stderr, "logs reads this host's journal; for another one: ssh HOST journalctl -u UNIT\n");
                return EXIT_USAGE;
        }
        if (args[0]) {
                const ComponentDef *d = component_find(args[0]);

                if (!d)
                        return no_such_component("show the journal of", args[0]);
                unit = d->unit;
        }
        argv[n++] = "journalctl";
        if (arg_no_pager)
                argv[n++] = "--no-pager";
        if (arg_json)
                argv[n++] = "--output=json";
        argv[n++] = "--unit";
        argv[n++] = unit;
        argv[n] = NULL;
        fflush(stdout);
        execvp(argv[0], (char *const *) argv);
        fprintf(stderr, "Failed to run journalctl: %s\n", strerror(errno));
        return EXIT_FAILED;
}

/* ---- metrics --------------------------------------------------------------------------- */

/* The daemon writes the text, so that it is the same as the file node_exporter reads. */
static int verb_metrics(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *text;
        int r;

        r = sd_bus_call_method(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "GetMetrics", &error, &reply,
                               "s", arg_format ?: "openmetrics");
        if (r < 0)
                return call_failed("read the metrics", &error, r);
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return parse_failed("GetMetrics", r);
        fputs(text, stdout);
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
}

/* ---- boot entries ------------------------------------------------------------------------ */

static int verb_boot_entries(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        _cleanup_free_ char *state = NULL, *loader = NULL, *message = NULL;
        const char *id, *title, *xen, *options, *kernel;
        int r;

        r = sd_bus_get_property(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "BootEntries", &error, &reply,
                                "a(sssss)");
        if (r < 0)
                return call_failed("read the boot entries", &error, r);
        if (sd_bus_get_property_string(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "BootEntriesState",
                                       &error, &state) < 0 ||
            sd_bus_get_property_string(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "BootLoader", &error,
                                       &loader) < 0 ||
            sd_bus_get_property_string(bus, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "BootEntriesMessage",
                                       &error, &message) < 0)
                return call_failed("read the boot entries", &error, -EIO);

        t = table_new("ID", "TITLE", "XEN", "XEN COMMAND LINE", "KERNEL");
        if (!t)
                return oom();
        table_set_json_field_name(t, 3, "xen_options");
        r = sd_bus_message_enter_container(reply, 'a', "(sssss)");
        if (r < 0)
                return parse_failed("BootEntries", r);
        while ((r = sd_bus_message_read(reply, "(sssss)", &id, &title, &xen, &options, &kernel)) > 0)
                if (table_add_many(t, TABLE_STRING, id, TABLE_STRING, title, TABLE_STRING, xen, TABLE_STRING, options,
                                   TABLE_STRING, kernel) < 0)
                        return oom();
        if (r < 0)
                return parse_failed("BootEntries", r);
        if (arg_json)
                return print_table_json(t);
        if (output_legend()) {
                printf("Boot entries: %s", state);
                if (!isempty(loader))
                        printf(" (%s)", loader);
                if (!isempty(message) && !streq(state, "current"))
                        printf(": %s", message);
                printf("\n\n");
        }
        if (table_print(t, stdout) < 0)
                return EXIT_FAILED;
        if (output_legend())
                printf("\n%zu Xen boot entr%s listed.\n", table_rows(t), table_rows(t) == 1 ? "y" : "ies");
        return EXIT_OK;
}

static int verb_refresh_boot_entries(sd_bus *bus, char **args) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, DOM0_BUS_NAME, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE,
                                           "RefreshBootEntries");
        if (r < 0)
                return oom();
        r = sd_bus_call(bus, m, TIMEOUT_INFINITY, &error, &reply);
        if (r < 0)
                return call_failed("refresh the boot entries", &error, r);
        if (!arg_quiet && !arg_json)
                printf("Refreshing the boot entries: see \"xen-dom0ctl boot-entries\" and "
                       "\"journalctl -u xen-dom0-boot-entries.service\".\n");
        return EXIT_OK;
}

/* ---- command line ---------------------------------------------------------------------- */

static const Verb verbs[] = {
        { "status", 0, _COMP_MAX, true, false, verb_status },
        { "components", 0, 0, true, false, verb_components },
        { "config", 0, 0, true, false, verb_config },
        { "check", 0, 1, true, false, verb_check },
        { "diff", 0, 0, true, false, verb_diff },
        { "reload", 0, 0, false, true, verb_reload },
        { "restart", 1, 1, false, true, verb_restart },
        { "domains", 0, 0, true, false, verb_domains },
        { "guests", 0, 0, true, false, verb_guests },
        { "start-guest", 1, 1, false, true, verb_start_guest },
        { "stop-guest", 1, 1, false, true, verb_stop_guest },
        { "restart-guest", 1, 1, false, true, verb_restart_guest },
        { "logs", 0, 1, false, false, verb_logs, .local = true },
        { "metrics", 0, 0, true, false, verb_metrics },
        { "boot-entries", 0, 0, true, false, verb_boot_entries },
        { "refresh-boot-entries", 0, 0, false, true, verb_refresh_boot_entries },
};

static void help(void) {
        printf("%s [OPTIONS...] COMMAND ...\n\n"
               "Query and control the Xen Domain 0 stack supervised by xen-dom0d.\n\n"
               "Commands:\n"
               "  status [COMPONENT...]  Show the stack's state, components, pending reboot; or\n"
               "                         the components named\n"
               "  components             List the components and their states\n"
               "  config [--changed]     Show the effective configuration\n"
               "  check [FILE]           Validate FILE (default: the configured file)\n"
               "  diff [--files]         Show what a reload would change\n"
               "  reload                 Apply the configuration file now\n"
               "  restart COMPONENT      Restart one component\n"
               "  domains                List the domains the hypervisor runs\n"
               "  guests                 List the declared guests, and the undeclared ones\n"
               "  start-guest NAME       Start a declared guest, once those it starts after are up\n"
               "  stop-guest NAME        Shut a declared guest down\n"
               "  restart-guest NAME     Restart a declared guest: applies its pending changes\n"
               "  logs [COMPONENT]       Show the journal of xen-dom0d or of a component\n"
               "  metrics                Print the metrics of the domains and the stack (OpenMetrics)\n"
               "  boot-entries           List the Xen boot entries and the command line of each\n"
               "  refresh-boot-entries   Write the Xen boot entries again\n"
               "\nOptions:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --system            Connect to the system bus (the default)\n"
               "  -H --host=[USER@]HOST  Operate on a remote host, over ssh\n"
               "     --json=MODE         Output JSON: pretty, short or off (--json alone: pretty\n"
               "                         on a terminal, short otherwise)\n"
               "  -q --quiet             Print only errors and the data asked for\n"
               "     --no-legend         Do not print column headers and \"listed\" footers\n"
               "  -l --full              Do not cut tables to the terminal's width\n"
               "     --no-pager          Do not pipe output into a pager\n"
               "     --no-ask-password   Do not ask for authorization interactively\n"
               "     --changed           config: only the options that differ from their default\n"
               "     --files             diff: also each file's changes, as diff -u shows them\n"
               "     --format=FORMAT     metrics: openmetrics (the default) or prometheus (text 0.0.4)\n"
               "\nSee the xen-dom0ctl(1) man page for details.\n",
               program_invocation_short_name);
}

/* Returns -1 to go on, or the exit status. */
static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_SYSTEM,
                ARG_JSON,
                ARG_NO_PAGER,
                ARG_NO_ASK_PASSWORD,
                ARG_CHANGED,
                ARG_FORMAT,
                ARG_NO_LEGEND,
                ARG_FILES,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "host", required_argument, NULL, 'H' },
                { "json", optional_argument, NULL, ARG_JSON },
                { "quiet", no_argument, NULL, 'q' },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "full", no_argument, NULL, 'l' },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "no-ask-password", no_argument, NULL, ARG_NO_ASK_PASSWORD },
                { "changed", no_argument, NULL, ARG_CHANGED },
                { "files", no_argument, NULL, ARG_FILES },
                { "format", required_argument, NULL, ARG_FORMAT },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "hH:ql", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_OK;
                case ARG_VERSION:
                        printf("xen-dom0ctl %s\n", PACKAGE_VERSION);
                        return EXIT_OK;
                case ARG_SYSTEM:
                        arg_host = NULL;
                        break;
                case 'H':
                        arg_host = optarg;
                        break;
                case ARG_JSON:
                        /* as systemctl's --json=pretty|short|off */
                        if (!optarg)
                                arg_json = true;
                        else if (streq(optarg, "pretty") || streq(optarg, "short")) {
                                arg_json = true;
                                output_set_json_pretty(streq(optarg, "pretty"));
                        } else if (streq(optarg, "off"))
                                arg_json = false;
                        else if (streq(optarg, "help")) {
                                puts("pretty\nshort\noff");
                                return EXIT_OK;
                        } else {
                                fprintf(stderr, "Unknown --json=%s: expected pretty, short or off.\n", optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case 'q':
                        arg_quiet = true;
                        output_set_legend(false);
                        break;
                case ARG_NO_LEGEND:
                        output_set_legend(false);
                        break;
                case 'l':
                        output_set_full(true);
                        break;
                case ARG_NO_PAGER:
                        arg_no_pager = true;
                        break;
                case ARG_NO_ASK_PASSWORD:
                        arg_ask_password = false;
                        break;
                case ARG_CHANGED:
                        arg_changed = true;
                        break;
                case ARG_FILES:
                        arg_files = true;
                        break;
                case ARG_FORMAT:
                        if (metrics_format_from_string(optarg) < 0) {
                                fprintf(stderr, "Unknown --format=%s: expected openmetrics or prometheus.\n", optarg);
                                return EXIT_USAGE;
                        }
                        arg_format = optarg;
                        break;
                default:
                        fprintf(stderr, "See %s --help.\n", program_invocation_short_name);
                        return EXIT_USAGE;
                }
        return -1;
}

/* Output that could not all be written (a full disk, say) is a failure, whatever the command's
 * status: what was asked for is not all there. Returns r, or EXIT_FAILED. */
static int check_stdout(int r) {
        int e;

        if (fflush(stdout) != 0)
                e = errno;
        else if (ferror(stdout))
                e = EIO; /* an earlier write failed, and its errno is gone */
        else
                return r;
        fprintf(stderr, "Failed to write the output: %s\n", strerror(e));
        return EXIT_FAILED;
}

static int connect_bus(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = arg_host ? sd_bus_open_system_remote(&bus, arg_host) : sd_bus_open_system(&bus);
        if (r < 0) {
                if (arg_host)
                        fprintf(stderr, "Failed to connect to %s: %s\n", arg_host, strerror(-r));
                else
                        fprintf(stderr, "Failed to connect to the system bus: %s\n", strerror(-r));
                return r;
        }
        r = sd_bus_set_allow_interactive_authorization(bus, arg_ask_password);
        if (r < 0) {
                fprintf(stderr, "Failed to set up interactive authorization: %s\n", strerror(-r));
                return r;
        }
        *ret = TAKE_PTR(bus);
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *name;
        const Verb *verb = NULL;
        size_t n_args;
        char **args;
        int r;

        output_init();
        arg_ask_password = isatty(STDIN_FILENO) > 0;
        r = parse_argv(argc, argv);
        if (r >= 0)
                return check_stdout(r);

        name = optind < argc ? argv[optind] : "status";
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        verb = &verbs[i];
        if (!verb) {
                fprintf(stderr, "Unknown command: %s\nSee %s --help.\n", name, program_invocation_short_name);
                return EXIT_USAGE;
        }
        args = optind < argc ? argv + optind + 1 : argv + argc;
        n_args = optind < argc ? (size_t) (argc - optind - 1) : 0;
        if (n_args < verb->min_args || n_args > verb->max_args) {
                fprintf(stderr, "%s: %s.\nSee %s --help.\n", verb->name,
                        n_args < verb->min_args ? "missing argument" : "too many arguments",
                        program_invocation_short_name);
                return EXIT_USAGE;
        }
        if (arg_changed && verb->run != verb_config) {
                fprintf(stderr, "--changed applies to the config command only.\n");
                return EXIT_USAGE;
        }
        if (arg_files && verb->run != verb_diff) {
                fprintf(stderr, "--files applies to the diff command only.\n");
                return EXIT_USAGE;
        }
        /* --files renders on this host: refused before anything is asked of HOST. */
        if (arg_files && arg_host) {
                fprintf(stderr, "diff --files renders the configuration file on this host; run it there.\n");
                return EXIT_USAGE;
        }
        if (arg_format && verb->run != verb_metrics) {
                fprintf(stderr, "--format applies to the metrics command only.\n");
                return EXIT_USAGE;
        }
        if (arg_json && verb->run == verb_metrics) {
                fprintf(stderr, "metrics prints OpenMetrics text; --json does not apply (see: domains --json).\n");
                return EXIT_USAGE;
        }

        /* The components are the client's table too: an unknown name is reported as such, the
         * daemon running or not, and without asking it. */
        if (verb->run == verb_status || verb->run == verb_restart)
                STRV_FOREACH(a, args)
                        if (!component_find(*a))
                                return no_such_component(verb->run == verb_restart ? "restart" : "show the status of",
                                                         *a);

        if (verb->local)
                return verb->run(NULL, args);
        if (connect_bus(&bus) < 0)
                return EXIT_FAILED;
        if (verb->mutating && arg_ask_password && !arg_host)
                polkit_agent_open();
        /* JSON is for programs: never through a pager. */
        if (verb->pager && !arg_json)
                pager_open(arg_no_pager);

        r = verb->run(bus, args);

        polkit_agent_close();
        /* before the pager's pipe is closed */
        r = check_stdout(r);
        pager_close();
        return r;
}
