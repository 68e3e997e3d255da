/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libxlutil.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guests.h"
#include "macro.h"
#include "options.h"
#include "paths.h"
#include "strv.h"

/* ---- what xl knows ------------------------------------------------------------------------- */

/* Every key xl create reads in Xen 4.17 (tools/xl/xl_parse.c), sorted. xl ignores any other
 * without a word, so a misspelt key would silently do nothing. */
const char *const xl_cfg_keys[] = {
        "acpi", "acpi_firmware", "acpi_laptop_slate", "acpi_s3", "acpi_s4", "altp2m", "altp2mhvm", "apic",
        "bios", "bios_path_override", "boot", "bootloader", "bootloader_args", "builder", "cap", "channel",
        "cmdline", "cpu_weight", "cpuid", "cpus", "cpus_soft", "device_model", "device_model_args",
        "device_model_args_hvm", "device_model_args_pv", "device_model_override",
        "device_model_stubdomain_override", "device_model_stubdomain_seclabel", "device_model_user",
        "device_model_version", "device_tree", "disk", "display", "dm_restrict", "driver_domain", "dtdev",
        "e820_host", "extra", "extratime", "firmware", "firmware_override", "gfx_passthru", "gic_version",
        "hap", "hdtype", "hpet", "init_seclabel", "iomem", "ioports", "irqs", "kernel", "keymap", "latency",
        "localtime", "max_event_channels", "max_grant_frames", "max_grant_version", "max_maptrack_frames",
        "maxmem", "maxvcpus", "mca_caps", "memory", "mmio_hole", "ms_vm_genid", "msr_relaxed", "name",
        "nestedhvm", "nographic", "nomigrate", "nx", "on_crash", "on_poweroff", "on_reboot", "on_soft_reset",
        "on_watchdog", "oos", "opengl", "p9", "pae", "passthrough", "pci", "pci_msitranslate", "pci_permissive",
        "pci_power_mgmt", "pci_seize", "period", "pool", "pvcalls", "pvshim", "pvshim_cmdline", "pvshim_extra",
        "pvshim_path", "ramdisk", "rdm", "rdm_mem_boundary", "root", "rtc_timeoffset", "sdl", "seclabel",
        "serial", "shadow_memory", "slice", "smbios_firmware", "soundhw", "spice", "spice_clipboard_sharing",
        "spice_image_compression", "spice_streaming_video", "spiceagent_mouse", "spicedisable_ticketing",
        "spicehost", "spicepasswd", "spiceport", "spicetls_port", "spiceusbredirection", "spicevdagent",
        "stdvga", "stubdomain_cmdline", "stubdomain_kernel", "stubdomain_memory", "stubdomain_ramdisk", "tee",
        "timer_mode", "tsc_mode", "type", "usb", "usbctrl", "usbdev", "usbdevice", "usbversion", "uuid",
        "vcpus", "vdispl", "vendor_device", "vfb", "vga", "videoram", "vif", "viridian", "vkb", "vkb_device",
        "vmtrace_buf_kb", "vnc", "vncdisplay", "vnclisten", "vncpasswd", "vncunused", "vncviewer", "vnuma",
        "vpmu", "vpt_align", "vsnd", "vtpm", "vuart", "xen_platform_pci", "xend_suspend_evtchn_compat",
};
const size_t xl_cfg_keys_n = ELEMENTSOF(xl_cfg_keys);

/* Every key of xl.conf(5) that xl reads in Xen 4.17 (tools/xl/xl.c), sorted. */
const char *const xl_conf_keys[] = {
        "autoballoon", "blkdev_start", "claim_mode", "colo.default.proxyscript", "defaultbridge",
        "domid_policy", "lockfile", "max_grant_frames", "max_grant_version", "max_maptrack_frames",
        "output_format", "remus.default.netbufscript", "run_hotplug_scripts", "vif.default.backend",
        "vif.default.bridge", "vif.default.gatewaydev", "vif.default.script", "vifscript", "vm.cpumask",
        "vm.hvm.cpumask", "vm.pv.cpumask",
};
const size_t xl_conf_keys_n = ELEMENTSOF(xl_conf_keys);

typedef enum XlKind {
        XL_ANY,
        XL_NUMBER,      /* xl reads it with xlu_cfg_get_long */
        XL_STRING,      /* a single value, never a list */
        XL_LIST,        /* xl refuses a single value */
} XlKind;

typedef struct XlType {
        XlFile file;
        const char *key;
        XlKind kind;
        const char *const *choices; /* of a string: what xl accepts */
} XlType;

static const char *const on_actions[] = { "destroy",         "restart",          "rename-restart", "preserve",
                                          "coredump-destroy", "coredump-restart", "soft-reset",     NULL };

/* The keys whose type is worth checking before xl does: the common ones, and those where xl
 * would misread a wrong type instead of refusing it. */
static const XlType xl_types[] = {
        { XL_FILE_CFG, "memory", XL_NUMBER },
        { XL_FILE_CFG, "maxmem", XL_NUMBER },
        { XL_FILE_CFG, "vcpus", XL_NUMBER },
        { XL_FILE_CFG, "maxvcpus", XL_NUMBER },
        { XL_FILE_CFG, "shadow_memory", XL_NUMBER },
        { XL_FILE_CFG, "videoram", XL_NUMBER },
        { XL_FILE_CFG, "max_grant_frames", XL_NUMBER },
        { XL_FILE_CFG, "max_maptrack_frames", XL_NUMBER },
        { XL_FILE_CFG, "max_event_channels", XL_NUMBER },
        { XL_FILE_CFG, "cpu_weight", XL_NUMBER },
        { XL_FILE_CFG, "cap", XL_NUMBER },
        { XL_FILE_CFG, "name", XL_STRING },
        { XL_FILE_CFG, "kernel", XL_STRING },
        { XL_FILE_CFG, "ramdisk", XL_STRING },
        { XL_FILE_CFG, "cmdline", XL_STRING },
        { XL_FILE_CFG, "extra", XL_STRING },
        { XL_FILE_CFG, "root", XL_STRING },
        { XL_FILE_CFG, "bootloader", XL_STRING },
        { XL_FILE_CFG, "uuid", XL_STRING },
        { XL_FILE_CFG, "pool", XL_STRING },
        { XL_FILE_CFG, "type", XL_STRING, (const char *const[]) { "pv", "pvh", "hvm", NULL } },
        { XL_FILE_CFG, "on_poweroff", XL_STRING, on_actions },
        { XL_FILE_CFG, "on_reboot", XL_STRING, on_actions },
        { XL_FILE_CFG, "on_watchdog", XL_STRING, on_actions },
        { XL_FILE_CFG, "on_crash", XL_STRING, on_actions },
        { XL_FILE_CFG, "on_soft_reset", XL_STRING, on_actions },
        { XL_FILE_CFG, "disk", XL_LIST },
        { XL_FILE_CFG, "vif", XL_LIST },
        { XL_FILE_CFG, "pci", XL_LIST },
        { XL_FILE_CFG, "vfb", XL_LIST },
        { XL_FILE_CFG, "vkb", XL_LIST },
        { XL_FILE_CFG, "channel", XL_LIST },
        { XL_FILE_CFG, "vtpm", XL_LIST },
        { XL_FILE_CFG, "p9", XL_LIST },
        { XL_FILE_CFG, "irqs", XL_LIST },
        { XL_FILE_CFG, "iomem", XL_LIST },
        { XL_FILE_CFG, "ioports", XL_LIST },
        { XL_FILE_CFG, "dtdev", XL_LIST },
        { XL_FILE_CONF, "autoballoon", XL_STRING, (const char *const[]) { "on", "off", "auto", "1", "0", NULL } },
        { XL_FILE_CONF, "claim_mode", XL_NUMBER },
        { XL_FILE_CONF, "run_hotplug_scripts", XL_NUMBER },
        { XL_FILE_CONF, "max_grant_frames", XL_NUMBER },
        { XL_FILE_CONF, "max_maptrack_frames", XL_NUMBER },
        { XL_FILE_CONF, "max_grant_version", XL_NUMBER },
        { XL_FILE_CONF, "lockfile", XL_STRING },
        { XL_FILE_CONF, "output_format", XL_STRING, (const char *const[]) { "json", "sxp", NULL } },
        { XL_FILE_CONF, "domid_policy", XL_STRING, (const char *const[]) { "xen", "random", NULL } },
        { XL_FILE_CONF, "vif.default.bridge", XL_STRING },
        { XL_FILE_CONF, "vif.default.script", XL_STRING },
        { XL_FILE_CONF, "vif.default.backend", XL_STRING },
        { XL_FILE_CONF, "vif.default.gatewaydev", XL_STRING },
        { XL_FILE_CONF, "blkdev_start", XL_STRING },
};

