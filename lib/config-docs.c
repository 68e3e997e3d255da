/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration written out: the effective values (--dump-config), the shipped file with
 * every default, and the option list of xen-dom0.conf(5), all from the option table. */

#include <inttypes.h>

#include "config-internal.h"
#include "ini-write.h"
#include "strv.h"

static void dump_origin(FILE *f, unsigned line) {
        if (line)
                fprintf(f, "; set on line %u\n", line);
        else
                fputs("; default\n", f);
}

static void dump_settings(FILE *f, const XlSettings *s) {
        for (size_t i = 0; i < s->n; i++)
                fprintf(f, "; set on line %u\n%s = %s\n", s->items[i].line, s->items[i].key, s->items[i].value);
}

/* [xl] and the declared guests, as read: they parse back to the same declarations. */
static int dump_guests(const Config *c, FILE *f) {
        if (c->xl.n > 0) {
                fputs("\n[xl]\n", f);
                dump_settings(f, &c->xl);
        }
        for (size_t i = 0; i < c->guests.n; i++) {
                const Guest *g = &c->guests.items[i];
                _cleanup_free_ char *after = strv_join(g->after ?: (char *[]) { NULL }, " ");

                if (!after)
                        return -ENOMEM;
                fprintf(f, "\n[guests.%s]\n", g->name);
                dump_origin(f, g->key_line[GUEST_KEY_AUTOSTART]);
                fprintf(f, "autostart = %s\n", g->autostart ? "true" : "false");
                dump_origin(f, g->key_line[GUEST_KEY_AFTER]);
                fprintf(f, "after =%s%s\n", *after ? " " : "", after);
                dump_origin(f, g->key_line[GUEST_KEY_READINESS]);
                if (g->readiness_key)
                        fprintf(f, "readiness = xenstore:%s\n", g->readiness_key);
                else
                        fputs("readiness = started\n", f);
                dump_origin(f, g->key_line[GUEST_KEY_READINESS_TIMEOUT]);
                fprintf(f, "readinessTimeout = %" PRIu64 "\n", g->readiness_timeout);
                if (g->config_file) {
                        dump_origin(f, g->key_line[GUEST_KEY_CONFIG_FILE]);
                        fprintf(f, "configFile = %s\n", g->config_file);
                }
                if (g->has_settings) {
                        fprintf(f, "\n[guests.%s.settings]\n", g->name);
                        dump_settings(f, &g->settings);
                }
        }
        return ferror(f) ? -EIO : 0;
}

int config_dump(const Config *c, FILE *f) {
        const char *section = NULL;

        fprintf(f, "# Effective configuration from %s\n", c->path);
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                const OptionDef *def = &option_table[i];
                const OptionValue *v = &c->v[i];
                _cleanup_free_ char *value = config_value_to_string(c, def->id);

                if (!value)
                        return -ENOMEM;
                if (!section || !streq(section, def->section)) {
                        section = def->section;
                        fprintf(f, "\n[%s]\n", section);
                }
                if (def->flags & OPTION_READONLY)
                        ini_write_read_only(f, def->key, value, def->default_value);
                else if ((def->flags & OPTION_COMPUTED) && !v->set)
                        /* not pinned: read back, it follows what it derives from */
                        ini_write_derived(f, def->key, value, def->default_value);
                else {
                        /* On a line of its own: a ';' after the value would be part of it. */
                        if (v->set)
                                fprintf(f, "; set on line %u\n", v->line);
                        else
                                fputs("; default\n", f);
                        ini_write_assignment(f, "", def->key, value);
                        fputc('\n', f);
                }
        }
        return dump_guests(c, f);
}

