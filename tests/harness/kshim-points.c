/* kshim: fault points shared by the kernel emulation (libkshim: sysfs stores)
 * and libkfault (ledger renames): one counter for all processes, one fault
 * plan (VGPU_KSHIM_FAIL), one log (VGPU_KSHIM_LOG).  See kshim.c. */
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "kshim-config.h"
#include "kshim-private.h"

void ks_mark(bool begin)
{
        /* Fails (ENOENT), harmlessly: only strace is meant to see it. */
        if (access(begin ? KS_MARK_BEGIN : KS_MARK_END, F_OK) == 0)
                fprintf(stderr, "kshim: %s exists\n", begin ? KS_MARK_BEGIN : KS_MARK_END);
}

char *ks_host_file(const char *root, const char *fmt, ...)
{
        char *name = NULL, *path = NULL;
        va_list ap;

        va_start(ap, fmt);
        int n = vasprintf(&name, fmt, ap);
        va_end(ap);
        if (n >= 0 && asprintf(&path, "%s/.fakehost/%s", root, name) < 0)
                path = NULL;
        free(name);
        return path;
}

long ks_read_number(int fd)
{
        char buf[32];
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

        buf[n > 0 ? n : 0] = '\0';
        return strtol(buf, NULL, 10);
}

void ks_write_number(int fd, long n)
{
        char buf[32];
        int len = snprintf(buf, sizeof(buf), "%ld\n", n);

        if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len)
                fprintf(stderr, "kshim: cannot update a counter: %m\n");
}

void ks_log_line(const char *line)
{
        const char *file = getenv("VGPU_KSHIM_LOG");
        _cleanup_close_ int fd = file && *file ? open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;

        if (fd >= 0 && write(fd, line, strlen(line)) < 0)
                fprintf(stderr, "kshim: cannot write %s: %m\n", file);
}

static void escape(const char *buf, size_t len, char *out)
{
        static const char from[] = "\n\t\r\\\"", to[] = "ntr\\\"";

        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)buf[i];
                const char *e = c ? strchr(from, c) : NULL;

                if (e)
                        out += sprintf(out, "\\%c", to[e - from]);
                else if (c < 0x20 || c > 0x7e)
                        out += sprintf(out, "\\x%02x", c);
                else
                        *out++ = (char)c;
        }
        *out = '\0';
}

void ks_log_point(const char *rel, const void *buf, size_t len, const char *result, const char *note)
{
        _cleanup_free_ char *esc = malloc(len * 4 + 1), *line = NULL;

        if (!esc)
                return;
        escape(buf, len, esc);
        if (asprintf(&line, "%d %s \"%s\" %s%s\n", (int)getpid(), rel, esc, result, note) >= 0)
                ks_log_line(line);
}

struct ks_fail ks_fail_plan(void)
{
        static const char *const kinds[] = {
                [KS_FAIL_KILL] = "SIGKILL", [KS_FAIL_KILL_AFTER] = "SIGKILL-AFTER", [KS_FAIL_STOP] = "SIGSTOP"};
        const char *s = getenv("VGPU_KSHIM_FAIL");
        struct ks_fail f = {KS_FAIL_NONE, 0, 0};
        char *end;

        if (!s || !*s)
                return f;
        f.n = strtol(s, &end, 10);
        for (size_t i = KS_FAIL_KILL; f.n > 0 && *end == ':' && i < sizeof(kinds) / sizeof(kinds[0]); i++)
                if (strcmp(end + 1, kinds[i]) == 0)
                        f.kind = (enum ks_fail_kind)i;
        if (f.kind == KS_FAIL_NONE && f.n > 0 && *end == ':' && (f.err = fh_errno_parse(end + 1)) > 0)
                f.kind = KS_FAIL_ERRNO;
        if (f.kind == KS_FAIL_NONE)
                fprintf(stderr,
                        "kshim: ignoring VGPU_KSHIM_FAIL=%s (want N:ERRNO, N:SIGKILL, N:SIGKILL-AFTER or N:SIGSTOP)\n",
                        s);
        return f;
}

long ks_next_point(const char *root)
{
        _cleanup_free_ char *path = ks_host_file(root, "count");
        _cleanup_close_ int fd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : -1;
        long n = fd >= 0 ? ks_read_number(fd) + 1 : 0;

        if (fd >= 0)
                ks_write_number(fd, n);
        return n;
}

int ks_lock_host(const char *root)
{
        _cleanup_free_ char *path = ks_host_file(root, "lock");
        int fd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : -1;

        if (fd < 0)
                return -errno;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR) {
                        int r = -errno;

                        close(fd);
                        return r;
                }
        return fd;
}

bool ks_host_root(char *root)
{
        const char *env = getenv("VGPU_HOOK_ROOT");

        if (!env)
                return ks_config_root(root); /* a hook run by libvirtd: cleared environment */
        return *env && realpath(env, root) && strcmp(root, "/") != 0;
}

bool ks_fd_path(int fd, char *path, size_t len, bool *deleted)
{
        static const char suffix[] = " (deleted)";
        char link[64];
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, path, len - 1);
        if (n < 0)
                return false;
        path[n] = '\0';
        *deleted = (size_t)n > sizeof(suffix) - 1 && strcmp(path + n - (sizeof(suffix) - 1), suffix) == 0;
        if (*deleted)
                path[n - (sizeof(suffix) - 1)] = '\0';
        return true;
}
