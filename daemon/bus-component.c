/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Component objects under /org/xenproject/Dom0/component/<name>: a fallback vtable with a node
 * enumerator, and change signals computed from what was last announced. */
#include "bus-component.h"
#include "bus-names.h"
#include "component.h"
#include "log.h"
#include "manager.h"

int bus_component_path(const Component *c, char **ret) {
        return sd_bus_path_encode(DOM0_COMPONENT_PREFIX, c->def->name, ret);
}

static int find_component(sd_bus *bus, const char *path, const char *iface, void *userdata, void **found,
                          sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *name = NULL;
        const ComponentDef *def;
        int r;

        r = sd_bus_path_decode(path, DOM0_COMPONENT_PREFIX, &name);
        if (r <= 0)
                return r;
        def = component_find(name);
        if (!def || !streq(def->name, name))
                return 0;
        *found = &m->components[def->id];
        return 1;
}

static int enumerate_components(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        char **l = calloc(_COMP_MAX + 1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < _COMP_MAX; i++)
                if (bus_component_path(&m->components[i], &l[i]) < 0) {
                        for (size_t j = 0; j < i; j++)
                                free(l[j]);
                        free(l);
                        return -ENOMEM;
                }
        *nodes = l;
        return 1;
}

/* Since when the component is active: the unit's own ActiveEnterTimestamp, as systemctl shows
 * it (for an adopted unit, its start before this daemon ran, not the adoption), else the time
 * the daemon saw it come up. */
static uint64_t activation_realtime(const Component *c) {
        usec_t mono = now_usec(CLOCK_MONOTONIC), real = now_usec(CLOCK_REALTIME);

        if (!c->active_since || c->active_since > mono)
                return 0;
        if (c->active_enter_realtime > 0)
                return c->active_enter_realtime;
        return real - (mono - c->active_since);
}

static int component_property(sd_bus *bus, const char *path, const char *iface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Component *c = userdata;

        if (streq(property, "Name"))
                return sd_bus_message_append(reply, "s", c->def->name);
        if (streq(property, "Unit"))
                return sd_bus_message_append(reply, "s", c->def->unit);
        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", component_state_to_string(c->state));
        if (streq(property, "ActiveState"))
                return sd_bus_message_append(reply, "s", strempty(c->active_state));
        if (streq(property, "SubState"))
                return sd_bus_message_append(reply, "s", strempty(c->sub_state));
        if (streq(property, "Result"))
                return sd_bus_message_append(reply, "s", strempty(c->result));
        if (streq(property, "Restartable"))
                return sd_bus_message_append(reply, "b", c->def->restart == RESTART_ON_FAILURE);
        if (streq(property, "Restarts"))
                return sd_bus_message_append(reply, "u", component_restarts(c));
        if (streq(property, "LastError"))
                return sd_bus_message_append(reply, "s", strempty(c->last_error));
        if (streq(property, "ActivationTimestamp"))
                return sd_bus_message_append(reply, "t", activation_realtime(c));
        if (streq(property, "StartupMilliseconds"))
                return sd_bus_message_append(reply, "t", c->startup_msec);
        if (streq(property, "Adopted"))
                return sd_bus_message_append(reply, "b", c->adopted);
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "Unknown property %s", property);
}

static const sd_bus_vtable component_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", component_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Unit", "s", component_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", component_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ActiveState", "s", component_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SubState", "s", component_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Result", "s", component_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Restartable", "b", component_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Restarts", "u", component_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastError", "s", component_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ActivationTimestamp", "t", component_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StartupMilliseconds", "t", component_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Adopted", "b", component_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

int bus_component_register(Manager *m) {
        int r;

        r = sd_bus_add_fallback_vtable(m->bus, NULL, DOM0_COMPONENT_PREFIX, DOM0_COMPONENT_IFACE, component_vtable,
                                       find_component, m);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(m->bus, NULL, DOM0_COMPONENT_PREFIX, enumerate_components, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the component objects");
        return 0;
}

/* Announces every component whose state changed since the last announcement. */
void bus_component_emit_changes(Manager *m) {
        for (size_t i = 0; i < _COMP_MAX; i++) {
                Component *c = &m->components[i];
                _cleanup_free_ char *path = NULL;
                unsigned restarts = component_restarts(c);

                if (c->announced_state == c->state && streq_ptr(c->announced_active, c->active_state) &&
                    streq_ptr(c->announced_sub, c->sub_state) && c->announced_restarts == restarts)
                        continue;
                c->announced_state = c->state;
                c->announced_restarts = restarts;
                free(c->announced_active);
                free(c->announced_sub);
                c->announced_active = c->active_state ? strdup(c->active_state) : NULL;
                c->announced_sub = c->sub_state ? strdup(c->sub_state) : NULL;
                if (!m->bus || bus_component_path(c, &path) < 0)
                        continue;
                (void) sd_bus_emit_signal(m->bus, DOM0_OBJECT_PATH, DOM0_MANAGER_IFACE, "ComponentStateChanged",
                                          "ssss", c->def->name, component_state_to_string(c->state),
                                          strempty(c->active_state), strempty(c->sub_state));
                (void) sd_bus_emit_properties_changed(m->bus, path, DOM0_COMPONENT_IFACE, "State", "ActiveState",
                                                      "SubState", "Result", "Restarts", "LastError",
                                                      "ActivationTimestamp", "StartupMilliseconds", "Adopted", NULL);
        }
}
