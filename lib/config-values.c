/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Option values: typed parsing with the reasons a value is refused, formatting as the file
 * writes it, comparison, and the configuration of defaults. */

#include <inttypes.h>
#include <limits.h>
#include <math.h>

#include "config-internal.h"
#include "strv.h"

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < _OPTION_MAX; i++)
                option_value_done(&option_table[i], &c->v[i]);
        guests_done(&c->guests);
        xl_settings_done(&c->xl);
        free(c->path);
        free(c);
        return NULL;
}

void option_value_done(const OptionDef *def, OptionValue *v) {
        switch (def->type) {
        case OPTION_PATH:
        case OPTION_LINES:
                free(v->s);
                v->s = NULL;
                break;
        case OPTION_LIST:
                v->l = strv_free(v->l);
                break;
        default:
                break;
        }
}

/* How a character is called in messages. */
static const char *char_name(char c, char buf[static 8]) {
        switch (c) {
        case ' ':
                return "a blank";
        case '\t':
                return "a tab";
        case '"':
                return "a double quote";
        case '\'':
                return "a single quote";
        case '\\':
                return "a backslash";
        case '`':
                return "a backquote";
        default:
                if ((unsigned char) c < ' ' || c == 0x7f)
                        return "a control character";
                if ((unsigned char) c >= 0x80)
                        return "a non-ASCII character";
                snprintf(buf, 8, "'%c'", c);
                return buf;
        }
}

/* GRUB's 20_linux_xen pastes the Xen command line unquoted into grub.cfg, and grub-mkconfig
 * sources the variable holding it as shell: a boot parameter may hold only what a Xen option
 * needs (dom0_mem=1024M,max:2048M, com1=115200,8n1, loglvl=all/all, dbgp=ehci@pci0:1d.0,
 * dom0_mem=10%) and what neither GRUB's script syntax nor the shell gives a meaning to. */
#define BOOT_WORD_PUNCTUATION "=,.:_-+/@%"

static bool boot_word_char_ok(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c && strchr(BOOT_WORD_PUNCTUATION, c));
}

int check_boot_words(char *const *words, char **reason) {
        STRV_FOREACH(w, words)
                for (const char *p = *w; *p; p++)
                        if (!boot_word_char_ok(*p)) {
                                char nb[8];
                                /* "[ iommu=1 ]", as a Nix list is written */
                                bool list = *p == '[' || *p == ']';
                                return asprintf(reason,
                                                "\"%s\" contains %s, which cannot be passed to the boot loader (a "
                                                "boot parameter may hold letters, digits and = , . : _ - + / @ %% "
                                                "only)%s",
                                                *w, char_name(*p, nb),
                                                list ? "; a list is written as parameters separated by blanks, "
                                                       "without brackets"
                                                     : "") < 0
                                               ? -ENOMEM
                                               : -EINVAL;
                        }
        return 0;
}

static bool ascii_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A line of domains.extraConfig, which xendomains sources as shell at every start and at host
 * shutdown: NAME=VALUE, where VALUE is plain characters and complete '...' and "..." strings.
 * Nothing in it can expand, substitute, run, redirect or leave a quote open, and a line the
 * shell would read differently is refused rather than rewritten. */
int check_shell_assignment(const char *line, char **reason) {
        const char *p = line, *what = NULL;
        char bad = 0, nb[8];

        if (*p == '_' || (ascii_alnum(*p) && !(*p >= '0' && *p <= '9')))
                while (*p == '_' || ascii_alnum(*p))
                        p++;
        if (p == line || *p != '=')
                return asprintf(reason, "\"%s\" is not a shell assignment NAME=VALUE", line) < 0 ? -ENOMEM : -EINVAL;

        for (p++; *p && !bad; p++) {
                if (*p == '\'') {
                        const char *q = strchr(p + 1, '\'');
                        if (!q)
                                return asprintf(reason, "\"%s\" leaves a single quote open", line) < 0 ? -ENOMEM
                                                                                                       : -EINVAL;
                        for (p++; p < q && !bad; p++)
                                if ((unsigned char) *p < ' ' || *p == 0x7f)
                                        bad = *p, what = "inside single quotes";
                        p = q;
                } else if (*p == '"') {
                        for (p++; *p && *p != '"' && !bad; p++)
                                if ((unsigned char) *p < ' ' || *p == 0x7f || strchr("\\$`", *p))
                                        bad = *p, what = "inside double quotes (for a literal $, ` or \\ use "
                                                         "single quotes)";
                        if (!bad && !*p)
                                return asprintf(reason, "\"%s\" leaves a double quote open", line) < 0 ? -ENOMEM
                                                                                                       : -EINVAL;
                        if (bad)
                                break;
                } else if (!ascii_alnum(*p) && !strchr("_-.,/:=@%+", *p))
                        bad = *p, what = "outside quotes (quote the value: '...' or \"...\")";
        }
        if (bad)
                return asprintf(reason, "\"%s\" contains %s %s", line, char_name(bad, nb), what) < 0 ? -ENOMEM
                                                                                                    : -EINVAL;
        return 0;
}

