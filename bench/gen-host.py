#!/usr/bin/env python3
"""Write a large simulated host as a fakehost preset (tests/harness/fakehost-parse.c).

gen-host.py PARENTS [SRIOV_GPUS VFS VENDOR_GPUS VENDOR_VFS] > big.host
Defaults (issue 14): 16 mdev parents x 8 types, 4 SR-IOV GPUs x 16 VFs,
2 vendor-VFIO GPUs x 32 VFs, on two NUMA nodes.
"""
import sys

def main():
    a = [int(x) for x in sys.argv[1:]] + [None] * 5
    parents = a[0] if a[0] is not None else 16
    sriov, vfs = (a[1] if a[1] is not None else 4), (a[2] if a[2] is not None else 16)
    vend, vvfs = (a[3] if a[3] is not None else 2), (a[4] if a[4] is not None else 32)
    out = ["node 0 cpus=0-15", "node 1 cpus=16-31"]
    group = 100
    for p in range(parents):
        addr = f"{p // 64:04x}:{0x20 + p % 64:02x}:00.0"  # 64 per PCI domain, below the SR-IOV buses
        out.append(f"pci {addr} vendor=0x10de device=0x1eb8 class=0x030200 driver=nvidia group={group} numa={p % 2}")
        group += 1
        out.append(f"mdev-pool pool{p} size=16 exclusive")
        out.append(f"mdev-parent {addr} pool=pool{p} mdev-driver=nvidia-vgpu-vfio")
        for t, cost in enumerate([1, 2, 4, 8, 16, 1, 2, 4]):
            kind = "Q" if t < 5 else "B"
            out.append(f'mdev-type {addr} nvidia-{222 + t} name="GRID T4-{cost}{kind}" api=vfio-pci cost={cost}')
    for g in range(sriov):
        bus = 0x60 + g
        pf = f"0000:{bus:02x}:00.0"
        out.append(f"pci {pf} vendor=0x1002 device=0x692f class=0x030000 driver=gim group={group} numa={g % 2} "
                   f"totalvfs={vfs} numvfs={vfs} autoprobe=0 vf-offset=1 vf-stride=1 vf-device=0x692f")
        group += 1
        for v in range(1, vfs + 1):
            out.append(f"pci 0000:{bus:02x}:{v // 8:02x}.{v % 8} physfn={pf} vendor=0x1002 device=0x692f "
                       f"class=0x030000 group={group}")
            group += 1
    for g in range(vend):
        bus = 0x80 + g
        pf = f"0000:{bus:02x}:00.0"
        out.append(f"pci {pf} vendor=0x10de device=0x26b5 class=0x030200 driver=nvidia group={group} numa={g % 2} "
                   f"totalvfs={vvfs} numvfs={vvfs} autoprobe=0 vf-offset=4 vf-stride=1 vf-device=0x26b5 vgpu-fb=48")
        group += 1
        for v in range(4, vvfs + 4):
            out.append(f"pci 0000:{bus:02x}:{v // 8:02x}.{v % 8} physfn={pf} vendor=0x10de device=0x26b5 "
                       f'class=0x030200 driver=nvidia group={group} vgpu-types="1001:NVIDIA L40-4Q:4,1002:NVIDIA L40-8Q:8"')
            group += 1
    print("\n".join(out))

main()
