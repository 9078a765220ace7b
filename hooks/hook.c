/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hook module's entry: build the context (root, config, domain), then
 * run the op.  Whatever goes wrong in an op that cannot fail without harming
 * a VM is logged and the exit status stays 0.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "hook.h"

void hook_log(const struct hook *h, int prio, const char *fmt, ...)
{
        va_list ap;

        if (h->config && prio > (int)h->config->log_level)
                return;
        va_start(ap, fmt);
        vsyslog(prio, fmt, ap);
        va_end(ap);
}

int hook_fail(const struct hook *h, const char *fmt, ...)
{
        char text[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        syslog(h->can_fail ? LOG_ERR : LOG_WARNING, "%s %s: %s", h->name, h->op, text);
        if (!h->can_fail)
                return 0;
        fprintf(stderr, "vgpu-hook: %s\n", text);
        return 1;
}

/* Domain names are the user's: keep them printable and short in logs. */
static void printable(const char *in, char *out, size_t size)
{
        size_t o = 0;

        for (const unsigned char *p = (const unsigned char *)in; *p && o + 5 < size; p++)
                o += (size_t)(isprint(*p) && *p != '\\' ? snprintf(out + o, size - o, "%c", *p)
                                                        : snprintf(out + o, size - o, "\\x%02x", *p));
        out[o] = '\0';
}

const char *hook_why(const struct vgpu_error *err, int r, const char *what, char *buf, size_t size)
{
        /* Not every failure has a position to tell: ENOMEM rarely does. */
        if (!err->text[0]) {
                snprintf(buf, size, "%s: %s", what, strerror(-r));
                return buf;
        }
        return vgpu_error_format(err, buf, size);
}

int hook_check_spec(const struct hook *h, const struct vgpu_spec *s)
{
        struct vgpu_error err = {0};
        char where[512];

        return vgpu_domain_check_spec(h->dom, s, &err) < 0
                       ? hook_fail(h, "%s", vgpu_error_format(&err, where, sizeof(where)))
                       : 0;
}

int hook_spec_profile(const struct hook *h, const struct vgpu_spec *s, struct vgpu_profile **ret)
{
        struct vgpu_error err = {0};
        char where[512], what[96];
        int r = vgpu_spec_profile(h->root, h->config, s, ret, &err);

        if (r == 0)
                return 0;
        snprintf(what, sizeof(what), "cannot read profile '%s'", s->profile ? s->profile : "");
        return hook_fail(h, "%s", hook_why(&err, r, what, where, sizeof(where)));
}

int hook_lock(const struct hook *h, struct vgpu_ledger **ret)
{
        struct vgpu_error err = {0};
        char where[512];
        int r = vgpu_ledger_lock(h->root, (int)h->config->lock_wait_ms, ret, &err);

        if (r == -ENOMEM)
                hook_fail(h, "cannot read the lease ledger: %s", strerror(-r));
        else if (r < 0)
                hook_fail(h, "the lease ledger is unusable (%s); see 'vgpuctl leases' or 'vgpuctl reconcile'",
                          hook_why(&err, r, VGPU_LEDGER_FILE, where, sizeof(where)));
        return r;
}

/* VFs and whole GPUs need the PCI devices and IOMMU groups; mdevs alone do not, nor the parents out of @near. */
int hook_load_host_near(const struct hook *h, const struct vgpu_pci_addr *near, size_t n_near, struct vgpu_host **ret)
{
        int r = vgpu_domain_wants_pci(h->dom) ? vgpu_host_load(h->root, ret)
                : n_near                      ? vgpu_host_load_mdev_near(h->root, near, n_near, ret)
                                              : vgpu_host_load_mdev(h->root, ret);

        if (r < 0)
                hook_fail(h, "cannot read the host's devices under %s: %s", vgpu_root_path(h->root), strerror(-r));
        return r;
}

int hook_load_host(const struct hook *h, struct vgpu_host **ret)
{
        return hook_load_host_near(h, NULL, 0, ret);
}

void hook_lease_init(const struct hook *h, struct vgpu_lease *lease)
{
        memset(lease, 0, sizeof(*lease));
        memcpy(lease->domain_uuid, h->dom->uuid, sizeof(lease->domain_uuid));
        lease->domain_name = h->dom->name;
        lease->hook = h->self;
        lease->libvirtd = h->libvirtd;
        lease->since = (long long)time(NULL);
}

/* The library's messages: to syslog like the hook's own, up to the configured log_level. */
__attribute__((format(printf, 6, 0))) static void lib_log(void *data, int priority, const char *file, int line,
                                                          const char *fn, const char *format, va_list args)
{
        const struct hook *h = data;
        char text[512];

        (void)file, (void)line, (void)fn;
        vsnprintf(text, sizeof(text), format, args);
        syslog(priority, "%s %s: %s", h->name, h->op, text);
}

static int setup_root(struct hook *h)
{
        struct vgpu_error err = {0};
        char where[512];
        int r = vgpu_root_new(NULL, &h->root);

        if (r < 0)
                return hook_fail(h, "cannot open the root directory: %s", strerror(-r)), r;
        r = vgpu_config_load(h->root, &h->config, &err);
        if (r < 0) {
                hook_fail(h, "%s", hook_why(&err, r, VGPU_CONFIG_PATH, where, sizeof(where)));
                return r;
        }
        /* libvirt clears the environment: a test setup names its root in the config. */
        if (h->config->root && !secure_getenv("VGPU_HOOK_ROOT")) {
                vgpu_root_unref(h->root);
                h->root = NULL;
                r = vgpu_root_new(h->config->root, &h->root);
                if (r < 0)
                        return hook_fail(h, "cannot open the configured root %s: %s", h->config->root, strerror(-r)), r;
        }
        vgpu_root_set_log_fn(h->root, lib_log, h);
        vgpu_root_set_log_priority(h->root, h->config->log_level);
        return 0;
}

static int setup(struct hook *h, const char *xml, size_t len)
{
        struct vgpu_error err = {0};
        char where[512];
        int r = vgpu_domain_parse(xml, len, &h->dom, &err);

        if (r < 0)
                return hook_fail(h, "%s", hook_why(&err, r, "domain XML", where, sizeof(where))), r;
        r = setup_root(h);
        if (r < 0)
                return r;
        vgpu_proc_id_of(h->root, getpid(), &h->self);
        vgpu_proc_id_of(h->root, getppid(), &h->libvirtd);
        return 0;
}

/*
 * release end's EXTRA: since libvirt 10.5 the reason the domain shut off
 * (virDomainShutoffReason's names, "from snapshot" with its space), before
 * it "-".  Anything else is another program's argv: logged escaped, cut short.
 */
#define REASON_KEPT 32 /* bytes of an unknown reason that are logged */
#define REASON_TEXT (4 * REASON_KEPT + 64)

static const char *const shutoff_reasons[] = {"unknown", "shutdown", "destroyed",     "crashed", "migrated",
                                              "saved",   "failed",   "from snapshot", "daemon"};

static void shutoff_reason(const char *extra, char *out, size_t size)
{
        char head[REASON_KEPT + 1], text[4 * REASON_KEPT + 5]; /* printable() writes \xNN */

        for (size_t i = 0; i < sizeof(shutoff_reasons) / sizeof(shutoff_reasons[0]); i++)
                if (strcmp(extra, shutoff_reasons[i]) == 0) {
                        snprintf(out, size, "%s", extra);
                        return;
                }
        if (!*extra || strcmp(extra, "-") == 0) {
                snprintf(out, size, "not given (libvirt before 10.5)");
                return;
        }
        snprintf(head, sizeof(head), "%s", extra);
        printable(head, text, sizeof(text));
        snprintf(out, size, "an unknown reason '%s%s'", text, strlen(extra) >= sizeof(head) ? "..." : "");
}

const char *hook_shutoff_reason(const struct hook *h)
{
        for (size_t i = 0; i < sizeof(shutoff_reasons) / sizeof(shutoff_reasons[0]); i++)
                if (strcmp(h->extra, shutoff_reasons[i]) == 0)
                        return shutoff_reasons[i];
        return !*h->extra || strcmp(h->extra, "-") == 0 ? NULL : "unknown";
}

static void log_release(const struct hook *h)
{
        char reason[REASON_TEXT];

        shutoff_reason(h->extra, reason, sizeof(reason));
        hook_log(h, LOG_INFO, "release end of domain %s %s, shut off: %s", h->dom->uuid, h->name, reason);
}

/* What an op does. */
typedef int hook_op_fn(struct hook *h);

/* The ops that do work (hook.h); start, stopped and unknown ones do none. */
#define OP_ENTRY(o, s, fn) {o, s, fn},
static const struct {
        const char *op, *subop;
        hook_op_fn *fn;
} ops[] = {VGPU_HOOK_OPS(OP_ENTRY)};
#undef OP_ENTRY

static hook_op_fn *op_handler(const char *op, const char *subop)
{
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
                if (strcmp(ops[i].op, op) == 0 && strcmp(ops[i].subop, subop) == 0)
                        return ops[i].fn;
        return NULL;
}

int vgpu_hook_run(int argc, char *argv[], const char *xml, size_t len)
{
        struct hook h = {.op = argv[2], .subop = argv[3], .extra = argc > 4 ? argv[4] : "", .xml = xml, .xml_len = len};
        hook_op_fn *run = op_handler(h.op, h.subop);
        int r = 0;

        printable(argv[1], h.name, sizeof(h.name));
        h.can_fail = strcmp(h.op, "prepare") == 0 || strcmp(h.op, "migrate") == 0 || strcmp(h.op, "restore") == 0;
        if (!run)
                return 0;
        openlog("vgpu-hook", LOG_PID, LOG_DAEMON);
        if (setup(&h, xml, len) >= 0) {
                if (run == hook_release)
                        log_release(&h);
                r = run(&h);
        } else
                r = h.can_fail ? 1 : 0;
        vgpu_domain_free(h.dom);
        vgpu_config_free(h.config);
        vgpu_root_unref(h.root);
        closelog();
        return h.can_fail ? r : 0;
}