static bool path_char_ok(char c) {
        return (unsigned char) c > ' ' && c != 0x7f && !strchr("\"'\\$`;&|<>(){}*?[]~!#", c);
}

/* Parses a decimal integer within [min, max]; the message names [shown_min, max]. */
static int parse_int(const char *text, bool allow_negative, int64_t min, int64_t shown_min, int64_t max,
                     int64_t *ret, char **reason) {
        const char *p = text;
        char *end;
        int64_t v;

        if (*p == '-' && allow_negative)
                p++;
        if (*text == '-' && !allow_negative)
                return asprintf(reason, "\"%s\" is negative, expected an unsigned integer", text) < 0 ? -ENOMEM
                                                                                                     : -EINVAL;
        if (!*p || strspn(p, "0123456789") != strlen(p))
                return asprintf(reason, "\"%s\" is not %s", text,
                                allow_negative ? "an integer" : "an unsigned integer") < 0
                               ? -ENOMEM
                               : -EINVAL;

        errno = 0;
        v = strtoll(text, &end, 10);
        if (errno == ERANGE || v < min || v > max)
                return asprintf(reason, "\"%s\" is out of range (%" PRId64 "..%" PRId64 ")", text, shown_min, max) < 0
                               ? -ENOMEM
                               : -EINVAL;
        *ret = v;
        return 0;
}

static int parse_float(const char *text, double *ret, char **reason) {
        const char *p = text;
        size_t int_digits, frac_digits = 0;
        char *end;
        double v;

        if (*p == '-' || *p == '+')
                p++;
        int_digits = strspn(p, "0123456789");
        p += int_digits;
        if (*p == '.') {
                p++;
                frac_digits = strspn(p, "0123456789");
                p += frac_digits;
        } else if (int_digits > 0 && (*p == 0 || *p == 'e' || *p == 'E'))
                return asprintf(reason, "\"%s\" is not a float: a decimal point is required (write %.*s.0)", text,
                                (int) (p - text), text) < 0
                               ? -ENOMEM
                               : -EINVAL;
        if (int_digits + frac_digits == 0)
                goto bad;
        if (*p == 'e' || *p == 'E') {
                p++;
                if (*p == '-' || *p == '+')
                        p++;
                if (strspn(p, "0123456789") == 0)
                        goto bad;
                p += strspn(p, "0123456789");
        }
        if (*p)
                goto bad;

        errno = 0;
        v = strtod(text, &end);
        if (errno == ERANGE || !isfinite(v))
                return asprintf(reason, "\"%s\" is out of range", text) < 0 ? -ENOMEM : -EINVAL;
        if (v < 0 || (v == 0 && *text == '-'))
                return asprintf(reason, "\"%s\" is negative, expected a float >= 0", text) < 0 ? -ENOMEM : -EINVAL;
        *ret = v;
        return 0;
bad:
        return asprintf(reason, "\"%s\" is not a float", text) < 0 ? -ENOMEM : -EINVAL;
}