static const XlType *xl_type(XlFile file, const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(xl_types); i++)
                if (xl_types[i].file == file && streq(xl_types[i].key, key))
                        return &xl_types[i];
        return NULL;
}

static bool key_known(const char *const *keys, size_t n, const char *key) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = strcmp(keys[mid], key);
                if (c == 0)
                        return true;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

/* ---- xl's own parser ---------------------------------------------------------------------- */

/* The reason libxlutil gives, from what it wrote to its report stream: the first line, without
 * the "FILE:LINE: " it starts with. */
static char *xlu_reason(const char *report) {
        const char *p = report, *e;

        if (!p || !*p)
                return strdup("xl cannot read it");
        e = strchr(p, '\n');
        if (!e)
                e = p + strlen(p);
        /* "name:1: config parsing error near `x': reason" */
        const char *q = strstr(p, ": config parsing error ");
        if (q && q < e)
                p = q + strlen(": config parsing error ");
        return strndup(p, e - p);
}

/* What libxlutil reports, kept in a small buffer: its first line is all a message uses. A
 * cookie stream without a buffer of its own costs no allocation of BUFSIZ per value, which
 * open_memstream() does (a thousand guests have thousands of values). */
typedef struct XluReport {
        char text[512];
        size_t len;
} XluReport;

static ssize_t report_write(void *cookie, const char *data, size_t n) {
        XluReport *r = cookie;
        size_t k = n < sizeof r->text - 1 - r->len ? n : sizeof r->text - 1 - r->len;

        memcpy(r->text + r->len, data, k);
        r->len += k;
        r->text[r->len] = 0;
        return (ssize_t) n;
}

typedef struct XluParsed {
        XLU_Config *cfg;
        FILE *report;
        XluReport *text;
} XluParsed;

static void xlu_parsed_done(XluParsed *x) {
        if (x->cfg)
                xlu_cfg_destroy(x->cfg);
        if (x->report)
                fclose(x->report);
        free(x->text);
        *x = (XluParsed) {};
}

/* Parses text as xl parses a file. Returns 0, -EINVAL with *ret_reason, or -ENOMEM. */
static int xlu_parse(const char *text, size_t len, XluParsed *x, char **ret_reason) {
        int r;

        *x = (XluParsed) {};
        x->text = calloc(1, sizeof(XluReport));
        if (!x->text)
                return -ENOMEM;
        x->report = fopencookie(x->text, "w", (cookie_io_functions_t) { .write = report_write });
        if (!x->report)
                return -ENOMEM;
        (void) setvbuf(x->report, NULL, _IONBF, 0);
        x->cfg = xlu_cfg_init(x->report, "-");
        if (!x->cfg)
                return -ENOMEM;
        r = xlu_cfg_readdata(x->cfg, text, (int) len);
        if (r == 0)
                return 0;
        if (r == ENOMEM)
                return -ENOMEM;
        *ret_reason = xlu_reason(x->text->text);
        return *ret_reason ? -EINVAL : -ENOMEM;
}

/* Whether value is one that xl's parser reads as it is and that fits t, known without running
 * it: a decimal number, or a "string" without escapes or line breaks. Most values are, and
 * each run of the parser costs about 15,000 instructions (a thousand guests' settings). Any
 * other value, or one that does not fit, goes to the parser, which gives the message. */
static bool xl_value_plainly_fits(const XlType *t, const char *value) {
        size_t n = strlen(value);

        if (n > 0 && n <= 18 && strspn(value, "0123456789") == n && (value[0] != '0' || n == 1))
                return !t || (t->kind != XL_LIST && (!t->choices || strv_contains((char **) t->choices, value)));
        if (n >= 2 && value[0] == '"' && value[n - 1] == '"' && !strpbrk(value + 1, "\\\n") &&
            !memchr(value + 1, '"', n - 2)) {
                if (t && t->kind != XL_STRING)
                        return false;
                if (t && t->choices) {
                        for (const char *const *c = t->choices; *c; c++)
                                if (strlen(*c) == n - 2 && memcmp(*c, value + 1, n - 2) == 0)
                                        return true;
                        return false;
                }
                return true;
        }
        return false;
}

/* What follows the end of a value: xl ends one at a new line or ';' outside quotes and [ ], and
 * reads what comes after as settings of their own, which would then escape every check made
 * here on keys (known, once each, the domain's name). Returns the first such text, or NULL
 * when there is only space and comments. */
static const char *xl_value_trailing(const char *v) {
        bool ended = false;
        int depth = 0;

        for (const char *p = v; *p;) {
                char c = *p;

                if (c == '#') {
                        p += strcspn(p, "\n");
                        continue;
                }
                if (c == ' ' || c == '\t' || c == '\r') {
                        p++;
                        continue;
                }
                if (c == '\n' || c == ';') {
                        ended = ended || depth == 0;
                        p++;
                        continue;
                }
                if (ended)
                        return p;
                if (c == '"' || c == '\'') {
                        for (p++; *p && *p != c; p++)
                                if (*p == '\\' && p[1])
                                        p++;
                        if (*p)
                                p++;
                        continue;
                }
                if (c == '[')
                        depth++;
                else if (c == ']' && depth > 0)
                        depth--;
                p++;
        }
        return NULL;
}

