/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Offline modes of xen-dom0d; each returns the process exit status. */
#pragma once

int offline_check(const char *path);
int offline_dump(const char *path);
int offline_render(const char *path, const char *root);
