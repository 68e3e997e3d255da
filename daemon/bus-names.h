/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every name the project has on the bus, in one place: the service, its objects and
 * interfaces, the polkit action and the errors a caller can act on. The daemon, the client and
 * the tests' clients include it; the bus policy and the polkit policy file spell the same
 * names (conf/org.xenproject.Dom0.conf, conf/org.xenproject.Dom0.policy). */
#pragma once

#define DOM0_BUS_NAME "org.xenproject.Dom0"
#define DOM0_OBJECT_PATH "/org/xenproject/Dom0"
/* The object manager sits above the Manager object, so that one GetManagedObjects() returns
 * the Manager's properties along with every component and domain below it. */
#define DOM0_OBJECT_MANAGER_PATH "/org/xenproject"
#define DOM0_MANAGER_IFACE "org.xenproject.Dom0.Manager"
#define DOM0_COMPONENT_PREFIX "/org/xenproject/Dom0/component"
#define DOM0_COMPONENT_IFACE "org.xenproject.Dom0.Component"
#define DOM0_DOMAIN_PREFIX "/org/xenproject/Dom0/domain"
#define DOM0_DOMAIN_IFACE "org.xenproject.Dom0.Domain"

/* What a caller other than root needs to be granted to change anything. */
#define DOM0_POLKIT_ACTION "org.xenproject.Dom0.manage"

#define BUS_ERROR_INVALID_CONFIG "org.xenproject.Dom0.Error.InvalidConfig"
#define BUS_ERROR_NO_SUCH_COMPONENT "org.xenproject.Dom0.Error.NoSuchComponent"
#define BUS_ERROR_NOT_RESTARTABLE "org.xenproject.Dom0.Error.NotRestartable"
#define BUS_ERROR_BUSY "org.xenproject.Dom0.Error.Busy"
#define BUS_ERROR_NO_SUCH_GUEST "org.xenproject.Dom0.Error.NoSuchGuest"

/* The last line of an InvalidConfig message to a caller other than root: its findings name
 * options, lines and what is wrong, and quote nothing of the file. */
#define BUS_INVALID_CONFIG_REDACTED "(values left out: the daemon shows them to root only)"
