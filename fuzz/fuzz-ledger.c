/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lease ledger, /run/vgpu-hook/ledger.json: parsed, then written back
 * as a commit would and read again, which must give the same leases.
 */
#include "config.h"

#include "fuzz.h"

static struct vgpu_ledger *ledger_new(void)
{
        struct vgpu_ledger *l = calloc(1, sizeof(*l));

        if (!l)
                abort();
        l->dir_fd = l->lock_fd = -1;
        return l;
}

static bool same_string(const char *a, const char *b)
{
        return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_lease(const struct vgpu_lease *a, const struct vgpu_lease *b)
{
        return strcmp(a->domain_uuid, b->domain_uuid) == 0 && same_string(a->domain_name, b->domain_name) &&
               a->state == b->state && a->kind == b->kind && same_string(a->device, b->device) &&
               same_string(a->parent, b->parent) && same_string(a->type, b->type) &&
               same_string(a->profile, b->profile) && a->created == b->created && a->hook.pid == b->hook.pid &&
               a->hook.start == b->hook.start && a->libvirtd.pid == b->libvirtd.pid &&
               a->libvirtd.start == b->libvirtd.start && a->qemu_pid == b->qemu_pid && a->since == b->since;
}

static void round_trip(const struct vgpu_ledger *l)
{
        struct vgpu_ledger *again = ledger_new();
        struct vgpu_error err = {0};
        _cleanup_free_ char *text = vgpu_ledger_to_json(l);

        FUZZ_ASSERT(text);
        FUZZ_ASSERT(vgpu_ledger_parse_json(again, text, strlen(text), &err) == 0);
        FUZZ_ASSERT(again->n_leases == l->n_leases);
        for (size_t i = 0; i < l->n_leases; i++)
                FUZZ_ASSERT(same_lease(&l->leases[i], &again->leases[i]));
        vgpu_ledger_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct vgpu_ledger *l = ledger_new();
        struct vgpu_error err = {0};
        int r = vgpu_ledger_parse_json(l, (const char *)data, size, &err);

        if (r < 0 && r != -ENOMEM)
                fuzz_check_error(&err);
        if (r >= 0)
                round_trip(l);
        vgpu_ledger_free(l);
        return 0;
}
