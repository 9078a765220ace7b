/* vgpu-invariants BASELINE: check the invariants of issue 10 on the ledger
 * and the host under $VGPU_HOOK_ROOT, after a fault.  BASELINE lists the
 * mdev UUIDs that were there before the test (devices the tool did not
 * create), one a line.  Per lease state:
 *   - the ledger can be read (no fault leaves it corrupt);
 *   - every mdev the tool created (present now, not in BASELINE) has a
 *     lease saying it created it — so release or reconcile will free it;
 *   - no prepared or active lease points at a missing device (a pending one
 *     names a device still to be made; a releasing one may be gone);
 *   - every mdev of BASELINE is still there, and no lease claims it as created.
 * The same for NVIDIA vendor-VFIO VFs (BASELINE may list VF addresses that
 * had a vGPU type before): every VF with a type the tool set has a lease
 * saying so; no prepared or active VF lease the tool typed points at a VF
 * without a type; a VF typed before keeps its type.
 * A ledger damaged on purpose (issue 25): with $VGPU_INVARIANTS_ADOPTABLE
 * (mdev UUIDs a running domain's XML names as ours) the ledger may still be
 * damaged, and while it is damaged or rebuilt those mdevs may lack a lease:
 * their domain's next hook adopts them.  Without it a damaged ledger is a
 * violation.
 * Prints one line per violation and exits 1, else "ok …" and exits 0. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "vgpuhook.h"

static int violations;

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        violations++;
}

static bool listed(char **list, const char *uuid)
{
        for (char **p = list; p && *p; p++)
                if (strcmp(*p, uuid) == 0)
                        return true;
        return false;
}

/* BASELINE's UUIDs as a NULL-terminated list. */
static char **read_baseline(const char *path)
{
        FILE *f = fopen(path, "re");
        char **list = calloc(1, sizeof(char *)), line[128];
        size_t n = 0;

        while (f && list && fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                if (!*line)
                        continue;
                list = reallocarray(list, n + 2, sizeof(char *));
                if (list) {
                        list[n++] = strdup(line);
                        list[n] = NULL;
                }
        }
        if (f)
                fclose(f);
        return list;
}

static void check_leases(const struct vgpu_root *root, const struct vgpu_ledger *l, char **baseline)
{
        for (size_t i = 0; i < l->n_leases; i++) {
                const struct vgpu_lease *x = &l->leases[i];
                char path[128];

                snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", x->device);
                if (x->kind != VGPU_DEVICE_MDEV)
                        continue;
                if ((x->state == VGPU_LEASE_PREPARED || x->state == VGPU_LEASE_ACTIVE) && !vgpu_root_exists(root, path))
                        violation("the %s lease of domain %s points at mdev %s, which is missing",
                                  vgpu_lease_state_name(x->state), x->domain_uuid, x->device);
                if (x->created && listed(baseline, x->device))
                        violation("a lease of domain %s claims it created mdev %s, which was there before",
                                  x->domain_uuid, x->device);
        }
}

/* Is @uuid one of $VGPU_INVARIANTS_ADOPTABLE? */
static bool adoptable(const char *uuid)
{
        const char *list = getenv("VGPU_INVARIANTS_ADOPTABLE");
        const char *hit = list ? strstr(list, uuid) : NULL;

        return hit && (hit == list || hit[-1] == ' ') && (hit[strlen(uuid)] == ' ' || !hit[strlen(uuid)]);
}

static void check_devices(struct vgpu_ledger *l, char **present, char **baseline)
{
        bool rebuilt = l->damage[0] || vgpu_ledger_rebuilt(l);

        for (char **p = present; *p; p++) {
                const struct vgpu_lease *x = vgpu_ledger_find(l, VGPU_DEVICE_MDEV, *p);

                if (!x && rebuilt && adoptable(*p))
                        continue;
                if (!listed(baseline, *p) && (!x || !x->created))
                        violation("mdev %s was created by the tool, but %s", *p,
                                  x ? "its lease says it was not" : "no lease holds it");
        }
        for (char **b = baseline; *b; b++)
                if (!listed(present, *b))
                        violation("mdev %s, which the tool did not create, was removed", *b);
}

/* Vendor-VFIO VFs: types we set have leases; types set before stay. */
static void check_vfs(struct vgpu_root *root, struct vgpu_ledger *l, char **baseline)
{
        struct vgpu_host *host = NULL;

        if (vgpu_host_load(root, &host) < 0) {
                violation("the host cannot be read");
                return;
        }
        for (size_t i = 0; i < host->n_pci; i++) {
                const struct vgpu_pci_dev *d = &host->pci[i];
                const struct vgpu_lease *x = vgpu_ledger_find(l, VGPU_DEVICE_VF, d->name);
                bool typed = d->nvidia_vfio && d->nvidia_current_type != 0, before = listed(baseline, d->name);

                if (typed && !before && (!x || !x->created))
                        violation("VF %s was given a vGPU type by the tool, but %s", d->name,
                                  x ? "its lease says it was not" : "no lease holds it");
                if (!typed && before)
                        violation("VF %s lost the vGPU type it had before", d->name);
                if (!typed && x && x->created && (x->state == VGPU_LEASE_PREPARED || x->state == VGPU_LEASE_ACTIVE))
                        violation("the %s lease of domain %s typed VF %s, which has no type",
                                  vgpu_lease_state_name(x->state), x->domain_uuid, d->name);
        }
        vgpu_host_free(host);
}

int main(int argc, char *argv[])
{
        _cleanup_strv_ char **baseline = NULL, **present = NULL;
        struct vgpu_root *root = NULL;
        struct vgpu_ledger *l = NULL;
        struct vgpu_error err = {0};
        char where[512];
        int n;

        if (argc != 2) {
                fputs("usage: VGPU_HOOK_ROOT=DIR vgpu-invariants BASELINE\n", stderr);
                return 2;
        }
        baseline = read_baseline(argv[1]);
        if (!baseline || vgpu_root_new(NULL, &root) < 0)
                return 2;
        n = vgpu_root_list_dir(root, "/sys/bus/mdev/devices", &present);
        if (n < 0 && !(present = calloc(1, sizeof(char *))))
                return 2;
        if (vgpu_ledger_read(root, &l, &err) < 0) {
                violation("the ledger is unusable: %s", vgpu_error_format(&err, where, sizeof(where)));
        } else {
                if (l->damage[0] && !getenv("VGPU_INVARIANTS_ADOPTABLE"))
                        violation("the ledger is damaged: %s", l->damage);
                check_leases(root, l, baseline);
                check_devices(l, present, baseline);
                check_vfs(root, l, baseline);
        }
        if (!violations)
                printf("ok: %zu leases, %d mdevs\n", l ? l->n_leases : 0, n < 0 ? 0 : n);
        vgpu_ledger_free(l);
        vgpu_root_unref(root);
        return violations ? 1 : 0;
}
