/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The root prefix: reads stay inside it whatever the tree's links say, and
 * the typed readers refuse what a sysfs attribute never is.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakehost.h"
#include "testsuite.h"

static char *outer, *inner;
static struct vgpu_root *root;

/* outer/secret is outside; outer/root is the root prefix. */
static void setup(void)
{
        char path[4096];

        ck_assert_int_eq(fakehost_mktemp(&outer), 0);
        snprintf(path, sizeof(path), "%s/root", outer);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        inner = strdup(path);
        testsuite_write(outer, "secret", "outside\n");
        testsuite_write(inner, "secret", "inside\n");
        ck_assert_int_eq(mkdir(strcat(path, "/sys"), 0755), 0);
        ck_assert_int_eq(vgpu_root_new(inner, &root), 0);
}

static void teardown(void)
{
        root = vgpu_root_unref(root);
        free(inner);
        testsuite_remove_root(outer);
        outer = NULL;
}

START_TEST(dotdot_stays_inside)
{
        char *s = NULL;

        ck_assert_int_eq(vgpu_root_read_attr(root, "/../secret", &s), 6);
        ck_assert_str_eq(s, "inside");
        free(s);
        ck_assert_int_eq(vgpu_root_read_attr(root, "sys/../../../secret", &s), 6);
        ck_assert_str_eq(s, "inside");
        free(s);
}
END_TEST

START_TEST(links_stay_inside)
{
        char target[4096], *s = NULL;

        /* An absolute link resolves against the root, a relative one climbs to it at most. */
        snprintf(target, sizeof(target), "%s/secret", outer);
        testsuite_symlink(inner, "sys/abs", target);
        ck_assert_int_eq(vgpu_root_read_attr(root, "/sys/abs", &s), -ENOENT);
        testsuite_symlink(inner, "sys/abs2", "/secret");
        ck_assert_int_eq(vgpu_root_read_attr(root, "/sys/abs2", &s), 6);
        ck_assert_str_eq(s, "inside");
        free(s);
        testsuite_symlink(inner, "sys/rel", "../../../../../secret");
        ck_assert_int_eq(vgpu_root_read_attr(root, "/sys/rel", &s), 6);
        ck_assert_str_eq(s, "inside");
        free(s);
}
END_TEST

START_TEST(link_loops_end)
{
        char *s = NULL;

        /* A hostile tree's loop must end in ELOOP, not hang the hook. */
        testsuite_symlink(inner, "sys/loop1", "loop2");
        testsuite_symlink(inner, "sys/loop2", "/sys/loop1");
        ck_assert_int_eq(vgpu_root_read_attr(root, "/sys/loop1", &s), -ELOOP);
}
END_TEST

START_TEST(attr_reading)
{
        char *s = NULL, big[5000];

        testsuite_write(inner, "sys/a", "0x1b36\n");
        ck_assert_int_eq(vgpu_root_read_attr(root, "/sys/a", &s), 6);
        ck_assert_str_eq(s, "0x1b36");
        free(s);
        /* only one newline is the kernel's */
        testsuite_write(inner, "sys/b", "x\n\n");
        ck_assert_int_eq(vgpu_root_read_attr(root, "/sys/b", &s), 2);
        ck_assert_str_eq(s, "x\n");
        free(s);
        testsuite_write(inner, "sys/empty", "");
        ck_assert_int_eq(vgpu_root_read_attr(root, "/sys/empty", &s), 0);
        ck_assert_str_eq(s, "");
        free(s);
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        testsuite_write(inner, "sys/big", big);
        s = (char *)0x1;
        ck_assert_int_eq(vgpu_root_read_attr(root, "/sys/big", &s), -EFBIG);
        ck_assert_ptr_eq(s, (char *)0x1);
        ck_assert_int_eq(vgpu_root_read_attr(root, "/sys", &s), -EISDIR);
        ck_assert_int_eq(vgpu_root_read_attr(root, "/sys/missing", &s), -ENOENT);
}
END_TEST

/* What a log callback got. */
static char logged[8][256];
static int n_logged, logged_prio;

__attribute__((format(printf, 6, 0))) static void collect(void *data, int priority, const char *file, int line,
                                                          const char *fn, const char *format, va_list args)
{
        ck_assert_ptr_eq(data, &n_logged);
        ck_assert(file && line > 0 && fn);
        logged_prio = priority;
        if (n_logged < 8)
                vsnprintf(logged[n_logged++], sizeof(logged[0]), format, args);
}

