/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libxl error codes to -errno, and the parts of the Xen command line the daemon compares. */
#include <errno.h>
#include <libxl.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "xen-util.h"

int xen_libxl_error_to_errno(int e) {
        switch (e) {
        case 0:
                return 0;
        case ERROR_NOMEM:
                return -ENOMEM;
        case ERROR_INVAL:
        case ERROR_VNUMA_CONFIG_INVALID:
                return -EINVAL;
        case ERROR_VERSION:
                return -EPROTONOSUPPORT;
        case ERROR_NI:
        case ERROR_NOPARAVIRT:
        case ERROR_FEATURE_REMOVED:
        case ERROR_CHECKPOINT_DEVOPS_DOES_NOT_MATCH:
        case ERROR_CHECKPOINT_DEVICE_NOT_SUPPORTED:
                return -EOPNOTSUPP;
        case ERROR_GUEST_TIMEDOUT:
        case ERROR_TIMEDOUT:
                return -ETIMEDOUT;
        case ERROR_NOT_READY:
                return -EAGAIN;
        case ERROR_BUFFERFULL:
                return -ENOBUFS;
        case ERROR_UNKNOWN_CHILD:
                return -ECHILD;
        case ERROR_LOCK_FAIL:
                return -ENOLCK;
        case ERROR_JSON_CONFIG_EMPTY:
                return -ENODATA;
        case ERROR_DEVICE_EXISTS:
                return -EEXIST;
        case ERROR_DOMAIN_NOTFOUND:
        case ERROR_DOMAIN_DESTROYED:
                return -ESRCH;
        case ERROR_ABORTED:
                return -ECANCELED;
        case ERROR_NOTFOUND:
                return -ENOENT;
        case ERROR_PROTOCOL_ERROR_QMP:
        case ERROR_UNKNOWN_QMP_ERROR:
        case ERROR_QMP_GENERIC_ERROR:
        case ERROR_QMP_COMMAND_NOT_FOUND:
        case ERROR_QMP_DEVICE_NOT_ACTIVE:
        case ERROR_QMP_DEVICE_NOT_FOUND:
        case ERROR_QEMU_API:
                return -EPROTO;
        default:
                /* ERROR_FAIL, ERROR_NONSPECIFIC, ERROR_BADFAIL, ERROR_OSEVENT_REG_FAIL, codes of
                 * later libxl versions and positive hook codes: nothing more precise to say. */
                return -EIO;
        }
}

/* The value of the last "name=" word of the command line (Xen takes the last), or NULL; *ret_len
 * is its length. */
static const char *cmdline_value(const char *cmdline, const char *name, size_t *ret_len) {
        size_t l = strlen(name);
        const char *found = NULL;

        for (const char *p = cmdline; p && *p;) {
                size_t w;

                p += strspn(p, " \t\n");
                w = strcspn(p, " \t\n");
                if (w > l && strncmp(p, name, l) == 0 && p[l] == '=') {
                        found = p + l + 1;
                        *ret_len = w - l - 1;
                }
                p += w;
        }
        return found;
}

bool xen_cmdline_has(const char *cmdline, const char *param) {
        size_t l = strlen(param);

        if (l == 0)
                return false;
        for (const char *p = cmdline; p && *p;) {
                size_t w;

                p += strspn(p, " \t\n");
                w = strcspn(p, " \t\n");
                if (w == l && strncmp(p, param, l) == 0)
                        return true;
                p += w;
        }
        return false;
}

/* A Xen size: digits with an optional B, K, M, G or T suffix; no suffix means KiB. 0 when it
 * is not one. */
static uint64_t parse_size_kib(const char *s, size_t n) {
        char buf[32], *end;
        unsigned long long v;

        if (n == 0 || n >= sizeof buf || !strchr("0123456789", s[0]))
                return 0;
        memcpy(buf, s, n);
        buf[n] = 0;
        errno = 0;
        v = strtoull(buf, &end, 10);
        if (errno != 0)
                return 0;
        if (*end && end[1])
                return 0;
        switch (*end) {
        case 0:
        case 'k':
        case 'K':
                return v;
        case 'b':
        case 'B':
                return v / 1024;
        case 'm':
        case 'M':
                return v << 10;
        case 'g':
        case 'G':
                return v << 20;
        case 't':
        case 'T':
                return v << 30;
        default:
                return 0;
        }
}

bool xen_cmdline_dom0_mem(const char *cmdline, uint64_t *ret_amount_kib, uint64_t *ret_max_kib) {
        size_t n = 0;
        const char *v = cmdline_value(cmdline, "dom0_mem", &n);
        uint64_t amount = 0, max = 0;

        if (!v) {
                *ret_amount_kib = *ret_max_kib = 0;
                return false;
        }
        for (size_t i = 0; i < n;) {
                size_t w = 0;

                while (i + w < n && v[i + w] != ',')
                        w++;
                if (w > 4 && strncmp(v + i, "max:", 4) == 0)
                        max = parse_size_kib(v + i + 4, w - 4);
                else if (w > 0 && strncmp(v + i, "min:", 4) != 0)
                        amount = parse_size_kib(v + i, w);
                i += w + 1;
        }
        *ret_amount_kib = amount;
        *ret_max_kib = max;
        return true;
}

unsigned xen_cmdline_dom0_max_vcpus(const char *cmdline) {
        size_t n = 0;
        const char *v = cmdline_value(cmdline, "dom0_max_vcpus", &n);
        char buf[32], *dash;

        if (!v || n == 0 || n >= sizeof buf)
                return 0;
        memcpy(buf, v, n);
        buf[n] = 0;
        dash = strchr(buf, '-');
        return (unsigned) strtoul(dash ? dash + 1 : buf, NULL, 10);
}
