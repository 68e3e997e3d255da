/* Offline modes of xen-dom0d; each returns the process exit status. */
#pragma once

int offline_check(const char *path);
int offline_dump(const char *path);
int offline_render(const char *path, const char *root);