int option_parse_value(const OptionDef *def, const char *text, OptionValue *ret, char **ret_reason) {
        OptionValue v = {};
        char *reason = NULL;
        int r = 0;

        if (!*text && def->type != OPTION_LIST && def->type != OPTION_LINES)
                return asprintf(ret_reason, "empty value, expected %s",
                                def->type == OPTION_ENUM ? "one of the listed values"
                                                         : option_type_to_string(def->type)) < 0
                               ? -ENOMEM
                               : -EINVAL;

        switch (def->type) {
        case OPTION_BOOL:
                if (streq(text, "true"))
                        v.b = true;
                else if (streq(text, "false"))
                        v.b = false;
                else
                        r = asprintf(&reason, "\"%s\" is not a boolean, expected true or false", text) < 0 ? -ENOMEM
                                                                                                            : -EINVAL;
                break;
        case OPTION_PATH:
                if (text[0] != '/')
                        r = asprintf(&reason, "\"%s\" is not an absolute path", text) < 0 ? -ENOMEM : -EINVAL;
                else {
                        for (const char *p = text; *p; p++)
                                if (!path_char_ok(*p)) {
                                        char nb[8];
                                        r = asprintf(&reason,
                                                     "\"%s\" contains %s (blanks, quotes, shell and control "
                                                     "characters are not allowed in paths)",
                                                     text, char_name(*p, nb)) < 0
                                                    ? -ENOMEM
                                                    : -EINVAL;
                                        break;
                                }
                        if (r == 0 && strlen(text) >= PATH_MAX)
                                r = asprintf(&reason, "path is longer than %d bytes", PATH_MAX - 1) < 0 ? -ENOMEM
                                                                                                         : -EINVAL;
                        if (r == 0) {
                                v.s = strdup(text);
                                if (!v.s)
                                        r = -ENOMEM;
                        }
                }
                break;
        case OPTION_UINT:
                r = parse_int(text, false, 0, 0, UINT32_MAX, &v.i, &reason);
                break;
        case OPTION_POSINT:
                r = parse_int(text, true, INT32_MIN, 1, INT32_MAX, &v.i, &reason);
                if (r == 0 && v.i <= 0)
                        r = asprintf(&reason, "\"%s\" is not positive, expected an integer >= 1", text) < 0 ? -ENOMEM
                                                                                                             : -EINVAL;
                break;
        case OPTION_INT:
                r = parse_int(text, true, INT32_MIN, INT32_MIN, INT32_MAX, &v.i, &reason);
                break;
        case OPTION_NONZERO:
                r = parse_int(text, true, INT32_MIN, INT32_MIN, INT32_MAX, &v.i, &reason);
                if (r == 0 && v.i == 0)
                        r = asprintf(&reason, "0 is not allowed, use a negative value to disable") < 0 ? -ENOMEM
                                                                                                        : -EINVAL;
                break;
        case OPTION_FLOAT:
                r = parse_float(text, &v.f, &reason);
                break;
        case OPTION_ENUM:
                if (streq(text, "null") && (def->flags & OPTION_NULLABLE))
                        v.is_null = true;
                else {
                        v.e = option_choice_index(def, text);
                        if (v.e < 0) {
                                _cleanup_free_ char *list = strv_join((char **) def->choices, ", ");
                                r = asprintf(&reason, "\"%s\" is not one of: %s%s", text,
                                             (def->flags & OPTION_NULLABLE) ? "null, " : "", strna(list)) < 0
                                            ? -ENOMEM
                                            : -EINVAL;
                        }
                }
                break;
        case OPTION_LIST:
                r = strv_split_ws(text, &v.l);
                if (r == 0 && (def->flags & OPTION_BOOT_WORDS))
                        r = check_boot_words(v.l, &reason);
                break;
        case OPTION_LINES:
                if (*text && (def->flags & OPTION_SHELL_ASSIGNMENTS))
                        r = check_shell_assignment(text, &reason);
                if (r == 0) {
                        v.s = strdup(text);
                        if (!v.s)
                                r = -ENOMEM;
                }
                break;
        default:
                r = -EINVAL;
        }

        if (r < 0) {
                option_value_done(def, &v);
                if (r == -EINVAL && !reason)
                        return -ENOMEM;
                *ret_reason = reason;
                return r;
        }
        *ret = v;
        return 0;
}

