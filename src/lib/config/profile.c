/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Profiles: /etc/vgpu-hook/profiles.d/NAME.json, what a VM gets ("one
 * T4-4Q") and where it may be placed.  The format is documented in
 * vgpuhook-config.h.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "vgpuhook-private.h"

/* Indexed by enum vgpu_profile_kind: exactly one of them per profile. */
static const char *const kind_keys[] = {"mdev_type", "nvidia_vgpu_type", "sriov_vf", "passthrough", NULL};
static const char *const policy_names[] = {"pack", "spread", NULL};
/* Indexed by enum vgpu_profile_numa. */
static const char *const numa_names[] = {"auto", "prefer", "strict", "ignore", NULL};
static const char *const numa_modes[] = {"prefer", "strict", NULL};

static const char *const profile_keys[] = {
        "description",     "mdev_type",    "nvidia_vgpu_type", "sriov_vf", "passthrough", "addresses",
        "vendor",          "device",       "policy",           "numa",     "attrs",       "driver",
        "gpu_instance_id", "placement_id", "vgpu_params",      NULL,
};

const char *vgpu_profile_kind_name(enum vgpu_profile_kind kind)
{
        return (size_t)kind < ARRAY_SIZE(kind_keys) - 1 ? kind_keys[kind] : NULL;
}

const char *vgpu_policy_name(enum vgpu_policy policy)
{
        return (size_t)policy < ARRAY_SIZE(policy_names) - 1 ? policy_names[policy] : NULL;
}

const char *vgpu_profile_numa_name(enum vgpu_profile_numa numa)
{
        return (size_t)numa < ARRAY_SIZE(numa_names) - 1 ? numa_names[numa] : NULL;
}

static void profile_clear(struct vgpu_profile *p)
{
        free(p->name);
        free(p->description);
        free(p->mdev_type_name);
        free(p->mdev_type_id);
        free(p->nvidia_type);
        free(p->driver);
        free(p->devices);
        free(p->addresses);
        free(p->numa_nodes);
        vgpu_mdev_attrs_free(p->attrs, p->n_attrs);
        free((char *)p->nvidia.vgpu_params);
        *p = (struct vgpu_profile){0};
}

void vgpu_profile_free(struct vgpu_profile *profile)
{
        if (!profile)
                return;
        profile_clear(profile);
        free(profile);
}

void vgpu_profiles_free(struct vgpu_profiles *profiles)
{
        if (!profiles)
                return;
        for (size_t i = 0; i < profiles->n_profiles; i++)
                profile_clear(&profiles->profiles[i]);
        free(profiles->profiles);
        free(profiles->problems);
        free(profiles);
}

/* ---- the pieces of a profile --------------------------------------------- */

/* A non-empty string, copied into *ret. */
static int get_text(const struct vgpu_json_node *node, char **ret, struct vgpu_error *err)
{
        const char *s;
        int r = vgpu_json_get_string(node, &s, err);

        if (r < 0)
                return r;
        if (!*s)
                return vgpu_json_error(node, false, err, EINVAL, "expected a non-empty string");
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* Member @key of object @obj as a node; its value is NULL when absent. */
static struct vgpu_json_node member_of(const struct vgpu_json_node *obj, const char *key)
{
        return vgpu_json_member(obj, key, json_object_get(obj->value, key));
}

static int get_mdev_type(const struct vgpu_json_node *node, struct vgpu_profile *p, struct vgpu_error *err)
{
        static const char *const keys[] = {"name", "id", NULL};
        struct vgpu_json_node name = member_of(node, "name"), id = member_of(node, "id");
        int r;

        if (!json_is_object(node->value) || json_object_size(node->value) != 1)
                return vgpu_json_error(node, false, err, EINVAL,
                                       "expected {\"name\": \"GRID T4-4Q\"} or {\"id\": \"nvidia-224\"}");
        r = vgpu_json_check_keys(node, keys, err);
        if (r < 0)
                return r;
        if (name.value)
                return get_text(&name, &p->mdev_type_name, err);
        r = get_text(&id, &p->mdev_type_id, err);
        if (r >= 0 && !vgpu_mdevctl_name_valid(p->mdev_type_id))
                return vgpu_json_error(&id, false, err, EINVAL, "not a valid mdev type id");
        return r;
}

static int get_sriov_vf(const struct vgpu_json_node *node, struct vgpu_profile *p, struct vgpu_error *err)
{
        static const char *const keys[] = {"pfs", NULL};
        struct vgpu_json_node pfs = member_of(node, "pfs");
        int r = vgpu_json_expect(node, JSON_OBJECT, err);

        if (r >= 0)
                r = vgpu_json_check_keys(node, keys, err);
        if (r < 0)
                return r;
        if (!pfs.value)
                return vgpu_json_error(node, false, err, EINVAL, "key 'pfs' is missing");
        r = vgpu_json_get_pci_addrs(&pfs, &p->devices, &p->n_devices, err);
        if (r >= 0 && p->n_devices == 0)
                return vgpu_json_error(&pfs, false, err, EINVAL, "expected at least one PF address");
        return r;
}

static int get_passthrough(const struct vgpu_json_node *node, struct vgpu_profile *p, struct vgpu_error *err)
{
        static const char *const keys[] = {"devices", NULL};
        struct vgpu_json_node devices = member_of(node, "devices");
        int r = vgpu_json_expect(node, JSON_OBJECT, err);

        if (r >= 0)
                r = vgpu_json_check_keys(node, keys, err);
        if (r < 0 || !devices.value)
                return r;
        return vgpu_json_get_pci_addrs(&devices, &p->devices, &p->n_devices, err);
}

/* Which of mdev_type, nvidia_vgpu_type, sriov_vf, passthrough: exactly one. */
static int get_kind(const struct vgpu_json_node *top, struct vgpu_profile *p, struct vgpu_error *err)
{
        int found = -1;

        for (int i = 0; kind_keys[i]; i++) {
                struct vgpu_json_node node = member_of(top, kind_keys[i]);

                if (!node.value)
                        continue;
                if (found >= 0)
                        return vgpu_json_error(&node, true, err, EINVAL, "cannot be combined with '%s'",
                                               kind_keys[found]);
                found = i;
        }
        if (found < 0)
                return vgpu_json_error(top, false, err, EINVAL,
                                       "one of 'mdev_type', 'nvidia_vgpu_type', 'sriov_vf', 'passthrough' is needed");
        p->kind = (enum vgpu_profile_kind)found;
        return found;
}

static int get_device_kind(const struct vgpu_json_node *top, struct vgpu_profile *p, struct vgpu_error *err)
{
        struct vgpu_json_node node;
        int r = get_kind(top, p, err);

        if (r < 0)
                return r;
        node = member_of(top, kind_keys[r]);
        switch (p->kind) {
        case VGPU_PROFILE_MDEV:
                return get_mdev_type(&node, p, err);
        case VGPU_PROFILE_NVIDIA_VFIO:
                return get_text(&node, &p->nvidia_type, err);
        case VGPU_PROFILE_SRIOV_VF:
                return get_sriov_vf(&node, p, err);
        default:
                return get_passthrough(&node, p, err);
        }
}

/* "0x10de": a 16-bit PCI id. */
static int get_pci_id(const struct vgpu_json_node *node, int *ret, struct vgpu_error *err)
{
        unsigned long long v;

        if (!json_is_string(node->value) || strncasecmp(json_string_value(node->value), "0x", 2) != 0 ||
            vgpu_parse_hex(json_string_value(node->value), 0xffff, &v) < 0)
                return vgpu_json_error(node, false, err, EINVAL, "expected a PCI id like \"0x10de\"");
        *ret = (int)v;
        return 0;
}

static int cmp_uint(const void *a, const void *b)
{
        unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

        return x < y ? -1 : x > y;
}

static int get_numa_nodes(const struct vgpu_json_node *node, struct vgpu_profile *p, struct vgpu_error *err)
{
        size_t n = json_array_size(node->value);
        int r = vgpu_json_expect(node, JSON_ARRAY, err);

        if (r < 0)
                return r;
        if (n == 0)
                return vgpu_json_error(node, false, err, EINVAL, "expected at least one NUMA node");
        p->numa_nodes = calloc(n, sizeof(*p->numa_nodes));
        if (!p->numa_nodes)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct vgpu_json_node elem = vgpu_json_element(node, i);

                r = vgpu_json_get_uint(&elem, VGPU_PROFILE_NUMA_NODE_MAX, &p->numa_nodes[i], err);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < i; j++)
                        if (p->numa_nodes[j] == p->numa_nodes[i])
                                return vgpu_json_error(&elem, false, err, EINVAL, "listed twice");
                p->n_numa_nodes++;
        }
        vgpu_qsort(p->numa_nodes, n, sizeof(*p->numa_nodes), cmp_uint);
        return 0;
}