/* Checks one "key = value" as xl would read it. Returns 0, -EINVAL with *ret_reason, -ENOMEM. */
static int check_xl_value(XlFile file, const char *key, const char *value, char **ret_reason) {
        _cleanup_free_ char *text = NULL, *reason = NULL;
        XluParsed x;
        const XlType *t;
        XLU_ConfigList *list;
        const char *str, *more;
        long num;
        int count, r;

        t = xl_type(file, key);
        more = xl_value_trailing(value);
        if (more) {
                size_t len = strcspn(more, "\n");
                return asprintf(ret_reason,
                                "the value goes on with another setting, \"%.*s\": a new line or ';' outside "
                                "quotes and [ ] ends a value in %s; give each key a line of its own",
                                (int) (len < 40 ? len : 40), more, file == XL_FILE_CFG ? "xl.cfg(5)" : "xl.conf(5)") < 0
                               ? -ENOMEM
                               : -EINVAL;
        }
        if (xl_value_plainly_fits(t, value))
                return 0;

        /* the key xl sees is a placeholder: a dotted xl.conf key is no identifier to its lexer */
        if (asprintf(&text, "k = %s\n", value) < 0)
                return -ENOMEM;
        r = xlu_parse(text, strlen(text), &x, &reason);
        if (r == -EINVAL) {
                xlu_parsed_done(&x);
                if (t && t->kind == XL_NUMBER)
                        return asprintf(ret_reason, "xl expects a number: digits alone, such as 512") < 0 ? -ENOMEM
                                                                                                       : -EINVAL;
                /* the usual slip: a string written bare, as this file writes its own values */
                if (!strchr("\"'[", value[0]) && !strpbrk(value, "\"'\n")) {
                        _cleanup_free_ char *quoted = NULL, *unused = NULL;
                        if (asprintf(&quoted, "k = \"%s\"\n", value) < 0)
                                return -ENOMEM;
                        r = xlu_parse(quoted, strlen(quoted), &x, &unused);
                        xlu_parsed_done(&x);
                        if (r == -ENOMEM)
                                return r;
                        if (r == 0)
                                return asprintf(ret_reason,
                                                "xl reads strings in quotes only: write \"%s\", as %s does",
                                                value, file == XL_FILE_CFG ? "xl.cfg(5)" : "xl.conf(5)") < 0
                                               ? -ENOMEM
                                               : -EINVAL;
                }
                if (asprintf(ret_reason,
                             "xl cannot read this value (%s); write a \"quoted string\", a number or a [ list ] "
                             "as in %s",
                             reason, file == XL_FILE_CFG ? "xl.cfg(5)" : "xl.conf(5)") < 0)
                        return -ENOMEM;
                return -EINVAL;
        }
        if (r < 0) {
                xlu_parsed_done(&x);
                return r;
        }
        r = 0;
        bool is_list = xlu_cfg_get_list(x.cfg, "k", &list, &count, 1) == 0;
        if (t && t->kind == XL_LIST && !is_list)
                r = asprintf(ret_reason, "xl expects a list: write it as [ ... ]");
        else if (t && t->kind == XL_STRING && is_list)
                r = asprintf(ret_reason, "xl expects a single value, not a list");
        else if (t && t->kind == XL_NUMBER && (is_list || xlu_cfg_get_long(x.cfg, "k", &num, 1) != 0))
                r = asprintf(ret_reason, "xl expects a number");
        else if (t && t->kind == XL_NUMBER && num < 0)
                r = asprintf(ret_reason, "xl expects a number of 0 or more");
        else if (t && t->choices && xlu_cfg_get_string(x.cfg, "k", &str, 1) == 0 &&
                 !strv_contains((char **) t->choices, str)) {
                _cleanup_free_ char *all = strv_join((char **) t->choices, ", ");
                r = all ? asprintf(ret_reason, "xl accepts one of: %s", all) : -1;
        } else {
                xlu_parsed_done(&x);
                return 0;
        }
        xlu_parsed_done(&x);
        return r < 0 ? -ENOMEM : -EINVAL;
}

/* ---- the lists ------------------------------------------------------------------------------ */

void xl_settings_done(XlSettings *s) {
        for (size_t i = 0; i < s->n; i++) {
                free(s->items[i].key);
                free(s->items[i].value);
        }
        free(s->items);
        *s = (XlSettings) {};
}

static void guest_done(Guest *g) {
        free(g->name);
        strv_free(g->after);
        free(g->readiness_key);
        free(g->config_file);
        free(g->config_data);
        free(g->domain_name);
        xl_settings_done(&g->settings);
}

void guests_done(Guests *g) {
        for (size_t i = 0; i < g->n; i++)
                guest_done(&g->items[i]);
        free(g->items);
        free(g->slots);
        for (size_t i = 0; i < g->n_auto_files; i++)
                free(g->auto_files[i].name);
        free(g->auto_files);
        *g = (Guests) {};
}

static size_t name_hash(const char *s, size_t len) {
        size_t h = 14695981039346656037ULL; /* FNV-1a */

        for (size_t i = 0; i < len; i++)
                h = (h ^ (unsigned char) s[i]) * 1099511628211ULL;
        return h;
}

/* The index of the guest called name[0..len), or SIZE_MAX. */
static size_t guests_lookup(const Guests *g, const char *name, size_t len) {
        if (g->n_slots == 0)
                return SIZE_MAX;
        for (size_t k = name_hash(name, len) & (g->n_slots - 1);; k = (k + 1) & (g->n_slots - 1)) {
                uint32_t v = g->slots[k];
                if (v == 0)
                        return SIZE_MAX;
                const char *n = g->items[v - 1].name;
                if (strncmp(n, name, len) == 0 && n[len] == 0)
                        return v - 1;
        }
}

static void slot_put(uint32_t *slots, size_t n_slots, const char *name, uint32_t index) {
        size_t k = name_hash(name, strlen(name)) & (n_slots - 1);

        while (slots[k] != 0)
                k = (k + 1) & (n_slots - 1);
        slots[k] = index + 1;
}

/* Makes room for one more name, rehashing when the table would be half full. */
static int guests_grow_index(Guests *g) {
        uint32_t *slots;
        size_t n;

        if ((g->n + 1) * 2 <= g->n_slots)
                return 0;
        n = g->n_slots ? g->n_slots * 2 : 16;
        slots = calloc(n, sizeof(uint32_t));
        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < g->n; i++)
                slot_put(slots, n, g->items[i].name, (uint32_t) i);
        free(g->slots);
        g->slots = slots;
        g->n_slots = n;
        return 0;
}

const Guest *guests_find(const Guests *g, const char *name) {
        size_t i = guests_lookup(g, name, strlen(name));
        return i == SIZE_MAX ? NULL : &g->items[i];
}

const XlSetting *xl_settings_find(const XlSettings *s, const char *key) {
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->items[i].key, key))
                        return &s->items[i];
        return NULL;
}

/* ---- reading -------------------------------------------------------------------------------- */

/* A guest's name is a unit instance and a file name: letters, digits, '_' and '-', not
 * starting with '-'. No '.', which separates the section's parts. */
static bool guest_name_valid(const char *n, size_t len) {
        if (len == 0 || len > GUEST_NAME_MAX || n[0] == '-')
                return false;
        for (size_t i = 0; i < len; i++)
                if (!(('a' <= n[i] && n[i] <= 'z') || ('A' <= n[i] && n[i] <= 'Z') || ('0' <= n[i] && n[i] <= '9') ||
                      n[i] == '_' || n[i] == '-'))
                        return false;
        return true;
}