START_TEST(log_callback)
{
        n_logged = 0;
        testsuite_write(inner, "sys/attr", "");
        /* no callback (not even the harness's), or below the priority: nothing */
        ck_assert_int_eq(vgpu_root_get_log_priority(root), VGPU_LOG_ERR);
        vgpu_root_set_log_fn(root, NULL, NULL);
        ck_assert_int_eq(vgpu_root_write_attr(root, "/sys/attr", "1", 1), 0);
        vgpu_root_set_log_priority(root, VGPU_LOG_DEBUG);
        ck_assert_int_eq(vgpu_root_write_attr(root, "/sys/attr", "1", 1), 0);
        vgpu_root_set_log_fn(root, collect, &n_logged);
        vgpu_root_set_log_priority(root, VGPU_LOG_INFO);
        ck_assert_int_eq(vgpu_root_write_attr(root, "/sys/attr", "1", 1), 0);
        ck_assert_int_eq(n_logged, 0);
        /* debug: each store made or refused, the value printable */
        vgpu_root_set_log_priority(root, VGPU_LOG_DEBUG);
        ck_assert_int_eq(vgpu_root_write_attr(root, "/sys/attr", "vfio-pci\n", 9), 0);
        ck_assert_int_eq(vgpu_root_write_attr(root, "/sys/missing", "1", 1), -ENOENT);
        ck_assert_int_eq(n_logged, 2);
        ck_assert_int_eq(logged_prio, VGPU_LOG_DEBUG);
        ck_assert_str_eq(logged[0], "store /sys/attr \"vfio-pci\"");
        ck_assert_str_eq(logged[1], "store /sys/missing \"1\" refused: No such file or directory");
        vgpu_root_set_log_fn(root, NULL, NULL);
        ck_assert_int_eq(vgpu_root_write_attr(root, "/sys/attr", "1", 1), 0);
        ck_assert_int_eq(n_logged, 2);
}
END_TEST

START_TEST(fifo_refused)
{
        char path[4096], *s = NULL;

        /* A FIFO would block the hook (and libvirt) forever. */
        snprintf(path, sizeof(path), "%s/sys/fifo", inner);
        ck_assert_int_eq(mkfifo(path, 0600), 0);
        ck_assert_int_eq(vgpu_root_read_attr(root, "/sys/fifo", &s), -EINVAL);
}
END_TEST

START_TEST(links_and_dirs)
{
        char **names = NULL, *s = NULL;

        testsuite_symlink(inner, "sys/driver", "../../bus/pci/drivers/vfio-pci");
        ck_assert_int_eq(vgpu_root_read_link_name(root, "/sys/driver", &s), 8);
        ck_assert_str_eq(s, "vfio-pci");
        free(s);
        ck_assert_int_eq(vgpu_root_read_link(root, "/sys/driver", &s), 30);
        ck_assert_str_eq(s, "../../bus/pci/drivers/vfio-pci");
        free(s);
        testsuite_symlink(inner, "sys/dots", "..");
        ck_assert_int_eq(vgpu_root_read_link_name(root, "/sys/dots", &s), -EINVAL);
        ck_assert_int_eq(vgpu_root_read_link_name(root, "/secret", &s), -EINVAL);
        ck_assert_int_eq(vgpu_root_read_link_name(root, "/sys/none", &s), -ENOENT);

        testsuite_write(inner, "sys/virtfn10", "");
        testsuite_write(inner, "sys/virtfn2", "");
        ck_assert_int_eq(vgpu_root_list_dir(root, "/sys", &names), 4);
        ck_assert_str_eq(names[0], "dots");
        ck_assert_str_eq(names[1], "driver");
        ck_assert_str_eq(names[2], "virtfn2");
        ck_assert_str_eq(names[3], "virtfn10");
        ck_assert_ptr_null(names[4]);
        vgpu_strv_free(names);
        ck_assert_int_eq(vgpu_root_list_dir(root, "/nope", &names), -ENOENT);
        ck_assert(vgpu_root_exists(root, "/sys/virtfn2"));
        ck_assert(!vgpu_root_exists(root, "/sys/virtfn3"));
}
END_TEST

