/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The project's D-Bus error names: conditions a caller can act on. */
#pragma once

#define BUS_ERROR_INVALID_CONFIG "org.xenproject.Dom0.Error.InvalidConfig"
#define BUS_ERROR_NO_SUCH_COMPONENT "org.xenproject.Dom0.Error.NoSuchComponent"
#define BUS_ERROR_NOT_RESTARTABLE "org.xenproject.Dom0.Error.NotRestartable"
#define BUS_ERROR_BUSY "org.xenproject.Dom0.Error.Busy"

/* The last line of an InvalidConfig message to a caller other than root: its findings name
 * options, lines and what is wrong, and quote nothing of the file. */
#define BUS_INVALID_CONFIG_REDACTED "(values left out: the daemon shows them to root only)"

#define DOM0_OBJECT_PATH "/org/xenproject/Dom0"
#define DOM0_MANAGER_IFACE "org.xenproject.Dom0.Manager"
#define DOM0_COMPONENT_PREFIX "/org/xenproject/Dom0/component"
#define DOM0_COMPONENT_IFACE "org.xenproject.Dom0.Component"
