/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading the configuration file: a line reader that feeds inih and checks each line itself,
 * the dependent defaults, and loading (reading, then validating) with every error in one run. */

#include <fcntl.h>
#include <ini.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "config-internal.h"
#include "strv.h"
#include "utf8.h"

/* inih as packaged keeps key and section names in 50-byte buffers. */
#define INI_NAME_MAX 49


/* Dependent defaults, computed after parsing so that an explicit value always wins. A refused
 * value (a partly read file, validated for its other errors) counts as not given. */
int config_finalize(Config *c) {
        OptionValue *v = c->v;
#define GIVEN(id) (v[id].set && !v[id].invalid)

        /* "same as X", in table order: X comes first, computed or not (test-options checks) */
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                const OptionDef *def = &option_table[i];

                if (!def->same_as || GIVEN(i))
                        continue;
                /* a scalar of the same type (test-options checks): the union's bits are the value */
                v[i].i = v[def->same_as->id].i;
        }
        if (!GIVEN(OPT_LOG_LEVEL)) {
                v[OPT_LOG_LEVEL].is_null = !v[OPT_TRACE].b;
                v[OPT_LOG_LEVEL].e = 0; /* debug */
        }
        if (!GIVEN(OPT_STORE_PATH)) {
                free(v[OPT_STORE_PATH].s);
                if (asprintf(&v[OPT_STORE_PATH].s, "%s/bin/oxenstored",
                             streq(v[OPT_PACKAGE].s, "/") ? "" : v[OPT_PACKAGE].s) < 0) {
                        v[OPT_STORE_PATH].s = NULL;
                        return -ENOMEM;
                }
        }
        v[OPT_STORE_TYPE].e = endswith(v[OPT_STORE_PATH].s, "oxenstored") ? 0 : 1;
#undef GIVEN
        return 0;
}

/* ---- the line reader feeding inih ------------------------------------------------------ */

typedef struct ParseState {
        const char *path;
        const char *data, *pos, *end;
        unsigned line;
        Diagnostics *diag;
        Config *config;
        int error;              /* -ENOMEM seen */
        bool crlf_reported;     /* DOS line endings are one finding for the whole file */

        char section[128];      /* current section as written, valid when in_section */
        bool in_section;
        bool section_known;
        int section_kind;       /* SECTION_OPTIONS, or a GuestSection, or SECTION_XL */
        size_t guest;           /* the guest of a guests.* section */
        XlSettings *cont;       /* the list whose last setting a continuation line extends */
        bool prev_key;          /* inih will treat an indented line as a continuation */
        bool continuation;      /* the line being handled is one */
        bool substituted;       /* it holds SUBST_* bytes for the handler to turn back */
        char *long_value;       /* the value of a line longer than inih reads (see LONG_VALUE) */
        OptionId prev_target;   /* option of the previous key line, or _OPTION_INVALID */
        size_t acc_len;         /* its value so far: bytes (LINES) or items (LIST) */
        size_t acc_cap;         /* and the bytes or item slots allocated for it */
        size_t acc_text;        /* LIST: the length of its items joined with blanks */
        char prev_display[192];
} ParseState;

#define SECTION_OPTIONS GUEST_SECTION_NONE
#define SECTION_XL (GUEST_SECTION_SETTINGS + 1)

static void lskip(const char **p, const char *end) {
        while (*p < end && (**p == ' ' || **p == '\t'))
                (*p)++;
}

/* Comments are whole lines only (as in systemd's files), but inih ends a value at a ';' after
 * a blank, and a build with other options at a '#' too. Both go to inih as bytes that no line
 * handed over can contain: each line was checked to be valid UTF-8 first, and 0xfe and 0xff
 * never occur in UTF-8. The handler turns them back. */
#define SUBST_SEMICOLON '\xff'
#define SUBST_HASH '\xfe'