int guests_section(Guests *g, const char *section, const char *path, unsigned line, Diagnostics *d,
                   size_t *ret_index) {
        const char *name, *dot;
        size_t len;
        GuestSection kind;

        *ret_index = SIZE_MAX;
        if (!startswith(section, "guests."))
                return streq(section, "guests") ? (diag_add(d, DIAG_ERROR, DIAG_UNKNOWN_SECTION, path, line, NULL,
                                                            "[guests]: a guest is declared in its own section, "
                                                            "[guests.NAME]"),
                                                   GUEST_SECTION_NONE)
                                                : GUEST_SECTION_NONE;
        name = section + strlen("guests.");
        dot = strchr(name, '.');
        len = dot ? (size_t) (dot - name) : strlen(name);
        kind = GUEST_SECTION_OWN;
        if (dot) {
                if (!streq(dot + 1, "settings")) {
                        diag_add(d, DIAG_ERROR, DIAG_UNKNOWN_SECTION, path, line, NULL,
                                 "[%s]: unknown section; a guest has [guests.NAME] and [guests.NAME.settings]",
                                 section);
                        return GUEST_SECTION_NONE;
                }
                kind = GUEST_SECTION_SETTINGS;
        }
        if (!guest_name_valid(name, len)) {
                diag_add(d, DIAG_ERROR, DIAG_UNKNOWN_SECTION, path, line, NULL,
                         "[%s]: invalid guest name \"%.*s\": use 1 to %d letters, digits, '_' and '-', not "
                         "starting with '-'",
                         section, (int) len, name, GUEST_NAME_MAX);
                return GUEST_SECTION_NONE;
        }
        *ret_index = guests_lookup(g, name, len);
        if (*ret_index == SIZE_MAX) {
                Guest *n;
                if (guests_grow_index(g) < 0)
                        return -ENOMEM;
                n = reallocarray(g->items, g->n + 1, sizeof(Guest));
                if (!n)
                        return -ENOMEM;
                g->items = n;
                g->items[g->n] = (Guest) {
                        .autostart = true,
                        .readiness_timeout = GUEST_READINESS_TIMEOUT_DEFAULT,
                        .line = line,
                };
                g->items[g->n].name = strndup(name, len);
                if (!g->items[g->n].name)
                        return -ENOMEM;
                slot_put(g->slots, g->n_slots, g->items[g->n].name, (uint32_t) g->n);
                *ret_index = g->n++;
        }
        if (kind == GUEST_SECTION_SETTINGS) {
                Guest *x = &g->items[*ret_index];
                if (!x->has_settings) {
                        x->has_settings = true;
                        x->settings_line = line;
                }
        }
        return kind;
}

static const char *const guest_key_names[_GUEST_KEY_MAX] = {
        [GUEST_KEY_AUTOSTART] = "autostart",
        [GUEST_KEY_AFTER] = "after",
        [GUEST_KEY_READINESS] = "readiness",
        [GUEST_KEY_READINESS_TIMEOUT] = "readinessTimeout",
        [GUEST_KEY_CONFIG_FILE] = "configFile",
};

/* A readiness key: a relative xenstore path the guest may write under its home. */
static bool readiness_key_valid(const char *k) {
        size_t n = strlen(k);

        if (n == 0 || n > 200 || k[0] == '/' || k[n - 1] == '/' || strstr(k, "//"))
                return false;
        for (const char *p = k; *p; p++)
                if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') ||
                      strchr("_-/@", *p)))
                        return false;
        return true;
}

int guest_set_key(Guest *guest, const char *key, const char *value, const char *path, unsigned line,
                  Diagnostics *d) {
        char name[GUEST_NAME_MAX + 64];
        GuestKey k;

        snprintf(name, sizeof name, "guests.%s.%s", guest->name, key);
        for (k = 0; k < _GUEST_KEY_MAX; k++)
                if (streq(guest_key_names[k], key))
                        break;
        if (k == _GUEST_KEY_MAX) {
                const char *near = closest_name(key, guest_key_names, _GUEST_KEY_MAX);
                if (key_known(xl_cfg_keys, xl_cfg_keys_n, key))
                        diag_add(d, DIAG_ERROR, DIAG_UNKNOWN_KEY, path, line, name,
                                 "unknown key; %s is an xl.cfg setting: put it in [guests.%s.settings]", key,
                                 guest->name);
                else if (near)
                        diag_add(d, DIAG_ERROR, DIAG_UNKNOWN_KEY, path, line, name, "unknown key (did you mean %s?)",
                                 near);
                else
                        diag_add(d, DIAG_ERROR, DIAG_UNKNOWN_KEY, path, line, name,
                                 "unknown key; [guests.%s] has autostart, after, readiness, readinessTimeout and "
                                 "configFile",
                                 guest->name);
                return 0;
        }
        if (guest->key_line[k]) {
                diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, line, name, "duplicate key, first set on line %u",
                         guest->key_line[k]);
                return 0;
        }
        guest->key_line[k] = line;

        switch (k) {
        case GUEST_KEY_AUTOSTART:
                if (streq(value, "true") || streq(value, "false"))
                        guest->autostart = streq(value, "true");
                else {
                        diag_add(d, DIAG_ERROR, DIAG_VALUE, path, line, name, "expected true or false, not \"%s\"",
                                 value);
                        guest->invalid = true;
                }
                return 0;
        case GUEST_KEY_AFTER: {
                _cleanup_strv_free_ char **l = NULL;
                if (strv_split_ws(value, &l) < 0)
                        return -ENOMEM;
                STRV_FOREACH(w, l)
                        if (!guest_name_valid(*w, strlen(*w))) {
                                diag_add(d, DIAG_ERROR, DIAG_VALUE, path, line, name,
                                         "\"%s\" is not a guest name; list the names of [guests.NAME] sections, "
                                         "separated by blanks",
                                         *w);
                                guest->invalid = true;
                                return 0;
                        }
                strv_free(guest->after);
                guest->after = TAKE_PTR(l);
                return 0;
        }
        case GUEST_KEY_READINESS:
                if (streq(value, "started")) {
                        guest->readiness_key = mfree(guest->readiness_key);
                        return 0;
                }
                if (startswith(value, "xenstore:") && readiness_key_valid(value + strlen("xenstore:"))) {
                        free(guest->readiness_key);
                        guest->readiness_key = strdup(value + strlen("xenstore:"));
                        return guest->readiness_key ? 0 : -ENOMEM;
                }
                diag_add(d, DIAG_ERROR, DIAG_VALUE, path, line, name,
                         "expected \"started\" or \"xenstore:KEY\" (KEY relative to the guest's xenstore home, "
                         "such as data/ready), not \"%s\"",
                         value);
                guest->invalid = true;
                return 0;
        case GUEST_KEY_READINESS_TIMEOUT: {
                char *e;
                errno = 0;
                unsigned long long t = strtoull(value, &e, 10);
                /* digits alone, as the other numbers of the file: strtoull() takes a sign and
                 * leading blanks too */
                if (errno || e == value || *e || !strchr("0123456789", value[0]) || t == 0 || t > 86400) {
                        diag_add(d, DIAG_ERROR, DIAG_VALUE, path, line, name,
                                 "expected a number of seconds from 1 to 86400, not \"%s\"", value);
                        guest->invalid = true;
                } else
                        guest->readiness_timeout = t;
                return 0;
        }
        case GUEST_KEY_CONFIG_FILE:
                if (value[0] != '/') {
                        diag_add(d, DIAG_ERROR, DIAG_VALUE, path, line, name,
                                 "expected an absolute path to an xl.cfg file, not \"%s\"", value);
                        guest->invalid = true;
                        return 0;
                }
                free(guest->config_file);
                guest->config_file = strdup(value);
                return guest->config_file ? 0 : -ENOMEM;
        default:
                abort();
        }
}

