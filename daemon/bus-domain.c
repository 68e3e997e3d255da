/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain objects under /org/xenproject/Dom0/domain/<name>: a fallback vtable over the domain
 * table that xen.c keeps, and the signals of domains appearing, going and changing state. */
#include "bus-domain.h"
#include "bus-names.h"
#include "guests.h"
#include "log.h"
#include "strv.h"
#include "xen-backend.h"
#include "xen.h"

int bus_domain_path(const char *name, char **ret) {
        return sd_bus_path_encode(DOM0_DOMAIN_PREFIX, name, ret);
}

void bus_domain_emit(Manager *m, const char *signal, const XenDomain *d) {
        _cleanup_free_ char *path = NULL;

        if (!m->bus || bus_domain_path(d->name, &path) < 0)
                return;
        if (streq(signal, "DomainRemoved"))
                (void) sd_bus_emit_object_removed(m->bus, path);
        (void) sd_bus_emit_signal(m->bus, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, signal, "uso", d->domid, d->name, path);
        if (streq(signal, "DomainAdded"))
                (void) sd_bus_emit_object_added(m->bus, path);
}

void bus_domain_emit_state_changed(Manager *m, const XenDomain *d) {
        _cleanup_free_ char *path = NULL;

        if (m->bus && bus_domain_path(d->name, &path) >= 0)
                (void) sd_bus_emit_properties_changed(m->bus, path, DOM0_DOMAIN_IFACE, "State", NULL);
}

static int find_domain(sd_bus *bus, const char *path, const char *iface, void *userdata, void **found,
                       sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        XenDomain *d;
        int r;

        r = sd_bus_path_decode(path, DOM0_DOMAIN_PREFIX, &name);
        if (r <= 0)
                return r;
        d = xen_domain_by_name(userdata, name);
        if (!d)
                return 0;
        *found = d;
        return 1;
}

static int enumerate_domains(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        size_t n;
        const XenDomain *domains = xen_domains(userdata, &n);
        char **l = calloc(n + 1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (bus_domain_path(domains[i].name, &l[i]) < 0) {
                        strv_free(l);
                        return -ENOMEM;
                }
        *nodes = l;
        return 1;
}

static int domain_property(sd_bus *bus, const char *path, const char *iface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const XenDomain *d = userdata;
        char uuid[37];

        if (streq(property, "DomID"))
                return sd_bus_message_append(reply, "u", d->domid);
        if (streq(property, "Name"))
                return sd_bus_message_append(reply, "s", d->name);
        if (streq(property, "UUID")) {
                xen_format_uuid(d->uuid, uuid);
                return sd_bus_message_append(reply, "s", uuid);
        }
        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", xen_domain_state_to_string(d->state));
        if (streq(property, "MemoryKiB"))
                return sd_bus_message_append(reply, "t", d->memory_kib);
        if (streq(property, "VCPUs"))
                return sd_bus_message_append(reply, "u", d->vcpus);
        if (streq(property, "CPUTimeNanoseconds"))
                return sd_bus_message_append(reply, "t", d->cpu_time_ns);
        if (streq(property, "MaxMemoryKiB"))
                return sd_bus_message_append(reply, "t", d->max_memory_kib);
        if (streq(property, "MaxVCPUs"))
                return sd_bus_message_append(reply, "u", d->max_vcpus);
        if (streq(property, "Flags"))
                return bus_xen_append_flags(reply, d->flags);
        if (streq(property, "ShutdownReason"))
                return sd_bus_message_append(reply, "s", xen_domain_shutdown_reason(d));
        if (streq(property, "StartTimestamp"))
                return sd_bus_message_append(reply, "t", d->start_usec);
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "Unknown property %s", property);
}

/* The manager, for the properties that are not the domain table's: the property callbacks get
 * the domain that find_domain() found. */
static Manager *domain_manager;

