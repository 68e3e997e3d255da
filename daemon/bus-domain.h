/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain objects under /org/xenproject/Dom0/domain/<name>. */
#pragma once

#include "xen.h"

int bus_domain_register(Manager *m);
int bus_domain_path(const char *name, char **ret);
/* DomainAdded or DomainRemoved (signal) of d, with the object's InterfacesAdded/Removed. */
void bus_domain_emit(Manager *m, const char *signal, const XenDomain *d);
/* The State property of d changed. */
void bus_domain_emit_state_changed(Manager *m, const XenDomain *d);
