/* vgpu-fakehost PRESET-FILE DIR: builds a fake host tree from a preset. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fakehost.h"

static void usage(FILE *out)
{
        fputs("Usage: vgpu-fakehost PRESET-FILE DIR\n"
              "Build the fake host described by PRESET-FILE under DIR (created if missing).\n",
              out);
}

int main(int argc, char **argv)
{
        char err[1024];
        int r;

        if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
                usage(stdout);
                return 0;
        }
        if (argc != 3) {
                usage(stderr);
                return 2;
        }
        if (mkdir(argv[2], 0755) < 0 && errno != EEXIST) {
                fprintf(stderr, "vgpu-fakehost: cannot create %s: %s\n", argv[2], strerror(errno));
                return 1;
        }
        r = fakehost_build(argv[1], argv[2], err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "vgpu-fakehost: %s\n", err[0] ? err : strerror(-r));
                return 1;
        }
        return 0;
}