START_TEST(listed_dir)
{
        _cleanup_dir_ struct vgpu_dir dir = {.fd = -1}, none = {.fd = -1};
        char **names = NULL, *s = NULL, path[4096];

        snprintf(path, sizeof(path), "%s/sys/dev", inner);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        ck_assert_int_eq(mkdir(strcat(path, "/nvidia"), 0755), 0);
        testsuite_write(inner, "sys/dev/vendor", "0x10de\n");
        testsuite_write(inner, "sys/dev/nvidia/current_vgpu_type", "0\n");
        testsuite_symlink(inner, "sys/dev/driver", "../../bus/pci/drivers/nvidia");
        ck_assert_int_eq(vgpu_dir_open_listed(root, "/sys/dev", &dir), 0);
        ck_assert_uint_eq(dir.n_names, 3);
        /* What was there when it was listed is read; a name it did not hold is absent without a lookup. */
        testsuite_write(inner, "sys/dev/physfn", "later\n");
        ck_assert_int_eq(vgpu_dir_read_attr(&dir, "vendor", &s), 6);
        ck_assert_str_eq(s, "0x10de");
        free(s);
        ck_assert_int_eq(vgpu_dir_read_attr(&dir, "nvidia/current_vgpu_type", &s), 1);
        free(s);
        ck_assert_int_eq(vgpu_dir_read_link_name(&dir, "driver", &s), 6);
        ck_assert_str_eq(s, "nvidia");
        free(s);
        ck_assert_int_eq(vgpu_dir_read_attr(&dir, "physfn", &s), -ENOENT);
        ck_assert_int_eq(vgpu_dir_read_link_name(&dir, "physfn", &s), -ENOENT);
        ck_assert_int_eq(vgpu_dir_read_attr(&dir, "net/eth0", &s), -ENOENT);
        ck_assert_int_eq(vgpu_dir_read_attr(&dir, "../secret", &s), -ENOENT); /* ".." is looked up: not below */
        /* the directory itself: its list */
        ck_assert_int_eq(vgpu_dir_list(&dir, NULL, &names), 3);
        ck_assert_str_eq(names[0], "driver");
        ck_assert_str_eq(names[2], "vendor");
        vgpu_strv_free(names);
        /* one that will not open is not listed: each name is looked up from the root, as unlisted */
        ck_assert_int_eq(vgpu_dir_open_listed(root, "/sys/none", &none), -ENOENT);
        ck_assert_ptr_null(none.names);
        testsuite_write(inner, "sys/none", "a file\n");
        ck_assert_int_eq(vgpu_dir_read_attr(&none, "x", &s), -ENOTDIR);
}
END_TEST

START_TEST(root_from_environment)
{
        struct vgpu_root *r = NULL;
        char *s = NULL;

        setenv("VGPU_HOOK_ROOT", inner, 1);
        ck_assert_int_eq(vgpu_root_new(NULL, &r), 0);
        ck_assert_str_eq(vgpu_root_path(r), inner);
        ck_assert_int_eq(vgpu_root_read_attr(r, "/secret", &s), 6);
        ck_assert_str_eq(s, "inside");
        free(s);
        vgpu_root_unref(r);
        unsetenv("VGPU_HOOK_ROOT");
        ck_assert_int_eq(vgpu_root_new(NULL, &r), 0);
        ck_assert_str_eq(vgpu_root_path(r), "/");
        vgpu_root_unref(r);
        r = (void *)0x1;
        ck_assert_int_eq(vgpu_root_new("/nonexistent/root", &r), -ENOENT);
        ck_assert_ptr_eq(r, (void *)0x1);
}
END_TEST

/* The kernel of this process answers openat2() with ENOSYS, as Linux < 5.6 and valgrind 3.19 do. */
static void without_openat2(void)
{
        struct sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {sizeof(filter) / sizeof(filter[0]), filter};

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
                _exit(2);
}

/* In a child without openat2(): 0 when "/" still reads and @inner_root refuses. */
static int child_without_openat2(const char *inner_root)
{
        struct vgpu_root *slash = NULL, *in = NULL;
        char *s = NULL;

        without_openat2();
        if (vgpu_root_new("/", &slash) < 0 || vgpu_root_new(inner_root, &in) < 0)
                return 3;
        /* "/" falls back to openat(): RESOLVE_IN_ROOT is a no-op there. */
        if (vgpu_root_read_file(slash, "/proc/self/stat", 4096, &s) <= 0)
                return 4;
        free(s);
        /* Any other root keeps its containment: no fallback, ENOSYS. */
        if (vgpu_root_read_attr(in, "/secret", &s) != -ENOSYS || vgpu_root_exists(in, "/sys"))
                return 5;
        vgpu_root_unref(slash);
        vgpu_root_unref(in);
        return 0;
}

START_TEST(no_openat2_only_slash_falls_back)
{
        int status;
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0)
                _exit(child_without_openat2(inner));
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
}
END_TEST

static Suite *root_suite(void)
{
        Suite *s = suite_create("root");
        TCase *tc = tcase_create("prefix");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, dotdot_stays_inside);
        tcase_add_test(tc, links_stay_inside);
        tcase_add_test(tc, link_loops_end);
        tcase_add_test(tc, attr_reading);
        tcase_add_test(tc, log_callback);
        tcase_add_test(tc, fifo_refused);
        tcase_add_test(tc, links_and_dirs);
        tcase_add_test(tc, listed_dir);
        tcase_add_test(tc, root_from_environment);
        tcase_add_test(tc, no_openat2_only_slash_falls_back);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return testsuite_run(root_suite());
}