/* inih reads lines of 200 bytes at most (its INI_MAX_LINE, fixed where it was built). A longer
 * key line is handed over as "KEY = LONG_VALUE", a longer continuation line as an indented
 * LONG_VALUE, and the handler takes the value kept in ParseState.long_value in its place: one
 * line at a time, as inih calls the handler for each line before it reads the next. 0xfd never
 * occurs in UTF-8. A line may be this long at most: a kernel command line is shorter. */
#define LONG_VALUE "\xfd"
#define LINE_MAX_BYTES 4096

/* Copies the text [b, e) with a newline for inih, hiding ';' and '#' from it. */
static char *copy_for_inih(ParseState *s, char *scratch, const char *b, const char *e) {
        size_t n = e - b;

        memcpy(scratch, b, n);
        scratch[n] = 0;
        /* Both characters are rare: let the C library's vectorized search skip the rest. */
        for (char *q = scratch; (q = strpbrk(q, ";#")); q++) {
                *q = *q == ';' ? SUBST_SEMICOLON : SUBST_HASH;
                s->substituted = true;
        }
        scratch[n] = '\n';
        scratch[n + 1] = 0;
        return scratch;
}

/* A line longer than inih reads: the value [v, ve) is kept, and inih gets the key [k, ke) with
 * LONG_VALUE in its place, or LONG_VALUE indented for a continuation line (k NULL). */
static const char *long_for_inih(ParseState *s, char *scratch, const char *k, const char *ke, const char *v,
                                 const char *ve) {
        s->long_value = strndup(v, ve - v);
        if (!s->long_value) {
                s->error = -ENOMEM;
                return NULL;
        }
        if (!k)
                return "  " LONG_VALUE "\n";
        copy_for_inih(s, scratch, k, ke); /* the key is short: INI_NAME_MAX was checked */
        strcpy(scratch + (ke - k), " = " LONG_VALUE "\n");
        return scratch;
}

static void restore_substituted(char *p) {
        for (; *p; p++)
                if (*p == SUBST_SEMICOLON)
                        *p = ';';
                else if (*p == SUBST_HASH)
                        *p = '#';
}

/* Classifies the raw line [b, e) (no newline) and decides what inih gets to see. Returns the
 * text to hand over; NULL means "hand over an empty line" (a comment or a rejected line). */
