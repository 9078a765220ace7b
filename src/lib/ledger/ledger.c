/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ledger file: locking with a bounded wait, safe state-file handling
 * (0700 dir, 0600 files, owned by us, never through a symlink), atomic
 * replacement.  The JSON form of leases is in ledger-json.c.  A ledger
 * that cannot be parsed is damage, not a reason to refuse VMs: whoever locks
 * it first moves it aside (kept, named with the time) and starts afresh; the
 * leases are rebuilt from the running domains (lease-adopt.c).
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "vgpuhook-private.h"

#define LOCK_POLL_NS (5 * 1000 * 1000)

/* Open /run/vgpu-hook, creating it when @create; who may use it: ledger-access.c. */
static int open_dir(const struct vgpu_root *root, bool create, struct vgpu_error *err)
{
        _cleanup_close_ int run = vgpu_root_open(root, "/run", O_PATH | O_DIRECTORY);
        int fd, r;

        if (run < 0)
                return vgpu_ledger_open_error(-run, "/run", err);
        if (create && mkdirat(run, "vgpu-hook", 0700) < 0 && errno != EEXIST)
                return vgpu_ledger_open_error(errno, VGPU_LEDGER_DIR, err);
        fd = openat(run, "vgpu-hook", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT && !create ? -ENOENT : vgpu_ledger_open_error(errno, VGPU_LEDGER_DIR, err);
        r = vgpu_ledger_check_access(fd, true, create, VGPU_LEDGER_DIR, err);
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

static long long now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int take_lock(int fd, int wait_ms)
{
        const struct timespec poll = {0, LOCK_POLL_NS};
        long long deadline = now_ns() + (long long)wait_ms * 1000000;

        /* Poll rather than block: a stopped or hung holder must not hang libvirt. */
        for (;;) {
                if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                        return 0;
                if (errno != EWOULDBLOCK && errno != EINTR)
                        return -errno;
                if (now_ns() >= deadline)
                        return -ETIMEDOUT;
                nanosleep(&poll, NULL);
        }
}

static int open_lock(int dir_fd, struct vgpu_error *err)
{
        int fd = openat(dir_fd, "ledger.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        int r;

        if (fd < 0)
                return vgpu_ledger_open_error(errno, VGPU_LEDGER_LOCK, err);
        r = vgpu_ledger_check_access(fd, false, true, VGPU_LEDGER_LOCK, err);
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

static struct vgpu_ledger *ledger_new(const struct vgpu_root *root)
{
        struct vgpu_ledger *l = calloc(1, sizeof(*l));

        if (!l)
                return NULL;
        l->root = root;
        l->dir_fd = -1;
        l->lock_fd = -1;
        return l;
}

/* Read ledger.json into @l: missing is empty. */
static int load(struct vgpu_ledger *l, struct vgpu_error *err)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        ssize_t n;

        if (l->dir_fd < 0)
                return 0;
        fd = openat(l->dir_fd, "ledger.json", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
                return 0;
        if (fd < 0)
                return vgpu_ledger_open_error(errno, VGPU_LEDGER_FILE, err);
        if (vgpu_ledger_check_access(fd, false, l->lock_fd >= 0, VGPU_LEDGER_FILE, err) < 0)
                return -EPERM;
        if (fstat(fd, &st) < 0)
                return vgpu_error_set(err, errno, VGPU_LEDGER_FILE, 0, 0, "%s", strerror(errno));
        if ((size_t)st.st_size > VGPU_LEDGER_MAX)
                return vgpu_error_set(err, EFBIG, VGPU_LEDGER_FILE, 0, 0, "larger than %u bytes", VGPU_LEDGER_MAX);
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        n = pread(fd, buf, (size_t)st.st_size, 0);
        if (n != st.st_size)
                return vgpu_error_set(err, EIO, VGPU_LEDGER_FILE, 0, 0, "short read");
        return vgpu_ledger_parse_json(l, buf, (size_t)n, err);
}

/* Damage, as opposed to a ledger we must not touch (newer, foreign, unreadable)? */
static bool is_damage(int r)
{
        return r == -EBADMSG || r == -EFBIG;
}

static void drop_all(struct vgpu_ledger *l)
{
        for (size_t i = 0; i < l->n_leases; i++)
                vgpu_lease_clear(&l->leases[i]);
        l->n_leases = 0;
}

/* Under the lock: move the damaged ledger.json aside as ledger.json.damaged-TIME[-N]. */
static int set_aside(struct vgpu_ledger *l, const struct vgpu_error *why)
{
        time_t now = time(NULL);
        char stamp[32], name[sizeof(l->set_aside)];
        struct tm tm;

        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", gmtime_r(&now, &tm));
        for (int n = 1; n < 100; n++) {
                if (n == 1)
                        snprintf(name, sizeof(name), VGPU_LEDGER_DAMAGED "%s", stamp);
                else
                        snprintf(name, sizeof(name), VGPU_LEDGER_DAMAGED "%s-%d", stamp, n);
                if (faccessat(l->dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                if (renameat(l->dir_fd, "ledger.json", l->dir_fd, name) < 0)
                        return -errno;
                fsync(l->dir_fd);
                memcpy(l->set_aside, name, sizeof(name));
                vgpu_warn(l->root,
                          "the lease ledger %s was damaged (%s): kept as %s/%s; the leases are rebuilt from the "
                          "running domains",
                          VGPU_LEDGER_FILE, why->text, VGPU_LEDGER_DIR, name);
                return 0;
        }
        return -EEXIST;
}

/*
 * A damaged ledger: locked, it is set aside and we start empty; read without
 * the lock, it reads as empty and says so in damage (the next locker repairs it).
 */
static int recover(struct vgpu_ledger *l, int r, struct vgpu_error *err)
{
        struct vgpu_error why = {0};

        if (!is_damage(r))
                return r;
        if (err)
                why = *err;
        drop_all(l);
        if (l->lock_fd < 0) {
                snprintf(l->damage, sizeof(l->damage), "%s", why.text);
                return 0;
        }
        r = set_aside(l, &why);
        if (r < 0)
                return vgpu_error_set(err, -r, VGPU_LEDGER_FILE, 0, 0, "damaged (%s) and cannot be moved aside: %s",
                                      why.text, strerror(-r));
        return 0;
}

/* The end of lock and read: load the file unless @r failed; the ledger in *@ret, or freed. */
static int load_into(struct vgpu_ledger *l, int r, struct vgpu_ledger **ret, struct vgpu_error *err)
{
        struct vgpu_error local = {0};

        if (!err)
                err = &local;
        if (r >= 0)
                r = recover(l, load(l, err), err);
        if (r >= 0)
                r = vgpu_quarantine_load(l);
        if (r < 0) {
                vgpu_ledger_free(l);
                return r;
        }
        *ret = l;
        return 0;
}

int vgpu_ledger_lock(const struct vgpu_root *root, int wait_ms, struct vgpu_ledger **ret_ledger, struct vgpu_error *err)
{
        struct vgpu_ledger *l = ledger_new(root);
        int r;

        if (!l)
                return -ENOMEM;
        r = l->dir_fd = open_dir(root, true, err);
        if (r >= 0)
                r = l->lock_fd = open_lock(l->dir_fd, err);
        if (r >= 0) {
                r = take_lock(l->lock_fd, wait_ms);
                if (r < 0)
                        vgpu_error_set(err, r, VGPU_LEDGER_LOCK, 0, 0, "%s",
                                       r == -ETIMEDOUT ? "still locked by another process" : strerror(-r));
        }
        return load_into(l, r, ret_ledger, err);
}

int vgpu_ledger_read(const struct vgpu_root *root, struct vgpu_ledger **ret_ledger, struct vgpu_error *err)
{
        struct vgpu_ledger *l = ledger_new(root);
        int r;

        if (!l)
                return -ENOMEM;
        l->dir_fd = open_dir(root, false, err);
        r = l->dir_fd == -ENOENT ? 0 : l->dir_fd;
        return load_into(l, r, ret_ledger, err);
}

int vgpu_ledger_write_file(struct vgpu_ledger *l, const char *name, const char *text)
{
        _cleanup_free_ char *tmp = vgpu_strdup_printf("%s.tmp", name);
        _cleanup_close_ int fd = -1;
        int r;

        if (l->lock_fd < 0)
                return -ENOLCK;
        if (!tmp)
                return -ENOMEM;
        unlinkat(l->dir_fd, tmp, 0);
        fd = openat(l->dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        r = vgpu_write_all(fd, text, strlen(text));
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(l->dir_fd, tmp, l->dir_fd, name) < 0)
                r = -errno;
        if (r < 0) {
                unlinkat(l->dir_fd, tmp, 0);
                return r;
        }
        fsync(l->dir_fd);
        return 0;
}

int vgpu_ledger_commit(struct vgpu_ledger *l)
{
        _cleanup_free_ char *text = NULL;
        int r;

        if (l->lock_fd < 0)
                return -ENOLCK;
        text = vgpu_ledger_to_json(l);
        if (!text)
                return -ENOMEM;
        /* The quarantine first: a device found broken stays out of placement even if the ledger's write dies. */
        r = vgpu_quarantine_write(l);
        if (r < 0)
                return r;
        l->quarantine_changed = false;
        return vgpu_ledger_write_file(l, "ledger.json", text);
}

bool vgpu_ledger_rebuilt(const struct vgpu_ledger *l)
{
        struct dirent *e;
        bool found = false;
        int fd;
        DIR *d;

        if (l->dir_fd < 0 || (fd = openat(l->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                return false;
        if (!(d = fdopendir(fd))) {
                close(fd);
                return false;
        }
        while (!found && (e = readdir(d)))
                found = strncmp(e->d_name, VGPU_LEDGER_DAMAGED, strlen(VGPU_LEDGER_DAMAGED)) == 0;
        closedir(d);
        return found;
}

bool vgpu_ledger_damage_seen(const struct vgpu_root *root)
{
        struct vgpu_ledger *l;
        bool seen;

        if (vgpu_ledger_read(root, &l, NULL) < 0)
                return false;
        seen = l->damage[0] || vgpu_ledger_rebuilt(l);
        vgpu_ledger_free(l);
        return seen;
}

void vgpu_lease_clear(struct vgpu_lease *lease)
{
        free(lease->domain_name);
        free(lease->device);
        free(lease->parent);
        free(lease->type);
        free(lease->profile);
}

void vgpu_ledger_free(struct vgpu_ledger *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n_leases; i++)
                vgpu_lease_clear(&l->leases[i]);
        free(l->leases);
        vgpu_quarantine_clear_all(l);
        if (l->lock_fd >= 0)
                close(l->lock_fd); /* drops the flock */
        if (l->dir_fd >= 0)
                close(l->dir_fd);
        free(l);
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

struct vgpu_lease *vgpu_ledger_append(struct vgpu_ledger *l, const struct vgpu_lease *lease)
{
        struct vgpu_lease *n = vgpu_array_push(&l->leases, &l->n_leases, sizeof(*n));

        if (!n)
                return NULL;
        *n = *lease;
        n->domain_name = dup_or_null(lease->domain_name);
        n->device = dup_or_null(lease->device);
        n->parent = dup_or_null(lease->parent);
        n->type = dup_or_null(lease->type);
        n->profile = dup_or_null(lease->profile);
        if ((lease->domain_name && !n->domain_name) || !n->device || (lease->parent && !n->parent) ||
            (lease->type && !n->type) || (lease->profile && !n->profile)) {
                vgpu_lease_clear(n);
                l->n_leases--;
                return NULL;
        }
        return n;
}

struct vgpu_lease *vgpu_ledger_add(struct vgpu_ledger *l, const struct vgpu_lease *lease)
{
        struct vgpu_lease *n = vgpu_ledger_append(l, lease);

        if (n)
                vgpu_ledger_log_added(l, n);
        return n;
}

void vgpu_ledger_remove(struct vgpu_ledger *l, size_t i)
{
        vgpu_ledger_log_dropped(l, &l->leases[i]);
        vgpu_lease_clear(&l->leases[i]);
        memmove(&l->leases[i], &l->leases[i + 1], (l->n_leases - i - 1) * sizeof(*l->leases));
        l->n_leases--;
}

void vgpu_ledger_drop(struct vgpu_ledger *l, struct vgpu_lease *lease)
{
        vgpu_ledger_remove(l, (size_t)(lease - l->leases));
}
