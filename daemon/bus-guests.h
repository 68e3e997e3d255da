/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The declared guests on the bus: ListGuests, and StartGuest, StopGuest and RestartGuest,
 * which change the host and so need the manage authorization. */
#pragma once

#include <systemd/sd-bus.h>

int bus_guests_list(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_guests_start(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_guests_stop(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int bus_guests_restart(sd_bus_message *msg, void *userdata, sd_bus_error *error);