static const char *classify_line(ParseState *s, const char *b, const char *e, char *scratch, size_t n) {
        const char *p = b, *q, *ke;
        size_t len = e - b;
        bool long_line;

        s->continuation = false;
        s->substituted = false;
        s->long_value = mfree(s->long_value);

        if (s->line == 1 && len >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0)
                b += 3, p = b, len -= 3;

        if (memchr(b, 0, len)) {
                diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, NULL, "line contains a NUL byte");
                return NULL;
        }
        if (len > 0 && b[len - 1] == '\r') {
                /* Reported once, at the first such line; the rest is read without the carriage
                 * returns, so that the file's other errors show in the same run. */
                if (!s->crlf_reported)
                        diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, NULL,
                                 "the file has DOS line endings (a carriage return ends this line); convert it to "
                                 "Unix line endings, for example with: sed -i 's/\\r$//' FILE");
                s->crlf_reported = true;
                len--;
                e--;
        }
        if (!utf8_is_valid(b, len)) {
                diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, NULL, "line is not valid UTF-8");
                return NULL;
        }
        /* A comment is never handed over, so it may be of any length (a --dump-config header
         * names the file, whose path may be long). */
        lskip(&p, e);
        if (p < e && (*p == ';' || *p == '#'))
                return NULL;
        /* what inih cannot read is handed over in short (long_for_inih()) */
        long_line = len + 2 > n;
        if (len > LINE_MAX_BYTES) {
                /* xl's strings cannot go on over lines: only its lists can */
                if (s->in_section && s->section_known &&
                    (s->section_kind == GUEST_SECTION_SETTINGS || s->section_kind == SECTION_XL))
                        diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, NULL,
                                 "line is too long (%zu bytes, at most %d); a [ list ] may go on over indented "
                                 "lines, a \"quoted string\" may not%s",
                                 len, LINE_MAX_BYTES,
                                 s->section_kind == SECTION_XL
                                         ? ""
                                         : ": for a longer one, adopt the guest's own xl.cfg file with configFile");
                else
                        diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, NULL,
                                 "line is too long (%zu bytes, at most %d); continue a long value on indented lines",
                                 len, LINE_MAX_BYTES);
                return NULL;
        }

        /* trailing blanks do not count */
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
        if (p == e)
                return NULL;

        if (p > b && s->prev_key) {
                s->continuation = true;
                if (long_line)
                        return long_for_inih(s, scratch, NULL, NULL, p, e);
                return copy_for_inih(s, scratch, b, e);
        }

        if (*p == '[') {
                const char *name = p + 1, *rest;

                q = memchr(name, ']', e - name);
                s->prev_key = false;
                s->prev_target = _OPTION_INVALID;
                if (!q) {
                        diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, NULL,
                                 "syntax error: section header without closing ']'");
                        s->in_section = true;
                        s->section_known = false; /* its keys would only repeat the error */
                        return "[-]\n";
                }
                rest = q + 1;
                lskip(&rest, e);
                if (rest < e) {
                        if (*rest == ';' || *rest == '#')
                                diag_add(s->diag, DIAG_ERROR, DIAG_SYNTAX, s->path, s->line, NULL,
                                         "syntax error: a comment after the section header (comments are whole "
                                         "lines)");
                        else
                                diag_add(s->diag, DIAG_ERROR, DIAG_SYNTAX, s->path, s->line, NULL,
                                         "syntax error: text after the section header \"%.*s\"", (int) (e - rest),
                                         rest);
                        s->in_section = true;
                        s->section_known = false;
                        return "[-]\n";
                }
                while (name < q && (*name == ' ' || *name == '\t'))
                        name++;
                while (q > name && (q[-1] == ' ' || q[-1] == '\t'))
                        q--;
                if ((size_t) (q - name) >= sizeof s->section) {
                        diag_add(s->diag, DIAG_ERROR, DIAG_UNKNOWN_SECTION, s->path, s->line, NULL,
                                 "[%.*s...]: unknown section", 40, name);
                        s->in_section = true;
                        s->section_known = false;
                        return "[-]\n";
                }
                memcpy(s->section, name, q - name);
                s->section[q - name] = 0;
                s->in_section = true;
                s->section_kind = SECTION_OPTIONS;
                s->cont = NULL;
                if (streq(s->section, "xl")) {
                        s->section_kind = SECTION_XL;
                        s->section_known = true;
                        return "[-]\n";
                }
                if (streq(s->section, "guests") || startswith(s->section, "guests.")) {
                        int r = guests_section(&s->config->guests, s->section, s->path, s->line, s->diag, &s->guest);
                        if (r < 0)
                                s->error = r;
                        s->section_kind = r > 0 ? r : SECTION_OPTIONS;
                        s->section_known = r > 0;
                        return "[-]\n";
                }
                s->section_known = option_section_known(s->section);
                if (!s->section_known) {
                        const char *near = option_closest_section(s->section);
                        if (near)
                                diag_add(s->diag, DIAG_ERROR, DIAG_UNKNOWN_SECTION, s->path, s->line, NULL,
                                         "[%s]: unknown section (did you mean [%s]?)", s->section, near);
                        else
                                diag_add(s->diag, DIAG_ERROR, DIAG_UNKNOWN_SECTION, s->path, s->line, NULL,
                                         "[%s]: unknown section", s->section);
                }
                return "[-]\n";
        }

        /* The data is not NUL-terminated: search within the line only. */
        for (q = p; q < e && *q != '=' && *q != ':'; q++)
                ;
        if (q >= e) {
                diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, NULL,
                         "syntax error: expected \"key = value\", \"[section]\" or a comment");
                return NULL;
        }
        ke = q;
        while (ke > p && (ke[-1] == ' ' || ke[-1] == '\t'))
                ke--;
        if (ke == p) {
                diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, NULL,
                         "syntax error: key name missing before '%c'", *q);
                return NULL;
        }
        if (ke - p > INI_NAME_MAX) {
                diag_add(s->diag, DIAG_ERROR, DIAG_UNKNOWN_KEY, s->path, s->line, NULL,
                         "%.*s...: unknown key (name too long)", 40, p);
                s->prev_key = false;
                return NULL;
        }
        /* Hand over without the indentation, so inih never mistakes it for a continuation. */
        s->prev_key = true;
        if (long_line) {
                const char *v = q + 1;

                lskip(&v, e);
                return long_for_inih(s, scratch, p, ke, v, e);
        }
        return copy_for_inih(s, scratch, p, e);
}

