/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table, built from the rows of options-table.h, and lookups in it: by name, by old
 * spelling, and by closeness for "did you mean". */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "components.h"
#include "macro.h"
#include "options.h"

static const char *const verbosity_choices[] = { "default", "info", "debug", "quiet", NULL };
static const char *const log_level_choices[] = { "debug", "info", "warn", "error", NULL };
static const char *const store_type_choices[] = { "ocaml", "c", NULL };
static const char *const boot_loader_choices[] = { "auto", "grub", "systemd-boot", "none", NULL };

#define RESTART(c) COMP_BIT(c)
#define STORE_REASON "the store daemon reads it at start and is never restarted"
#define OXENSTORED_ONLY(key) .oxenstored_key = key, .ocaml_store_only = true, .reboot_reason = STORE_REASON

const OptionDef option_table[_OPTION_MAX] = {
#define OPTION(_id, _section, _key, _type, _flags, _default, _help, ...)                                      \
        [_id] = { .id = _id, .section = _section, .key = _key, .name = _section "." _key, .type = _type,   \
                  .flags = _flags, .default_value = _default, .help = _help, __VA_ARGS__ },
#include "options-table.h"
#undef OPTION
};

const OptionAlias option_aliases[] = {
        { "xen", "qemu-package", "xen.qemu-package", OPT_QEMU_PACKAGE },
        { "xen", "package-qemu", "xen.package-qemu", OPT_QEMU_PACKAGE },
        { "xen", "stored", "xen.stored", OPT_STORE_PATH },
        { "boot", "params", "boot.params", OPT_BOOT_PARAMS },
        { "boot", "builderVerbosity", "boot.builderVerbosity", OPT_EFI_BOOT_BUILDER_VERBOSITY },
        {}
};

#define BRIDGE_REASON \
        "The Xen Network Bridge options are currently unavailable. Please set up your own bridge manually."

const OptionRemoved option_removed[] = {
        { "bridge", "name", BRIDGE_REASON },
        { "bridge", "address", BRIDGE_REASON },
        { "bridge", "prefixLength", BRIDGE_REASON },
        { "bridge", "forwardDns", BRIDGE_REASON },
        {}
};

static const char *const type_names[_OPTION_TYPE_MAX] = {
        [OPTION_BOOL] = "boolean",
        [OPTION_PATH] = "absolute path",
        [OPTION_UINT] = "unsigned integer",
        [OPTION_POSINT] = "positive integer",
        [OPTION_INT] = "integer",
        [OPTION_NONZERO] = "non-zero integer",
        [OPTION_FLOAT] = "float",
        [OPTION_ENUM] = "enum",
        [OPTION_LIST] = "list of strings",
        [OPTION_LINES] = "lines",
};

const char *option_type_to_string(OptionType t) {
        return t >= 0 && t < _OPTION_TYPE_MAX ? type_names[t] : NULL;
}

const OptionDef *option_find(const char *section, const char *key) {
        for (size_t i = 0; i < _OPTION_MAX; i++)
                if (streq(option_table[i].section, section) && streq(option_table[i].key, key))
                        return &option_table[i];
        return NULL;
}

const OptionDef *option_by_name(const char *name) {
        for (size_t i = 0; i < _OPTION_MAX; i++)
                if (streq(option_table[i].name, name))
                        return &option_table[i];
        return NULL;
}

const OptionAlias *option_alias_find(const char *section, const char *key) {
        for (const OptionAlias *a = option_aliases; a->section; a++)
                if (streq(a->section, section) && streq(a->key, key))
                        return a;
        return NULL;
}

const OptionRemoved *option_removed_find(const char *section, const char *key) {
        for (const OptionRemoved *r = option_removed; r->section; r++)
                if (streq(r->section, section) && streq(r->key, key))
                        return r;
        return NULL;
}

bool option_section_known(const char *section) {
        for (size_t i = 0; i < _OPTION_MAX; i++)
                if (streq(option_table[i].section, section))
                        return true;
        for (const OptionAlias *a = option_aliases; a->section; a++)
                if (streq(a->section, section))
                        return true;
        for (const OptionRemoved *r = option_removed; r->section; r++)
                if (streq(r->section, section))
                        return true;
        return false;
}

