/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl attach --live: hot-plug runs no hook (docs/design.md §2.2), so vgpuctl does
 * what prepare would: reserve a lease under the ledger lock, create the mdev
 * outside it, record it, and only then ask libvirt to attach it.  If libvirt
 * refuses, the mdev is removed and the lease dropped again.  The lock is
 * never held across a libvirt call.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vgpuctl-libvirt.h"
#include "vgpuctl.h"

struct live {
        const struct vgpuctl_live_target *t;
        struct vgpuctl_state st; /* host and config; its ledger snapshot is not used */
        struct vgpu_profile *prof;
        struct vgpu_placement *pl; /* made under the lock, on st.host */
        struct vgpu_claim *claim;  /* the mdev's lease, once reserved */
        char uuid[VGPU_UUID_STRLEN];
        const char *parent, *type_id, *type_name;
};

int vgpuctl_ledger_lock(const struct vgpuctl_state *st, struct vgpu_ledger **ret)
{
        struct vgpu_error err = {0};
        char where[512];
        int r = vgpu_ledger_lock(st->root, (int)st->config->lock_wait_ms, ret, &err);

        if (r < 0)
                return vgpuctl_fail("the lease ledger is unusable: %s", vgpu_error_format(&err, where, sizeof(where)));
        return VGPUCTL_OK;
}

void vgpuctl_lease_init(const struct vgpuctl_state *st, const struct vgpu_domain *dom, struct vgpu_lease *lease)
{
        memset(lease, 0, sizeof(*lease));
        memcpy(lease->domain_uuid, dom->uuid, sizeof(lease->domain_uuid));
        lease->domain_name = dom->name;
        vgpu_proc_id_of(st->root, getpid(), &lease->hook);
        lease->since = (long long)time(NULL);
}

/* The next name-based UUID that neither the live XML nor the definition names. */
static int next_uuid(struct live *l)
{
        const struct vgpu_domain *live = l->t->live, *config = l->t->config;

        for (unsigned i = vgpu_domain_next_mdev_index(live);; i++) {
                if (vgpu_mdev_uuid_for(live->uuid, i, l->uuid) < 0)
                        return vgpuctl_fail("out of memory");
                if (!vgpu_domain_find_mdev(live, l->uuid) && (!config || !vgpu_domain_find_mdev(config, l->uuid)))
                        return VGPUCTL_OK;
        }
}

/* NVIDIA: one vGPU of a VM per physical GPU; the VM's present mdevs take theirs. */
static int taken_gpus(const struct live *l, const char ***ret, size_t *ret_n)
{
        const struct vgpu_domain *dom = l->t->live;
        const char **taken = calloc(dom->n_hostdevs + 1, sizeof(*taken));
        size_t n = 0;

        if (!taken)
                return -ENOMEM;
        for (size_t i = 0; i < dom->n_hostdevs; i++) {
                const struct vgpu_mdev *m = dom->hostdevs[i].kind == VGPU_HOSTDEV_MDEV
                                                    ? vgpu_host_find_mdev(l->st.host, dom->hostdevs[i].uuid)
                                                    : NULL;
                const struct vgpu_mdev_parent *p = m && m->parent ? vgpu_host_find_parent(l->st.host, m->parent) : NULL;

                if (p)
                        taken[n++] = p->physical;
        }
        *ret = taken;
        *ret_n = n;
        return 0;
}

static int place(struct live *l, const struct vgpu_ledger *ledger)
{
        struct vgpu_mdev_request req = vgpuctl_mdev_request(l->prof);
        _cleanup_free_ const char **taken = NULL;
        int r = taken_gpus(l, &taken, &req.n_taken);

        req.taken_physical = taken;
        if (r == 0)
                r = vgpu_place_mdev(l->st.host, l->st.config, ledger, l->t->live, &req, &l->pl);
        if (r < 0)
                return vgpuctl_fail("out of memory");
        if (!l->pl->n_usable)
                return vgpuctl_fail("profile %s: no parent has room (%s%s%s)", l->prof->name,
                                    l->pl->n ? vgpu_fit_reason(l->pl->candidates[0].fit) : "none offers its type",
                                    l->pl->n && *l->pl->candidates[0].detail ? ": " : "",
                                    l->pl->n ? l->pl->candidates[0].detail : "");
        return VGPUCTL_OK;
}

/* The pending lease of the mdev, to be claimed. */
static int claim_new(struct live *l)
{
        struct vgpu_lease lease;

        l->claim = vgpu_claim_new(l->st.root, (int)l->st.config->lock_wait_ms);
        if (!l->claim)
                return -ENOMEM;
        vgpuctl_lease_init(&l->st, l->t->live, &lease);
        lease.kind = VGPU_DEVICE_MDEV;
        lease.device = l->uuid;
        lease.parent = l->pl->candidates[0].parent->name;
        lease.type = l->pl->candidates[0].type->id;
        lease.profile = l->prof->name;
        lease.created = true;
        return vgpu_claim_add(l->claim, &lease) ? 0 : -ENOMEM;
}

/* Under the lock: read the host afresh, place, and reserve a pending lease. */
static int reserve(struct live *l)
{
        struct vgpu_ledger *ledger = NULL;
        int r = vgpuctl_ledger_lock(&l->st, &ledger);

        if (r == VGPUCTL_OK) {
                vgpu_host_free(l->st.host);
                l->st.host = NULL;
                r = vgpuctl_load_host(l->t->ctx, &l->st.host);
        }
        if (r == VGPUCTL_OK && vgpu_ledger_find(ledger, VGPU_DEVICE_MDEV, l->uuid))
                r = vgpuctl_fail("mdev %s is leased already; see 'vgpuctl leases'", l->uuid);
        if (r == VGPUCTL_OK)
                r = place(l, ledger);
        if (r == VGPUCTL_OK && (claim_new(l) < 0 || vgpu_claim_reserve(l->claim, ledger) < 0))
                r = vgpuctl_fail("cannot write the lease ledger");
        vgpu_ledger_free(ledger);
        return r;
}