static char *line_reader(char *str, int num, void *stream) {
        ParseState *s = stream;
        const char *nl, *out;
        size_t len;

        if (s->pos >= s->end)
                return NULL;
        nl = memchr(s->pos, '\n', s->end - s->pos);
        len = (nl ? nl : s->end) - s->pos;
        s->line++;
        out = classify_line(s, s->pos, s->pos + len, str, (size_t) num);
        s->pos += len + (nl ? 1 : 0);
        if (!out)
                out = "\n";
        if (out != str)
                strcpy(str, out); /* short fixed strings only */
        return str;
}

static const char *display_name(char *buf, size_t n, const char *section, const char *key) {
        snprintf(buf, n, "%s.%s", section, key);
        return buf;
}

/* The outcome of a check of a continuation line: r < 0 refused it (reason says why, or -ENOMEM),
 * then the line is recorded as an error and not appended. Returns whether it was refused. */
static bool continuation_refused(ParseState *s, int r, const char *reason) {
        if (r == -ENOMEM)
                s->error = r;
        else if (r < 0) {
                diag_add(s->diag, DIAG_ERROR, DIAG_VALUE, s->path, s->line, s->prev_display, "%s", reason);
                if (s->prev_target != _OPTION_INVALID)
                        s->config->v[s->prev_target].invalid = true;
        }
        return r < 0;
}

static void handle_continuation(ParseState *s, const char *value) {
        OptionValue *v;
        const OptionDef *def;

        if (s->prev_target == _OPTION_INVALID)
                return; /* the key line itself was rejected and reported */
        def = &option_table[s->prev_target];
        v = &s->config->v[def->id];
        if (def->type == OPTION_LIST) {
                _cleanup_strv_free_ char **more = NULL;
                _cleanup_free_ char *reason = NULL;
                int r;

                if (strv_split_ws(value, &more) < 0) {
                        s->error = -ENOMEM;
                        return;
                }
                r = (def->flags & OPTION_BOOT_WORDS) ? check_boot_words(more, &reason) : 0;
                if (continuation_refused(s, r, reason))
                        return;
                size_t k = strv_length(more);
                STRV_FOREACH(w, more)
                        s->acc_text += (s->acc_text > 0) + strlen(*w);
                if ((def->flags & OPTION_BOOT_WORDS) && s->acc_text > BOOT_PARAMS_MAX) {
                        diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, s->prev_display,
                                 "longer than %d bytes: Xen keeps at most 1023 bytes of its command line, the "
                                 "parameters derived from other options included",
                                 BOOT_PARAMS_MAX);
                        s->prev_target = _OPTION_INVALID; /* the rest of the value goes with it */
                        return;
                }
                /* A value may take most of a 4 MiB file: grow by doubling, so that appending
                 * stays linear in the file's size, not quadratic. */
                if (s->acc_len + k + 1 > s->acc_cap) {
                        size_t cap = s->acc_cap * 2 > s->acc_len + k + 1 ? s->acc_cap * 2 : s->acc_len + k + 1;
                        char **l = reallocarray(v->l, cap, sizeof(char *));
                        if (!l) {
                                s->error = -ENOMEM;
                                return;
                        }
                        v->l = l;
                        s->acc_cap = cap;
                }
                memcpy(v->l + s->acc_len, more, k * sizeof(char *));
                s->acc_len += k;
                v->l[s->acc_len] = NULL;
                more[0] = NULL; /* the words belong to v->l now */
        } else if (def->type == OPTION_LINES) {
                _cleanup_free_ char *reason = NULL;
                char *n;
                int r;

                r = (def->flags & OPTION_SHELL_ASSIGNMENTS) ? check_shell_assignment(value, &reason) : 0;
                if (continuation_refused(s, r, reason))
                        return;
                size_t k = strlen(value), sep = s->acc_len > 0, need = s->acc_len + sep + k + 1;
                if (need > s->acc_cap) {
                        size_t cap = s->acc_cap * 2 > need ? s->acc_cap * 2 : need;
                        n = realloc(v->s, cap);
                        if (!n) {
                                s->error = -ENOMEM;
                                return;
                        }
                        v->s = n;
                        s->acc_cap = cap;
                }
                if (sep)
                        v->s[s->acc_len++] = '\n';
                memcpy(v->s + s->acc_len, value, k + 1);
                s->acc_len += k;
        } else {
                diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, s->prev_display,
                         "continuation line, but this key takes a single value (indented lines continue the "
                         "previous key)");
                s->prev_target = _OPTION_INVALID;
        }
}

