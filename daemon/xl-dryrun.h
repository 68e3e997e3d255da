/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xl's own look at a declared guest's settings before a reload takes them: "xl -N create", a
 * dry run that builds the domain's configuration as xl create does and stops before the domain
 * exists. It refuses what libxlutil's parser, run while the file is read, lets through: a disk
 * or vif specification xl does not understand, cpus it cannot place, a value of the wrong kind
 * for the guest's type. xl opens the hypervisor first, so only the daemon can run it, for Diff
 * and Reload alike. Each verdict is kept by the text xl was given: a guest that did not change
 * costs no run of xl, and a caller repeating Diff costs none either. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#include "dom0-config.h"
#include "fileset.h"

typedef struct XlDryRun XlDryRun;

/* Called once all the guests given to xl_dryrun_start() have a verdict; cancelled when the
 * checker is freed first (nothing to reply to then, only userdata to let go). */
typedef void (*XlDryRunDone)(void *userdata, bool cancelled);

/* The xl to run for configuration c, or NULL when the check is off: $XEN_DOM0D_XL when set ("":
 * off), off with a fake hypervisor ($XEN_DOM0D_BACKEND=fake:N), else xen.package's bin/xl.
 * Caller frees. */
char *xl_dryrun_command(const Config *c);

int xl_dryrun_new(sd_event *e, XlDryRun **ret);
/* Cancels the runs in flight and every waiter (done(userdata, true)). Returns NULL. */
XlDryRun *xl_dryrun_free(XlDryRun *x);

/* For each guest of c whose rendered xl.cfg is among changed (paths of files): an error in d
 * when xl refused that text, naming the setting xl's message names (else the settings section),
 * and a warning when xl could not judge it (not found, no answer in time, a crash); such a
 * warning is given once, and the next call counts the text as not judged again. Returns how
 * many of them have no verdict yet: xl_dryrun_start() gets them one. xl: as
 * xl_dryrun_command(). */
size_t xl_dryrun_findings(XlDryRun *x, const char *xl, const Config *c, const FileSet *files, char *const *changed,
                          const char *path, Diagnostics *d);

/* Runs xl on those guests without a verdict, a few at a time, each in a child with a deadline;
 * done(userdata, false) once every one has a verdict (from the loop, never from within this
 * call). capped: a caller anyone may be (Diff), turned away with -EBUSY when too many such wait
 * already. Returns 0, -EBUSY or -ENOMEM. */
int xl_dryrun_start(XlDryRun *x, const char *xl, const Config *c, const FileSet *files, char *const *changed,
                    bool capped, XlDryRunDone done, void *userdata);
