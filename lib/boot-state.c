/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot-state.h"
#include "strv.h"

void boot_state_done(BootState *s) {
        free(s->setting);
        free(s->loader);
        free(s->state);
        free(s->message);
        free(s->xen_efi);
        free(s->xen_options);
        free(s->next);
        free(s->esp);
        strv_free(s->sources);
        boot_entries_done(&s->entries);
        *s = (BootState) {};
}

static int add_str(json_object *o, const char *key, const char *value) {
        if (!value)
                return 0;
        json_object *v = json_object_new_string(value);
        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

int boot_state_write(const char *path, const BootState *s) {
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        _cleanup_free_ char *tmp = NULL;
        const char *text;
        int r = -ENOMEM, fd = -1;

        if (!root || !arr)
                goto finish;
        if (add_str(root, "setting", s->setting) < 0 || add_str(root, "loader", s->loader) < 0 ||
            add_str(root, "state", s->state) < 0 || add_str(root, "message", s->message) < 0 ||
            add_str(root, "xen_efi", s->xen_efi) < 0 || add_str(root, "xen_options", s->xen_options) < 0 ||
            add_str(root, "next", s->next) < 0 || add_str(root, "esp", s->esp) < 0)
                goto finish;
        if (s->sources) {
                json_object *src = json_object_new_array();
                if (!src || json_object_object_add(root, "sources", src) < 0) {
                        json_object_put(src);
                        goto finish;
                }
                STRV_FOREACH(f, s->sources)
                        if (json_object_array_add(src, json_object_new_string(*f)) < 0)
                                goto finish;
        }
        if (json_object_object_add(root, "finished_usec", json_object_new_int64((int64_t) s->finished_usec)) < 0 ||
            json_object_object_add(root, "total_usec", json_object_new_int64((int64_t) s->total_usec)) < 0 ||
            json_object_object_add(root, "tool_usec", json_object_new_int64((int64_t) s->tool_usec)) < 0)
                goto finish;
        for (size_t i = 0; i < s->entries.n; i++) {
                const BootEntry *e = &s->entries.items[i];
                json_object *o = json_object_new_object();

                if (!o || json_object_array_add(arr, o) < 0) {
                        json_object_put(o);
                        goto finish;
                }
                if (add_str(o, "id", e->id) < 0 || add_str(o, "title", e->title) < 0 || add_str(o, "xen", e->xen) < 0 ||
                    add_str(o, "xen_options", e->xen_options) < 0 || add_str(o, "kernel", e->kernel) < 0 ||
                    add_str(o, "kernel_options", e->kernel_options) < 0 || add_str(o, "initrd", e->initrd) < 0)
                        goto finish;
        }
        if (json_object_object_add(root, "entries", arr) < 0)
                goto finish;
        arr = NULL;
        text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text || asprintf(&tmp, "%s.tmp", path) < 0) {
                tmp = NULL;
                goto finish;
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
                r = negative_errno();
                goto finish;
        }
        if (write(fd, text, strlen(text)) != (ssize_t) strlen(text) || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
                r = errno > 0 ? -errno : -EIO;
                goto finish;
        }
        if (close(fd) < 0) {
                fd = -1;
                r = negative_errno();
                goto finish;
        }
        fd = -1;
        r = rename(tmp, path) < 0 ? negative_errno() : 0;
finish:
        if (fd >= 0)
                close(fd);
        if (r < 0 && tmp)
                (void) unlink(tmp);
        json_object_put(arr);
        json_object_put(root);
        return r;
}

static int get_str(json_object *o, const char *key, char **ret) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        *ret = strdup(json_object_get_string(v));
        return *ret ? 0 : -ENOMEM;
}

int boot_state_read(const char *path, BootState *ret) {
        _cleanup_(boot_state_done) BootState s = {};
        json_object *root, *v, *arr;
        int r = -EBADMSG;

        if (access(path, F_OK) < 0)
                return negative_errno();
        root = json_object_from_file(path);
        if (!root || !json_object_is_type(root, json_type_object))
                goto finish;
        if ((r = get_str(root, "setting", &s.setting)) < 0 || (r = get_str(root, "loader", &s.loader)) < 0 ||
            (r = get_str(root, "state", &s.state)) < 0 || (r = get_str(root, "message", &s.message)) < 0 ||
            (r = get_str(root, "xen_efi", &s.xen_efi)) < 0 || (r = get_str(root, "xen_options", &s.xen_options)) < 0 ||
            (r = get_str(root, "next", &s.next)) < 0 || (r = get_str(root, "esp", &s.esp)) < 0)
                goto finish;
        if (json_object_object_get_ex(root, "sources", &arr) && json_object_is_type(arr, json_type_array)) {
                if (!(s.sources = calloc(1, sizeof(char *)))) {
                        r = -ENOMEM;
                        goto finish;
                }
                for (size_t i = 0; i < json_object_array_length(arr); i++) {
                        const char *f = json_object_get_string(json_object_array_get_idx(arr, i));
                        if (f && strv_extend(&s.sources, f) < 0) {
                                r = -ENOMEM;
                                goto finish;
                        }
                }
        }
        r = -EBADMSG;
        if (!s.state)
                goto finish;
        if (json_object_object_get_ex(root, "finished_usec", &v))
                s.finished_usec = (uint64_t) json_object_get_int64(v);
        if (json_object_object_get_ex(root, "total_usec", &v))
                s.total_usec = (uint64_t) json_object_get_int64(v);
        if (json_object_object_get_ex(root, "tool_usec", &v))
                s.tool_usec = (uint64_t) json_object_get_int64(v);
        if (json_object_object_get_ex(root, "entries", &arr)) {
                if (!json_object_is_type(arr, json_type_array))
                        goto finish;
                for (size_t i = 0; i < json_object_array_length(arr); i++) {
                        _cleanup_(boot_entry_done) BootEntry e = {};
                        json_object *o = json_object_array_get_idx(arr, i);

                        if (!json_object_is_type(o, json_type_object))
                                goto finish;
                        if ((r = get_str(o, "id", &e.id)) < 0 || (r = get_str(o, "title", &e.title)) < 0 ||
                            (r = get_str(o, "xen", &e.xen)) < 0 || (r = get_str(o, "xen_options", &e.xen_options)) < 0 ||
                            (r = get_str(o, "kernel", &e.kernel)) < 0 ||
                            (r = get_str(o, "kernel_options", &e.kernel_options)) < 0 ||
                            (r = get_str(o, "initrd", &e.initrd)) < 0)
                                goto finish;
                        r = boot_entries_add(&s.entries, &e);
                        if (r < 0)
                                goto finish;
                        r = -EBADMSG;
                }
        }
        *ret = s;
        s = (BootState) {};
        r = 0;
finish:
        json_object_put(root);
        return r;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int boot_kernel_entry_files(const char *esp, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        _cleanup_free_ char *dir = NULL;
        DIR *d;
        struct dirent *de;

        if (!l || asprintf(&dir, "%s/loader/entries", esp) < 0)
                return -ENOMEM;
        d = opendir(dir);
        if (!d) {
                if (errno != ENOENT)
                        return negative_errno();
                *ret = TAKE_PTR(l);
                return 0;
        }
        while ((de = readdir(d)))
                if (endswith(de->d_name, ".conf") && !startswith(de->d_name, "xen-") && de->d_name[0] != '.' &&
                    strv_extend(&l, de->d_name) < 0) {
                        closedir(d);
                        return -ENOMEM;
                }
        closedir(d);
        qsort(l, strv_length(l), sizeof(char *), cmp_str);
        *ret = TAKE_PTR(l);
        return 0;
}
