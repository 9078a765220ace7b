/* kfault: an LD_PRELOAD library for the reliability tests, used next to
 * libkshim (which plays the kernel for sysfs stores).
 *
 * Ledger renames as fault points: a rename(2), renameat(2) or renameat2(2)
 * whose destination lies under $VGPU_HOOK_ROOT/run/vgpu-hook of a fakehost
 * host is counted with the sysfs stores (ROOT/.fakehost/count), logged to
 * $VGPU_KSHIM_LOG as
 *     PID run/vgpu-hook/NAME "rename" RESULT [NOTE]
 * and fails as $VGPU_KSHIM_FAIL says: with an errno and no effect, SIGKILL
 * before or after it, or SIGSTOP before it.  The ledger's writer holds the
 * ledger lock there: a stopped or killed lock holder.
 *
 * Syslog capture: with VGPU_KSHIM_SYSLOG=FILE, each syslog()/vsyslog()
 * message is appended to FILE as "PID PRIORITY MESSAGE" (a control
 * character as <RAW-XX>, so one message is one line and a test sees that
 * the program let one through), then passed on:
 * the tests read what a program logs without a syslog daemon.
 */
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "kshim-private.h"

#define REAL(name)                                                                 \
        ({                                                                         \
                static __typeof__(name) *real_##name;                              \
                if (!real_##name)                                                  \
                        real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name); \
                real_##name;                                                       \
        })

/* ---- ledger renames --------------------------------------------------------- */

enum which { RENAME, RENAMEAT, RENAMEAT2 };

struct ren {
        enum which which;
        int olddirfd, newdirfd;
        const char *oldpath, *newpath;
        unsigned flags;
};

static int call_rename(const struct ren *r)
{
        if (r->which == RENAME)
                return REAL(rename)(r->oldpath, r->newpath);
        if (r->which == RENAMEAT)
                return REAL(renameat)(r->olddirfd, r->oldpath, r->newdirfd, r->newpath);
        return REAL(renameat2)(r->olddirfd, r->oldpath, r->newdirfd, r->newpath, r->flags);
}

/* The destination's path relative to ROOT, when it is a ledger file of a fakehost host. */
static bool ledger_file(const struct ren *r, char *root, char *rel, size_t len)
{
        char dir[PATH_MAX], abs[PATH_MAX * 2];
        bool deleted;
        size_t n;

        if (!ks_host_root(root))
                return false;
        if (r->newpath[0] == '/')
                snprintf(abs, sizeof(abs), "%s", r->newpath);
        else if (r->newdirfd == AT_FDCWD ? !getcwd(dir, sizeof(dir))
                                         : !ks_fd_path(r->newdirfd, dir, sizeof(dir), &deleted))
                return false;
        else
                snprintf(abs, sizeof(abs), "%s/%s", dir, r->newpath);
        n = strlen(root);
        if (strncmp(abs, root, n) != 0 || strncmp(abs + n, "/run/vgpu-hook/", 15) != 0)
                return false;
        snprintf(rel, len, "%s", abs + n + 1);
        _cleanup_free_ char *model = ks_host_file(root, "model.host");
        return model && access(model, F_OK) == 0;
}

static const char *note_of(const struct ks_fail *f, bool hit, bool stopped)
{
        if (hit && f->kind == KS_FAIL_ERRNO)
                return " (injected)";
        if (hit && f->kind == KS_FAIL_KILL_AFTER)
                return " SIGKILL-AFTER";
        return stopped ? " (after SIGSTOP)" : "";
}

static int point(const struct ren *r)
{
        char root[PATH_MAX], rel[PATH_MAX];
        struct ks_fail f;
        int lock, ret, err;
        bool hit;

        if (!ledger_file(r, root, rel, sizeof(rel)))
                return call_rename(r);
        ks_mark(true);
        if ((lock = ks_lock_host(root)) < 0) {
                ks_mark(false);
                return call_rename(r);
        }
        f = ks_fail_plan();
        hit = f.n == ks_next_point(root);
        if (hit && f.kind == KS_FAIL_STOP) {
                close(lock); /* the other processes' points go on */
                lock = -1;
                raise(SIGSTOP);
        }
        if (hit && f.kind == KS_FAIL_KILL) {
                ks_log_point(rel, "rename", 6, "SIGKILL", "");
                kill(getpid(), SIGKILL);
        }
        ks_mark(false);
        /* The rename itself is the program's own. */
        ret = hit && f.kind == KS_FAIL_ERRNO ? (errno = f.err, -1) : call_rename(r);
        err = ret < 0 ? errno : 0;
        ks_mark(true);
        ks_log_point(rel, "rename", 6, ret < 0 ? fh_errno_name(err) : "ok", note_of(&f, hit, lock < 0));
        if (lock >= 0)
                close(lock);
        ks_mark(false);
        if (hit && f.kind == KS_FAIL_KILL_AFTER)
                kill(getpid(), SIGKILL);
        errno = err;
        return ret;
}

int rename(const char *oldpath, const char *newpath)
{
        struct ren r = {RENAME, AT_FDCWD, AT_FDCWD, oldpath, newpath, 0};

        return point(&r);
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
        struct ren r = {RENAMEAT, olddirfd, newdirfd, oldpath, newpath, 0};

        return point(&r);
}

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags)
{
        struct ren r = {RENAMEAT2, olddirfd, newdirfd, oldpath, newpath, flags};

        return point(&r);
}

/* ---- syslog capture --------------------------------------------------------- */

/* The format attributes let clang see the formats checked at the callers (-Wformat-nonliteral). */
__attribute__((format(printf, 2, 0))) static void capture(int prio, const char *fmt, va_list ap)
{
        const char *file = getenv("VGPU_KSHIM_SYSLOG");
        _cleanup_free_ char *msg = NULL, *line = NULL;
        _cleanup_close_ int fd = -1;
        size_t o;

        if (!file || !*file || vasprintf(&msg, fmt, ap) < 0)
                return;
        line = malloc(strlen(msg) * 8 + 64);
        if (!line)
                return;
        ks_mark(true);
        o = (size_t)sprintf(line, "%d %d ", (int)getpid(), prio & LOG_PRIMASK);
        for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
                o += (size_t)(*p < 0x20 || *p == 0x7f ? sprintf(line + o, "<RAW-%02x>", *p)
                                                      : sprintf(line + o, "%c", *p));
        line[o++] = '\n';
        fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, line, o) != (ssize_t)o)
                fprintf(stderr, "kfault: cannot write %s: %m\n", file);
        ks_mark(false);
}

void vsyslog(int prio, const char *fmt, va_list ap)
{
        int saved = errno; /* for %m */
        va_list aq;

        va_copy(aq, ap);
        capture(prio, fmt, aq);
        va_end(aq);
        errno = saved;
        REAL(vsyslog)(prio, fmt, ap);
}

void syslog(int prio, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsyslog(prio, fmt, ap);
        va_end(ap);
}

void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
{
        vsyslog(prio, fmt, ap);
}

void __syslog_chk(int prio, int flag, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void __syslog_chk(int prio, int flag, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsyslog(prio, fmt, ap);
        va_end(ap);
}