/* The defaults with the dependent ones computed, as the shipped file and the man page show them. */
static int config_new_finalized_default(Config **ret) {
        _cleanup_config_free_ Config *c = NULL;
        int r;

        r = config_new_default("/etc/xen/xen-dom0.conf", &c);
        if (r < 0)
                return r;
        r = config_finalize(c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int options_write_template(FILE *f) {
        _cleanup_config_free_ Config *c = NULL;
        const char *section = NULL;
        int r;

        r = config_new_finalized_default(&c);
        if (r < 0)
                return r;

        fputs("# /etc/xen/xen-dom0.conf: the Xen Domain 0 stack, read by xen-dom0d(8).\n"
              "#\n"
              "# Every option of the NixOS module virtualisation.xen.* under the same name: the\n"
              "# section is the option path without its leaf, top-level options live in [xen].\n"
              "# Each key is shown commented out with its default; see xen-dom0.conf(5).\n"
              "# Booleans are true or false, lists are separated by blanks, indented lines\n"
              "# continue the previous key. A line whose first non-blank character is # or ;\n"
              "# is a comment; neither character starts a comment inside a value, so\n"
              "# \"bootParams = a ;b\" is the value \"a ;b\" (refused, for its ';').\n"
              "# Apply changes with: systemctl reload xen-dom0\n",
              f);
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                const OptionDef *def = &option_table[i];
                _cleanup_free_ char *value = config_value_to_string(c, def->id);

                if (!value)
                        return -ENOMEM;
                if (!section || !streq(section, def->section)) {
                        section = def->section;
                        fprintf(f, "\n[%s]\n", section);
                }
                fprintf(f, "# %s%s\n", def->help,
                        (def->flags & OPTION_HIDDEN) ? " (internal)"
                        : (def->flags & OPTION_OWN)  ? " (xen-dom0d's own, not in NixOS)"
                                                     : "");
                if (def->flags & OPTION_READONLY) {
                        fprintf(f, "# Read-only (%s); here: %s = %s\n", def->default_value, def->key, value);
                        continue;
                }
                if (def->flags & OPTION_COMPUTED)
                        fprintf(f, "# Default: %s\n", def->default_value);
                ini_write_assignment(f, "#", def->key, value);
                fputc('\n', f);
        }
        fputs("\n# Declared guests and xl's own settings (xen-dom0d's own, not in NixOS); see\n"
              "# xen-dom0.conf(5), DECLARED GUESTS. Values of [xl] and of settings are written as\n"
              "# xl.conf(5) and xl.cfg(5) write them: strings in quotes, lists in [ ]. A reload\n"
              "# has xl check new and changed settings first (xl -N create, a dry run).\n"
              "#\n"
              "# [xl]\n"
              "# autoballoon = \"off\"\n"
              "# vif.default.bridge = \"xenbr0\"\n"
              "#\n"
              "# [guests.web]\n"
              "# after = db\n"
              "# readiness = started\n"
              "#\n"
              "# [guests.web.settings]\n"
              "# type = \"pvh\"\n"
              "# kernel = \"/var/lib/xen/images/vmlinuz\"\n"
              "# memory = 512\n"
              "# disk = [ 'phy:/dev/vg0/web,xvda,w' ]\n"
              "#\n"
              "# [guests.db]\n"
              "# configFile = /etc/xen/db.cfg\n",
              f);
        return ferror(f) ? -EIO : 0;
}

/* troff text: a leading dot or quote would be a request, backslashes escapes. */
void man_escape(FILE *f, const char *s) {
        for (const char *p = s; *p; p++) {
                if (*p == '\\')
                        fputs("\\e", f);
                else if (*p == '-')
                        fputs("\\-", f);
                else if ((*p == '.' || *p == '\'') && (p == s || p[-1] == '\n')) {
                        /* a control character at the start of a line: \& keeps it text */
                        fputs("\\&", f);
                        fputc(*p, f);
                } else
                        fputc(*p, f);
        }
}

int options_write_man(FILE *f) {
        _cleanup_config_free_ Config *c = NULL;
        const char *section = NULL;
        int r;

        r = config_new_finalized_default(&c);
        if (r < 0)
                return r;
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                const OptionDef *def = &option_table[i];
                _cleanup_free_ char *value = config_value_to_string(c, def->id),
                                    *nix = (def->flags & OPTION_OWN) ? NULL : option_nixos_name(def);

                if (!value || (!nix && !(def->flags & OPTION_OWN)))
                        return -ENOMEM;
                if (!section || !streq(section, def->section)) {
                        section = def->section;
                        fputs(".SS \"[", f);
                        man_escape(f, section);
                        fputs("]\"\n", f);
                }
                fputs(".TP\n.B ", f);
                man_escape(f, def->key);
                fputs("\n", f);
                man_escape(f, def->help);
                if (nix) {
                        fputs("\n.br\nNixOS: \\fI", f);
                        man_escape(f, nix);
                        fputs("\\fR; type: ", f);
                } else
                        fputs("\n.br\nxen\\-dom0d's own option, not in NixOS; type: ", f);
                if (def->type == OPTION_ENUM) {
                        _cleanup_free_ char *list = strv_join((char **) def->choices, ", ");
                        fputs("one of ", f);
                        if (def->flags & OPTION_NULLABLE)
                                fputs("null, ", f);
                        man_escape(f, strna(list));
                } else
                        man_escape(f, option_type_to_string(def->type));
                fputs("; default: ", f);
                if (def->flags & (OPTION_COMPUTED | OPTION_READONLY))
                        man_escape(f, def->default_value);
                else
                        man_escape(f, *value ? value : "(empty)");
                if (def->flags & OPTION_HIDDEN)
                        fputs(" (internal in NixOS)", f);
                if (def->flags & OPTION_READONLY)
                        fputs(" (read-only)", f);
                fputs(".\n", f);
        }
        return ferror(f) ? -EIO : 0;
}