/* "auto" | "prefer" | "strict" | "ignore", or {"nodes": [...], "mode": ...}. */
static int get_numa(const struct vgpu_json_node *node, struct vgpu_profile *p, struct vgpu_error *err)
{
        static const char *const keys[] = {"nodes", "mode", NULL};
        struct vgpu_json_node nodes = member_of(node, "nodes"), mode = member_of(node, "mode");
        int r;

        if (!json_is_object(node->value)) {
                r = vgpu_json_get_enum(node, numa_names, err);
                p->numa = r >= 0 ? (enum vgpu_profile_numa)r : p->numa;
                return r;
        }
        r = vgpu_json_check_keys(node, keys, err);
        if (r < 0)
                return r;
        if (!nodes.value)
                return vgpu_json_error(node, false, err, EINVAL, "key 'nodes' is missing");
        p->numa = VGPU_PROFILE_NUMA_PREFER;
        if (mode.value) {
                r = vgpu_json_get_enum(&mode, numa_modes, err);
                if (r < 0)
                        return r;
                p->numa = r ? VGPU_PROFILE_NUMA_STRICT : VGPU_PROFILE_NUMA_PREFER;
        }
        return get_numa_nodes(&nodes, p, err);
}

static int get_attrs(const struct vgpu_json_node *node, struct vgpu_profile *p, struct vgpu_error *err)
{
        if (p->kind != VGPU_PROFILE_MDEV)
                return vgpu_json_error(node, true, err, EINVAL, "only 'mdev_type' profiles take attrs");
        return vgpu_json_get_attrs(node, &p->attrs, &p->n_attrs, err);
}

