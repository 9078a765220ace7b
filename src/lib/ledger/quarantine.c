/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The quarantine: devices placement must not use until someone looks — an
 * mdev parent (or a VF) whose release could not free what it made after the
 * retries, or whose VMs crashed K times in a row within T seconds.  Kept in
 * /run/vgpu-hook/quarantine.json beside the ledger and under its lock, not
 * in ledger.json: a damaged ledger is set aside and its leases rebuilt from
 * the host, but nothing on the host says why a device was quarantined, so
 * the two must not share a fate; and ledger.json keeps its version.
 * {"version": 1, "devices": {DEVICE: {"kind", "cause", "reason", "since"}},
 *  "crashes": {DEVICE: [time, …]}}.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vgpuhook-private.h"

#define QUARANTINE_FILE "quarantine.json"
#define QUARANTINE_MAX  (1u << 20)

static const char *const cause_names[] = {
        [VGPU_QUARANTINE_NOT_FREED] = "not freed",
        [VGPU_QUARANTINE_CRASHES] = "crashes",
};

/* A name that may go into a sysfs path: one short component of printable characters. */
static bool safe_name(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 63 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (; *s; s++)
                if (*s == '/' || (unsigned char)*s <= 0x20 || *s == 0x7f)
                        return false;
        return true;
}

const char *vgpu_quarantine_cause_name(enum vgpu_quarantine_cause cause)
{
        return (size_t)cause < ARRAY_SIZE(cause_names) ? cause_names[cause] : "?";
}

const char *vgpu_quarantine_key(enum vgpu_device_kind kind, const char *device, const char *parent)
{
        return kind == VGPU_DEVICE_MDEV ? parent : device;
}

char *vgpu_quarantine_describe(const struct vgpu_quarantine *q, char *buf, size_t size)
{
        time_t since = (time_t)q->since;
        char when[32] = "?";
        struct tm tm;

        if (gmtime_r(&since, &tm))
                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
        snprintf(buf, size, "since %s: %s", when, q->reason);
        return buf;
}

static void entry_clear(struct vgpu_quarantine *q)
{
        free(q->device);
        free(q->reason);
}

void vgpu_quarantine_clear_all(struct vgpu_ledger *l)
{
        for (size_t i = 0; i < l->n_quarantined; i++)
                entry_clear(&l->quarantined[i]);
        free(l->quarantined);
        l->quarantined = NULL;
        l->n_quarantined = 0;
        json_decref(l->crashes);
        l->crashes = NULL;
}

const struct vgpu_quarantine *vgpu_quarantine_find(const struct vgpu_ledger *l, const char *device)
{
        _cleanup_free_ char *canon = device ? vgpu_device_name_canonical(device) : NULL;

        for (size_t i = 0; canon && l && i < l->n_quarantined; i++)
                if (strcmp(l->quarantined[i].device, canon) == 0)
                        return &l->quarantined[i];
        return NULL;
}

static int cmp_devices(const void *a, const void *b, void *unused)
{
        (void)unused;
        return strverscmp(((const struct vgpu_quarantine *)a)->device, ((const struct vgpu_quarantine *)b)->device);
}

/* Kept in device order, for people. */
static void sort(struct vgpu_ledger *l)
{
        vgpu_qsort_r(l->quarantined, l->n_quarantined, sizeof(*l->quarantined), cmp_devices, NULL);
}

static struct vgpu_quarantine *append(struct vgpu_ledger *l, const char *device, const char *reason)
{
        struct vgpu_quarantine *q = vgpu_array_push(&l->quarantined, &l->n_quarantined, sizeof(*q));

        if (!q)
                return NULL;
        q->device = vgpu_device_name_canonical(device);
        q->reason = strdup(reason);
        if (!q->device || !q->reason) {
                entry_clear(q);
                l->n_quarantined--;
                return NULL;
        }
        return q;
}

int vgpu_quarantine_add(struct vgpu_ledger *l, const char *device, enum vgpu_device_kind kind,
                        enum vgpu_quarantine_cause cause, const char *reason)
{
        struct vgpu_quarantine *q;

        if (l->lock_fd < 0)
                return -ENOLCK;
        if (!device || !safe_name(device))
                return -EINVAL;
        if (vgpu_quarantine_find(l, device))
                return 0;
        q = append(l, device, reason);
        if (!q)
                return -ENOMEM;
        q->kind = kind;
        q->cause = cause;
        q->since = (long long)time(NULL);
        l->quarantine_changed = true;
        vgpu_warn(
                l->root,
                "%s %s quarantined: %s; placement skips it until 'vgpuctl reconcile' or 'vgpuctl quarantine clear %s'",
                kind == VGPU_DEVICE_MDEV ? "mdev parent" : vgpu_device_kind_name(kind), q->device, reason, q->device);
        sort(l);
        return 1;
}

