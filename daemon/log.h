/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging to stderr with the kernel-style priority prefix that the journal understands. The
 * daemon logs once, where it decides, with the errno text where there is one. */
#pragma once

#include <stdarg.h>
#include <syslog.h>

#include "macro.h"

void log_set_max_level(int level);
/* A syslog level by name (emerg ... debug) or number (0 ... 7); -EINVAL otherwise. */
int log_parse_level(const char *s);
/* SYSTEMD_LOG_LEVEL, as systemd's own daemons read it; a bad value is logged and ignored. */
int log_level_from_environment(void);
void log_full(int level, const char *fmt, ...) _printf_(2, 3);
/* Logs and returns r (a negative errno), so that "return log_error_errno(r, ...)" reads well. */
int log_full_errno(int level, int r, const char *fmt, ...) _printf_(3, 4);

/* Important events carry a MESSAGE_ID, explained in the journal catalog (journalctl -x). */
#define MESSAGE_COMPONENT_STARTED   "1218869c6426455b82e2ec90251daa1c"
#define MESSAGE_COMPONENT_FAILED    "b1d404f9346e4e4abaa2c8a512a31c49"
#define MESSAGE_COMPONENT_RESTARTED "3efa14bd122e40dca83d560921c493d4"
#define MESSAGE_RESTART_LIMIT       "172383a739be4e4b82591917fe129432"
#define MESSAGE_RELOAD_APPLIED      "46976a247759403d9fb231805df76bd1"
#define MESSAGE_RELOAD_REFUSED      "7c2b017662bd4ec99e3a38d64a6deff3"
#define MESSAGE_REBOOT_PENDING      "acf0d57849914604b7d4c0a2e73d94a3"
#define MESSAGE_XENSTORED_LOST      "6577abb789c149bf94666f2cd47f2cfb"
#define MESSAGE_STACK_SETTLED       "6bf2a199a93440cf949516bb28229c98"
#define MESSAGE_BOOT_ENTRIES_FAILED "0f1dd21b85a347cab4e81f3198de9110"
#define MESSAGE_XENSTORED_SILENT    "c0d6a3b0e38f4f7e9a51b6f0d2e4a817"
#define MESSAGE_XENSTORED_ANSWERS   "5b9e2c47a1d84c0f8e3a6d19f7b2c054"
#define MESSAGE_GUEST_STARTED       "0003ffc6af634dcdb469b4083ea61a37"
#define MESSAGE_GUEST_FAILED        "e47778e0708542cfb7f8d0367e83d34f"

/* Logs with a MESSAGE_ID and, when not NULL, the component's name in XEN_DOM0_COMPONENT=:
 * to the journal when stderr is connected to it, as a plain line otherwise. */
void log_event(int level, const char *message_id, const char *component, const char *fmt, ...) _printf_(4, 5);

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)
#define log_crit(...) log_full(LOG_CRIT, __VA_ARGS__)
#define log_error_errno(r, ...) log_full_errno(LOG_ERR, r, __VA_ARGS__)
#define log_warning_errno(r, ...) log_full_errno(LOG_WARNING, r, __VA_ARGS__)