int xl_setting_add(XlSettings *s, XlFile file, const char *key, const char *value, const char *path, unsigned line,
                   const char *display, Diagnostics *d) {
        const char *const *keys = file == XL_FILE_CFG ? xl_cfg_keys : xl_conf_keys;
        size_t n = file == XL_FILE_CFG ? xl_cfg_keys_n : xl_conf_keys_n;
        const char *what = file == XL_FILE_CFG ? "xl.cfg(5)" : "xl.conf(5)";
        const XlSetting *old;
        _cleanup_free_ char *reason = NULL;
        XlSetting *items;
        int r;

        if (!key_known(keys, n, key)) {
                const char *near = closest_name(key, keys, n);
                if (file == XL_FILE_CFG && key_known(xl_conf_keys, xl_conf_keys_n, key))
                        diag_add(d, DIAG_ERROR, DIAG_UNKNOWN_KEY, path, line, display,
                                 "unknown xl.cfg(5) key; %s is an xl.conf(5) setting of the host: put it in [xl]", key);
                else if (near)
                        diag_add(d, DIAG_ERROR, DIAG_UNKNOWN_KEY, path, line, display,
                                 "unknown %s key (did you mean %s?)", what, near);
                else
                        diag_add(d, DIAG_ERROR, DIAG_UNKNOWN_KEY, path, line, display,
                                 "unknown %s key (xl would ignore it)", what);
                return 0;
        }
        old = xl_settings_find(s, key);
        if (old) {
                diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, line, display, "duplicate key, first set on line %u",
                         old->line);
                return 0;
        }
        /* A value continued on the next lines is checked whole, once the file is read. */
        r = check_xl_value(file, key, value, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && !(value[0] == '[' && !strchr(value, ']'))) {
                diag_add(d, DIAG_ERROR, DIAG_VALUE, path, line, display, "%s", reason);
                return 0;
        }
        items = reallocarray(s->items, s->n + 1, sizeof(XlSetting));
        if (!items)
                return -ENOMEM;
        s->items = items;
        s->items[s->n] = (XlSetting) { .key = strdup(key), .value = strdup(value), .line = line };
        if (!s->items[s->n].key || !s->items[s->n].value) {
                free(s->items[s->n].key);
                free(s->items[s->n].value);
                return -ENOMEM;
        }
        s->n++;
        return 1;
}

int xl_setting_continue(XlSettings *s, const char *more) {
        XlSetting *x = &s->items[s->n - 1];
        char *n;

        if (asprintf(&n, "%s\n    %s", x->value, more) < 0)
                return -ENOMEM;
        free(x->value);
        x->value = n;
        return 0;
}

/* Multi-line values are checked once whole; a refused one is dropped. */
static int recheck_settings(XlSettings *s, XlFile file, const char *prefix, const char *path, Diagnostics *d) {
        for (size_t i = 0; i < s->n;) {
                XlSetting *x = &s->items[i];
                _cleanup_free_ char *reason = NULL;
                int r;

                if (!strchr(x->value, '\n') && !(x->value[0] == '[' && !strchr(x->value, ']'))) {
                        i++;
                        continue;
                }
                r = check_xl_value(file, x->key, x->value, &reason);
                if (r == -ENOMEM)
                        return r;
                if (r == 0) {
                        i++;
                        continue;
                }
                diag_add(d, DIAG_ERROR, DIAG_VALUE, path, x->line, NULL, "%s%s: %s", prefix, x->key, reason);
                free(x->key);
                free(x->value);
                memmove(x, x + 1, (s->n - i - 1) * sizeof(XlSetting));
                s->n--;
        }
        return 0;
}

/* Reads a configFile: a regular file of at most GUEST_CONFIG_FILE_MAX bytes. */
static int read_guest_file(const char *file, char **ret, char **ret_reason) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 0;

        fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0)
                return asprintf(ret_reason, "cannot open %s: %s", file, strerror(errno)) < 0 ? -ENOMEM : -EINVAL;
        if (!S_ISREG(st.st_mode))
                return asprintf(ret_reason, "%s is not a regular file", file) < 0 ? -ENOMEM : -EINVAL;
        if ((uint64_t) st.st_size > GUEST_CONFIG_FILE_MAX)
                return asprintf(ret_reason, "%s is too large (at most %u bytes)", file, GUEST_CONFIG_FILE_MAX) < 0
                               ? -ENOMEM
                               : -EINVAL;
        buf = malloc(GUEST_CONFIG_FILE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + n, GUEST_CONFIG_FILE_MAX + 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return asprintf(ret_reason, "cannot read %s: %s", file, strerror(errno)) < 0 ? -ENOMEM
                                                                                                      : -EINVAL;
                if (k == 0)
                        break;
                n += k;
                if (n > GUEST_CONFIG_FILE_MAX)
                        return asprintf(ret_reason, "%s is too large (at most %u bytes)", file,
                                        GUEST_CONFIG_FILE_MAX) < 0
                                       ? -ENOMEM
                                       : -EINVAL;
        }
        if (memchr(buf, 0, n))
                return asprintf(ret_reason, "%s holds a NUL byte: not an xl.cfg file", file) < 0 ? -ENOMEM : -EINVAL;
        buf[n] = 0;
        *ret = realloc(buf, n + 1) ?: buf;
        buf = NULL;
        return 0;
}

/* The name = of a configFile, checked as xl checks the whole file. */
static int adopt_config_file(Guest *g, const char *path, Diagnostics *d) {
        _cleanup_free_ char *reason = NULL, *data = NULL;
        char name[GUEST_NAME_MAX + 64];
        const char *n;
        XluParsed x;
        int r;

        snprintf(name, sizeof name, "guests.%s.configFile", g->name);
        r = read_guest_file(g->config_file, &data, &reason);
        if (r == -EINVAL) {
                diag_add(d, DIAG_ERROR, DIAG_VALUE, path, g->key_line[GUEST_KEY_CONFIG_FILE], name, "%s", reason);
                g->invalid = true;
                return 0;
        }
        if (r < 0)
                return r;
        r = xlu_parse(data, strlen(data), &x, &reason);
        if (r == -EINVAL) {
                diag_add(d, DIAG_ERROR, DIAG_VALUE, path, g->key_line[GUEST_KEY_CONFIG_FILE], name,
                         "xl cannot read %s: %s", g->config_file, reason);
                g->invalid = true;
                xlu_parsed_done(&x);
                return 0;
        }
        if (r < 0) {
                xlu_parsed_done(&x);
                return r;
        }
        if (xlu_cfg_get_string(x.cfg, "name", &n, 1) != 0) {
                diag_add(d, DIAG_ERROR, DIAG_VALUE, path, g->key_line[GUEST_KEY_CONFIG_FILE], name,
                         "%s has no name = setting, which xl needs", g->config_file);
                g->invalid = true;
                xlu_parsed_done(&x);
                return 0;
        }
        g->domain_name = strdup(n);
        g->domain_name_line = g->key_line[GUEST_KEY_CONFIG_FILE];
        xlu_parsed_done(&x);
        if (!g->domain_name)
                return -ENOMEM;
        g->config_data = TAKE_PTR(data);
        return 0;
}

/* name = "x" of the settings, as xl reads it. */
static int settings_domain_name(Guest *g) {
        const XlSetting *s = xl_settings_find(&g->settings, "name");
        _cleanup_free_ char *text = NULL, *reason = NULL;
        const char *n;
        XluParsed x;
        int r;

        if (!s)
                return 0;
        if (asprintf(&text, "name = %s\n", s->value) < 0)
                return -ENOMEM;
        r = xlu_parse(text, strlen(text), &x, &reason);
        if (r == 0 && xlu_cfg_get_string(x.cfg, "name", &n, 1) == 0) {
                g->domain_name = strdup(n);
                g->domain_name_line = s->line;
                r = g->domain_name ? 0 : -ENOMEM;
        } else if (r == -EINVAL)
                r = 0;
        xlu_parsed_done(&x);
        return r;
}

static int guests_scan_auto(Guests *g);