int vgpu_quarantine_lift(struct vgpu_ledger *l, const char *device, const char *why)
{
        const struct vgpu_quarantine *q = vgpu_quarantine_find(l, device);
        size_t i;

        if (l->lock_fd < 0)
                return -ENOLCK;
        if (!q)
                return -ENOENT;
        i = (size_t)(q - l->quarantined);
        vgpu_info(l->root, "quarantine of %s lifted: %s", q->device, why);
        entry_clear(&l->quarantined[i]);
        memmove(&l->quarantined[i], &l->quarantined[i + 1], (l->n_quarantined - i - 1) * sizeof(*l->quarantined));
        l->n_quarantined--;
        l->quarantine_changed = true;
        return 0;
}

/* The device's run of crashes, created when @create. */
static json_t *crash_run(struct vgpu_ledger *l, const char *key, bool create)
{
        json_t *run;

        if (!l->crashes && !(l->crashes = json_object()))
                return NULL;
        run = json_object_get(l->crashes, key);
        if (json_is_array(run) || !create)
                return run;
        run = json_array();
        return run && json_object_set_new(l->crashes, key, run) == 0 ? run : NULL;
}

/* Keep the crashes of the last @window_s seconds, at most @count. */
static void trim_run(json_t *run, long long now, const struct vgpu_crash_policy *p)
{
        while (json_array_size(run) && (json_array_size(run) > p->count ||
                                        json_integer_value(json_array_get(run, 0)) < now - (long long)p->window_s))
                json_array_remove(run, 0);
}

int vgpu_quarantine_note_release(struct vgpu_ledger *l, const char *device, enum vgpu_device_kind kind,
                                 const char *reason, long long now, const struct vgpu_crash_policy *p)
{
        _cleanup_free_ char *key = device ? vgpu_device_name_canonical(device) : NULL;
        char why[160];
        json_t *run;

        if (!p->count || !reason || !device)
                return 0;
        if (!key)
                return -ENOMEM;
        if (strcmp(reason, "crashed") != 0) {
                /* A shutdown (or a destroy) ends a run of crashes. */
                if (l->crashes && json_object_del(l->crashes, key) == 0)
                        l->quarantine_changed = true;
                return 0;
        }
        run = crash_run(l, key, true);
        if (!run || json_array_append_new(run, json_integer(now)) < 0)
                return -ENOMEM;
        trim_run(run, now, p);
        l->quarantine_changed = true;
        if (json_array_size(run) < p->count)
                return 0;
        json_object_del(l->crashes, key);
        snprintf(why, sizeof(why), "its VMs crashed %u times in a row within %u s", p->count, p->window_s);
        return vgpu_quarantine_add(l, key, kind, VGPU_QUARANTINE_CRASHES, why);
}

/* Does a lease still being released hold @q's device? */
static bool release_pending(const struct vgpu_ledger *l, const struct vgpu_quarantine *q)
{
        for (size_t i = 0; i < l->n_leases; i++) {
                const struct vgpu_lease *lease = &l->leases[i];
                const char *key = vgpu_quarantine_key(lease->kind, lease->device, lease->parent);
                _cleanup_free_ char *canon = key ? vgpu_device_name_canonical(key) : NULL;

                if (lease->state == VGPU_LEASE_RELEASING && canon && strcmp(canon, q->device) == 0)
                        return true;
        }
        return false;
}

bool vgpu_quarantine_healed(const struct vgpu_ledger *l, const struct vgpu_quarantine *q)
{
        struct vgpu_pci_addr addr;
        char dir[256];

        if (release_pending(l, q))
                return false;
        if (q->kind == VGPU_DEVICE_MDEV) {
                /* Names were checked as path components when the file was read. */
                snprintf(dir, sizeof(dir), "/sys/class/mdev_bus/%s/mdev_supported_types", q->device);
                return vgpu_root_exists(l->root, dir);
        }
        if (vgpu_pci_addr_parse(q->device, &addr) < 0)
                return false;
        vgpu_pci_path(&addr, "", dir, sizeof(dir));
        return vgpu_root_exists(l->root, dir) && vgpu_device_busy(l->root, dir) == 0;
}

/* ---- quarantine.json ------------------------------------------------------ */

static int kind_of(const char *name, enum vgpu_device_kind *ret)
{
        for (int k = VGPU_DEVICE_MDEV; k <= VGPU_DEVICE_PCI; k++)
                if (strcmp(name, vgpu_device_kind_name((enum vgpu_device_kind)k)) == 0) {
                        *ret = (enum vgpu_device_kind)k;
                        return 0;
                }
        return -EINVAL;
}

