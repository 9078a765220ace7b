#!/bin/bash
# Golden placement tables for NVIDIA vendor VFIO (issue 22): the real
# vgpu-hook prepares domains one after another on the simulated H200-like
# GPUs in equal-size, mixed-size and MIG-backed mode (id-first
# creatable_vgpu_types rows) and on the L40S-like GPU (name-first rows); each
# table lists every step's outcome (the type, instance and placement the
# driver gave, or the hook's sentence for its refusal) and then every VF as
# the driver shows it.  VGPU_GOLDEN_UPDATE=1 rewrites the tables: review the diff.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"

X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-xml-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT
n=0

nv() { cat "$ROOT/sys/bus/pci/devices/$1/nvidia/$2"; }
# The names of what a VF can create now, in the driver's order ("-": none).
creatable() {
        local names
        names=$(sed -n 's/^ *[0-9][0-9]* *: *//p; s/^\(NVIDIA .*[^ ]\)  *[0-9][0-9]*$/\1/p' \
                "$ROOT/sys/bus/pci/devices/$1/nvidia/creatable_vgpu_types" | sed 's/^NVIDIA //' | paste -sd, -)
        echo "${names:--}"
}
# step VF PROFILE: a domain of its own takes VF with PROFILE; one row of the table
step() {
        local vf=$1 prof=$2 name uuid result
        n=$((n + 1))
        name=vm$n
        uuid=$(printf '7e1d2c3b-4a59-4687-9a8b-7c6d5e4f%04x' $n)
        pcidom $name $uuid "<vgpu:vf address='$vf' profile='$prof'/>" "$vf:no" >"$X/$name.xml"
        hook "$X/$name.xml" $name prepare begin -
        if [ "$rc" = 0 ]; then
                result="type $(nv $vf current_vgpu_type), instance $(nv $vf gpu_instance_id), placement $(nv $vf placement_id)"
        else
                result="refused: ${err#vgpu-hook: }"
        fi
        printf '%-4s %-13s %-10s %s\n' $n "$vf" "$prof" "$result" >>"$X/table"
}
# vfs PF: the VFs of PF as the driver shows them
vfs() {
        local v
        printf '\n%-13s %-5s %-8s %-9s %s\n' VF TYPE INSTANCE PLACEMENT CREATABLE >>"$X/table"
        for v in "$ROOT"/sys/bus/pci/devices/"$1"/virtfn*; do
                v=$(basename "$(readlink "$v")")
                printf '%-13s %-5s %-8s %-9s %s\n' "$v" "$(nv $v current_vgpu_type)" "$(nv $v gpu_instance_id)" \
                        "$(nv $v placement_id)" "$(creatable $v)" >>"$X/table"
        done
}
# table TITLE: start one
table() { n=0; printf '%s\n%-4s %-13s %-10s %s\n' "$1" STEP VF PROFILE RESULT >"$X/table"; }
# golden NAME: the table is tests/golden/NAME
golden() {
        [ -z "${VGPU_GOLDEN_UPDATE:-}" ] || cp "$X/table" "$top_srcdir/tests/golden/$1"
        if cmp -s "$X/table" "$top_srcdir/tests/golden/$1"; then
                pass
        else
                fail "table differs from $1: $(diff "$top_srcdir/tests/golden/$1" "$X/table" | head -20)"
        fi
}

fresh h200
profile h18 '{"nvidia_vgpu_type": "NVIDIA H200X-18C"}'
profile h35 '{"nvidia_vgpu_type": "NVIDIA H200X-35C"}'
profile h70 '{"nvidia_vgpu_type": "NVIDIA H200X-70C"}'
profile h141 '{"nvidia_vgpu_type": "NVIDIA H200X-141C"}'
profile h35-at35 '{"nvidia_vgpu_type": "NVIDIA H200X-35C", "placement_id": 35}'
profile h18-at108 '{"nvidia_vgpu_type": "NVIDIA H200X-18C", "placement_id": 108}'
profile m18-gi3 '{"nvidia_vgpu_type": "NVIDIA H200X-1-18C", "gpu_instance_id": 3}'
profile m35-gi1 '{"nvidia_vgpu_type": "NVIDIA H200X-2-35C", "gpu_instance_id": 1}'
profile m18-gi1 '{"nvidia_vgpu_type": "NVIDIA H200X-1-18C", "gpu_instance_id": 1}'
profile m35-gi2 '{"nvidia_vgpu_type": "NVIDIA H200X-2-35C", "gpu_instance_id": 2, "vgpu_params": "frame_rate_limiter=0"}'
profile m18-gi2 '{"nvidia_vgpu_type": "NVIDIA H200X-1-18C", "gpu_instance_id": 2}'

table "equal-size: 0000:41:00.0, 141 GB, the first size chosen is the only one"
step 0000:41:00.4 h35
step 0000:41:00.5 h18
step 0000:41:00.5 h35
step 0000:41:00.6 h70
step 0000:41:00.6 h35
step 0000:41:00.7 h35
vfs 0000:41:00.0
golden nvidia-equal-size.txt

table "mixed-size: 0000:61:00.0, 141 GB, sizes side by side at placements aligned to their size"
step 0000:61:00.4 h70
step 0000:61:00.5 h35-at35
step 0000:61:00.5 h35
step 0000:61:00.6 h141
step 0000:61:00.6 h18-at108
step 0000:61:00.7 h18
vfs 0000:61:00.0
golden nvidia-mixed-size.txt

table "MIG-backed: 0000:81:00.0, instances 1 (71 GB), 2 (35 GB), 3 and 4 (18 GB), one size each"
step 0000:81:00.4 m35-gi1
step 0000:81:00.5 m18-gi1
step 0000:81:00.5 m35-gi1
step 0000:81:00.6 m35-gi2
step 0000:81:00.7 m18-gi2
step 0000:81:00.7 m18-gi3
vfs 0000:81:00.0
golden nvidia-mig.txt

fresh l40s
profile l8 '{"nvidia_vgpu_type": "NVIDIA L40S-8Q"}'
profile l24 '{"nvidia_vgpu_type": "NVIDIA L40S-24Q"}'
table "name-first rows, equal-size: 0000:c1:00.0, 48 GB"
step 0000:c1:00.4 l8
step 0000:c1:00.5 l24
step 0000:c1:00.5 l8
vfs 0000:c1:00.0
golden nvidia-name-first.txt

finish