int guests_finish(Guests *g, XlSettings *xl, const char *path, Diagnostics *d) {
        int r;

        r = recheck_settings(xl, XL_FILE_CONF, "xl.", path, d);
        if (r < 0)
                return r;
        for (size_t i = 0; i < g->n; i++) {
                Guest *x = &g->items[i];
                char prefix[GUEST_NAME_MAX + 32];

                snprintf(prefix, sizeof prefix, "guests.%s.settings.", x->name);
                r = recheck_settings(&x->settings, XL_FILE_CFG, prefix, path, d);
                if (r < 0)
                        return r;
                if (x->config_file && !x->has_settings)
                        r = adopt_config_file(x, path, d);
                else
                        r = settings_domain_name(x);
                if (r < 0)
                        return r;
                if (!x->domain_name && !x->invalid) {
                        x->domain_name = strdup(x->name);
                        if (!x->domain_name)
                                return -ENOMEM;
                }
        }
        return guests_scan_auto(g);
}

/* ---- validation ----------------------------------------------------------------------------- */

/* how many unknown names in after get a "did you mean" */
#define AFTER_SUGGESTIONS_MAX 8
/* how many cycles in after are reported, each named */
#define CYCLES_MAX 16

typedef struct AfterEdge {
        size_t guest, target; /* guest starts after target */
} AfterEdge;

static bool edge_ignored(const AfterEdge *ignored, size_t n_ignored, size_t guest, size_t target) {
        for (size_t k = 0; k < n_ignored; k++)
                if (ignored[k].guest == guest && ignored[k].target == target)
                        return true;
        return false;
}

/* Depth first through after, from root, not through the ignored entries; state: 0 new, 1 on the
 * path, 2 done. A loop over an explicit path, not a recursion: a chain of 100,000 guests must not
 * overflow the stack. pos[k] is the next of path[k]'s after entries to follow; path and pos hold
 * g->n + 1.
 * Without order, it looks for a cycle: on one it returns true, path[0..*depth) ending with the
 * guest closing it. With order, it places each guest there once those it starts after are,
 * passing over what would close a cycle (a validated set has none). */
static bool walk_after(const Guests *g, size_t root, uint8_t *state, size_t *path, size_t *pos,
                       const AfterEdge *ignored, size_t n_ignored, size_t *order, size_t *n_order, size_t *depth) {
        state[root] = 1;
        path[0] = root;
        pos[0] = 0;
        *depth = 1;
        while (*depth > 0) {
                size_t top = *depth - 1, i = path[top];
                char **after = g->items[i].after;

                if (!after || !after[pos[top]]) {
                        state[i] = 2;
                        if (order)
                                order[(*n_order)++] = i;
                        (*depth)--;
                        continue;
                }
                const Guest *t = guests_find(g, after[pos[top]++]);
                if (!t)
                        continue;
                size_t j = t - g->items;
                if (j == i || edge_ignored(ignored, n_ignored, i, j))
                        continue; /* reported as such, or as part of a cycle */
                if (state[j] == 1 && !order) {
                        path[(*depth)++] = j;
                        return true;
                }
                if (state[j] == 0) {
                        state[j] = 1;
                        path[*depth] = j;
                        pos[(*depth)++] = 0;
                }
        }
        return false;
}

/* A domain name that xl would take for another domain: a number is a domain id to xl's commands
 * (xl shutdown 0 is dom0's), and Domain-0 is dom0's name. Returns the reason, or NULL. */
static const char *domain_name_ambiguous(const char *n) {
        if (streq(n, "Domain-0"))
                return "is dom0's name";
        if (n[strspn(n, "0123456789")] == 0)
                return "is a number, which xl's commands read as a domain id";
        return NULL;
}

/* A domain name that goes into a unit's command lines and an environment file unquoted. */
static bool domain_name_valid(const char *n) {
        size_t len = strlen(n);

        if (len == 0 || len > 64 || n[0] == '-')
                return false;
        for (const char *p = n; *p; p++)
                if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') ||
                      strchr("_-.+@:", *p)))
                        return false;
        return true;
}

int guests_validate(const Guests *g, const char *path, Diagnostics *d) {
        _cleanup_free_ uint8_t *state = NULL;
        _cleanup_free_ size_t *stack = NULL, *pos = NULL;
        AfterEdge ignored[CYCLES_MAX];
        size_t n_ignored = 0;
        _cleanup_free_ uint32_t *seen = NULL;
        size_t n_seen = 16, n_suggested = 0;

        while (n_seen < 2 * g->n)
                n_seen *= 2;
        seen = calloc(n_seen, sizeof(uint32_t));
        if (!seen)
                return -ENOMEM;

        for (size_t i = 0; i < g->n; i++) {
                const Guest *x = &g->items[i];
                char name[GUEST_NAME_MAX + 64];

                snprintf(name, sizeof name, "guests.%s.configFile", x->name);
                if (x->config_file && x->has_settings)
                        diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, x->key_line[GUEST_KEY_CONFIG_FILE], name,
                                 "configFile and [guests.%s.settings] (line %u) exclude each other: adopt a file, "
                                 "or declare the settings",
                                 x->name, x->settings_line);
                else if (!x->config_file && !x->has_settings && !x->invalid)
                        diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, x->line, NULL,
                                 "[guests.%s] declares no domain: add a [guests.%s.settings] section with its "
                                 "xl.cfg settings, or configFile = /etc/xen/%s.cfg",
                                 x->name, x->name, x->name);
                else if (x->has_settings && !x->invalid && !xl_settings_find(&x->settings, "kernel") &&
                         !xl_settings_find(&x->settings, "bootloader") && !xl_settings_find(&x->settings, "type"))
                        diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, x->settings_line, NULL,
                                 "[guests.%s.settings] names no kernel, bootloader or type: xl cannot build the "
                                 "domain",
                                 x->name);

                snprintf(name, sizeof name, "guests.%s.after", x->name);
                STRV_FOREACH(a, x->after) {
                        if (streq(*a, x->name))
                                diag_add(d, DIAG_ERROR, DIAG_VALUE, path, x->key_line[GUEST_KEY_AFTER], name,
                                         "a guest cannot start after itself");
                        else if (!guests_find(g, *a)) {
                                const char *near = NULL;
                                /* a near name for the first few only: each search reads every
                                 * guest's name, and a file of thousands of wrong names would
                                 * take minutes */
                                if (n_suggested++ < AFTER_SUGGESTIONS_MAX)
                                        for (size_t j = 0; j < g->n && !near; j++)
                                                if (closest_name(*a, (const char *const[]) { g->items[j].name }, 1))
                                                        near = g->items[j].name;
                                diag_add(d, DIAG_ERROR, DIAG_VALUE, path, x->key_line[GUEST_KEY_AFTER], name,
                                         "\"%s\" is not a declared guest%s%s%s", *a, near ? " (did you mean " : "",
                                         near ?: "", near ? "?)" : "; declare it in [guests.NAME], or remove it");
                        }
                }

                if (!x->domain_name)
                        continue;
                if (!domain_name_valid(x->domain_name)) {
                        snprintf(name, sizeof name, "guests.%s", x->name);
                        diag_add(d, DIAG_ERROR, DIAG_VALUE, path, x->domain_name_line ?: x->line, name,
                                 "domain name \"%s\" is not supported here: use 1 to 64 letters, digits and "
                                 "'_', '-', '.', '+', '@', ':'",
                                 x->domain_name);
                        continue;
                }
                const char *ambiguous = domain_name_ambiguous(x->domain_name);
                if (ambiguous) {
                        snprintf(name, sizeof name, "guests.%s", x->name);
                        diag_add(d, DIAG_ERROR, DIAG_VALUE, path, x->domain_name_line ?: x->line, name,
                                 "domain name \"%s\" %s: the guest's unit would start, stop or wait on "
                                 "another domain; %s",
                                 x->domain_name, ambiguous,
                                 x->domain_name_line ? "name it otherwise with name = \"...\""
                                                     : "name the guest otherwise, or give its domain a name "
                                                       "with name = \"...\" in its settings");
                        continue;
                }
                /* the domain names seen so far, hashed as the guests' own names are */
                size_t k = name_hash(x->domain_name, strlen(x->domain_name)) & (n_seen - 1);
                for (; seen[k] != 0; k = (k + 1) & (n_seen - 1)) {
                        const Guest *y = &g->items[seen[k] - 1];
                        if (!streq(x->domain_name, y->domain_name))
                                continue;
                        snprintf(name, sizeof name, "guests.%s", x->name);
                        diag_add(d, DIAG_ERROR, DIAG_VALUE, path, x->domain_name_line ?: x->line, name,
                                 "domain name \"%s\" is guests.%s's too (line %u): Xen needs a name of its own for "
                                 "each",
                                 x->domain_name, y->name, y->domain_name_line ?: y->line);
                        break;
                }
                if (seen[k] == 0)
                        seen[k] = (uint32_t) i + 1;
        }

        /* One finding per cycle, naming it in order. */
        state = calloc(g->n ?: 1, 1);
        stack = calloc(g->n + 1, sizeof(size_t));
        pos = calloc(g->n + 1, sizeof(size_t));
        if (!state || !stack || !pos)
                return -ENOMEM;
        for (size_t i = 0, depth = 0; i < g->n; i++)
                while (state[i] == 0 && n_ignored < CYCLES_MAX &&
                       walk_after(g, i, state, stack, pos, ignored, n_ignored, NULL, NULL, &depth)) {
                        size_t end = stack[depth - 1], start = 0;
                        while (stack[start] != end)
                                start++;
                        _cleanup_free_ char *text = NULL;
                        size_t len = 0;
                        FILE *f = open_memstream(&text, &len);
                        if (!f)
                                return -ENOMEM;
                        for (size_t k = start; k < depth; k++)
                                fprintf(f, "%s%s", k > start ? " -> " : "", g->items[stack[k]].name);
                        if (fclose(f) != 0)
                                return -ENOMEM;
                        const Guest *x = &g->items[stack[depth - 2]];
                        char name[GUEST_NAME_MAX + 64];
                        snprintf(name, sizeof name, "guests.%s.after", x->name);
                        diag_add(d, DIAG_ERROR, DIAG_VALUE, path, x->key_line[GUEST_KEY_AFTER], name,
                                 "the start order has a cycle: %s (each starts after the next); remove one of "
                                 "these after entries",
                                 text);
                        /* Searched again from the same guest without the order that closed this cycle:
                         * another cycle through the same guests (a after b and c, both after a) is
                         * reported too. Those done stay done: no path from them led back. */
                        ignored[n_ignored++] = (AfterEdge) { stack[depth - 2], stack[depth - 1] };
                        for (size_t k = 0; k + 1 < depth; k++)
                                state[stack[k]] = 0;
                }
        if (n_ignored == CYCLES_MAX) { /* at the line of the last one named, which it follows */
                const Guest *last = &g->items[ignored[CYCLES_MAX - 1].guest];
                diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, last->key_line[GUEST_KEY_AFTER], NULL,
                         "the first %d cycles of the start order are named; there may be more: check again once "
                         "they are gone",
                         CYCLES_MAX);
        }
        return 0;
}