char *option_nixos_name(const OptionDef *d) {
        char *s;

        if (asprintf(&s, "virtualisation.xen.%s%s%s", streq(d->section, "xen") ? "" : d->section,
                     streq(d->section, "xen") ? "" : ".", d->key) < 0)
                return NULL;
        return s;
}

int option_choice_index(const OptionDef *d, const char *s) {
        for (int i = 0; d->choices && d->choices[i]; i++)
                if (streq(d->choices[i], s))
                        return i;
        return -1;
}

/* Optimal string alignment distance, letters compared case-insensitively. Names are short
 * (INI_NAME_MAX): two rows of the table on the stack. */
static size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        size_t rows[3][65], *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

        if (la > 64 || lb > 64)
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t cost = tolower((unsigned char) a[i - 1]) != tolower((unsigned char) b[j - 1]);
                        size_t best = prev[j] + 1;

                        if (cur[j - 1] + 1 < best)
                                best = cur[j - 1] + 1;
                        if (prev[j - 1] + cost < best)
                                best = prev[j - 1] + cost;
                        if (i > 1 && j > 1 && tolower((unsigned char) a[i - 1]) == tolower((unsigned char) b[j - 2]) &&
                            tolower((unsigned char) a[i - 2]) == tolower((unsigned char) b[j - 1]) &&
                            prev2[j - 2] + 1 < best)
                                best = prev2[j - 2] + 1;
                        cur[j] = best;
                }
                size_t *t = prev2;
                prev2 = prev;
                prev = cur;
                cur = t;
        }
        return prev[lb];
}

static bool close_enough(const char *wrong, const char *right, size_t d) {
        size_t n = strlen(wrong), limit = n / 3 ? n / 3 : 1;

        /* a distance of 0 is a difference of case */
        return d <= limit && d < strlen(right);
}

const char *closest_name(const char *wrong, const char *const *names, size_t n) {
        const char *best = NULL;
        size_t best_d = SIZE_MAX;

        for (size_t i = 0; i < n; i++) {
                size_t d = edit_distance(wrong, names[i]);
                if (d < best_d) {
                        best_d = d;
                        best = names[i];
                }
        }
        return best && close_enough(wrong, best, best_d) ? best : NULL;
}

const OptionDef *option_closest_key(const char *section, const char *key) {
        const OptionDef *best = NULL;
        size_t best_d = SIZE_MAX;

        for (size_t i = 0; i < _OPTION_MAX; i++) {
                size_t d;

                if (!streq(option_table[i].section, section))
                        continue;
                d = edit_distance(key, option_table[i].key);
                if (d < best_d) {
                        best_d = d;
                        best = &option_table[i];
                }
        }
        return best && close_enough(key, best->key, best_d) ? best : NULL;
}

const char *option_closest_section(const char *section) {
        const char *best = NULL;
        size_t best_d = SIZE_MAX;

        for (size_t i = 0; i < _OPTION_MAX; i++) {
                size_t d = edit_distance(section, option_table[i].section);
                if (d < best_d) {
                        best_d = d;
                        best = option_table[i].section;
                }
        }
        return best && close_enough(section, best, best_d) ? best : NULL;
}

const OptionDef *option_from_nixos_spelling(const char *section, const char *key) {
        char buf[256];
        const OptionDef *d;

        if (strncmp(key, "virtualisation.xen.", 19) == 0) {
                const char *rest = key + 19;
                return strchr(rest, '.') ? option_by_name(rest) : option_find("xen", rest);
        }
        if (!strchr(key, '.'))
                return NULL;
        d = option_by_name(key); /* "dom0Resources.memory" anywhere */
        if (d)
                return d;
        /* "settings.pidFile" under [store] */
        if (snprintf(buf, sizeof buf, "%s.%s", section, key) >= (int) sizeof buf)
                return NULL;
        return option_by_name(buf);
}

const OptionDef *option_in_other_section(const char *section, const char *key) {
        const OptionDef *found = NULL;

        for (size_t i = 0; i < _OPTION_MAX; i++)
                if (!streq(option_table[i].section, section) && streq(option_table[i].key, key)) {
                        if (found)
                                return NULL; /* in several: no single answer */
                        found = &option_table[i];
                }
        return found;
}
