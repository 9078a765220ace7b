/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /etc/vgpu-hook/vgpu-hook.conf: the few settings of the hook and vgpuctl.
 * libvirt runs the hook with a cleared environment, so this file is the only
 * way to change its behaviour (debug logging, a test root).
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "vgpuhook-private.h"

#define LOCK_WAIT_MS_DEFAULT       5000
#define LOCK_WAIT_MS_MAX           60000 /* libvirt's domain lock is held meanwhile */
#define RELEASE_RETRIES_DEFAULT    3
#define RELEASE_RETRIES_MAX        100
#define QUARANTINE_CRASHES_DEFAULT 3
#define QUARANTINE_CRASHES_MAX     100
#define QUARANTINE_WINDOW_DEFAULT  600
#define QUARANTINE_WINDOW_MAX      604800 /* a week */
#define NUM_VFS_MAX                65535  /* sriov_totalvfs is 16 bits */

static const char *const log_names[] = {"err", "warning", "info", "debug", NULL};
static const enum vgpu_log_level log_levels[] = {VGPU_LOG_ERR, VGPU_LOG_WARNING, VGPU_LOG_INFO, VGPU_LOG_DEBUG};

const char *vgpu_log_level_name(enum vgpu_log_level level)
{
        for (size_t i = 0; i < ARRAY_SIZE(log_levels); i++)
                if (log_levels[i] == level)
                        return log_names[i];
        return NULL;
}

void vgpu_config_free(struct vgpu_config *config)
{
        if (!config)
                return;
        for (size_t i = 0; i < config->n_cordoned; i++)
                free(config->cordoned[i]);
        free(config->cordoned);
        free(config->sriov_vfs);
        free(config->nvidia_pfs);
        free(config->root);
        free(config);
}

int vgpu_config_new_default(struct vgpu_config **ret_config)
{
        struct vgpu_config *config = calloc(1, sizeof(*config));

        if (!config)
                return -ENOMEM;
        config->lock_wait_ms = LOCK_WAIT_MS_DEFAULT;
        config->release_retries = RELEASE_RETRIES_DEFAULT;
        config->quarantine_crashes = QUARANTINE_CRASHES_DEFAULT;
        config->quarantine_crash_window_s = QUARANTINE_WINDOW_DEFAULT;
        config->log_level = VGPU_LOG_INFO;
        *ret_config = config;
        return 0;
}

bool vgpu_config_is_cordoned(const struct vgpu_config *config, const char *name)
{
        _cleanup_free_ char *canon = vgpu_device_name_canonical(name);

        for (size_t i = 0; canon && i < config->n_cordoned; i++)
                if (strcmp(config->cordoned[i], canon) == 0)
                        return true;
        return false;
}

static int get_cordoned(const struct vgpu_json_node *node, struct vgpu_config *config, struct vgpu_error *err)
{
        size_t n = json_array_size(node->value);
        int r = vgpu_json_expect(node, JSON_ARRAY, err);

        if (r < 0)
                return r;
        config->cordoned = calloc(n + 1, sizeof(char *));
        if (!config->cordoned)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct vgpu_json_node elem = vgpu_json_element(node, i);
                const char *s;

                r = vgpu_json_get_string(&elem, &s, err);
                if (r < 0)
                        return r;
                if (!vgpu_mdevctl_name_valid(s))
                        return vgpu_json_error(&elem, false, err, EINVAL, "expected an mdev parent or PCI address");
                if (vgpu_config_is_cordoned(config, s))
                        return vgpu_json_error(&elem, false, err, EINVAL, "listed twice");
                config->cordoned[i] = vgpu_device_name_canonical(s);
                if (!config->cordoned[i])
                        return -ENOMEM;
                config->n_cordoned++;
        }
        return 0;
}

/* Items that begin with their PF's address, by address. */
static int cmp_pf(const void *a, const void *b)
{
        return vgpu_pci_addr_cmp(a, b);
}

/* A profile number in 0..@max (vram_quota: bytes, up to what JSON holds). */
static int get_profile_number(const struct vgpu_json_node *obj, const char *key, json_int_t max, int64_t *ret,
                              struct vgpu_error *err)
{
        json_t *value = json_object_get(obj->value, key);
        struct vgpu_json_node node = vgpu_json_member(obj, key, value);
        json_int_t v;

        if (!value)
                return 0;
        if (!json_is_integer(value) || (v = json_integer_value(value)) < 0 || v > max)
                return vgpu_json_error(&node, false, err, EINVAL, "expected an integer from 0 to %lld", (long long)max);
        *ret = v;
        return 0;
}

