/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakehost.h"
#include "testsuite.h"

extern char **environ;

static int find_asan(struct dl_phdr_info *info, size_t size, void *data)
{
        if (!strstr(info->dlpi_name, "/libasan.so"))
                return 0;
        *(const char **)data = info->dlpi_name;
        return 1;
}

void testsuite_preload_kshim(char **argv)
{
        const char *top = getenv("top_builddir"), *old = getenv("LD_PRELOAD"), *asan = NULL;
        char *preload;

        if (old && strstr(old, "/libkshim.so"))
                return;
        if (!top) {
                fputs("top_builddir is not set: run the tests through 'make check'\n", stderr);
                exit(99);
        }
        /* Built with ASan (--enable-sanitizers): its runtime must stay first. */
        dl_iterate_phdr(find_asan, &asan);
        if (asprintf(&preload, "%s%s%s/tests/harness/.libs/libkshim.so%s%s", asan ? asan : "", asan ? ":" : "", top,
                     old && *old ? ":" : "", old ? old : "") < 0 ||
            setenv("LD_PRELOAD", preload, 1) < 0) {
                perror("LD_PRELOAD");
                exit(99);
        }
        execv("/proc/self/exe", argv);
        fprintf(stderr, "cannot re-execute %s with %s: %s\n", argv[0], preload, strerror(errno));
        exit(99);
}

static bool lib_errors_expected;

void testsuite_expect_lib_errors(bool expected)
{
        lib_errors_expected = expected;
}

__attribute__((format(printf, 6, 0))) static void fail_on_lib_error(void *data, int priority, const char *file,
                                                                    int line, const char *fn, const char *format,
                                                                    va_list args)
{
        char text[512];

        (void)data;
        vsnprintf(text, sizeof(text), format, args);
        if (priority <= VGPU_LOG_ERR && !lib_errors_expected)
                ck_abort_msg("unexpected library error at %s:%d (%s): %s", file, line, fn, text);
}

int __wrap_vgpu_root_new(const char *path, struct vgpu_root **ret_root)
{
        int r = __real_vgpu_root_new(path, ret_root);

        if (r >= 0) {
                vgpu_root_set_log_fn(*ret_root, fail_on_lib_error, NULL);
                vgpu_root_set_log_priority(*ret_root, VGPU_LOG_ERR);
        }
        return r;
}

