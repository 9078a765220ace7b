/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KSHIM_CONFIG_H
#define KSHIM_CONFIG_H

#include <stdbool.h>

/*
 * The "root" of /etc/vgpu-hook/vgpu-hook.conf, realpath'd into ROOT
 * (PATH_MAX), unless absent or "/".  libvirt runs hooks with a cleared
 * environment (LD_PRELOAD survives, VGPU_HOOK_ROOT does not), so under a
 * real libvirtd the shim finds the simulated host where the hook does.
 */
bool ks_config_root(char *root);

#endif
