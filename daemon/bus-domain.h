/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain objects under /org/xenproject/Dom0/domain/<name>. */
#pragma once

#include "xen.h"

int bus_domain_register(Manager *m);
int bus_domain_path(const char *name, char **ret);
/* DomainAdded or DomainRemoved (signal) of d, with the object's InterfacesAdded/Removed. */
void bus_domain_emit(Manager *m, const char *signal, const XenDomain *d);
/* What the configuration declares of d: whether a declared guest runs in it, its unit and its
 * readiness (both allocated, "" when not declared), and whether it is up, its readiness met.
 * Returns 0 or -ENOMEM. */
typedef struct DomainGuest {
        bool declared, ready;
        char *unit, *readiness;
} DomainGuest;
int bus_domain_guest(Manager *m, const XenDomain *d, DomainGuest *ret);
void domain_guest_done(DomainGuest *g);

/* The State property of d changed. */
void bus_domain_emit_state_changed(Manager *m, const XenDomain *d);
