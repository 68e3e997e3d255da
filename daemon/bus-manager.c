/* The org.xenproject.Dom0 object: the Manager's properties and methods on the system bus. */
#include <inttypes.h>

#include "log.h"
#include "manager.h"
#include "render.h"
#include "strv.h"

#define OBJECT_PATH "/org/xenproject/Dom0"
#define MANAGER_IFACE "org.xenproject.Dom0.Manager"

static int property_get(sd_bus *bus, const char *path, const char *iface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", manager_state_to_string(m->state));
        if (streq(property, "StatusText"))
                return sd_bus_message_append(reply, "s", strempty(m->status_text));
        if (streq(property, "Version"))
                return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
        if (streq(property, "ConfigPath"))
                return sd_bus_message_append(reply, "s", m->config_path);
        if (streq(property, "ConfigLoadedTimestamp"))
                return sd_bus_message_append(reply, "t", m->config_loaded);
        if (streq(property, "PendingReboot"))
                return sd_bus_message_append(reply, "b", strv_length(m->pending_reboot) > 0);
        if (streq(property, "PendingRebootReasons"))
                return sd_bus_message_append_strv(reply, m->pending_reboot ?: (char *[]) { NULL });
        if (streq(property, "BootParams")) {
                _cleanup_strv_free_ char **p = NULL;
                int r = render_boot_params(m->config, &p);
                if (r < 0)
                        return r;
                return sd_bus_message_append_strv(reply, p);
        }
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "Unknown property %s", property);
}

/* Mutating calls: root only (the polkit action comes with the admin API). */
static int check_privileged(sd_bus_message *msg, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;
        if (uid != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Only root may do this");
        return 0;
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = check_privileged(msg, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return r;
        log_info("Reload requested over the bus");
        r = manager_reload(m, msg);
        return r < 0 ? r : 1;
}

static int method_list_components(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sssssut)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < _COMP_MAX; i++) {
                Component *c = &m->components[i];
                r = sd_bus_message_append(reply, "(sssssut)", c->def->name, c->def->unit,
                                          component_state_to_string(c->state), strempty(c->active_state),
                                          strempty(c->sub_state), c->restarts, c->startup_msec);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("State", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StatusText", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Version", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ConfigPath", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ConfigLoadedTimestamp", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PendingReboot", "b", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PendingRebootReasons", "as", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("BootParams", "as", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_NAMES("Reload", "", , "asasas", SD_BUS_PARAM(files) SD_BUS_PARAM(restarted)
                                 SD_BUS_PARAM(pending_reboot), method_reload, 0),
        SD_BUS_METHOD_WITH_NAMES("ListComponents", "", , "a(sssssut)", SD_BUS_PARAM(components),
                                 method_list_components, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int bus_manager_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, OBJECT_PATH, MANAGER_IFACE, manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register %s", OBJECT_PATH);
        return 0;
}

void bus_manager_emit_changed(Manager *m, const char *property, ...) {
        char *names[8] = {};
        size_t n = 0;
        va_list ap;

        if (!m->bus)
                return;
        va_start(ap, property);
        for (const char *p = property; p && n < ELEMENTSOF(names) - 1; p = va_arg(ap, const char *))
                names[n++] = (char *) p;
        va_end(ap);
        if (n > 0)
                (void) sd_bus_emit_properties_changed_strv(m->bus, OBJECT_PATH, MANAGER_IFACE, names);
}
