/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running Pacemaker's command-line tools for `vgpuctl pacemaker`: they are
 * the documented way to read and write the CIB, and they find the cluster
 * (or $CIB_file) on their own.  vgpuctl may exec; the hook never does.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pacemaker.h"

extern char **environ;

const char *vgpuctl_crm_tool(const char *env, const char *name)
{
        const char *path = secure_getenv(env);

        return path && *path ? path : name;
}

static int spawn(const char *tool, char *const argv[], int out_fd, int err_fd, pid_t *ret_pid)
{
        posix_spawn_file_actions_t fa;
        int r = posix_spawn_file_actions_init(&fa);

        if (r)
                return -r;
        if (out_fd >= 0)
                r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
        if (!r && err_fd >= 0)
                r = posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
        if (!r)
                r = posix_spawnp(ret_pid, tool, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        return -r;
}

/* Read @fd to its end into a new string (at most 64 KiB kept). */
static char *read_to_end(int fd)
{
        size_t len = 0, cap = 65536;
        char *buf = malloc(cap + 1);
        ssize_t n;

        while (buf && (n = read(fd, buf + len, cap - len)) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        break;
                len += (size_t)n;
                if (len == cap) /* more than a tool's answer: drain, keep the start */
                        while ((n = read(fd, (char[4096]){0}, 4096)) > 0 || (n < 0 && errno == EINTR))
                                ;
                if (len == cap)
                        break;
        }
        if (buf)
                buf[len] = '\0';
        return buf;
}

static int wait_for(pid_t pid)
{
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int vgpuctl_crm_run(const char *tool, char *const argv[], char **ret_out, char **ret_err)
{
        int out[2] = {-1, -1}, err[2] = {-1, -1};
        _cleanup_free_ char *o = NULL, *e = NULL;
        pid_t pid;
        int r;

        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
                r = -errno;
                goto close_all;
        }
        r = spawn(tool, argv, out[1], err[1], &pid);
        close(out[1]), close(err[1]);
        out[1] = err[1] = -1;
        if (r < 0)
                goto close_all;
        /* the tools answer in a line or two: stderr fits the pipe while stdout is read */
        o = read_to_end(out[0]);
        e = read_to_end(err[0]);
        r = wait_for(pid);
        if (r >= 0 && (!o || !e))
                r = -ENOMEM;
        if (r >= 0) {
                *ret_out = TAKE_PTR(o);
                *ret_err = TAKE_PTR(e);
        }
close_all:
        for (int i = 0; i < 2; i++) {
                if (out[i] >= 0)
                        close(out[i]);
                if (err[i] >= 0)
                        close(err[i]);
        }
        return r;
}

void vgpuctl_crm_trim(char *s)
{
        size_t n;

        /* the first line says what went wrong; the others repeat it */
        s[strcspn(s, "\n")] = '\0';
        n = strlen(s);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
                s[--n] = '\0';
}

int vgpuctl_crm_failed(const char *tool, int r, char *err, const char *what)
{
        if (r == -ENOENT)
                return vgpuctl_fail("cannot run %s: no such program; install pacemaker-cli-utils", tool);
        if (r < 0)
                return vgpuctl_fail("cannot run %s: %s", tool, strerror(-r));
        if (err)
                vgpuctl_crm_trim(err);
        return vgpuctl_fail("%s: %s exited %d%s%s", what, tool, r, err && *err ? ": " : "", err ? err : "");
}
