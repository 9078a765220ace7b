/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The release history: per device, its last VGPU_HISTORY_KEEP releases by
 * the hook — when, which domain, why it shut off (libvirt >= 10.5 says;
 * before, "unknown") and whether the device was freed — so that a crash is
 * told from a shutdown.  /run/vgpu-hook/history.json, written with the
 * release's drop under the ledger lock, replaced atomically like the
 * ledger; a damaged or missing history is simply started afresh (it only
 * informs).  {"version": 1, "devices": {DEVICE: [event, … oldest first]}}.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vgpuhook-private.h"

#define HISTORY_FILE "history.json"
#define HISTORY_MAX  (1u << 20)

/* The "devices" object of history.json in @dir_fd (a new reference), or an empty one. */
static json_t *load_devices(int dir_fd)
{
        _cleanup_close_ int fd =
                dir_fd < 0 ? -1 : openat(dir_fd, HISTORY_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        _cleanup_json_ json_t *doc = NULL;
        json_t *devices = NULL;
        json_error_t jerr;
        struct stat st;
        ssize_t n;

        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
            (size_t)st.st_size <= HISTORY_MAX && (buf = malloc((size_t)st.st_size + 1)) &&
            (n = pread(fd, buf, (size_t)st.st_size, 0)) == st.st_size)
                doc = vgpu_json_loadb(buf, (size_t)n, 0, &jerr);
        if (doc && json_unpack(doc, "{s:o}", "devices", &devices) == 0 && json_is_object(devices))
                return json_incref(devices);
        return json_object();
}

static json_t *event_json(const struct vgpu_release *rel, const struct vgpu_release_device *d, long long now)
{
        return json_pack("{s:I, s:s, s:s?, s:s, s:s, s:b, s:s?}", "time", (json_int_t)now, "domain_uuid",
                         d->domain_uuid, "domain_name", rel->domain_name, "reason",
                         rel->reason ? rel->reason : "unknown", "reason_source",
                         rel->reason ? "libvirt" : "not given (libvirt before 10.5)", "freed",
                         d->free && d->result == 0, "error", d->result < 0 ? strerror(-d->result) : NULL);
}

/* The time of @list's newest event. */
static long long newest(json_t *list)
{
        return json_integer_value(json_object_get(json_array_get(list, json_array_size(list) - 1), "time"));
}

/* Keep at most VGPU_HISTORY_DEVICES devices: those released last. */
static void trim(json_t *devices)
{
        while (json_object_size(devices) > VGPU_HISTORY_DEVICES) {
                const char *key, *oldest = NULL;
                long long when = 0;
                json_t *list;

                json_object_foreach(devices, key, list) if (!oldest || newest(list) < when)
                {
                        oldest = key;
                        when = newest(list);
                }
                json_object_del(devices, oldest);
        }
}

static int add(json_t *devices, const struct vgpu_release *rel, const struct vgpu_release_device *d, long long now)
{
        json_t *list = json_object_get(devices, d->device);

        if (!json_is_array(list)) {
                list = json_array();
                if (!list || json_object_set_new(devices, d->device, list) < 0)
                        return -ENOMEM;
        }
        if (json_array_append_new(list, event_json(rel, d, now)) < 0)
                return -ENOMEM;
        while (json_array_size(list) > VGPU_HISTORY_KEEP)
                json_array_remove(list, 0);
        return 0;
}

int vgpu_history_record(struct vgpu_ledger *l, const struct vgpu_release *rel)
{
        _cleanup_json_ json_t *devices = NULL, *doc = NULL;
        _cleanup_free_ char *text = NULL;
        long long now = (long long)time(NULL);
        int r = 0;

        if (l->lock_fd < 0)
                return -ENOLCK;
        if (!rel->n)
                return 0;
        devices = load_devices(l->dir_fd);
        for (size_t i = 0; devices && r == 0 && i < rel->n; i++)
                r = add(devices, rel, &rel->devices[i], now);
        if (!devices || r < 0)
                return -ENOMEM;
        trim(devices);
        doc = json_pack("{s:i, s:O}", "version", 1, "devices", devices);
        text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
        if (!text)
                return -ENOMEM;
        return vgpu_ledger_write_file(l, HISTORY_FILE, text);
}

json_t *vgpu_history_json(const struct vgpu_ledger *l)
{
        _cleanup_json_ json_t *devices = load_devices(l ? l->dir_fd : -1);
        json_t *out = json_array(), *list;
        const char *key;

        if (!devices || !out) {
                json_decref(out);
                return NULL;
        }
        json_object_foreach(devices, key, list) if (json_is_array(list) &&
                                                    json_array_append_new(out, json_pack("{s:s, s:O}", "device", key,
                                                                                         "releases", list)) < 0)
        {
                json_decref(out);
                return NULL;
        }
        return out;
}