/* Records why VALUE was refused. A value in quotes, "..." or '...', is written as NixOS
 * writes a string: the quotes would be part of it here, so the finding says to remove them and
 * what the value says without them. Returns -ENOMEM or 0. */
static int value_refused(ParseState *s, const OptionDef *def, const char *name, const char *value,
                         const char *reason) {
        size_t len = strlen(value);
        _cleanup_free_ char *inner = NULL, *inner_reason = NULL;
        OptionValue iv = {};
        int r;

        if (len < 2 || (value[0] != '"' && value[0] != '\'') || value[len - 1] != value[0]) {
                diag_add(s->diag, DIAG_ERROR, DIAG_VALUE, s->path, s->line, name, "%s", reason);
                return 0;
        }
        inner = strndup(value + 1, len - 2);
        if (!inner)
                return -ENOMEM;
        r = option_parse_value(def, inner, &iv, &inner_reason);
        if (r == -ENOMEM)
                return r;
        if (r >= 0) {
                option_value_done(def, &iv);
                diag_add(s->diag, DIAG_ERROR, DIAG_VALUE, s->path, s->line, name,
                         "values are not quoted in this file: remove the quotes");
        } else
                diag_add(s->diag, DIAG_ERROR, DIAG_VALUE, s->path, s->line, name,
                         "%s, and values are not quoted in this file: remove the quotes", inner_reason);
        return 0;
}

/* An unknown key, with what the user most likely meant: an option spelled as NixOS names it
 * (written here as a section and a key), the key of another section, or a misspelling. */
static void unknown_key_hint(ParseState *s, const char *name, const char *key) {
        const OptionDef *d = option_from_nixos_spelling(s->section, key);

        if (d) {
                diag_add(s->diag, DIAG_ERROR, DIAG_UNKNOWN_KEY, s->path, s->line, name,
                         "unknown key; this file writes %s as \"%s = ...\" in section [%s]", d->name, d->key,
                         d->section);
                return;
        }
        d = option_closest_key(s->section, key);
        if (d) {
                diag_add(s->diag, DIAG_ERROR, DIAG_UNKNOWN_KEY, s->path, s->line, name,
                         "unknown key (did you mean %s?)", d->key);
                return;
        }
        d = option_in_other_section(s->section, key);
        if (d) {
                diag_add(s->diag, DIAG_ERROR, DIAG_UNKNOWN_KEY, s->path, s->line, name,
                         "unknown key in [%s]; %s belongs in section [%s]", s->section, d->key, d->section);
                return;
        }
        diag_add(s->diag, DIAG_ERROR, DIAG_UNKNOWN_KEY, s->path, s->line, name, "unknown key");
}

