/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The metrics: GetMetrics and the textfile node_exporter reads. */
#pragma once

#include <stdio.h>

#include "manager.h"

/* Writes the metrics text of the moment to f. */
int stats_write(Manager *m, MetricsFormat format, FILE *f);
/* Starts, moves or stops the textfile writer as the configuration says. */
void stats_configure(Manager *m);
/* Stops writing and removes the file written, whose values would go stale. */
void stats_stop(Manager *m);
int bus_stats_get_metrics(sd_bus_message *msg, void *userdata, sd_bus_error *error);