/* The driver a VF or whole GPU must get: a module name libvirt can bind (<driver model=>). */
static int get_driver(const struct vgpu_json_node *node, struct vgpu_profile *p, struct vgpu_error *err)
{
        const char *s;
        int r;

        if (p->kind != VGPU_PROFILE_SRIOV_VF && p->kind != VGPU_PROFILE_PASSTHROUGH)
                return vgpu_json_error(node, true, err, EINVAL,
                                       "only 'sriov_vf' and 'passthrough' profiles take a driver: mdevs and NVIDIA "
                                       "vendor-VFIO VFs keep their vendor's driver");
        r = vgpu_json_get_string(node, &s, err);
        if (r < 0)
                return r;
        if (!vgpu_kmod_name_valid(s))
                return vgpu_json_error(node, false, err, EINVAL,
                                       "not a kernel driver name (letters, digits, '_' and '-', at most %d), e.g. "
                                       "\"vfio-pci\" or \"amd-vfio-pci\"",
                                       VGPU_KMOD_NAME_MAX);
        p->driver = strdup(s);
        return p->driver ? 0 : -ENOMEM;
}

static int get_policy(const struct vgpu_json_node *node, struct vgpu_profile *p, struct vgpu_error *err)
{
        int r = vgpu_json_get_enum(node, policy_names, err);

        if (r >= 0)
                p->policy = (enum vgpu_policy)r;
        return r;
}

/* The optional members; the kind's key was read before. */
static int profile_member(const struct vgpu_json_node *member, struct vgpu_profile *p, struct vgpu_error *err)
{
        const char *key = member->key;

        if (strcmp(key, "description") == 0)
                return get_text(member, &p->description, err);
        if (strcmp(key, "addresses") == 0)
                return vgpu_json_get_pci_addrs(member, &p->addresses, &p->n_addresses, err);
        if (strcmp(key, "vendor") == 0)
                return get_pci_id(member, &p->vendor, err);
        if (strcmp(key, "device") == 0)
                return get_pci_id(member, &p->device, err);
        if (strcmp(key, "policy") == 0)
                return get_policy(member, p, err);
        if (strcmp(key, "numa") == 0)
                return get_numa(member, p, err);
        if (strcmp(key, "attrs") == 0)
                return get_attrs(member, p, err);
        if (strcmp(key, "driver") == 0)
                return get_driver(member, p, err);
        return vgpu_profile_nvidia_member(member, p, err);
}

/* What no single key can tell. */
static int profile_check(const struct vgpu_json_node *top, struct vgpu_profile *p, struct vgpu_error *err)
{
        struct vgpu_json_node node = member_of(top, "device");

        if (p->device >= 0 && p->vendor < 0)
                return vgpu_json_error(&node, true, err, EINVAL, "needs 'vendor' too: device ids are per vendor");
        node = member_of(top, "passthrough");
        if (p->kind == VGPU_PROFILE_PASSTHROUGH && !p->n_devices && !p->n_addresses && p->vendor < 0)
                return vgpu_json_error(&node, true, err, EINVAL,
                                       "needs 'devices', 'addresses' or 'vendor': it would take any GPU");
        return 0;
}

static int profile_parse(const struct vgpu_json_file *file, struct vgpu_profile *p, struct vgpu_error *err)
{
        struct vgpu_json_node top = vgpu_json_root(file);
        const char *key;
        json_t *value;
        int r = vgpu_json_check_keys(&top, profile_keys, err);

        p->vendor = p->device = -1;
        if (r >= 0)
                r = get_device_kind(&top, p, err);
        if (r < 0)
                return r;
        json_object_foreach(file->json, key, value)
        {
                struct vgpu_json_node member = vgpu_json_member(&top, key, value);

                r = profile_member(&member, p, err);
                if (r < 0)
                        return r;
        }
        return profile_check(&top, p, err);
}