/* A key of [xl], [guests.NAME] or [guests.NAME.settings]. */
static int guest_key(ParseState *s, const char *key, const char *value) {
        Guest *g = s->section_kind == SECTION_XL ? NULL : &s->config->guests.items[s->guest];
        XlSettings *list = g ? &g->settings : &s->config->xl;
        char name[192];
        int r;

        s->prev_target = _OPTION_INVALID;
        s->cont = NULL;
        if (s->section_kind == GUEST_SECTION_OWN) {
                r = guest_set_key(g, key, value, s->path, s->line, s->diag);
                if (r < 0)
                        s->error = r;
                return 1;
        }
        display_name(name, sizeof name, s->section, key);
        r = xl_setting_add(list, g ? XL_FILE_CFG : XL_FILE_CONF, key, value, s->path, s->line, name, s->diag);
        if (r < 0)
                s->error = r;
        else if (r > 0)
                s->cont = list;
        else if (g)
                g->invalid = true;
        return 1;
}

static int key_handler(void *user, const char *section_unused, const char *key, const char *value) {
        ParseState *s = user;
        char name[192];
        const OptionAlias *alias;
        const OptionRemoved *removed;
        const OptionDef *def;
        OptionValue *v, nv = {};
        _cleanup_free_ char *reason = NULL;
        int r;

        _cleanup_free_ char *long_value = TAKE_PTR(s->long_value);

        if (s->substituted) {
                /* Pointers into inih's own line buffer, which it refills for the next line. */
                restore_substituted((char *) key);
                restore_substituted((char *) value);
        }
        if (long_value && streq(value, LONG_VALUE))
                value = long_value;
        if (s->continuation) {
                if (s->cont) {
                        if (xl_setting_continue(s->cont, value) < 0)
                                s->error = -ENOMEM;
                } else if (s->section_kind == GUEST_SECTION_OWN && s->section_known)
                        diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, NULL,
                                 "continuation line, but the keys of [guests.NAME] take a single line (indented "
                                 "lines continue the previous key)");
                else
                        handle_continuation(s, value);
                return 1;
        }

        s->prev_target = _OPTION_INVALID;
        if (!s->in_section) {
                const OptionDef *d = option_from_nixos_spelling("", key);
                if (d)
                        diag_add(s->diag, DIAG_ERROR, DIAG_SYNTAX, s->path, s->line, key,
                                 "key outside of any section; this file writes %s as \"%s = ...\" in section [%s]",
                                 d->name, d->key, d->section);
                else
                        diag_add(s->diag, DIAG_ERROR, DIAG_SYNTAX, s->path, s->line, key, "key outside of any section");
                return 1;
        }
        if (!s->section_known)
                return 1; /* the section header was reported */
        if (s->section_kind != SECTION_OPTIONS)
                return guest_key(s, key, value);

        display_name(name, sizeof name, s->section, key);

        removed = option_removed_find(s->section, key);
        if (removed) {
                diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, name, "removed: %s", removed->reason);
                return 1;
        }

        alias = option_alias_find(s->section, key);
        def = alias ? &option_table[alias->target] : option_find(s->section, key);
        if (!def) {
                unknown_key_hint(s, name, key);
                return 1;
        }
        if (alias)
                diag_add(s->diag, DIAG_WARNING, DIAG_PLAIN, s->path, s->line, name,
                         "renamed, use %s instead (in section [%s])", def->name, def->section);

        if (def->flags & OPTION_READONLY) {
                diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, name,
                         "is derived from store.path and cannot be set; set store.path instead");
                return 1;
        }

        v = &s->config->v[def->id];
        if (v->set) {
                if (streq(v->spelling, name))
                        diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, name,
                                 "duplicate key, first set on line %u", v->line);
                else
                        diag_add(s->diag, DIAG_ERROR, DIAG_PLAIN, s->path, s->line, name,
                                 "conflicts with %s set on line %u (two spellings of %s)", v->spelling, v->line,
                                 def->name);
                return 1;
        }

        r = option_parse_value(def, value, &nv, &reason);
        if (r == -ENOMEM) {
                s->error = r;
                return 1;
        }
        if (r < 0) {
                r = value_refused(s, def, name, value, reason);
                if (r < 0) {
                        s->error = r;
                        return 1;
                }
                v->invalid = true;
        } else {
                option_value_done(def, v);
                *v = nv;
                s->prev_target = def->id;
                snprintf(s->prev_display, sizeof s->prev_display, "%s", name);
                if (def->type == OPTION_LINES)
                        s->acc_len = strlen(v->s);
                else if (def->type == OPTION_LIST) {
                        s->acc_len = strv_length(v->l);
                        s->acc_text = 0;
                        STRV_FOREACH(w, v->l)
                                s->acc_text += (s->acc_text > 0) + strlen(*w);
                }
                s->acc_cap = s->acc_len + 1;
        }
        /* Marked as given even when rejected, so that a second line is still a duplicate. */
        v->set = true;
        v->line = s->line;
        v->spelling = alias ? alias->name : def->name;
        return 1;
}

