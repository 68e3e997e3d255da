/* Placeholder of the Xen backend: no hypervisor facts yet. */
#include "xen.h"

int xen_start(Manager *m) {
        return 0;
}

void xen_stop(Manager *m) {
}

int bus_xen_property(sd_bus *bus, const char *path, const char *iface, const char *property,
                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        if (streq(property, "XenVersion") || streq(property, "XenCommandLine"))
                return sd_bus_message_append(reply, "s", "");
        if (streq(property, "HostCPUs") || streq(property, "Dom0VCPUs"))
                return sd_bus_message_append(reply, "u", 0);
        return sd_bus_message_append(reply, "t", (uint64_t) 0);
}

int bus_xen_list_domains(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(msg, "a(ussstuto)", 0);
}

int bus_xen_register(Manager *m) {
        return 0;
}

int xen_pending_reasons(Manager *m, char ***ret) {
        *ret = NULL;
        return 0;
}

int xen_apply_dom0_memory(Manager *m, uint64_t mib) {
        return 0;
}
