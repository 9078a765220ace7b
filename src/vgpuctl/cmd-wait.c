/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl wait-devices: at boot, before libvirt autostarts VMs (it never
 * retries one that failed), wait with a limit until every profile has a
 * device that serves it — an mdev parent offering its type, a VF that can
 * take its vendor-VFIO type, its PFs' VFs, its GPUs.  The NVIDIA vGPU
 * manager registers mdev parents some seconds after its service started.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vgpuctl.h"

#define DEFAULT_TIMEOUT_S 90
#define POLL_MS           250

/* A device that offers what the profile asks, whether or not it has room now. */
static bool serving(enum vgpu_fit fit)
{
        return fit != VGPU_FIT_TYPE_ABSENT && fit != VGPU_FIT_FILTERED && fit != VGPU_FIT_PINNED_ELSEWHERE;
}

/*
 * The first device serving @prof into @buf: 1, 0 when none yet, or -errno.
 * No configuration: a cordoned device is there all the same, waiting longer
 * would not change it.
 */
static int served_by(const struct vgpu_host *host, const struct vgpu_profile *prof, char *buf, size_t size)
{
        struct vgpu_mdev_request req = vgpuctl_mdev_request(prof);
        struct vgpu_pci_request preq = {.profile = prof};
        struct vgpu_placement *pl = NULL;
        struct vgpu_pci_placement *ppl = NULL;
        int r = 0;

        if (prof->kind == VGPU_PROFILE_MDEV) {
                if (vgpu_place_mdev(host, NULL, NULL, NULL, &req, &pl) < 0)
                        return -ENOMEM;
                for (size_t i = 0; i < pl->n && !r; i++)
                        if (serving(pl->candidates[i].fit))
                                r = snprintf(buf, size, "%s", pl->candidates[i].parent->name) > 0;
                vgpu_placement_free(pl);
                return r;
        }
        if (vgpu_place_pci(host, NULL, NULL, NULL, &preq, &ppl) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < ppl->n && !r; i++)
                if (serving(ppl->candidates[i].fit))
                        r = snprintf(buf, size, "%s", ppl->candidates[i].dev->name) > 0;
        vgpu_pci_placement_free(ppl);
        return r;
}

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Is standard output the journal already?  systemd sets JOURNAL_STREAM to
 * its "DEV:INODE" (children inherit it, hence the comparison).
 */