int testsuite_run(Suite *s)
{
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

char *testsuite_srcpath(const char *rel)
{
        const char *top = getenv("top_srcdir");
        char *path;

        ck_assert_msg(top, "top_srcdir is not set: run the tests through 'make check'");
        ck_assert_int_ge(asprintf(&path, "%s/%s", top, rel), 0);
        return path;
}

char *testsuite_fake_root(const char *preset)
{
        char rel[PATH_MAX], err[512] = "";
        char *file, *dir = NULL;
        int r;

        snprintf(rel, sizeof(rel), "tests/presets/%s.host", preset);
        file = testsuite_srcpath(rel);
        ck_assert_int_eq(fakehost_mktemp(&dir), 0);
        r = fakehost_build(file, dir, err, sizeof(err));
        ck_assert_msg(r == 0, "building preset %s: %s (%s)", preset, err, strerror(-r));
        free(file);
        return dir;
}

char *testsuite_fake_root_text(const char *text)
{
        char file[] = "/tmp/vgpu-preset-XXXXXX", err[512] = "";
        char *dir = NULL;
        int fd = mkstemp(file), r;

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        ck_assert_int_eq(close(fd), 0);
        ck_assert_int_eq(fakehost_mktemp(&dir), 0);
        r = fakehost_build(file, dir, err, sizeof(err));
        unlink(file);
        ck_assert_msg(r == 0, "building the preset text: %s (%s)", err, strerror(-r));
        return dir;
}

char *testsuite_capture_root(void)
{
        char *tarball = testsuite_srcpath("tests/data/sysfs-linux-6.1-mdev-samples-nvme-sriov.tar.gz");
        char *dir = NULL;
        char *argv[] = {"tar", "-xzf", tarball, "-C", NULL, NULL};
        pid_t pid;
        int status;

        ck_assert_int_eq(fakehost_mktemp(&dir), 0);
        argv[4] = dir;
        ck_assert_int_eq(posix_spawnp(&pid, "tar", NULL, NULL, argv, environ), 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "tar failed on %s", tarball);
        free(tarball);
        return dir;
}

void testsuite_remove_root(char *dir)
{
        if (!dir)
                return;
        fakehost_rm_rf(dir);
        free(dir);
}

struct vgpu_host *testsuite_load(const char *dir)
{
        struct vgpu_root *root = NULL;
        struct vgpu_host *host = NULL;

        ck_assert_int_eq(vgpu_root_new(dir, &root), 0);
        ck_assert_int_eq(vgpu_host_load(root, &host), 0);
        vgpu_root_unref(root);
        return host;
}

static char *join(const char *dir, const char *path)
{
        char *full;

        ck_assert_int_ge(asprintf(&full, "%s/%s", dir, path), 0);
        return full;
}

void testsuite_unlink(const char *dir, const char *path)
{
        char *full = join(dir, path);

        ck_assert_msg(unlink(full) == 0 || errno == ENOENT, "unlink %s: %s", full, strerror(errno));
        free(full);
}

void testsuite_write(const char *dir, const char *path, const char *content)
{
        char *full = join(dir, path);
        FILE *f;

        testsuite_unlink(dir, path);
        f = fopen(full, "w");
        ck_assert_msg(f, "cannot write %s: %s", full, strerror(errno));
        fputs(content, f);
        ck_assert_int_eq(fclose(f), 0);
        free(full);
}

void testsuite_symlink(const char *dir, const char *path, const char *target)
{
        char *full = join(dir, path);

        testsuite_unlink(dir, path);
        ck_assert_msg(symlink(target, full) == 0, "symlink %s: %s", full, strerror(errno));
        free(full);
}

void testsuite_fake_proc(const char *dir, int pid, unsigned long long start, const char *cmdline, size_t len)
{
        char path[256], stat[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/proc/%d", dir, pid);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "proc/%d/stat", pid);
        snprintf(stat, sizeof(stat),
                 "%d (qemu (x) y) S 1 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 %llu 1000 100 18446744073709551615 "
                 "0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
                 pid, start);
        testsuite_write(dir, path, stat);
        snprintf(path, sizeof(path), "%s/proc/%d/cmdline", dir, pid);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fwrite(cmdline, 1, len, f);
        ck_assert_int_eq(fclose(f), 0);
}

void testsuite_hold_group(const char *dir, int group, bool held)
{
        char path[4096];

        snprintf(path, sizeof(path), "%s/.fakehost/held", dir);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), ".fakehost/held/%d", group);
        if (held)
                testsuite_write(dir, path, "");
        else
                testsuite_unlink(dir, path);
}

void testsuite_host_open(struct testsuite_host *h, char *dir)
{
        h->dir = dir;
        ck_assert_int_ge(asprintf(&h->log_path, "%s/kshim.log", dir), 0);
        setenv("VGPU_HOOK_ROOT", dir, 1);
        setenv("VGPU_KSHIM_LOG", h->log_path, 1);
        ck_assert_int_eq(vgpu_root_new(dir, &h->root), 0);
}

void testsuite_host_close(struct testsuite_host *h)
{
        h->root = vgpu_root_unref(h->root);
        unsetenv("VGPU_KSHIM_LOG");
        free(h->log_path);
        h->log_path = NULL;
        testsuite_remove_root(h->dir);
        h->dir = NULL;
}

int testsuite_count_lines(const char *path)
{
        FILE *f = fopen(path, "r");
        int n = 0, c;

        if (!f)
                return 0;
        while ((c = fgetc(f)) != EOF)
                n += c == '\n';
        fclose(f);
        return n;
}

int testsuite_host_stores(const struct testsuite_host *h)
{
        return testsuite_count_lines(h->log_path);
}

int testsuite_has_problem(const struct vgpu_host *host, const char *needle)
{
        for (size_t i = 0; i < host->n_problems; i++)
                if (strstr(host->problems[i], needle))
                        return 1;
        return 0;
}