/* ---- loading ------------------------------------------------------------- */

static int check_name(const char *name, const char *source, struct vgpu_error *err)
{
        if (!vgpu_profile_name_valid(name))
                return vgpu_error_set(err, EINVAL, source, 0, 0,
                                      "not a valid profile name: [a-z0-9][a-z0-9._-]*, at most %d characters",
                                      VGPU_PROFILE_NAME_MAX);
        return 0;
}

static int parse_into(const char *name, const struct vgpu_json_file *file, struct vgpu_profile *p,
                      struct vgpu_error *err)
{
        int r;

        p->name = strdup(name);
        r = p->name ? profile_parse(file, p, err) : -ENOMEM;
        if (r < 0)
                profile_clear(p);
        return r < 0 ? r : 0;
}

static int load_into(const struct vgpu_root *root, const char *name, struct vgpu_profile *p, struct vgpu_error *err)
{
        _cleanup_free_ char *path = vgpu_strdup_printf(VGPU_PROFILES_DIR "/%s.json", name);
        struct vgpu_json_file *file = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = check_name(name, path, err);
        if (r >= 0)
                r = vgpu_json_file_load(root, path, &file, err);
        if (r < 0)
                return r;
        r = parse_into(name, file, p, err);
        vgpu_json_file_free(file);
        return r;
}

int vgpu_profile_load(const struct vgpu_root *root, const char *name, struct vgpu_profile **ret_profile,
                      struct vgpu_error *err)
{
        struct vgpu_profile *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        r = load_into(root, name, p, err);
        if (r < 0) {
                free(p);
                return r;
        }
        *ret_profile = p;
        return 0;
}

int vgpu_profile_parse(const char *name, const char *source, const char *text, size_t len,
                       struct vgpu_profile **ret_profile, struct vgpu_error *err)
{
        struct vgpu_json_file *file = NULL;
        struct vgpu_profile *p = NULL;
        int r = check_name(name, source, err);

        if (r >= 0)
                r = vgpu_json_file_parse(source, text, len, &file, err);
        if (r >= 0)
                r = (p = calloc(1, sizeof(*p))) ? parse_into(name, file, p, err) : -ENOMEM;
        vgpu_json_file_free(file);
        if (r < 0) {
                free(p);
                return r;
        }
        *ret_profile = p;
        return 0;
}

/* One directory entry: NAME.json is a profile or a problem; others are skipped. */
static int load_entry(const struct vgpu_root *root, const char *entry, struct vgpu_profiles *ps)
{
        size_t len = strlen(entry);
        _cleanup_free_ char *name = NULL;
        struct vgpu_profile p = {0}, *slot;
        struct vgpu_error e;
        int r;

        if (entry[0] == '.' || len <= 5 || strcmp(entry + len - 5, ".json") != 0)
                return 0;
        name = strndup(entry, len - 5);
        if (!name)
                return -ENOMEM;
        r = load_into(root, name, &p, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return vgpu_problem_push(&ps->problems, &ps->n_problems, &e);
        slot = vgpu_array_push(&ps->profiles, &ps->n_profiles, sizeof(*slot));
        if (!slot) {
                profile_clear(&p);
                return -ENOMEM;
        }
        *slot = p;
        return 0;
}

static int cmp_profile(const void *a, const void *b)
{
        return strcmp(((const struct vgpu_profile *)a)->name, ((const struct vgpu_profile *)b)->name);
}

int vgpu_profiles_load(const struct vgpu_root *root, struct vgpu_profiles **ret_profiles)
{
        _cleanup_strv_ char **entries = NULL;
        struct vgpu_profiles *ps;
        int r = vgpu_root_list_dir(root, VGPU_PROFILES_DIR, &entries);

        if (r < 0 && r != -ENOENT)
                return r;
        ps = calloc(1, sizeof(*ps));
        if (!ps)
                return -ENOMEM;
        r = 0;
        for (char **e = entries; e && *e && r >= 0; e++)
                r = load_entry(root, *e, ps);
        if (r < 0) {
                vgpu_profiles_free(ps);
                return r;
        }
        if (ps->n_profiles)
                vgpu_qsort(ps->profiles, ps->n_profiles, sizeof(*ps->profiles), cmp_profile);
        *ret_profiles = ps;
        return 0;
}

const struct vgpu_profile *vgpu_profiles_find(const struct vgpu_profiles *profiles, const char *name)
{
        struct vgpu_profile key = {.name = (char *)name};

        if (!profiles->n_profiles)
                return NULL;
        return bsearch(&key, profiles->profiles, profiles->n_profiles, sizeof(key), cmp_profile);
}
