/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PCI ID database (pci.ids, as lspci reads it): the model names of the
 * host's PCI functions.  Read under the root like every host file, only
 * when a command asks (the hook never does: names are for people).
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vgpuhook-private.h"

/* Where Debian (pci.ids) and Fedora (hwdata) keep it. */
static const char *const pci_ids_paths[] = {"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"};

static void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

static FILE *open_pci_ids(const struct vgpu_root *root)
{
        for (size_t i = 0; i < ARRAY_SIZE(pci_ids_paths); i++) {
                int fd = vgpu_root_open(root, pci_ids_paths[i], O_RDONLY | O_CLOEXEC);
                FILE *f;

                if (fd < 0)
                        continue;
                f = fdopen(fd, "r");
                if (f)
                        return f;
                close(fd);
        }
        return NULL;
}

/* "10de  NVIDIA Corporation" (@indent 0) or "\t1eb8  TU104GL [Tesla T4]" (@indent 1): the id, the name in *name. */
static int id_line(char *line, int indent, char **name)
{
        unsigned long long id;
        char hex[5];

        for (int i = 0; i < indent; i++)
                if (line[i] != '\t')
                        return -1;
        line += indent;
        if (line[0] == '\t' || strlen(line) < 7 || line[4] != ' ' || line[5] != ' ')
                return -1;
        memcpy(hex, line, 4);
        hex[4] = '\0';
        if (vgpu_parse_hex(hex, 0xffff, &id) < 0)
                return -1;
        *name = line + 6;
        (*name)[strcspn(*name, "\n")] = '\0';
        return (int)id;
}

static void name_devices(struct vgpu_host *host, int vendor, int device, const char *name)
{
        for (size_t i = 0; i < host->n_pci; i++) {
                struct vgpu_pci_dev *d = &host->pci[i];

                if (d->vendor == vendor && d->device == device && !d->model)
                        d->model = strdup(name);
        }
}

int vgpu_host_load_models(struct vgpu_host *host)
{
        _cleanup_(fclosep) FILE *f = open_pci_ids(host->root);
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        int vendor = -1;
        char *name;

        if (!f) {
                vgpu_dbg(host->root, "no PCI ID database (pci.ids): devices are named by their ids");
                return 0;
        }
        while (getline(&line, &size, f) > 0) {
                int id;

                if (line[0] == 'C' && line[1] == ' ')
                        break; /* the device classes follow the vendors */
                if ((id = id_line(line, 0, &name)) >= 0)
                        vendor = id;
                else if (vendor >= 0 && (id = id_line(line, 1, &name)) >= 0)
                        name_devices(host, vendor, id, name);
        }
        return 0;
}

const char *vgpu_pci_dev_model_short(const struct vgpu_pci_dev *dev, char *buf, size_t size)
{
        const char *open = dev->model ? strrchr(dev->model, '[') : NULL;
        const char *close = open ? strchr(open, ']') : NULL;

        if (close && close > open + 1)
                snprintf(buf, size, "%.*s", (int)(close - open - 1), open + 1);
        else if (dev->model)
                snprintf(buf, size, "%s", dev->model);
        else if (dev->vendor >= 0 && dev->device >= 0)
                snprintf(buf, size, "%04x:%04x", dev->vendor, dev->device);
        else
                snprintf(buf, size, "?");
        return buf;
}