static bool stdout_is_journal(void)
{
        const char *e = secure_getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        return e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDOUT_FILENO, &st) == 0 &&
               (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* Say it on stdout and in syslog (once: not when stdout is the journal). */
static void say(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int prio, const char *fmt, ...)
{
        static int journal = -1;
        char line[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        printf("%s\n", line);
        fflush(stdout);
        if (journal < 0)
                journal = stdout_is_journal();
        if (!journal)
                syslog(prio, "wait-devices: %s", line);
}

struct waiter {
        struct vgpu_root *root;
        struct vgpu_profiles *profiles;
        bool *done; /* per profile: served already */
        size_t n_left;
        double start;
        struct vgpu_config *config; /* NULL: unreadable, no NVIDIA PFs waited for */
        bool *pf_done;              /* per PF of config->nvidia_pfs: all its VFs offer types */
        size_t n_pfs_left;
};

/* The configured NVIDIA PFs whose VFs all offer types now: marked and reported. */
static void look_pfs(struct waiter *w, const struct vgpu_host *host)
{
        char why[160], name[VGPU_PCI_ADDR_STRLEN];

        for (size_t i = 0; w->config && i < w->config->n_nvidia_pfs; i++) {
                if (w->pf_done[i] || vgpu_nvidia_pf_ready(host, &w->config->nvidia_pfs[i].pf, why, sizeof(why)) <= 0)
                        continue;
                w->pf_done[i] = true;
                w->n_pfs_left--;
                vgpu_pci_addr_format(&w->config->nvidia_pfs[i].pf, name);
                say(LOG_INFO, "NVIDIA GPU %s: every VF offers vGPU types, after %.1f s", name, now_s() - w->start);
        }
}

/* One look at the host: mark and report the profiles served now.  -errno when the host cannot be read. */
static int look(struct waiter *w)
{
        struct vgpu_host *host = NULL;
        char what[160], dev[VGPU_PCI_ADDR_STRLEN + 64];
        int r = vgpu_host_load(w->root, &host);

        if (r < 0)
                return r;
        look_pfs(w, host);
        for (size_t i = 0; i < w->profiles->n_profiles; i++) {
                const struct vgpu_profile *p = &w->profiles->profiles[i];

                if (w->done[i] || served_by(host, p, dev, sizeof(dev)) <= 0)
                        continue;
                w->done[i] = true;
                w->n_left--;
                say(LOG_INFO, "profile %s: %s on %s, after %.1f s", p->name,
                    vgpuctl_profile_what(p, what, sizeof(what)), dev, now_s() - w->start);
        }
        vgpu_host_free(host);
        return 0;
}

static void report_pfs(const struct waiter *w, int timeout_s)
{
        struct vgpu_host *host = NULL;
        char why[160] = "the host cannot be read", name[VGPU_PCI_ADDR_STRLEN];

        (void)vgpu_host_load(w->root, &host);
        for (size_t i = 0; w->config && i < w->config->n_nvidia_pfs; i++) {
                if (w->pf_done[i])
                        continue;
                if (host)
                        vgpu_nvidia_pf_ready(host, &w->config->nvidia_pfs[i].pf, why, sizeof(why));
                vgpu_pci_addr_format(&w->config->nvidia_pfs[i].pf, name);
                say(LOG_ERR, "NVIDIA GPU %s: %s after %d s; VMs on it will fail to start", name, why, timeout_s);
        }
        vgpu_host_free(host);
}

static int report_missing(const struct waiter *w, int timeout_s)
{
        char what[160];

        report_pfs(w, timeout_s);
        for (size_t i = 0; i < w->profiles->n_profiles; i++)
                if (!w->done[i])
                        say(LOG_ERR, "profile %s: no device offers %s after %d s; VMs using it will fail to start",
                            w->profiles->profiles[i].name,
                            vgpuctl_profile_what(&w->profiles->profiles[i], what, sizeof(what)), timeout_s);
        return VGPUCTL_FAILED;
}

static int wait_all(struct waiter *w, int timeout_s)
{
        struct timespec pause = {.tv_nsec = POLL_MS * 1000000L};

        for (;;) {
                int r = look(w);

                if (r < 0 && now_s() - w->start >= timeout_s) {
                        say(LOG_ERR, "cannot read the host under %s: %s", vgpu_root_path(w->root), strerror(-r));
                        return VGPUCTL_FAILED;
                }
                if (w->n_pfs_left && now_s() - w->start >= timeout_s)
                        return report_missing(w, timeout_s);
                if (w->n_pfs_left) {
                        nanosleep(&pause, NULL);
                        continue;
                }
                if (!w->n_left && !w->profiles->n_profiles) {
                        say(LOG_INFO, "no profiles in %s: nothing to wait for", VGPU_PROFILES_DIR);
                        return VGPUCTL_OK;
                }
                if (!w->n_left) {
                        say(LOG_INFO, "all %zu profile%s their devices, after %.1f s", w->profiles->n_profiles,
                            w->profiles->n_profiles == 1 ? " has" : "s have", now_s() - w->start);
                        return VGPUCTL_OK;
                }
                if (now_s() - w->start >= timeout_s)
                        return report_missing(w, timeout_s);
                nanosleep(&pause, NULL);
        }
}

/* The profiles to wait for; a bad profile file is named and left out (it must not hold up the boot). */
static int load_profiles(struct vgpu_root *root, struct vgpu_profiles **ret)
{
        char where[512];
        int r = vgpu_profiles_load(root, ret);

        if (r < 0)
                return vgpuctl_fail("cannot read %s: %s", VGPU_PROFILES_DIR, strerror(-r));
        for (size_t i = 0; i < (*ret)->n_problems; i++)
                say(LOG_WARNING, "%s: not waited for", vgpu_error_format(&(*ret)->problems[i], where, sizeof(where)));
        return VGPUCTL_OK;
}

/* The configured NVIDIA PFs to wait for; an unreadable configuration is named and waits for none. */
static void load_config(struct waiter *w)
{
        struct vgpu_error err = {0};
        char where[512];

        if (vgpu_config_load(w->root, &w->config, &err) < 0) {
                w->config = NULL;
                say(LOG_WARNING, "%s: no NVIDIA GPU waited for", vgpu_error_format(&err, where, sizeof(where)));
        }
        w->n_pfs_left = w->config ? w->config->n_nvidia_pfs : 0;
        w->pf_done = calloc(w->n_pfs_left + 1, sizeof(*w->pf_done));
}

static int parse_timeout(const char *s, int *ret)
{
        unsigned long long v;

        if (vgpu_parse_uint(s, 86400, &v) < 0)
                return vgpuctl_usage_error("--timeout takes seconds, 0 to 86400 ('%s')", s);
        *ret = (int)v;
        return VGPUCTL_OK;
}

static void help(void)
{
        printf("Usage: vgpuctl wait-devices [--timeout SECONDS] [--root DIR]\n"
               "\n"
               "Wait until every profile has a device that serves it (an mdev parent\n"
               "offering its type, a VF, a GPU), and every VF of the NVIDIA GPUs of\n"
               "\"nvidia_vfs\" offers vGPU types, at most SECONDS (default %d): what the\n"
               "boot unit runs before libvirt starts, which never retries an autostarted\n"
               "VM.  Says what appeared, and when; exit 1 naming the profiles still\n"
               "without a device at the limit.\n",
               DEFAULT_TIMEOUT_S);
}

int vgpuctl_wait_devices(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const struct option opts[] = {
                {"timeout", required_argument, NULL, 't'},
                {"root", required_argument, NULL, 'r'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        struct waiter w = {0};
        int c, r, timeout_s = DEFAULT_TIMEOUT_S;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (c == 't' && parse_timeout(optarg, &timeout_s) != VGPUCTL_OK)
                        return VGPUCTL_USAGE;
                else if (c == 'r')
                        ctx.root = optarg;
                else if (c == 'h')
                        return help(), VGPUCTL_OK;
                else if (c != 't')
                        return VGPUCTL_USAGE;
        }
        if (optind < argc)
                return vgpuctl_usage_error("wait-devices takes no arguments ('%s')", argv[optind]);
        openlog("vgpuctl", LOG_PID, LOG_DAEMON);
        w.start = now_s();
        r = vgpuctl_root_new(&ctx, &w.root);
        if (r < 0)
                return vgpuctl_fail("cannot open the root directory: %s", strerror(-r));
        r = load_profiles(w.root, &w.profiles);
        if (r != VGPUCTL_OK) {
                vgpu_root_unref(w.root);
                return r;
        }
        w.n_left = w.profiles->n_profiles;
        w.done = calloc(w.n_left + 1, sizeof(*w.done));
        load_config(&w);
        r = w.done && w.pf_done ? wait_all(&w, timeout_s) : vgpuctl_fail("out of memory");
        free(w.done);
        free(w.pf_done);
        vgpu_config_free(w.config);
        vgpu_profiles_free(w.profiles);
        vgpu_root_unref(w.root);
        return r;
}