/* sched_priority: a VF's is "low" or "normal"; xe gives "high" only to the PF. */
static int get_priority(const struct vgpu_json_node *obj, int *ret, struct vgpu_error *err)
{
        static const char *const names[] = {"low", "normal", NULL};
        json_t *value = json_object_get(obj->value, "sched_priority");
        struct vgpu_json_node node = vgpu_json_member(obj, "sched_priority", value);
        int r;

        if (!value)
                return 0;
        if (json_is_string(value) && strcmp(json_string_value(value), "high") == 0)
                return vgpu_json_error(&node, false, err, EINVAL,
                                       "the xe driver gives \"high\" to the PF only: use \"low\" or \"normal\"");
        if ((r = vgpu_json_get_enum(&node, names, err)) < 0)
                return r;
        *ret = r;
        return 0;
}

/* {"vfs": N, "exec_quantum_ms": …, "preempt_timeout_us": …, "sched_priority": …, "vram_quota": …}: an xe PF. */
static int get_pf_object(const struct vgpu_json_node *node, struct vgpu_sriov_vf_count *c, struct vgpu_error *err)
{
        static const char *const keys[] = {
                "vfs", "exec_quantum_ms", "preempt_timeout_us", "sched_priority", "vram_quota", NULL};
        json_t *vfs = json_object_get(node->value, "vfs");
        struct vgpu_json_node member = vgpu_json_member(node, "vfs", vfs);
        int r;

        if ((r = vgpu_json_check_keys(node, keys, err)) < 0)
                return r;
        if (!vfs)
                return vgpu_json_error(node, false, err, EINVAL, "missing \"vfs\": the VF count of this PF");
        if ((r = vgpu_json_get_uint(&member, NUM_VFS_MAX, &c->num_vfs, err)) < 0 ||
            (r = get_profile_number(node, "exec_quantum_ms", UINT32_MAX, &c->xe.exec_quantum_ms, err)) < 0 ||
            (r = get_profile_number(node, "preempt_timeout_us", UINT32_MAX, &c->xe.preempt_timeout_us, err)) < 0 ||
            (r = get_profile_number(node, "vram_quota", INT64_MAX, &c->xe.vram_quota, err)) < 0)
                return r;
        return get_priority(node, &c->xe.sched_priority, err);
}

int vgpu_config_pf_map(const struct vgpu_json_node *node, size_t size, void **items, size_t *n, const char *example,
                       int (*read_value)(const struct vgpu_json_node *member, void *item, struct vgpu_error *err),
                       struct vgpu_error *err)
{
        const char *key;
        json_t *value;
        int r = vgpu_json_expect(node, JSON_OBJECT, err);

        if (r < 0)
                return r;
        *items = calloc(json_object_size(node->value) + 1, size);
        if (!*items)
                return -ENOMEM;
        json_object_foreach(node->value, key, value)
        {
                struct vgpu_json_node member = vgpu_json_member(node, key, value);
                char *item = (char *)*items + *n * size;

                if (vgpu_pci_addr_read(key, (struct vgpu_pci_addr *)item) < 0)
                        return vgpu_json_error(&member, true, err, EINVAL, "not a PCI address like \"%s\" or \"%s\"",
                                               example, example + 5);
                for (size_t i = 0; i < *n; i++)
                        if (cmp_pf((char *)*items + i * size, item) == 0)
                                return vgpu_json_error(&member, true, err, EINVAL, "the same PF as an earlier key");
                if ((r = read_value(&member, item, err)) < 0)
                        return r;
                (*n)++;
        }
        vgpu_qsort(*items, *n, size, cmp_pf);
        return 0;
}

/* One value of "sriov_vfs": a VF count, or an object with the count and xe's VF profile. */
static int read_vf_count(const struct vgpu_json_node *member, void *item, struct vgpu_error *err)
{
        struct vgpu_sriov_vf_count *c = item;

        c->xe = (struct vgpu_xe_profile){-1, -1, -1, -1};
        if (json_is_object(member->value))
                return get_pf_object(member, c, err);
        return vgpu_json_get_uint(member, NUM_VFS_MAX, &c->num_vfs, err);
}

static int get_sriov_vfs(const struct vgpu_json_node *node, struct vgpu_config *config, struct vgpu_error *err)
{
        return vgpu_config_pf_map(node, sizeof(*config->sriov_vfs), (void **)&config->sriov_vfs, &config->n_sriov_vfs,
                                  "0000:86:00.0", read_vf_count, err);
}