static int cause_of(const char *name, enum vgpu_quarantine_cause *ret)
{
        for (size_t c = 0; c < ARRAY_SIZE(cause_names); c++)
                if (strcmp(name, cause_names[c]) == 0) {
                        *ret = (enum vgpu_quarantine_cause)c;
                        return 0;
                }
        return -EINVAL;
}

/* One entry of "devices"; its name must be a safe path component (it goes into a sysfs path). */
static int parse_entry(struct vgpu_ledger *l, const char *device, json_t *v)
{
        const char *kind, *cause, *reason;
        json_int_t since;
        struct vgpu_quarantine *q;
        enum vgpu_device_kind k;
        enum vgpu_quarantine_cause c;

        if (!safe_name(device) ||
            json_unpack(v, "{s:s, s:s, s:s, s:I}", "kind", &kind, "cause", &cause, "reason", &reason, "since", &since) <
                    0 ||
            kind_of(kind, &k) < 0 || cause_of(cause, &c) < 0)
                return -EBADMSG;
        q = append(l, device, reason);
        if (!q)
                return -ENOMEM;
        q->kind = k;
        q->cause = c;
        q->since = since;
        sort(l);
        return 0;
}

static int parse(struct vgpu_ledger *l, const char *text, size_t len)
{
        _cleanup_json_ json_t *doc = vgpu_json_loadb(text, len, 0, NULL);
        json_t *devices = NULL, *crashes = NULL, *v;
        const char *key;
        int version = 0, r = 0;

        if (!doc ||
            json_unpack(doc, "{s:i, s:o, s?o}", "version", &version, "devices", &devices, "crashes", &crashes) < 0 ||
            version != 1 || !json_is_object(devices) || (crashes && !json_is_object(crashes)))
                return -EBADMSG;
        json_object_foreach(devices, key, v) if (r == 0) r = parse_entry(l, key, v);
        if (r == 0 && crashes)
                l->crashes = json_deep_copy(crashes);
        return r;
}

int vgpu_quarantine_load(struct vgpu_ledger *l)
{
        _cleanup_close_ int fd =
                l->dir_fd < 0 ? -1 : openat(l->dir_fd, QUARANTINE_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        int r = -EBADMSG;

        if (fd < 0)
                return errno == ENOENT || l->dir_fd < 0 ? 0 : -errno;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
            (size_t)st.st_size <= QUARANTINE_MAX && (buf = malloc((size_t)st.st_size + 1)) &&
            pread(fd, buf, (size_t)st.st_size, 0) == st.st_size)
                r = parse(l, buf, (size_t)st.st_size);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                /* Read as empty: the next change rewrites it. */
                vgpu_quarantine_clear_all(l);
                if (l->lock_fd >= 0)
                        vgpu_warn(l->root, "%s/%s is damaged: read as no quarantine", VGPU_LEDGER_DIR, QUARANTINE_FILE);
        }
        return 0;
}

static json_t *entry_json(const struct vgpu_quarantine *q, bool with_device)
{
        return json_pack("{s:s?, s:s, s:s, s:s, s:I}", "device", with_device ? q->device : NULL, "kind",
                         vgpu_device_kind_name(q->kind), "cause", vgpu_quarantine_cause_name(q->cause), "reason",
                         q->reason, "since", (json_int_t)q->since);
}

int vgpu_quarantine_write(struct vgpu_ledger *l)
{
        _cleanup_json_ json_t *devices = json_object(), *doc = NULL;
        _cleanup_free_ char *text = NULL;

        if (!l->quarantine_changed)
                return 0;
        for (size_t i = 0; devices && i < l->n_quarantined; i++)
                if (json_object_set_new(devices, l->quarantined[i].device, entry_json(&l->quarantined[i], false)) < 0)
                        return -ENOMEM;
        doc = devices ? json_pack("{s:i, s:O, s:o}", "version", 1, "devices", devices, "crashes",
                                  l->crashes ? json_incref(l->crashes) : json_object())
                      : NULL;
        text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
        if (!text)
                return -ENOMEM;
        return vgpu_ledger_write_file(l, QUARANTINE_FILE, text);
}

json_t *vgpu_quarantine_json(const struct vgpu_ledger *l)
{
        json_t *out = json_array();

        for (size_t i = 0; out && l && i < l->n_quarantined; i++)
                if (json_array_append_new(out, entry_json(&l->quarantined[i], true)) < 0) {
                        json_decref(out);
                        return NULL;
                }
        return out;
}
