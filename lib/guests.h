/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Declared guests ([guests.NAME], [guests.NAME.settings]) and xl's own settings ([xl]): their
 * keys as read, the checks xl would make of them, and the files they render to. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "fileset.h"

#define GUEST_NAME_MAX 48
#define GUEST_READINESS_TIMEOUT_DEFAULT 120
#define GUEST_CONFIG_FILE_MAX (1024u * 1024u)
#define GUEST_UNIT_PREFIX "xen-guest@"

/* One key of an xl.cfg(5) or xl.conf(5) file, its value as xl writes it. */
typedef struct XlSetting {
        char *key;
        char *value;            /* a "quoted string", a number or a [ list ]; continuation lines
                                 * joined with a newline */
        unsigned line;
} XlSetting;

typedef struct XlSettings {
        XlSetting *items;
        size_t n;
} XlSettings;

typedef enum GuestKey {
        GUEST_KEY_AUTOSTART,
        GUEST_KEY_AFTER,
        GUEST_KEY_READINESS,
        GUEST_KEY_READINESS_TIMEOUT,
        GUEST_KEY_CONFIG_FILE,
        _GUEST_KEY_MAX,
} GuestKey;

typedef struct Guest {
        char *name;                 /* NAME of [guests.NAME]: the unit's instance */
        unsigned line;              /* its first section header */
        bool autostart;
        char **after;               /* names of declared guests started before this one */
        char *readiness_key;        /* NULL: up once started; else a key under its xenstore home */
        uint64_t readiness_timeout; /* seconds */
        char *config_file;          /* an xl.cfg file adopted as it is */
        char *config_data;          /* and its content, read with the configuration */
        char *domain_name;          /* what Xen calls it: name = of the settings or the file */
        unsigned domain_name_line;
        XlSettings settings;
        bool has_settings;          /* a [guests.NAME.settings] section, even an empty one */
        unsigned settings_line;
        unsigned key_line[_GUEST_KEY_MAX]; /* where each own key was set, 0: not set */
        bool invalid;               /* a key of it was refused: cross-guest checks skip it */
} Guest;

typedef struct Guests {
        Guest *items;
        size_t n;
        /* names to indices: open addressing, index + 1 in each slot (0: empty), a power of two
         * at least twice n, so that a host with a thousand guests reads in linear time */
        uint32_t *slots;
        size_t n_slots;
        /* the files of guests_auto_dir that start a declared guest, sorted: xendomains
         * skips them */
        struct GuestAutoFile *auto_files;
        size_t n_auto_files;
} Guests;

typedef struct GuestAutoFile {
        char *name;     /* in guests_auto_dir */
        size_t guest;   /* the index of the guest it starts */
} GuestAutoFile;

void xl_settings_done(XlSettings *s);
void guests_done(Guests *g);
const Guest *guests_find(const Guests *g, const char *name);
const XlSetting *xl_settings_find(const XlSettings *s, const char *key);

/* ---- reading (called by the configuration reader) */

typedef enum GuestSection {
        GUEST_SECTION_NONE,         /* not a guests.* section */
        GUEST_SECTION_OWN,          /* [guests.NAME] */
        GUEST_SECTION_SETTINGS,     /* [guests.NAME.settings] */
} GuestSection;

/* Classifies a section name. For [guests.NAME] and [guests.NAME.settings] returns the kind and
 * the guest (added when new, at line) in *ret_index; a malformed one is a finding in d and
 * returns GUEST_SECTION_NONE with *ret_index = SIZE_MAX. -ENOMEM on allocation failure. */
int guests_section(Guests *g, const char *section, const char *path, unsigned line, Diagnostics *d,
                   size_t *ret_index);
/* A key of [guests.NAME]. Findings go to d; returns 0 or -ENOMEM. */
int guest_set_key(Guest *guest, const char *key, const char *value, const char *path, unsigned line,
                  Diagnostics *d);

typedef enum XlFile {
        XL_FILE_CFG,    /* a domain's xl.cfg(5) */
        XL_FILE_CONF,   /* xl's own xl.conf(5) */
} XlFile;

/* A key of [guests.NAME.settings] (XL_FILE_CFG) or [xl] (XL_FILE_CONF): known to xl, not set
 * twice, and a value xl's own parser reads as the type xl expects. display is the key as
 * messages name it. Returns 1 when it was recorded (a continuation may follow), 0 when refused
 * (a finding in d), -ENOMEM. */
int xl_setting_add(XlSettings *s, XlFile file, const char *key, const char *value, const char *path, unsigned line,
                   const char *display, Diagnostics *d);
/* Appends a continuation line to the last setting of s. Returns 0 or -ENOMEM. */
int xl_setting_continue(XlSettings *s, const char *more);
/* Once the file is read: checks every multi-line value, reads each configFile, and sets the
 * domain names. Findings go to d; returns 0 or -ENOMEM. */
int guests_finish(Guests *g, XlSettings *xl, const char *path, Diagnostics *d);

/* ---- validation and rendering */

/* The checks between guests: settings or a configFile (one of them), after names declared
 * guests and has no cycle, no two guests with one domain name. Returns 0 or -ENOMEM. */
int guests_validate(const Guests *g, const char *path, Diagnostics *d);
/* Where xendomains finds the domains it starts at boot; the daemon points it under its root. */
extern const char *guests_auto_dir;
/* Warns of each declared guest that a file of guests_auto_dir starts too (its configFile, or a
 * file with its domain name, as guests_finish() found them): xendomains skips that file, and
 * the file should go. Returns 0 or -ENOMEM. */
int guests_check_auto(const Guests *g, const char *path, Diagnostics *d);
/* The guests in an order that puts every one after those it names in after, otherwise in the
 * file's order. ret holds g->n indices; the guests must be validated (no cycle). */
int guests_start_order(const Guests *g, size_t **ret);
/* The rendered files: each guest's xl.cfg and NAME.env (its domain's name, written where the
 * domain is not called NAME or a file is) under PATH_GUESTS_DIR and its order drop-in (written
 * where it orders or a file is), xl.conf, and the list of the files of guests_auto_dir that
 * xendomains skips (PATH_XENDOMAINS_SKIP), each starting with header (comment lines). Returns 0
 * or -ENOMEM. */
int guests_render(const Guests *g, const XlSettings *xl, const char *header, FileSet *s);
/* The path of a guest's rendered xl.cfg; caller frees. */
char *guest_cfg_path(const char *name);
/* The guest's readiness as the file writes it: "started" or "xenstore:KEY"; caller frees. */
char *guest_readiness(const Guest *g);
/* "xen-guest@NAME.service"; caller frees. */
char *guest_unit_name(const char *name);
/* The declared guest a unit name belongs to, NULL when none. */
const Guest *guests_find_unit(const Guests *g, const char *unit);
/* What differs between two declarations of a guest that only a restart of the guest applies,
 * as option names ("guests.web.settings.kernel"); NULL when nothing does. Live changes
 * (memory, vcpus) are in ret_live. Returns 0 or -ENOMEM. */
int guest_changes(const Guest *old, const Guest *new, char ***ret_restart, char ***ret_live);

/* The xl.cfg(5) and xl.conf(5) keys of Xen 4.17, sorted. */
extern const char *const xl_cfg_keys[];
extern const size_t xl_cfg_keys_n;
extern const char *const xl_conf_keys[];
extern const size_t xl_conf_keys_n;