static int get_root(const struct vgpu_json_node *node, struct vgpu_config *config, struct vgpu_error *err)
{
        const char *s;
        int r = vgpu_json_get_string(node, &s, err);

        if (r < 0)
                return r;
        if (s[0] != '/' || strlen(s) >= PATH_MAX)
                return vgpu_json_error(node, false, err, EINVAL, "expected an absolute path");
        config->root = strdup(s);
        return config->root ? 0 : -ENOMEM;
}

static int get_log_level(const struct vgpu_json_node *node, struct vgpu_config *config, struct vgpu_error *err)
{
        int r = vgpu_json_get_enum(node, log_names, err);

        if (r < 0)
                return r;
        config->log_level = log_levels[r];
        return 0;
}

static int get_window(const struct vgpu_json_node *node, struct vgpu_config *config, struct vgpu_error *err)
{
        int r = vgpu_json_get_uint(node, QUARANTINE_WINDOW_MAX, &config->quarantine_crash_window_s, err);

        if (r == 0 && config->quarantine_crash_window_s == 0)
                return vgpu_json_error(node, false, err, EINVAL, "0 is out of range: expected 1 to %u",
                                       QUARANTINE_WINDOW_MAX);
        return r;
}

static const char *const config_keys[] = {
        "profiles_only",
        "lock_wait_ms",
        "release_retries",
        "quarantine_crashes",
        "quarantine_crash_window_s",
        "log_level",
        "cordoned",
        "sriov_vfs",
        "nvidia_vfs",
        "root",
        NULL,
};

static int config_member(const struct vgpu_json_node *member, struct vgpu_config *config, struct vgpu_error *err)
{
        const char *key = member->key;

        if (strcmp(key, "profiles_only") == 0)
                return vgpu_json_get_bool(member, &config->profiles_only, err);
        if (strcmp(key, "lock_wait_ms") == 0)
                return vgpu_json_get_uint(member, LOCK_WAIT_MS_MAX, &config->lock_wait_ms, err);
        if (strcmp(key, "release_retries") == 0)
                return vgpu_json_get_uint(member, RELEASE_RETRIES_MAX, &config->release_retries, err);
        if (strcmp(key, "quarantine_crashes") == 0)
                return vgpu_json_get_uint(member, QUARANTINE_CRASHES_MAX, &config->quarantine_crashes, err);
        if (strcmp(key, "quarantine_crash_window_s") == 0)
                return get_window(member, config, err);
        if (strcmp(key, "log_level") == 0)
                return get_log_level(member, config, err);
        if (strcmp(key, "cordoned") == 0)
                return get_cordoned(member, config, err);
        if (strcmp(key, "sriov_vfs") == 0)
                return get_sriov_vfs(member, config, err);
        if (strcmp(key, "nvidia_vfs") == 0)
                return vgpu_config_nvidia_pfs(member, config, err);
        return get_root(member, config, err);
}

static int config_parse(const struct vgpu_json_file *file, struct vgpu_config *config, struct vgpu_error *err)
{
        struct vgpu_json_node top = vgpu_json_root(file);
        const char *key;
        json_t *value;
        int r = vgpu_json_check_keys(&top, config_keys, err);

        if (r < 0)
                return r;
        json_object_foreach(file->json, key, value)
        {
                struct vgpu_json_node member = vgpu_json_member(&top, key, value);

                r = config_member(&member, config, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Defaults overridden by @file (NULL: none). */
static int config_from_file(const struct vgpu_json_file *file, struct vgpu_config **ret_config, struct vgpu_error *err)
{
        struct vgpu_config *config = NULL;
        int r = vgpu_config_new_default(&config);

        if (r >= 0 && file)
                r = config_parse(file, config, err);
        if (r < 0) {
                vgpu_config_free(config);
                return r;
        }
        *ret_config = config;
        return 0;
}

int vgpu_config_parse(const char *source, const char *text, size_t len, struct vgpu_config **ret_config,
                      struct vgpu_error *err)
{
        struct vgpu_json_file *file = NULL;
        int r = vgpu_json_file_parse(source, text, len, &file, err);

        if (r >= 0)
                r = config_from_file(file, ret_config, err);
        vgpu_json_file_free(file);
        return r;
}

int vgpu_config_load(const struct vgpu_root *root, struct vgpu_config **ret_config, struct vgpu_error *err)
{
        struct vgpu_json_file *file = NULL;
        struct vgpu_error e;
        int r = vgpu_json_file_load(root, VGPU_CONFIG_PATH, &file, &e);

        if (r < 0 && r != -ENOENT) {
                if (err)
                        *err = e;
                return r;
        }
        r = config_from_file(file, ret_config, err);
        vgpu_json_file_free(file);
        return r;
}