/* keep_on_error: on -EINVAL, *ret is still the configuration as far as it was read, its
 * refused values marked invalid, for a validation of the rest. */
static int parse_data(const char *path, const char *data, size_t size, Config **ret, Diagnostics *d,
                      bool keep_on_error) {
        _cleanup_config_free_ Config *c = NULL;
        ParseState s = {
                .path = path, .data = data, .pos = data, .end = data + size, .diag = d,
                .prev_target = _OPTION_INVALID,
        };
        size_t errors_before = d->n_errors;
        int r;

        r = config_new_default(path, &c);
        if (r < 0)
                return r;
        s.config = c;

        if (size == 0)
                diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, 0, NULL,
                         "file is empty (truncated?); a configuration of all defaults is written as a lone [xen] line");
        else
                (void) ini_parse_stream(line_reader, &s, key_handler, &s);
        s.long_value = mfree(s.long_value);
        if (s.error < 0)
                return s.error;
        r = guests_finish(&c->guests, &c->xl, path, d);
        if (r < 0)
                return r;
        if (d->oom)
                return -ENOMEM;
        if (d->n_errors > errors_before) {
                if (keep_on_error && config_finalize(c) >= 0)
                        *ret = TAKE_PTR(c);
                return -EINVAL;
        }

        /* Give back what doubling left unused: the configuration stays for the daemon's life. */
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                OptionValue *v = &c->v[i];
                if (!v->set)
                        continue;
                if (option_table[i].type == OPTION_LINES) {
                        char *n = realloc(v->s, strlen(v->s) + 1);
                        if (n)
                                v->s = n;
                } else if (option_table[i].type == OPTION_LIST) {
                        char **n = reallocarray(v->l, strv_length(v->l) + 1, sizeof(char *));
                        if (n)
                                v->l = n;
                }
        }

        r = config_finalize(c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int config_parse_data(const char *path, const char *data, size_t size, Config **ret, Diagnostics *d) {
        return parse_data(path, data, size, ret, d, false);
}

/* Reads the whole file into *ret_buf; a file that cannot be read is a finding in d (-EINVAL). */
const char *config_display_path(const char *path) {
        return streq(path, "-") ? CONFIG_STDIN_NAME : path;
}

static int read_config_file(const char *path, char **ret_buf, size_t *ret_size, Diagnostics *d) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        bool is_stdin = streq(path, "-");
        struct stat st;
        size_t n = 0;

        if (is_stdin) {
                /* read to its end, blocking: what a pipe or a redirection gives */
                fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
                if (fd < 0) {
                        diag_add(d, DIAG_ERROR, DIAG_PLAIN, CONFIG_STDIN_NAME, 0, NULL, "cannot read: %s",
                                 strerror(errno));
                        return -EINVAL;
                }
                path = CONFIG_STDIN_NAME;
        } else
                /* O_NONBLOCK: a FIFO must not hang us; O_NOCTTY: a terminal must not become ours. */
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 && errno == ENOENT) {
                diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, 0, NULL,
                         "cannot open: %s (to start one with every option at its default: "
                         "xen-dom0d --print-template > %s)",
                         strerror(errno), path);
                return -EINVAL;
        }
        if (fd < 0) {
                diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, 0, NULL, "cannot open: %s", strerror(errno));
                return errno == ENOMEM ? -ENOMEM : -EINVAL;
        }
        if (fstat(fd, &st) < 0) {
                diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, 0, NULL, "cannot stat: %s", strerror(errno));
                return -EINVAL;
        }
        if (S_ISDIR(st.st_mode)) {
                diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, 0, NULL, "is a directory, not a configuration file");
                return -EINVAL;
        }
        if (is_stdin && S_ISCHR(st.st_mode)) {
                diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, 0, NULL,
                         "is %s: give the file on standard input (< FILE, or a pipe)",
                         isatty(fd) ? "a terminal" : "a device, not a file");
                return -EINVAL;
        }
        if (!S_ISREG(st.st_mode) && !(is_stdin && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))) {
                diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, 0, NULL, "is not a regular file");
                return -EINVAL;
        }
        if ((uint64_t) st.st_size > CONFIG_MAX_FILE_SIZE) {
                diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, 0, NULL, "file is too large (%jd bytes, at most %u)",
                         (intmax_t) st.st_size, CONFIG_MAX_FILE_SIZE);
                return -EINVAL;
        }
        /* Sized to the file, not to the limit: a reload must not cost a buffer of the largest
         * file allowed. Read to the end rather than trusting st_size (the file may change under
         * us), growing the buffer up to one byte past the limit. */
        size_t cap = (size_t) st.st_size + 4096;
        if (cap > CONFIG_MAX_FILE_SIZE + 1)
                cap = CONFIG_MAX_FILE_SIZE + 1;
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (n == cap) {
                        size_t grown = cap * 2 > CONFIG_MAX_FILE_SIZE + 1 ? CONFIG_MAX_FILE_SIZE + 1 : cap * 2;
                        char *p = realloc(buf, grown);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        cap = grown;
                }
                ssize_t k = read(fd, buf + n, cap - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, 0, NULL, "cannot read: %s", strerror(errno));
                        return -EINVAL;
                }
                if (k == 0)
                        break;
                n += k;
                if (n > CONFIG_MAX_FILE_SIZE) {
                        diag_add(d, DIAG_ERROR, DIAG_PLAIN, path, 0, NULL, "file is too large (more than %u bytes)",
                                 CONFIG_MAX_FILE_SIZE);
                        return -EINVAL;
                }
        }
        *ret_buf = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

int config_parse_file(const char *path, Config **ret, Diagnostics *d) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        int r;

        r = read_config_file(path, &buf, &n, d);
        if (r < 0)
                return r;
        return config_parse_data(config_display_path(path), buf, n, ret, d);
}

int config_check_data(const char *path, const char *data, size_t size, const char *machine, Config **ret,
                      Diagnostics *d) {
        _cleanup_config_free_ Config *c = NULL;
        size_t first = d->n;
        int r, k;

        r = parse_data(path, data, size, &c, d, true);
        if (c) {
                k = config_validate(c, machine, d);
                if (r == 0 || k == -ENOMEM)
                        r = k;
        }
        diag_sort_from(d, first);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int config_load(const char *path, const char *machine, Config **ret, Diagnostics *d) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        int r;

        r = read_config_file(path, &buf, &n, d);
        if (r < 0)
                return r;
        return config_check_data(config_display_path(path), buf, n, machine, ret, d);
}