int config_new_default(const char *path, Config **ret) {
        _cleanup_config_free_ Config *c = calloc(1, sizeof(Config));

        if (!c)
                return -ENOMEM;
        c->path = strdup(path ?: "(defaults)");
        if (!c->path)
                return -ENOMEM;
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                const OptionDef *def = &option_table[i];
                _cleanup_free_ char *reason = NULL;
                int r;

                if (def->flags & OPTION_COMPUTED)
                        continue;
                r = option_parse_value(def, def->default_value, &c->v[i], &reason);
                if (r < 0)
                        /* A bad default in the table is a programming error the tests catch. */
                        return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

void format_float(double f, char buf[static 32]) {
        /* The shortest text that reads back to the same double. */
        for (int prec = 1; prec <= 17; prec++) {
                snprintf(buf, 32, "%.*g", prec, f);
                if (strtod(buf, NULL) == f)
                        break;
        }
        if (!strpbrk(buf, ".eEni"))
                strcat(buf, ".0");
        else if (strpbrk(buf, "eE") && !strchr(buf, '.')) {
                /* 1e+20 -> 1.0e+20: keep a decimal point for readers that require one. */
                char tmp[32];
                char *e = strpbrk(buf, "eE");
                snprintf(tmp, sizeof tmp, "%.*s.0%s", (int) (e - buf), buf, e);
                strcpy(buf, tmp);
        }
}

char *config_value_to_string(const Config *c, OptionId id) {
        const OptionDef *def = &option_table[id];
        const OptionValue *v = &c->v[id];
        char buf[32], *s = NULL;

        switch (def->type) {
        case OPTION_BOOL:
                return strdup(v->b ? "true" : "false");
        case OPTION_PATH:
        case OPTION_LINES:
                return strdup(strempty(v->s));
        case OPTION_UINT:
        case OPTION_POSINT:
        case OPTION_INT:
        case OPTION_NONZERO:
                return asprintf(&s, "%" PRId64, v->i) < 0 ? NULL : s;
        case OPTION_FLOAT:
                format_float(v->f, buf);
                return strdup(buf);
        case OPTION_ENUM:
                return strdup(v->is_null ? "null" : def->choices[v->e]);
        case OPTION_LIST:
                return strv_join(v->l, " ");
        default:
                return NULL;
        }
}

static int option_value_copy(const OptionDef *def, const OptionValue *src, OptionValue *dst) {
        *dst = *src;
        switch (def->type) {
        case OPTION_PATH:
        case OPTION_LINES:
                dst->s = src->s ? strdup(src->s) : NULL;
                return !src->s || dst->s ? 0 : -ENOMEM;
        case OPTION_LIST:
                dst->l = strv_copy(src->l);
                return dst->l ? 0 : -ENOMEM;
        default:
                return 0;
        }
}

static int config_copy(const Config *c, Config **ret) {
        _cleanup_config_free_ Config *n = calloc(1, sizeof(Config));

        if (!n || !(n->path = strdup(c->path)))
                return -ENOMEM;
        for (size_t i = 0; i < _OPTION_MAX; i++)
                if (option_value_copy(&option_table[i], &c->v[i], &n->v[i]) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(n);
        return 0;
}

int config_default_flags(const Config *c, bool ret[static _OPTION_MAX]) {
        _cleanup_config_free_ Config *plain = NULL;
        int r;

        r = config_new_default(NULL, &plain);
        if (r >= 0)
                r = config_finalize(plain);
        if (r < 0)
                return r;
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                const OptionDef *def = &option_table[i];
                _cleanup_config_free_ Config *unset = NULL;

                if (def->flags & OPTION_READONLY)
                        ret[i] = true; /* derived, whatever it derives from */
                else if (!(def->flags & OPTION_COMPUTED))
                        ret[i] = config_value_equal(c, plain, i);
                else {
                        /* what the rest of c makes it, were it not set */
                        r = config_copy(c, &unset);
                        if (r < 0)
                                return r;
                        unset->v[i].set = false;
                        r = config_finalize(unset);
                        if (r < 0)
                                return r;
                        ret[i] = config_value_equal(c, unset, i);
                }
        }
        return 0;
}

bool config_value_equal(const Config *a, const Config *b, OptionId id) {
        const OptionValue *x = &a->v[id], *y = &b->v[id];

        switch (option_table[id].type) {
        case OPTION_BOOL:
                return x->b == y->b;
        case OPTION_PATH:
        case OPTION_LINES:
                return streq_ptr(x->s, y->s);
        case OPTION_FLOAT:
                return x->f == y->f;
        case OPTION_ENUM:
                return x->is_null == y->is_null && (x->is_null || x->e == y->e);
        case OPTION_LIST:
                return strv_equal(x->l, y->l);
        default:
                return x->i == y->i;
        }
}
