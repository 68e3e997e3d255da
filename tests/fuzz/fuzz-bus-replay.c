/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs the bus fuzz target without libFuzzer: over its built-in seeds (valid calls of every
 * method and property interface), or over the files given, so that every "make check" replays
 * them, under the sanitizers when they are enabled. --write-seeds DIR writes the seeds as the
 * fuzzer's starting corpus. */
#include <stdint.h>
#include <sys/stat.h>

#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* path, interface, member, signature (indexes into fuzz-bus.c's tables), then the values */
#define S(x) { x, sizeof(x) - 1 }
static const struct {
        const char *bytes;
        size_t size;
} seeds[] = {
        S("\x00\x00\x00\x01\x00"),                                          /* Check("") */
        S("\x00\x00\x00\x01\x0a/etc/hosts"),                                /* Check("/etc/hosts") */
        S("\x00\x00\x00\x01\x08relative"),                                  /* Check("relative") */
        S("\x00\x00\x01\x00"),                                              /* GetConfig() */
        S("\x00\x00\x02\x00"),                                              /* ListComponents() */
        S("\x00\x00\x03\x00"),                                              /* ListDomains() */
        S("\x00\x00\x04\x00"),                                              /* Diff() */
        S("\x00\x00\x05\x01\x0bxenconsoled"),                               /* RestartComponent("xenconsoled") */
        S("\x00\x00\x05\x01\x09xenstored"),                                 /* RestartComponent("xenstored") */
        S("\x00\x00\x06\x00"),                                              /* Reload() */
        S("\x00\x00\x06\x01\x01x"),                                         /* Reload("x"): wrong signature */
        S("\x00\x03\x07\x02\x1borg.xenproject.Dom0.Manager\x05State"),      /* Get(Manager, State) */
        S("\x00\x03\x07\x02\x1borg.xenproject.Dom0.Manager\x0a" "BootParams"),
        S("\x00\x03\x08\x01\x1borg.xenproject.Dom0.Manager"),               /* GetAll(Manager) */
        S("\x01\x03\x08\x01\x1dorg.xenproject.Dom0.Component"),             /* GetAll on xenstored */
        S("\x02\x03\x07\x02\x1dorg.xenproject.Dom0.Component\x0bRestartable"),
        S("\x81\x0cxen-watchdog\x03\x08\x01\x1dorg.xenproject.Dom0.Component"), /* a component by name */
        S("\x81\x04xend\x03\x08\x01\x1dorg.xenproject.Dom0.Component"),      /* an unknown component */
        S("\x80\x05" "dom-1\x03\x08\x01\x1aorg.xenproject.Dom0.Domain"),     /* a domain object */
        S("\x00\x03\x09\x03\x1borg.xenproject.Dom0.Manager\x05State\x00\x03" "foo"), /* Set */
        S("\x06\x04\x0a\x00"),                                              /* Introspect("/") */
        S("\x03\x04\x0a\x00"),                                              /* Introspect(component/) */
        S("\x05\x05\x0b\x00"),                                              /* GetManagedObjects() */
        S("\x00\x07\x00\x01\x00"),                                          /* Check("") without interface */
        S("\x00\x00\x00\xf0\x04" "a(s)\x01\x01" "a"),                     /* Check with a fuzzed signature */
};

static int replay_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *buf = malloc(65537);
        size_t n;

        if (!f || !buf) {
                fprintf(stderr, "cannot read %s\n", path);
                return -1;
        }
        n = fread(buf, 1, 65537, f);
        LLVMFuzzerTestOneInput((const uint8_t *) buf, n);
        return 0;
}

static int write_seeds(const char *dir) {
        for (size_t i = 0; i < ELEMENTSOF(seeds); i++) {
                _cleanup_free_ char *p = NULL;
                _cleanup_fclose_ FILE *f = NULL;

                if (asprintf(&p, "%s/seed-%02zu", dir, i) < 0)
                        return -1;
                f = fopen(p, "we");
                if (!f || fwrite(seeds[i].bytes, 1, seeds[i].size, f) != seeds[i].size) {
                        fprintf(stderr, "cannot write %s\n", p);
                        return -1;
                }
        }
        return 0;
}

int main(int argc, char *argv[]) {
        int r = 0;

        if (argc == 3 && streq(argv[1], "--write-seeds"))
                return write_seeds(argv[2]) < 0 ? 1 : 0;
        if (argc > 1) {
                for (int i = 1; i < argc; i++)
                        r |= replay_file(argv[i]);
                return r ? 1 : 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(seeds); i++)
                LLVMFuzzerTestOneInput((const uint8_t *) seeds[i].bytes, seeds[i].size);
        printf("replayed %zu seed calls\n", ELEMENTSOF(seeds));
        return 0;
}
