/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Leases as JSON: {"version": 1, "leases": [ … ]}, strictly checked on read. */
#include "config.h"

#include <string.h>

#include "vgpuhook-private.h"

static const char *const state_names[] = {
        [VGPU_LEASE_PENDING] = "pending",
        [VGPU_LEASE_PREPARED] = "prepared",
        [VGPU_LEASE_ACTIVE] = "active",
        [VGPU_LEASE_RELEASING] = "releasing",
};

static const char *const kind_names[] = {
        [VGPU_DEVICE_MDEV] = "mdev",
        [VGPU_DEVICE_VF] = "vf",
        [VGPU_DEVICE_PCI] = "pci",
};

const char *vgpu_lease_state_name(enum vgpu_lease_state state)
{
        return (size_t)state < ARRAY_SIZE(state_names) ? state_names[state] : "?";
}

const char *vgpu_device_kind_name(enum vgpu_device_kind kind)
{
        return (size_t)kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : "?";
}

static int lookup(const char *const *names, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(names[i], s) == 0)
                        return (int)i;
        return -1;
}

static json_t *proc_json(const struct vgpu_proc_id *id)
{
        return json_pack("{s:I, s:I}", "pid", (json_int_t)id->pid, "start", (json_int_t)id->start);
}

static json_t *lease_json(const struct vgpu_lease *l)
{
        /* s*: a NULL string leaves the key out, as the reader's s? expects */
        return json_pack("{s:s, s:s*, s:s, s:s, s:s, s:s*, s:s*, s:s*, s:b, s:o, s:o, s:I, s:I}", "domain_uuid",
                         l->domain_uuid, "domain_name", l->domain_name, "state", vgpu_lease_state_name(l->state),
                         "kind", vgpu_device_kind_name(l->kind), "device", l->device, "parent", l->parent, "type",
                         l->type, "profile", l->profile, "created", l->created, "hook", proc_json(&l->hook), "libvirtd",
                         proc_json(&l->libvirtd), "qemu_pid", (json_int_t)l->qemu_pid, "since", (json_int_t)l->since);
}

char *vgpu_ledger_to_json(const struct vgpu_ledger *l)
{
        _cleanup_json_ json_t *leases = json_array(), *doc = NULL;

        for (size_t i = 0; leases && i < l->n_leases; i++)
                if (json_array_append_new(leases, lease_json(&l->leases[i])) < 0)
                        return NULL;
        doc = json_pack("{s:i, s:O}", "version", VGPU_LEDGER_VERSION, "leases", leases);
        return doc ? json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
}

static int bad(struct vgpu_error *err, size_t i, const char *what)
{
        return vgpu_error_set(err, EBADMSG, VGPU_LEDGER_FILE, 0, 0, "lease %zu: %s", i, what);
}

static int proc_from_json(json_t *j, struct vgpu_proc_id *id)
{
        json_int_t pid, start;

        if (json_unpack(j, "{s:I, s:I !}", "pid", &pid, "start", &start) < 0 || pid < 0 || pid > INT32_MAX || start < 0)
                return -EBADMSG;
        id->pid = (pid_t)pid;
        id->start = (unsigned long long)start;
        return 0;
}

/* Strings are copied by vgpu_ledger_add(); here they point into @j. */
static int lease_from_json(json_t *j, struct vgpu_lease *l, size_t i, struct vgpu_error *err)
{
        const char *uuid, *state, *kind;
        json_t *hook, *libvirtd;
        json_int_t qemu, since;
        int created, s, k;

        if (json_unpack(j, "{s:s, s?s, s:s, s:s, s:s, s?s, s?s, s?s, s:b, s:o, s:o, s:I, s:I !}", "domain_uuid", &uuid,
                        "domain_name", &l->domain_name, "state", &state, "kind", &kind, "device", &l->device, "parent",
                        &l->parent, "type", &l->type, "profile", &l->profile, "created", &created, "hook", &hook,
                        "libvirtd", &libvirtd, "qemu_pid", &qemu, "since", &since) < 0)
                return bad(err, i, "missing, extra or mistyped fields");
        s = lookup(state_names, ARRAY_SIZE(state_names), state);
        k = lookup(kind_names, ARRAY_SIZE(kind_names), kind);
        if (s < 0 || k < 0 || vgpu_uuid_normalize(uuid, l->domain_uuid) < 0 || qemu < 0 || qemu > INT32_MAX)
                return bad(err, i, "bad state, kind, domain UUID or pid");
        if (proc_from_json(hook, &l->hook) < 0 || proc_from_json(libvirtd, &l->libvirtd) < 0)
                return bad(err, i, "bad process identity");
        l->state = (enum vgpu_lease_state)s;
        l->kind = (enum vgpu_device_kind)k;
        l->created = created;
        l->qemu_pid = (pid_t)qemu;
        l->since = since;
        return 0;
}

static bool device_valid(const struct vgpu_lease *l)
{
        char uuid[VGPU_UUID_STRLEN];
        struct vgpu_pci_addr addr;

        if (l->kind == VGPU_DEVICE_MDEV)
                return vgpu_uuid_normalize(l->device, uuid) == 0 && strcmp(uuid, l->device) == 0;
        return vgpu_pci_addr_parse(l->device, &addr) == 0;
}

static int parse_leases(struct vgpu_ledger *ledger, const char *text, size_t len, struct vgpu_error *err)
{
        _cleanup_json_ json_t *doc = NULL;
        json_error_t jerr;
        json_t *leases, *j;
        json_int_t version;
        size_t i;

        doc = vgpu_json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc && vgpu_json_error_is_oom(&jerr))
                return vgpu_error_set(err, ENOMEM, VGPU_LEDGER_FILE, 0, 0, "out of memory");
        if (!doc)
                return vgpu_error_set(err, EBADMSG, VGPU_LEDGER_FILE, jerr.line, jerr.column, "%s", jerr.text);
        if (json_unpack(doc, "{s:I, s:o !}", "version", &version, "leases", &leases) < 0 || !json_is_array(leases))
                return vgpu_error_set(err, EBADMSG, VGPU_LEDGER_FILE, 0, 0, "not a vgpu-hook ledger");
        if (version > VGPU_LEDGER_VERSION)
                return vgpu_error_set(err, EPROTONOSUPPORT, VGPU_LEDGER_FILE, 0, 0,
                                      "version %lld is newer than this vgpu-hook (%d)", (long long)version,
                                      VGPU_LEDGER_VERSION);
        if (version < 1)
                return vgpu_error_set(err, EBADMSG, VGPU_LEDGER_FILE, 0, 0, "bad version");
        json_array_foreach(leases, i, j)
        {
                struct vgpu_lease l = {0};
                int r = lease_from_json(j, &l, i, err);

                if (r < 0)
                        return r;
                if (!device_valid(&l) || vgpu_ledger_find(ledger, l.kind, l.device))
                        return bad(err, i, "bad or duplicate device");
                if (!vgpu_ledger_append(ledger, &l))
                        return vgpu_error_set(err, ENOMEM, VGPU_LEDGER_FILE, 0, 0, "out of memory");
        }
        return 0;
}

int vgpu_ledger_parse_json(struct vgpu_ledger *ledger, const char *text, size_t len, struct vgpu_error *err)
{
        int r;

        vgpu_json_oom_reset();
        r = parse_leases(ledger, text, len, err);
        /* json_unpack() says nothing of memory: what it refused may be fine. */
        if (r < 0 && vgpu_json_oom_seen())
                return vgpu_error_set(err, ENOMEM, VGPU_LEDGER_FILE, 0, 0, "out of memory");
        return r;
}
