/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Log output: one line per message on stderr, "<N>" prefixed for the journal, or for whatever
 * reads a pipe or file; plain on a terminal, where a person reads it. */
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"

static int max_level = LOG_INFO;

/* The "<N>" to put before a line: none on a terminal. Decided once, at the first line. */
static const char *level_prefix(int level) {
        static const char *const prefixes[] = { "<0>", "<1>", "<2>", "<3>", "<4>", "<5>", "<6>", "<7>" };
        static int on_terminal = -1;

        if (on_terminal < 0)
                on_terminal = isatty(STDERR_FILENO) && !getenv("JOURNAL_STREAM");
        return on_terminal || level < 0 || level > 7 ? "" : prefixes[level];
}

void log_set_max_level(int level) {
        max_level = level;
}

int log_parse_level(const char *s) {
        static const char *const names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };
        char *end;
        long l;

        if (!s || !*s)
                return -EINVAL;
        for (int i = 0; i < 8; i++)
                if (strcmp(s, names[i]) == 0)
                        return i;
        errno = 0;
        l = strtol(s, &end, 10);
        if (errno != 0 || *end || l < 0 || l > 7)
                return -EINVAL;
        return (int) l;
}

int log_level_from_environment(void) {
        const char *e = getenv("SYSTEMD_LOG_LEVEL");
        int l;

        if (!e)
                return 0;
        l = log_parse_level(e);
        if (l < 0) {
                log_warning("Ignoring SYSTEMD_LOG_LEVEL=%s: not a level (emerg ... debug, or 0 ... 7)", e);
                return l;
        }
        max_level = l;
        return 0;
}

__attribute__((format(printf, 3, 0))) static void log_va(int level, int r, const char *fmt, va_list ap) {
        char buf[2048];

        if (level > max_level)
                return;
        vsnprintf(buf, sizeof buf, fmt, ap);
        if (r < 0)
                fprintf(stderr, "%s%s: %s\n", level_prefix(level), buf, strerror(-r));
        else
                fprintf(stderr, "%s%s\n", level_prefix(level), buf);
}

void log_full(int level, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_va(level, 0, fmt, ap);
        va_end(ap);
}

int log_full_errno(int level, int r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_va(level, r, fmt, ap);
        va_end(ap);
        return r < 0 ? r : -r;
}

void log_event(int level, const char *message_id, const char *component, const char *fmt, ...) {
        char buf[2048];
        va_list ap;

        if (level > max_level)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        /* JOURNAL_STREAM: systemd connected stderr to the journal, which then takes fields. */
        if (getenv("JOURNAL_STREAM") &&
            sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%i", level, "MESSAGE_ID=%s", message_id,
                            "XEN_DOM0_COMPONENT=%s", strempty(component), "SYSLOG_IDENTIFIER=xen-dom0d", NULL) >= 0)
                return;
        fprintf(stderr, "%s%s\n", level_prefix(level), buf);
}