int bus_domain_guest(Manager *m, const XenDomain *d, DomainGuest *ret) {
        GuestRun *r = m ? guests_find_run_by_domain(m, d->name) : NULL;
        bool declared = r && r->state != GUEST_RUN_UNDECLARED;
        const Guest *g = declared ? guests_find(&m->config->guests, r->name) : NULL;
        DomainGuest dg = { .declared = declared, .ready = declared && r->state == GUEST_RUN_UP };

        dg.unit = r ? guest_unit_name(r->name) : strdup(""); /* an undeclared one keeps its unit */
        dg.readiness = g ? guest_readiness(g) : strdup("");
        if (!dg.unit || !dg.readiness) {
                domain_guest_done(&dg);
                return -ENOMEM;
        }
        *ret = dg;
        return 0;
}

void domain_guest_done(DomainGuest *g) {
        free(g->unit);
        free(g->readiness);
        *g = (DomainGuest) {};
}

/* What the configuration declares of the domain: the guest it is, if any. */
static int domain_guest_property(sd_bus *bus, const char *path, const char *iface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const XenDomain *d = userdata;
        _cleanup_(domain_guest_done) DomainGuest g = {};
        GuestRun *r = guests_find_run_by_domain(domain_manager, d->name);

        if (bus_domain_guest(domain_manager, d, &g) < 0)
                return -ENOMEM;
        if (streq(property, "Declared"))
                return sd_bus_message_append(reply, "b", g.declared);
        if (streq(property, "Guest"))
                return sd_bus_message_append(reply, "s", r ? r->name : "");
        if (streq(property, "Unit"))
                return sd_bus_message_append(reply, "s", g.unit);
        if (streq(property, "Readiness"))
                return sd_bus_message_append(reply, "s", g.readiness);
        if (streq(property, "PendingRestartReasons"))
                return sd_bus_message_append_strv(reply, r ? r->pending : (char *[]) { NULL });
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "Unknown property %s", property);
}

static const sd_bus_vtable domain_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("DomID", "u", domain_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", domain_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("UUID", "s", domain_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        /* State changes are announced (as seen on the next change event); memory and CPU time
         * change all the time and are read when asked for. */
        SD_BUS_PROPERTY("State", "s", domain_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MemoryKiB", "t", domain_property, 0, 0),
        SD_BUS_PROPERTY("VCPUs", "u", domain_property, 0, 0),
        SD_BUS_PROPERTY("CPUTimeNanoseconds", "t", domain_property, 0, 0),
        SD_BUS_PROPERTY("MaxMemoryKiB", "t", domain_property, 0, 0),
        SD_BUS_PROPERTY("MaxVCPUs", "u", domain_property, 0, 0),
        SD_BUS_PROPERTY("Flags", "as", domain_property, 0, 0),
        SD_BUS_PROPERTY("ShutdownReason", "s", domain_property, 0, 0),
        SD_BUS_PROPERTY("StartTimestamp", "t", domain_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        /* the declared guest it is (ListGuests has them all, running or not) */
        SD_BUS_PROPERTY("Declared", "b", domain_guest_property, 0, 0),
        SD_BUS_PROPERTY("Guest", "s", domain_guest_property, 0, 0),
        SD_BUS_PROPERTY("Unit", "s", domain_guest_property, 0, 0),
        SD_BUS_PROPERTY("Readiness", "s", domain_guest_property, 0, 0),
        SD_BUS_PROPERTY("PendingRestartReasons", "as", domain_guest_property, 0, 0),
        SD_BUS_VTABLE_END
};

int bus_domain_register(Manager *m) {
        int r;

        domain_manager = m;
        r = sd_bus_add_fallback_vtable(m->bus, NULL, DOM0_DOMAIN_PREFIX, DOM0_DOMAIN_IFACE, domain_vtable, find_domain,
                                       m);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(m->bus, NULL, DOM0_DOMAIN_PREFIX, enumerate_domains, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the domain objects");
        return 0;
}
