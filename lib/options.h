/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table: every NixOS virtualisation.xen.* option, as one static declarative table
 * that drives defaults, parsing, validation messages, the shipped conf file and the dumps. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef enum OptionId {
#define OPTION(id, ...) id,
#include "options-table.h"
#undef OPTION
        _OPTION_MAX,
        _OPTION_INVALID = -1,
} OptionId;

typedef enum OptionType {
        OPTION_BOOL,
        OPTION_PATH,     /* absolute, no blanks, quotes or control characters */
        OPTION_UINT,     /* 0 .. UINT32_MAX */
        OPTION_POSINT,   /* 1 .. INT32_MAX */
        OPTION_INT,      /* INT32_MIN .. INT32_MAX */
        OPTION_NONZERO,  /* an INT that must not be 0 */
        OPTION_FLOAT,    /* >= 0, written with a decimal point */
        OPTION_ENUM,
        OPTION_LIST,     /* whitespace-separated strings, continuation lines append */
        OPTION_LINES,    /* multi-line text, continuation lines append a line */
        _OPTION_TYPE_MAX,
} OptionType;

typedef enum OptionFlags {
        OPTION_HIDDEN   = 1 << 0, /* internal in NixOS (visible = false) */
        OPTION_NULLABLE = 1 << 1, /* accepts null */
        OPTION_READONLY = 1 << 2, /* derived, setting it is an error */
        OPTION_COMPUTED = 1 << 3, /* default computed from other options after parsing */
        OPTION_BOOT_WORDS = 1 << 4, /* LIST: words GRUB pastes unquoted into grub.cfg */
        OPTION_SHELL_ASSIGNMENTS = 1 << 5, /* LINES: each a NAME=VALUE line a shell sources */
        OPTION_OWN      = 1 << 6, /* xen-dom0d's own, not an option of the NixOS module */
} OptionFlags;

typedef struct OptionDef {
        OptionId id;
        const char *section;      /* NixOS option path without its leaf; "xen" for top-level */
        const char *key;          /* the leaf, spelled as NixOS spells it */
        const char *name;         /* "section.key", the option's name in messages */
        OptionType type;
        unsigned flags;
        const char *default_value; /* as written in the file; for computed ones, their description */
        const char *const *choices; /* ENUM: NULL-terminated */
        const char *help;           /* one line */

        /* What reads it. A reload restarts these components after a change... */
        uint32_t restart;
        /* ...or the change waits for a reboot, for this reason... */
        const char *reboot_reason;
        /* ...or, where neither applies, takes effect by itself, as this says. */
        const char *note;
        bool ocaml_store_only;      /* read only by oxenstored: nothing reads it with the C store */
        const char *oxenstored_key; /* its line in oxenstored.conf, or NULL */
        const struct OptionDef *same_as; /* a default that is a copy of this option's value */
} OptionDef;

/* An old or alternative spelling, accepted with a warning naming the canonical key. */
typedef struct OptionAlias {
        const char *section;
        const char *key;
        const char *name; /* "section.key" */
        OptionId target;
} OptionAlias;

/* A key NixOS removed, rejected with the module's reason. */
typedef struct OptionRemoved {
        const char *section;
        const char *key;
        const char *reason;
} OptionRemoved;

extern const OptionDef option_table[_OPTION_MAX];
extern const OptionAlias option_aliases[];
extern const OptionRemoved option_removed[];

/* Looks up an option; returns NULL when unknown. */
const OptionDef *option_find(const char *section, const char *key);
/* By the full name, "section.key"; NULL if there is none. */
const OptionDef *option_by_name(const char *name);
const OptionAlias *option_alias_find(const char *section, const char *key);
const OptionRemoved *option_removed_find(const char *section, const char *key);
/* Whether any option, alias or removed key lives in this section. */
bool option_section_known(const char *section);
const char *option_type_to_string(OptionType t);
/* NixOS full option name, "virtualisation.xen.store.settings.quota.maxSize"; caller frees. Not
 * for OPTION_OWN ones. */
char *option_nixos_name(const OptionDef *d);
/* For an unknown key or section: the closest by edit distance (letters case-insensitively, a
 * swap of two neighbours counting once), NULL when none is close enough to be a misspelling
 * (at most a third of the name's letters, and at least one). */
const OptionDef *option_closest_key(const char *section, const char *key);
const char *option_closest_section(const char *section);
/* The same measure over any table of names: the closest of names[0..n), or NULL. */
const char *closest_name(const char *wrong, const char *const *names, size_t n);
/* A key that names its own place, as NixOS spells an option: "dom0Resources.memory" under any
 * section, or "virtualisation.xen.enable". The option it names, NULL if none. */
const OptionDef *option_from_nixos_spelling(const char *section, const char *key);
/* A key that exists in exactly one other section ("memory" under [xen]); NULL otherwise. */
const OptionDef *option_in_other_section(const char *section, const char *key);
/* Index of s in choices, or -1. */
int option_choice_index(const OptionDef *d, const char *s);
