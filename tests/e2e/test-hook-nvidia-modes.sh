#!/bin/bash
# End to end: the real vgpu-hook on NVIDIA vendor-VFIO GPUs in the driver's
# three layouts (tests/presets/h200.host: equal-size, mixed-size, MIG-backed)
# and with name-first creatable_vgpu_types rows (l40s.host), kernel
# emulation on: the hook takes the driver's answer, writes instance,
# placement, type and vgpu_params in that order, and a refused type leaves
# the VF clean with the rest of the domain rolled back (issue 22).
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"

D1=6e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-xml-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT

nv() { cat "$ROOT/sys/bus/pci/devices/0000:$1/nvidia/$2"; }
vf() { printf "<vgpu:vf address='0000:%s' profile='%s'/>" "$1" "$2"; }
prepare() { # NAME XML-METADATA ADDR...: the hook's prepare of a domain with these VFs
        local name=$1 meta=$2 a hostdevs=()
        shift 2
        for a in "$@"; do hostdevs+=("0000:$a:no"); done
        pcidom "$name" $D1 "$meta" "${hostdevs[@]}" >"$X/$name.xml"
        hook "$X/$name.xml" "$name" prepare begin -
}
release() { hook "$X/$1.xml" "$1" release end -; }
clean() { # ADDR: the VF as the driver leaves it with no type
        [ "$(nv "$1" current_vgpu_type)" = 0 ] && [ "$(nv "$1" gpu_instance_id)" = -1 ] &&
                [ "$(nv "$1" placement_id)" = -1 ] && [ -z "$(nv "$1" vgpu_params)" ]
}

fresh h200
profile h18 '{"nvidia_vgpu_type": "NVIDIA H200X-18C"}'
profile h35 '{"nvidia_vgpu_type": "NVIDIA H200X-35C"}'
profile h70 '{"nvidia_vgpu_type": "NVIDIA H200X-70C"}'
profile h18-at18 '{"nvidia_vgpu_type": "NVIDIA H200X-18C", "placement_id": 18}'
profile mig35 '{"nvidia_vgpu_type": "NVIDIA H200X-2-35C", "gpu_instance_id": 1, "vgpu_params": "frame_rate_limiter=0, disable_vnc=1"}'
profile mig71 '{"nvidia_vgpu_type": "NVIDIA H200X-3-71C", "gpu_instance_id": 1}'

# ---- equal-size: one size per GPU, as the driver answers after the first store ----
prepare eq "$(vf 41:00.4 h35)$(vf 41:00.5 h18)" 41:00.4 41:00.5
check "equal-size: a second size is refused ($err)" [ "$rc" = 1 ]
check "equal-size: the driver's answer, read after the first store" \
        grep -q "VF 0000:41:00.5 no longer offers NVIDIA H200X-18C: another vGPU took the room or size" <<<"$err"
check "equal-size: one line of at most 160 columns (${#err})" [ "${#err}" -le 160 ]
check "equal-size: the first VF rolled back" clean 41:00.4
check "equal-size: the second VF untouched" clean 41:00.5
check "equal-size: no lease left" [ "$(lease_count)" = 0 ]
prepare eq "$(vf 41:00.4 h35)$(vf 41:00.5 h35)" 41:00.4 41:00.5
check "equal-size: the same size twice ($err)" [ "$rc" = 0 ]
check "equal-size: both typed" [ "$(nv 41:00.4 current_vgpu_type)" = 1422 -a "$(nv 41:00.5 current_vgpu_type)" = 1422 ]
release eq
check "equal-size: released" clean 41:00.4

# ---- mixed-size: sizes side by side, placed by the driver or by the profile ----
prepare mx "$(vf 61:00.4 h70)$(vf 61:00.5 h35)" 61:00.4 61:00.5
check "mixed-size: 70C and 35C on one GPU ($err)" [ "$rc" = 0 ]
check "mixed-size: the driver's placements" [ "$(nv 61:00.4 placement_id)" = 0 -a "$(nv 61:00.5 placement_id)" = 70 ]
prepare mx2 "$(vf 61:00.6 h18-at18)" 61:00.6
check "mixed-size: a placement inside another vGPU is refused ($err)" [ "$rc" = 1 ]
check "mixed-size: the hook says the driver refused" \
        grep -q "NVIDIA's driver refused NVIDIA H200X-18C at placement 18 on VF 0000:61:00.6, leaving it untyped" <<<"$err"
check "mixed-size: one line of at most 160 columns (${#err})" [ "${#err}" -le 160 ]
check "mixed-size: the refused VF is left clean" clean 61:00.6
check "mixed-size: only mx's leases" [ "$(lease_count)" = 2 ]
release mx

# ---- MIG-backed: the VF's GPU instance, then the type, then vgpu_params ----
export VGPU_KSHIM_LOG="$X/kshim.log"
prepare mg "$(vf 81:00.4 mig35)" 81:00.4
unset VGPU_KSHIM_LOG
check "MIG: 2-35C in instance 1 ($err)" [ "$rc" = 0 ]
check "MIG: instance, type and parameters written" [ "$(nv 81:00.4 gpu_instance_id)" = 1 -a \
        "$(nv 81:00.4 current_vgpu_type)" = 1432 -a "$(nv 81:00.4 vgpu_params)" = "frame_rate_limiter=0, disable_vnc=1" ]
order=$(grep -o 'nvidia/[a-z_]*' "$X/kshim.log" | tr '\n' ' ')
check "MIG: the driver's order: instance, type, parameters ($order)" \
        [ "$order" = "nvidia/gpu_instance_id nvidia/current_vgpu_type nvidia/vgpu_params " ]
prepare mg2 "$(vf 81:00.5 mig71)" 81:00.5
check "MIG: an instance holds one size ($err)" [ "$rc" = 1 ]
check "MIG: the VF is left clean, its instance choice undone" clean 81:00.5
release mg
check "MIG: released, the VF clean again" clean 81:00.4
check "no lease left" [ "$(lease_count)" = 0 ]

# ---- name-first creatable_vgpu_types rows (L40S) ----
fresh l40s
profile l8 '{"nvidia_vgpu_type": "NVIDIA L40S-8Q"}'
prepare ls "$(vf c1:00.4 l8)$(vf c1:00.5 l8)" c1:00.4 c1:00.5
check "name-first rows: two L40S-8Q ($err)" [ "$rc" = 0 ]
check "name-first rows: the ids read from the end of the row" [ "$(nv c1:00.5 current_vgpu_type)" = 1158 ]
release ls

# ---- profiles: bad values get one sentence ----
profile bad-gi '{"nvidia_vgpu_type": "NVIDIA L40S-8Q", "gpu_instance_id": -1}'
profile bad-params '{"nvidia_vgpu_type": "NVIDIA L40S-8Q", "vgpu_params": "frame rate"}'
profile bad-kind '{"mdev_type": {"name": "GRID T4-4Q"}, "placement_id": 3}'
for p in bad-gi bad-params bad-kind; do
        out=$("$VGPUCTL" profiles --root "$ROOT" 2>&1 || true)
done
check "a negative instance id" grep -q "bad-gi.json.*expected the MIG GPU instance id" <<<"$out"
check "vgpu_params not key=value" grep -q "bad-params.json.*expected vgpu_params like" <<<"$out"
check "placement_id on an mdev profile" grep -q "bad-kind.json.*only 'nvidia_vgpu_type' profiles take placement_id" <<<"$out"

finish