const char *guests_auto_dir = "/etc/xen/auto";

static int no_dot(const struct dirent *de) {
        return de->d_name[0] != '.';
}

/* The files of guests_auto_dir that start a declared guest: the same file as its configFile, or
 * one naming its domain. Read with the configuration, so that validation and rendering stay
 * pure; in the directory's sorted order, as xendomains' glob takes them. A directory that is
 * not there holds none. */
static int guests_scan_auto(Guests *g) {
        _cleanup_free_ char **adopted = NULL;
        struct dirent **list = NULL;
        int n, r = 0;

        if (g->n == 0 || !guests_auto_dir || (n = scandir(guests_auto_dir, &list, no_dot, alphasort)) < 0)
                return 0;
        adopted = calloc(g->n, sizeof(char *));
        g->auto_files = calloc(n ?: 1, sizeof(GuestAutoFile));
        if (!adopted || !g->auto_files)
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && i < g->n; i++)
                if (g->items[i].config_file)
                        adopted[i] = realpath(g->items[i].config_file, NULL);
        for (int e = 0; r >= 0 && e < n; e++) {
                _cleanup_free_ char *file = NULL, *real = NULL, *data = NULL, *reason = NULL;
                const char *domain = NULL;
                XluParsed x = {};

                if (asprintf(&file, "%s/%s", guests_auto_dir, list[e]->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                real = realpath(file, NULL);
                if (read_guest_file(file, &data, &reason) == -ENOMEM) {
                        r = -ENOMEM;
                        break;
                }
                if (data && xlu_parse(data, strlen(data), &x, &reason) == 0)
                        (void) xlu_cfg_get_string(x.cfg, "name", &domain, 1);
                for (size_t i = 0; i < g->n; i++) {
                        const Guest *y = &g->items[i];
                        if (!(real && adopted[i] && streq(real, adopted[i])) &&
                            !(domain && y->domain_name && streq(domain, y->domain_name)))
                                continue;
                        g->auto_files[g->n_auto_files] =
                                (GuestAutoFile) { .name = strdup(list[e]->d_name), .guest = i };
                        if (!g->auto_files[g->n_auto_files++].name)
                                r = -ENOMEM;
                        break;
                }
                xlu_parsed_done(&x);
        }
        for (size_t i = 0; adopted && i < g->n; i++)
                free(adopted[i]);
        for (int e = 0; e < n; e++)
                free(list[e]);
        free(list);
        return r;
}

int guests_check_auto(const Guests *g, const char *path, Diagnostics *d) {
        for (size_t i = 0; i < g->n_auto_files; i++) {
                const Guest *y = &g->items[g->auto_files[i].guest];
                char name[GUEST_NAME_MAX + 16];

                snprintf(name, sizeof name, "guests.%s", y->name);
                diag_add(d, DIAG_WARNING, DIAG_VALUE, path, y->line, name,
                         "%s/%s starts domain \"%s\" too: xendomains skips it while the guest is declared; "
                         "remove it from %s, xen-dom0d starts this guest",
                         guests_auto_dir, g->auto_files[i].name, y->domain_name ?: y->name, guests_auto_dir);
        }
        return 0;
}

int guests_start_order(const Guests *g, size_t **ret) {
        _cleanup_free_ size_t *order = calloc(g->n ?: 1, sizeof(size_t));
        _cleanup_free_ uint8_t *state = calloc(g->n ?: 1, 1);
        _cleanup_free_ size_t *path = calloc(g->n + 1, sizeof(size_t)), *pos = calloc(g->n + 1, sizeof(size_t));
        size_t n = 0, depth;

        if (!order || !state || !path || !pos)
                return -ENOMEM;
        /* Depth first, in the file's order: every guest right after what it starts after. */
        for (size_t i = 0; i < g->n; i++)
                if (state[i] == 0)
                        (void) walk_after(g, i, state, path, pos, NULL, 0, order, &n, &depth);
        *ret = TAKE_PTR(order);
        return 0;
}

/* ---- rendering ------------------------------------------------------------------------------ */

char *guest_cfg_path(const char *name) {
        char *p;
        return asprintf(&p, PATH_GUESTS_DIR "/%s.cfg", name) < 0 ? NULL : p;
}

char *guest_readiness(const Guest *g) {
        char *s;

        if (asprintf(&s, "%s%s", g->readiness_key ? "xenstore:" : "started", strempty(g->readiness_key)) < 0)
                return NULL;
        return s;
}

char *guest_unit_name(const char *name) {
        char *p;
        return asprintf(&p, GUEST_UNIT_PREFIX "%s.service", name) < 0 ? NULL : p;
}

const Guest *guests_find_unit(const Guests *g, const char *unit) {
        const char *n = startswith(unit, GUEST_UNIT_PREFIX);
        const char *e;

        if (!n || !endswith(n, ".service"))
                return NULL;
        e = n + strlen(n) - strlen(".service");
        for (size_t i = 0; i < g->n; i++)
                if (strlen(g->items[i].name) == (size_t) (e - n) && strncmp(g->items[i].name, n, e - n) == 0)
                        return &g->items[i];
        return NULL;
}

/* A file's text, grown as it is written: a thousand guests render three thousand small files,
 * and open_memstream() would allocate and clear BUFSIZ for each. */
typedef struct Text {
        char *s;
        size_t len, cap;
        bool oom;
} Text;

static void text_add(Text *t, const char *fmt, ...) _printf_(2, 3);
static void text_add(Text *t, const char *fmt, ...) {
        va_list ap;
        int n;

        if (t->oom)
                return;
        for (;;) {
                size_t room = t->cap - t->len;
                va_start(ap, fmt);
                n = vsnprintf(t->s ? t->s + t->len : NULL, room, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        t->oom = true;
                        return;
                }
                if ((size_t) n < room) {
                        t->len += n;
                        return;
                }
                size_t cap = t->cap * 2 > t->len + n + 1 ? t->cap * 2 : t->len + n + 1;
                char *p = realloc(t->s, cap < 256 ? 256 : cap);
                if (!p) {
                        t->oom = true;
                        return;
                }
                t->s = p;
                t->cap = cap < 256 ? 256 : cap;
        }
}

/* Hands the text to the set (or frees it), and starts a new one. */
static int text_commit(Text *t, FileSet *s, const char *path, mode_t mode) {
        Text done = *t;

        *t = (Text) {};
        if (done.oom || !done.s) {
                free(done.s);
                return -ENOMEM;
        }
        return fileset_add(s, path, done.s, done.len, mode);
}

int guests_render(const Guests *g, const XlSettings *xl, const char *header, FileSet *s) {
        Text t = {};
        char path[sizeof(PATH_GUEST_DROPINS) + GUEST_NAME_MAX + 96];
        int r;

        for (size_t i = 0; i < g->n; i++) {
                const Guest *x = &g->items[i];

                text_add(&t, "%s", header);
                if (x->config_data) {
                        text_add(&t, "# Adopted as it is from %s.\n%s", x->config_file, x->config_data);
                        if (*x->config_data && !endswith(x->config_data, "\n"))
                                text_add(&t, "\n");
                } else {
                        if (!xl_settings_find(&x->settings, "name"))
                                text_add(&t, "name = \"%s\"\n", x->name);
                        for (size_t j = 0; j < x->settings.n; j++)
                                text_add(&t, "%s = %s\n", x->settings.items[j].key, x->settings.items[j].value);
                }
                /* root's alone: an adopted file may hold a VNC or SPICE password */
                _cleanup_free_ char *cfg = guest_cfg_path(x->name);
                if (!cfg) {
                        free(t.s);
                        return -ENOMEM;
                }
                r = text_commit(&t, s, cfg, 0600);
                if (r < 0)
                        return r;

                /* the declared order for systemd: at host shutdown a guest stops before those
                 * it started after, so the guests go down in reverse order. A guest without one
                 * needs no drop-in (a thousand of them cost a directory and a file each), but
                 * one written before is emptied, so that an order taken away is taken away from
                 * systemd too */
                text_add(&t, "%s[Unit]\n", header);
                STRV_FOREACH(a, x->after)
                        text_add(&t, "After=" GUEST_UNIT_PREFIX "%s.service\n", *a);
                snprintf(path, sizeof path, PATH_GUEST_DROPINS "/" GUEST_UNIT_PREFIX "%s.service.d/50-xen-dom0-after.conf",
                         x->name);
                r = text_commit(&t, s, path, 0644);
                if (r < 0)
                        return r;
                s->files[s->n - 1].absent_ok = strv_length(x->after) == 0;

                /* what the unit's stop needs: the domain's name, which may differ from NAME. The
                 * unit names the domain NAME by default, so a guest called so needs no file (a
                 * thousand of them cost a file each), but one written before is rewritten, as a
                 * name taken away must be */
                const char *domain = x->domain_name ?: x->name;
                text_add(&t, "%sXEN_GUEST_DOMAIN=%s\n", header, domain);
                snprintf(path, sizeof path, PATH_GUESTS_DIR "/%s.env", x->name);
                r = text_commit(&t, s, path, 0644);
                if (r < 0)
                        return r;
                s->files[s->n - 1].absent_ok = streq(domain, x->name);
        }

        text_add(&t, "%s# xl reads this file through /etc/xen/xl.conf; set its keys in [xl], see xl.conf(5).\n",
                 header);
        for (size_t j = 0; j < xl->n; j++)
                text_add(&t, "%s = %s\n", xl->items[j].key, xl->items[j].value);
        r = text_commit(&t, s, PATH_XL_CONF, 0644);
        if (r < 0)
                return r;

        text_add(&t, "%s# The files of /etc/xen/auto that start a declared guest, one a line: xendomains.service\n"
                 "# leaves them out of " XENDOMAINS_AUTO_DIR ", where xendomains looks.\n",
                 header);
        for (size_t i = 0; i < g->n_auto_files; i++)
                text_add(&t, "%s\n", g->auto_files[i].name);
        return text_commit(&t, s, PATH_XENDOMAINS_SKIP, 0644);
}

/* ---- changes -------------------------------------------------------------------------------- */

static bool live_key(const char *key) {
        return streq(key, "memory") || streq(key, "vcpus");
}

int guest_changes(const Guest *old, const Guest *new, char ***ret_restart, char ***ret_live) {
        _cleanup_strv_free_ char **restart = NULL, **live = NULL;
        char buf[GUEST_NAME_MAX + 96];

        if (!streq_ptr(old->config_data, new->config_data) || !streq_ptr(old->config_file, new->config_file)) {
                snprintf(buf, sizeof buf, "guests.%s.configFile", new->name);
                if (strv_extend(&restart, buf) < 0)
                        return -ENOMEM;
        }
        /* every key of either, once */
        for (int pass = 0; pass < 2; pass++) {
                const XlSettings *a = pass == 0 ? &old->settings : &new->settings;
                const XlSettings *b = pass == 0 ? &new->settings : &old->settings;
                for (size_t i = 0; i < a->n; i++) {
                        const XlSetting *o = xl_settings_find(b, a->items[i].key);
                        if (pass == 1 && o)
                                continue; /* compared in the first pass */
                        if (o && streq(o->value, a->items[i].value))
                                continue;
                        snprintf(buf, sizeof buf, "guests.%s.settings.%s", new->name, a->items[i].key);
                        /* live only when set on both sides: a value going back to xl's default
                         * is the guest's default at its next start */
                        bool is_live = o && live_key(a->items[i].key);
                        if (strv_extend(is_live ? &live : &restart, buf) < 0)
                                return -ENOMEM;
                }
        }
        *ret_restart = TAKE_PTR(restart);
        *ret_live = TAKE_PTR(live);
        return 0;
}
