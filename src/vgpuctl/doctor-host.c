/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpuctl doctor: our own configuration — VF counts, profiles, config — and the license server. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "doctor.h"

#define LICENSE_PORT       "443" /* NLS; legacy license servers listen on 7070 */
#define LICENSE_TIMEOUT_MS 3000

void doctor_vf_counts(const struct doctor *d, struct doctor_result *res)
{
        _cleanup_free_ struct vgpu_vf_count *v = NULL;
        size_t len = 0, bad = 0;
        int n;

        if (!d->config) {
                doctor_set(res, DOCTOR_SKIP, "VF counts: not judged, the configuration does not load");
                return;
        }
        if (!d->config->n_sriov_vfs) {
                doctor_set(res, DOCTOR_OK, "VF counts: none configured (sriov_vfs)");
                return;
        }
        n = vgpu_vf_counts_check(d->host, d->config, d->ledger, &v);
        if (n < 0) {
                doctor_set(res, DOCTOR_FAIL, "VF counts: %s", strerror(-n));
                return;
        }
        for (int i = 0; i < n; i++) {
                char line[512];

                if (v[i].state == VGPU_VF_COUNT_OK)
                        continue;
                bad++;
                vgpu_vf_count_describe(&v[i], true, line, sizeof(line));
                len += (size_t)snprintf(res->what + len, sizeof(res->what) - len, "%s%s", len ? "; " : "", line);
                if (len >= sizeof(res->what))
                        break;
        }
        if (!bad) {
                doctor_set(res, DOCTOR_OK, "VF counts as configured on %d PF%s", n, n == 1 ? "" : "s");
                return;
        }
        res->status = DOCTOR_FAIL;
        doctor_fix(res, "vgpuctl sriov apply (the boot unit runs it before libvirt starts)");
}

/* The first address of @p's lists that names nothing here, formatted into @missing; false if none. */
static bool profile_absent(const struct vgpu_host *host, const struct vgpu_profile *p, char *missing)
{
        size_t i = vgpu_host_absent_pci(host, p->addresses, p->n_addresses, 0);
        size_t j = vgpu_host_absent_pci(host, p->devices, p->n_devices, 0);

        if (i < p->n_addresses)
                vgpu_pci_addr_format(&p->addresses[i], missing);
        else if (j < p->n_devices)
                vgpu_pci_addr_format(&p->devices[j], missing);
        return i < p->n_addresses || j < p->n_devices;
}

/* A cordon or a profile's device list that names nothing here protects or pins nothing: say which. */
static bool names_absent(const struct doctor *d, struct doctor_result *res)
{
        char missing[VGPU_PCI_ADDR_STRLEN];

        for (size_t i = 0; i < d->config->n_cordoned; i++)
                if (!vgpu_host_has_device(d->host, d->config->cordoned[i])) {
                        doctor_set(res, DOCTOR_FAIL, "\"cordoned\" names %s, which is not on this host",
                                   d->config->cordoned[i]);
                        doctor_fix(res, "correct or remove it in %s ('lspci -D' lists the addresses)",
                                   VGPU_CONFIG_PATH);
                        return true;
                }
        for (size_t i = 0; i < d->profiles->n_profiles; i++) {
                const struct vgpu_profile *p = &d->profiles->profiles[i];

                if (!profile_absent(d->host, p, missing))
                        continue;
                doctor_set(res, DOCTOR_FAIL, "profile %s names %s, which is not on this host", p->name, missing);
                doctor_fix(res, "correct the address in the profile ('lspci -D' lists them; vgpuctl profile check %s)",
                           p->name);
                return true;
        }
        return false;
}

