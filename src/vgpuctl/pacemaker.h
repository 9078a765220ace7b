/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpuctl pacemaker: what cmd-pacemaker.c and pacemaker-crm.c share. */
#ifndef VGPUCTL_PACEMAKER_H
#define VGPUCTL_PACEMAKER_H

#include "vgpuctl.h"

/* Utilization attributes are "vgpu_" and the profile's name. */
#define VGPUCTL_PCMK_PREFIX "vgpu_"

/* Environment variables naming the tools (tests give recording fakes). */
#define VGPUCTL_CRM_ATTRIBUTE_ENV "VGPUCTL_CRM_ATTRIBUTE"
#define VGPUCTL_CRM_RESOURCE_ENV  "VGPUCTL_CRM_RESOURCE"

/* The tool $@env names (secure_getenv), else @name, found in PATH. */
const char *vgpuctl_crm_tool(const char *env, const char *name);

/*
 * Run @tool with @argv, its stdout and stderr captured into new strings
 * (*ret_out, *ret_err; free()).  Returns its exit status (128 + signal when
 * killed), or -errno when it could not run (-ENOENT: no such program).
 */
int vgpuctl_crm_run(const char *tool, char *const argv[], char **ret_out, char **ret_err);

/* Keep the first line of @s, without trailing blanks (in place). */
void vgpuctl_crm_trim(char *s);

/*
 * Print one sentence for a tool that failed (@r from vgpuctl_crm_run(), @err
 * its stderr or NULL): "@what: TOOL exited N: its first line", or why it did
 * not run.  Returns VGPUCTL_FAILED.
 */
int vgpuctl_crm_failed(const char *tool, int r, char *err, const char *what);

#endif
