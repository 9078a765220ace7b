/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * make check-cluster: libvirt raises a QEMU's RLIMIT_MEMLOCK for a VFIO
 * device (guest RAM + 1 GiB), which needs CAP_SYS_RESOURCE that a CI
 * container lacks.  The test's QEMU gets no VFIO device (the mdev is
 * simulated), so the limit does not matter: a raise above the hard limit
 * is clamped to it, as if the kernel had granted it.  Preloaded into the
 * test's libvirtd only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

static void clamp(int resource, const struct rlimit *want, struct rlimit *got, pid_t pid)
{
        struct rlimit now;

        *got = *want;
        if (resource != RLIMIT_MEMLOCK || prlimit(pid, RLIMIT_MEMLOCK, NULL, &now) < 0)
                return;
        if (got->rlim_max > now.rlim_max)
                got->rlim_max = now.rlim_max;
        if (got->rlim_cur > got->rlim_max)
                got->rlim_cur = got->rlim_max;
}

int prlimit(pid_t pid, enum __rlimit_resource resource, const struct rlimit *new_limit, struct rlimit *old_limit)
{
        static int (*real)(pid_t, enum __rlimit_resource, const struct rlimit *, struct rlimit *);
        struct rlimit clamped;

        if (!real)
                real = (int (*)(pid_t, enum __rlimit_resource, const struct rlimit *, struct rlimit *))dlsym(RTLD_NEXT,
                                                                                                             "prlimit");
        if (new_limit && resource == RLIMIT_MEMLOCK) {
                clamp(resource, new_limit, &clamped, pid);
                new_limit = &clamped;
        }
        return real(pid, resource, new_limit, old_limit);
}

int setrlimit(enum __rlimit_resource resource, const struct rlimit *rlim)
{
        struct rlimit clamped;

        if (resource != RLIMIT_MEMLOCK)
                return prlimit(0, resource, rlim, NULL);
        clamp(resource, rlim, &clamped, 0);
        return prlimit(0, resource, &clamped, NULL);
}

/* libvirt is built with 64-bit file offsets: it calls the same by their 64-bit names */
int prlimit64(pid_t pid, enum __rlimit_resource resource, const struct rlimit64 *new_limit, struct rlimit64 *old_limit)
{
        return prlimit(pid, resource, (const struct rlimit *)new_limit, (struct rlimit *)old_limit);
}

int setrlimit64(enum __rlimit_resource resource, const struct rlimit64 *rlim)
{
        return setrlimit(resource, (const struct rlimit *)rlim);
}
