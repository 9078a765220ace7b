/* openat2() for a kernel without it, for the shim (kshim-openat2.c). */
#pragma once

#include <linux/openat2.h>

/* openat2(@dirfd, @path, @how) resolved in user space: a fd, or -1 and errno. */
long ks_openat2_emulated(int dirfd, const char *path, const struct open_how *how);
