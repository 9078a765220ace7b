/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replay: run a fuzz target once on each file named on the command line
 * (corpus and regression inputs), without libFuzzer.  A crash or a broken
 * invariant aborts, which fails the test.
 */
#include "config.h"

#include <errno.h>

#include "fuzz.h"

static int replay(const char *path)
{
        _cleanup_free_ uint8_t *buf = NULL;
        FILE *f = fopen(path, "rb");
        long len;

        if (!f || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                if (f)
                        fclose(f);
                return -1;
        }
        buf = malloc((size_t)len + 1);
        if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
                fprintf(stderr, "%s: cannot read\n", path);
                fclose(f);
                return -1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t)len);
        return 0;
}

int main(int argc, char *argv[])
{
        int bad = 0;

        for (int i = 1; i < argc; i++)
                bad += replay(argv[i]) < 0;
        printf("%d inputs replayed, %d unreadable\n", argc - 1 - bad, bad);
        return bad ? EXIT_FAILURE : EXIT_SUCCESS;
}
