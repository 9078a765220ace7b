/* failmalloc: an LD_PRELOAD library that makes one allocation fail, the way
 * jansson's test_memory_funcs does, for the chaos test of the hook
 * (tests/reliability/test-hook-chaos.sh).
 *
 *   VGPU_FAILMALLOC=N          the Nth allocation (malloc, calloc, realloc,
 *                              reallocarray; counted from 1 once main() has
 *                              started) returns NULL with ENOMEM; every other
 *                              one succeeds.  0 or unset: none fails.
 *   VGPU_FAILMALLOC_COUNT=FILE at exit, the number counted: the dry run
 *                              that tells how many there are to fail.
 *   VGPU_FAILMALLOC_WHERE=FILE "dlopen" is written there when the failed
 *                              allocation was the dynamic loader's while it
 *                              loaded a module (glibc's ld.so may exit 127
 *                              "out of memory" then, and no caller can help).
 *
 * Only the hook's own allocations count, including those of libc, ld.so
 * (dlopen of the module), libxml2 and jansson on its behalf: not those of
 * the kernel emulation, which runs inside the calls it traps (write, open,
 * syscall...).  Those calls are wrapped here to hold the count meanwhile,
 * so this library goes before libkshim.so in LD_PRELOAD. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);

ssize_t __write(int fd, const void *buf, size_t count);

static bool counting;
static __thread int held, in_dlopen;
static unsigned long allocations, target;
static int where_fd = -1;

/* Is this allocation the one to fail? */
static bool fail_now(void)
{
        if (!counting || held)
                return false;
        if (++allocations != target)
                return false;
        /* __write: no interposed write (ours, the shim's) inside an allocation */
        if (in_dlopen && where_fd >= 0 && __write(where_fd, "dlopen\n", 7) != 7)
                where_fd = -1;
        errno = ENOMEM;
        return true;
}

void *malloc(size_t size)
{
        return fail_now() ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
        return fail_now() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
        return fail_now() ? NULL : __libc_realloc(p, size);
}

void *reallocarray(void *p, size_t n, size_t size)
{
        size_t bytes;

        if (__builtin_mul_overflow(n, size, &bytes)) {
                errno = ENOMEM;
                return NULL;
        }
        return realloc(p, bytes);
}

/* ---- counting from main() on ---------------------------------------------- */

typedef int main_fn(int, char **, char **);
typedef int start_fn(main_fn *, int, char **, void (*)(void), void (*)(void), void (*)(void), void *);

int __libc_start_main(main_fn *main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end);

static main_fn *real_main;

static void report(void)
{
        const char *file = getenv("VGPU_FAILMALLOC_COUNT");
        char buf[32];
        int fd, len;

        counting = false;
        if (!file || !*file || (fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
                return;
        len = snprintf(buf, sizeof(buf), "%lu\n", allocations);
        if (write(fd, buf, (size_t)len) != len)
                perror("failmalloc: count");
        close(fd);
}

static int counted_main(int argc, char **argv, char **envp)
{
        const char *n = getenv("VGPU_FAILMALLOC");

        const char *where = getenv("VGPU_FAILMALLOC_WHERE");

        target = n ? strtoul(n, NULL, 10) : 0;
        if (where && *where)
                where_fd = open(where, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        atexit(report);
        counting = true;
        return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn *main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end)
{
        start_fn *real = (start_fn *)dlsym(RTLD_NEXT, "__libc_start_main");

        real_main = main;
        return real(counted_main, argc, argv, init, fini, rtld_fini, stack_end);
}

void *dlopen(const char *file, int mode)
{
        void *(*next)(const char *, int) = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
        void *handle;

        in_dlopen++;
        handle = next(file, mode);
        in_dlopen--;
        return handle;
}

/* ---- the kernel emulation's entry points: its memory never fails ------------ */

#define NEXT(name) ((__typeof__(name) *)dlsym(RTLD_NEXT, #name))

#define HELD(type, call)     \
        ({                   \
                type _r;     \
                held++;      \
                _r = (call); \
                held--;      \
                _r;          \
        })

ssize_t write(int fd, const void *buf, size_t count)
{
        return HELD(ssize_t, NEXT(write)(fd, buf, count));
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t off)
{
        return HELD(ssize_t, NEXT(pwrite)(fd, buf, count, off));
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t off)
{
        return HELD(ssize_t, NEXT(pwrite64)(fd, buf, count, off));
}

static mode_t mode_of(int flags, va_list ap)
{
        return flags & (O_CREAT | O_TMPFILE) ? va_arg(ap, mode_t) : 0;
}

#define OPEN_LIKE(name, ...)                                            \
        {                                                               \
                va_list ap;                                             \
                va_start(ap, flags);                                    \
                mode_t mode = mode_of(flags, ap);                       \
                va_end(ap);                                             \
                return HELD(int, NEXT(name)(__VA_ARGS__, flags, mode)); \
        }

int open(const char *path, int flags, ...) OPEN_LIKE(open, path) int open64(const char *path, int flags, ...)
        OPEN_LIKE(open64, path) int openat(int dirfd, const char *path, int flags, ...)
                OPEN_LIKE(openat, dirfd, path) int openat64(int dirfd, const char *path, int flags, ...)
                        OPEN_LIKE(openat64, dirfd, path)

                                long syscall(long number, ...)
{
        long a[6];
        va_list ap;

        va_start(ap, number);
        for (int i = 0; i < 6; i++)
                a[i] = va_arg(ap, long);
        va_end(ap);
        return HELD(long, NEXT(syscall)(number, a[0], a[1], a[2], a[3], a[4], a[5]));
}