/* The claim's apply step, outside the lock: the first parent with room left takes it (others may have raced us). */
static int create(void *data, size_t i, struct vgpu_claim_device *d)
{
        struct live *l = data;
        int r = -ENOSPC;

        (void)i;
        for (size_t k = 0; k < l->pl->n_usable && (r == -ENOSPC || r == -EUSERS); k++) {
                const struct vgpu_candidate *c = &l->pl->candidates[k];

                r = vgpu_mdev_create(l->st.root, c->parent->name, c->type->id, l->uuid, l->prof->attrs,
                                     l->prof->n_attrs, NULL);
                if (r == 0) {
                        l->parent = c->parent->name;
                        l->type_id = c->type->id;
                        l->type_name = c->type->name ? c->type->name : c->type->id;
                }
        }
        if (r == 0) {
                d->made = true;
                r = vgpu_claim_device_place(d, l->parent, l->type_id);
        }
        if (r < 0)
                vgpuctl_fail("cannot create mdev %s: %s", l->uuid, strerror(-r));
        return r;
}

/* Under the lock: where it went; active with the domain's QEMU when one is found. */
static int commit(struct live *l)
{
        pid_t qemu = vgpu_find_qemu(l->st.root, l->t->live->uuid);
        int r = vgpu_claim_commit(l->claim, qemu > 0 ? VGPU_LEASE_ACTIVE : VGPU_LEASE_PREPARED, qemu);

        if (r == -ESTALE)
                return vgpuctl_fail("the lease of mdev %s vanished from the ledger", l->uuid);
        if (r < 0)
                return vgpuctl_fail("cannot write the lease ledger: %s", strerror(-r));
        return VGPUCTL_OK;
}

/* Undo: remove what was created; drop the lease, or leave it releasing if the device stays. */
static void undo(struct live *l)
{
        int r = vgpu_claim_rollback(l->claim);

        if (l->claim->devices[0].result < 0)
                fprintf(stderr,
                        "vgpuctl: cannot remove mdev %s again (%s): its lease stays, releasing, for "
                        "'vgpuctl reconcile'\n",
                        l->uuid, strerror(-l->claim->devices[0].result));
        if (r < 0)
                fprintf(stderr, "vgpuctl: cannot write the lease ledger\n");
}

static int hostdev_xml(const struct live *l, char *buf, size_t size)
{
        const struct vgpu_mdev_type *t = vgpu_host_find_type(l->st.host, l->parent, l->type_id);
        const char *model = t && t->device_api ? t->device_api : "vfio-pci";

        if (strspn(model, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(model))
                return vgpuctl_fail("type %s has an odd device_api '%s'", l->type_id, model);
        snprintf(buf, size,
                 "<hostdev mode='subsystem' type='mdev' model='%s'%s><source><address uuid='%s'/></source></hostdev>",
                 model, strcmp(model, "vfio-pci") == 0 ? " display='off'" : "", l->uuid);
        return VGPUCTL_OK;
}

static int attach(struct live *l)
{
        char xml[512], msg[512];
        int r = hostdev_xml(l, xml, sizeof(xml));

        if (r == VGPUCTL_OK && l->t->virt->ops->attach_live(l->t->virt->conn, l->t->domain, xml, msg, sizeof(msg)) < 0)
                r = vgpuctl_fail("libvirt refused to attach mdev %s to '%s' (%s); it was removed again and its lease "
                                 "dropped",
                                 l->uuid, l->t->domain, msg);
        return r;
}

static int attach_mdev(struct live *l)
{
        int r = next_uuid(l);

        if (r == VGPUCTL_OK)
                r = reserve(l);
        if (r != VGPUCTL_OK)
                return r;
        r = vgpu_claim_apply(l->claim, create, l) < 0 ? VGPUCTL_FAILED : VGPUCTL_OK;
        if (r == VGPUCTL_OK)
                r = commit(l);
        if (r == VGPUCTL_OK)
                r = attach(l);
        if (r != VGPUCTL_OK)
                undo(l);
        else
                printf("attached mdev %s (profile %s, %s on %s) to %s\n", l->uuid, l->prof->name, l->type_name,
                       l->parent, l->t->domain);
        return r;
}

int vgpuctl_attach_live(const struct vgpuctl_live_target *t, const char *profile)
{
        struct live l = {.t = t};
        int r = vgpuctl_state_load(t->ctx, &l.st);

        if (r == VGPUCTL_OK)
                r = vgpuctl_profile_load(&l.st, profile, &l.prof);
        if (r == VGPUCTL_OK && l.prof->kind != VGPU_PROFILE_MDEV)
                r = vgpuctl_fail("profile %s: live attach is for vGPUs (mdev profiles); attach a VF or GPU with "
                                 "--config and restart the domain",
                                 profile);
        if (r == VGPUCTL_OK)
                r = attach_mdev(&l);
        vgpu_claim_free(l.claim);
        vgpu_placement_free(l.pl);
        vgpu_profile_free(l.prof);
        vgpuctl_state_clear(&l.st);
        return r;
}
