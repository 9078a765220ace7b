/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpuhook: the JSON files an admin writes or mdevctl shares with us —
 * /etc/vgpu-hook/vgpu-hook.conf, /etc/vgpu-hook/profiles.d/NAME.json and
 * /etc/mdevctl.d/<parent>/<uuid>.  Included by vgpuhook.h; same conventions.
 */
#ifndef VGPUHOOK_CONFIG_H
#define VGPUHOOK_CONFIG_H

#endif
