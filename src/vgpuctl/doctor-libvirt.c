/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpuctl doctor: libvirt's side — the hook where libvirt looks, and what confines it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doctor.h"

/* Where libvirt looks (its sysconfdir is /etc on every distribution we know). */
#define HOOKS_DIR   "/etc/libvirt/hooks"
#define HOOK_QEMU_D HOOKS_DIR "/qemu.d"
#define HOOK_NAME   "vgpu-hook"

static bool named_ours(const char *path)
{
        const char *base = strrchr(path, '/');

        return strcmp(base ? base + 1 : path, HOOK_NAME) == 0;
}

/*
 * @path is our hook when it, or the link's target, is called vgpu-hook: 1
 * when it is not; else 0 when what it leads to (inside the root) is an
 * executable file, or why not.
 */
static int hook_usable(const struct doctor *d, const char *path, char *target, size_t size)
{
        _cleanup_free_ char *link = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;

        *target = '\0';
        if (vgpu_root_read_link(d->root, path, &link) >= 0)
                snprintf(target, size, "%s", link);
        if (!named_ours(path) && !(*target && named_ours(target)))
                return 1;
        fd = vgpu_root_open(d->root, path, O_PATH);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EISDIR;
        return st.st_mode & 0111 ? 0 : -EACCES;
}

/* The first entry of qemu.d (or the qemu script itself) that is ours; its result. */
static int find_hook(const struct doctor *d, char *path, size_t psize, char *target, size_t tsize)
{
        char **names = NULL;
        int r = 1, n = vgpu_root_list_dir(d->root, HOOK_QEMU_D, &names);

        for (int i = 0; i < n && r == 1; i++) {
                snprintf(path, psize, "%s/%s", HOOK_QEMU_D, names[i]);
                r = hook_usable(d, path, target, tsize);
        }
        vgpu_strv_free(names);
        if (r == 1) {
                snprintf(path, psize, "%s/qemu", HOOKS_DIR);
                r = hook_usable(d, path, target, tsize);
        }
        return r;
}

void doctor_hook(const struct doctor *d, struct doctor_result *res)
{
        char path[512], target[512];
        int r = find_hook(d, path, sizeof(path), target, sizeof(target));

        if (r == 0) {
                doctor_set(res, DOCTOR_OK, "hook installed: %s%s%s", path, *target ? " -> " : "", target);
                return;
        }
        if (r == 1)
                doctor_set(res, DOCTOR_FAIL, "hook not installed: no %s in %s", HOOK_NAME, HOOK_QEMU_D);
        else
                doctor_set(res, DOCTOR_FAIL, "hook %s%s%s is not usable: %s", path, *target ? " -> " : "", target,
                           r == -ENOENT   ? "its target does not exist"
                           : r == -EACCES ? "not executable"
                                          : strerror(-r));
        doctor_fix(res,
                   "ln -sf %s/%s %s/%s, then systemctl reload libvirtd (libvirt reads its hooks at start and "
                   "on SIGHUP)",
                   SBINDIR, HOOK_NAME, HOOK_QEMU_D, HOOK_NAME);
}

/* A loaded AppArmor profile for our hook: "/usr/sbin/vgpu-hook (enforce)"; its mode into @mode. */
static bool apparmor_profile(const char *profiles, char *mode, size_t size)
{
        _cleanup_free_ char *copy = strdup(profiles);

        for (char *save = NULL, *l = copy ? strtok_r(copy, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
                char *paren = strrchr(l, '(');

                if (!paren || paren == l)
                        continue;
                paren[-1] = '\0';
                if (named_ours(l)) {
                        snprintf(mode, size, "%.*s", (int)strcspn(paren + 1, ")"), paren + 1);
                        return true;
                }
        }
        return false;
}

static void apparmor(const struct doctor *d, struct doctor_result *res)
{
        _cleanup_free_ char *profiles = NULL;
        char mode[32];
        int r = vgpu_root_read_file(d->root, "/sys/kernel/security/apparmor/profiles", 4 << 20, &profiles);

        if (r < 0) {
                doctor_set(res, DOCTOR_FAIL, "AppArmor is on, but its profile list cannot be read: %s", strerror(-r));
                doctor_fix(res, "run vgpuctl doctor as root");
                return;
        }
        if (apparmor_profile(profiles, mode, sizeof(mode))) {
                doctor_set(res, DOCTOR_OK, "AppArmor profile for %s loaded (%s)", HOOK_NAME, mode);
                return;
        }
        doctor_set(res, DOCTOR_FAIL,
                   "AppArmor is on and no profile for %s is loaded: libvirtd runs it unconfined "
                   "(its rule /usr/sbin/* PUx)",
                   HOOK_NAME);
        doctor_fix(res, "apparmor_parser -r /etc/apparmor.d/usr.sbin.vgpu-hook (installed with vgpu-hook)");
}

static void selinux(const struct doctor *d, struct doctor_result *res, const char *enforce)
{
        _cleanup_free_ char *boolean = NULL;
        bool enforcing = strcmp(enforce, "1") == 0;
        int r = vgpu_root_read_attr(d->root, "/sys/fs/selinux/booleans/virt_hooks_unconfined", &boolean);
        bool on = r >= 0 && boolean[0] == '1';

        if (!enforcing || on) {
                doctor_set(res, DOCTOR_OK, "SELinux %s, virt_hooks_unconfined %s",
                           enforcing ? "enforcing" : "permissive",
                           r < 0 ? "absent"
                           : on  ? "on"
                                 : "off");
                return;
        }
        doctor_set(res, DOCTOR_FAIL,
                   "SELinux enforcing and virt_hooks_unconfined %s: libvirt's daemon may not run the "
                   "hook (virt_hook_t) with what it needs",
                   r < 0 ? "absent from the policy" : "off");
        doctor_fix(res, "setsebool -P virt_hooks_unconfined on (virtqemud and libvirtd each need it; see the README)");
}

void doctor_confinement(const struct doctor *d, struct doctor_result *res)
{
        _cleanup_free_ char *enforce = NULL;

        if (vgpu_root_exists(d->root, "/sys/kernel/security/apparmor")) {
                apparmor(d, res);
                return;
        }
        if (vgpu_root_read_attr(d->root, "/sys/fs/selinux/enforce", &enforce) >= 0) {
                selinux(d, res, enforce);
                return;
        }
        doctor_set(res, DOCTOR_OK, "no AppArmor or SELinux: nothing confines the hook");
}