void doctor_config(const struct doctor *d, struct doctor_result *res)
{
        char where[512];

        if (!d->config) {
                doctor_set(res, DOCTOR_FAIL, "configuration invalid: %s", d->config_error);
                doctor_fix(res, "correct %s at the position given", VGPU_CONFIG_PATH);
                return;
        }
        if (!d->profiles) {
                doctor_set(res, DOCTOR_FAIL, "profiles cannot be read from %s", VGPU_PROFILES_DIR);
                doctor_fix(res, "make %s a readable directory", VGPU_PROFILES_DIR);
                return;
        }
        if (d->profiles->n_problems) {
                doctor_set(res, DOCTOR_FAIL, "profile invalid: %s%s",
                           vgpu_error_format(&d->profiles->problems[0], where, sizeof(where)),
                           d->profiles->n_problems > 1 ? " (and others: vgpuctl profiles)" : "");
                doctor_fix(res, "correct the profile at the position given (vgpuctl profile check validates it)");
                return;
        }
        if (names_absent(d, res))
                return;
        doctor_set(res, DOCTOR_OK, "configuration and %zu profile%s valid", d->profiles->n_profiles,
                   d->profiles->n_profiles == 1 ? "" : "s");
}

/* HOST, HOST:PORT, [V6]:PORT or [V6] into @host and @port. */
static int split_server(const char *s, char *host, size_t hsize, char *port, size_t psize)
{
        const char *colon = strrchr(s, ':');

        if (*s == '[') {
                const char *end = strchr(s, ']');

                if (!end || (end[1] && end[1] != ':'))
                        return -EINVAL;
                snprintf(host, hsize, "%.*s", (int)(end - s - 1), s + 1);
                colon = end[1] ? end + 1 : NULL;
        } else if (colon && strchr(s, ':') != colon) {
                colon = NULL; /* a bare IPv6 address */
                snprintf(host, hsize, "%s", s);
        } else {
                snprintf(host, hsize, "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
        }
        snprintf(port, psize, "%s", colon ? colon + 1 : LICENSE_PORT);
        return *host && vgpu_parse_int(port, 1, 65535, &(long long){0}) == 0 ? 0 : -EINVAL;
}

bool doctor_license_valid(const char *server)
{
        char host[256], port[32];

        return split_server(server, host, sizeof(host), port, sizeof(port)) == 0;
}

/* Connect to @ai within the timeout: 0 or -errno. */
static int try_connect(const struct addrinfo *ai)
{
        struct pollfd p = {.events = POLLOUT};
        int err = 0, r;
        socklen_t len = sizeof(err);

        p.fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (p.fd < 0)
                return -errno;
        r = connect(p.fd, ai->ai_addr, ai->ai_addrlen);
        if (r < 0 && errno == EINPROGRESS) {
                r = poll(&p, 1, LICENSE_TIMEOUT_MS);
                if (r == 0)
                        err = ETIMEDOUT;
                else if (r < 0 || getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        err = errno;
        } else if (r < 0) {
                err = errno;
        }
        close(p.fd);
        return -err;
}

void doctor_license(const struct doctor *d, struct doctor_result *res)
{
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ais = NULL;
        char host[256], port[32];
        int r = -EHOSTUNREACH, g;

        if (split_server(d->license, host, sizeof(host), port, sizeof(port)) < 0) {
                doctor_set(res, DOCTOR_FAIL, "license server '%s' is not HOST[:PORT]", d->license);
                doctor_fix(res, "give --license-server HOST[:PORT] (NLS listens on 443, legacy servers on 7070)");
                return;
        }
        g = getaddrinfo(host, port, &hints, &ais);
        for (const struct addrinfo *ai = ais; !g && ai && r < 0; ai = ai->ai_next)
                r = try_connect(ai);
        if (ais)
                freeaddrinfo(ais);
        if (!g && r == 0) {
                doctor_set(res, DOCTOR_OK, "license server %s port %s reachable over TCP", host, port);
                return;
        }
        doctor_set(res, DOCTOR_FAIL, "license server %s port %s not reachable: %s", host, port,
                   g ? gai_strerror(g) : strerror(-r));
        doctor_fix(res, "check the address, the port (NLS: 443, legacy: 7070) and the firewall; the guests, which "
                        "hold the licenses, must reach it");
}
