#!/usr/bin/env python3
"""make bench: vgpu-hook and vgpuctl side by side with their references, in one run.

Every number is a median over many runs, reported with its ratio to the
reference it is compared with; results go to bench/RESULTS.md (and a PNG plot
of the scaling when gnuplot is installed).  Run through `make bench`, which
sets top_srcdir/top_builddir.  Must run as root (a private mount namespace is
used for mdevctl, which knows no root prefix).
"""
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.environ.get("top_srcdir", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("top_builddir", SRC)
HOOK = f"{BUILD}/vgpu-hook"
VGPUCTL = f"{BUILD}/vgpuctl"
FAKEHOST = f"{BUILD}/tests/harness/vgpu-fakehost"
KSHIM = f"{BUILD}/tests/harness/.libs/libkshim.so"
MODULE = f"{BUILD}/.libs/vgpu-hook-ops.so"
BENCH = f"{SRC}/bench"
QUICK = os.environ.get("BENCH_QUICK") == "1"
N_PLAIN = 60 if QUICK else 400
N_CYCLE = 8 if QUICK else 40

# sysfs lives in memory: so do the simulated hosts, where there is a tmpfs (on ext4,
# creating the emulation's files is mostly the file system's inode allocation).
SHM = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None

DOM = "5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01"
MDEV = "3b0e1c2d-0000-4000-8000-00000000aa01"


def domain_xml(name="vm1", uuid=DOM, mdev=MDEV, profile="t4-4q"):
    return (f"<domain type='kvm'><name>{name}</name><uuid>{uuid}</uuid><metadata>"
            f"<vgpu:devices xmlns:vgpu='http://vgpu-hook.org/xmlns/domain/1.0'>"
            f"<vgpu:mdev uuid='{mdev}' profile='{profile}'/></vgpu:devices></metadata><devices>"
            f"<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='{mdev}'/>"
            f"</source></hostdev></devices></domain>").encode()


class Host:
    """A simulated host from a preset text, with a profile and our /proc entry."""

    def __init__(self, preset_text, profile='{"mdev_type": {"name": "GRID T4-4Q"}}'):
        self.dir = tempfile.mkdtemp(prefix="vgpu-bench-", dir=SHM)
        preset = f"{self.dir}.host"
        with open(preset, "w") as f:
            f.write(preset_text)
        subprocess.run([FAKEHOST, preset, self.dir], check=True, stdout=subprocess.DEVNULL)
        os.unlink(preset)
        os.makedirs(f"{self.dir}/etc/vgpu-hook/profiles.d")
        os.makedirs(f"{self.dir}/run/libvirt/qemu", exist_ok=True)
        with open(f"{self.dir}/etc/vgpu-hook/profiles.d/t4-4q.json", "w") as f:
            f.write(profile)
        os.makedirs(f"{self.dir}/proc/{os.getpid()}", exist_ok=True)
        shutil.copy(f"/proc/{os.getpid()}/stat", f"{self.dir}/proc/{os.getpid()}/stat")
        self.env = dict(os.environ, VGPU_HOOK_ROOT=self.dir, VGPU_HOOK_MODULE=MODULE)
        self.shim_env = dict(self.env, LD_PRELOAD=KSHIM)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def gen_host(parents, sriov=0, vfs=0, vendor=0, vendor_vfs=0):
    args = [sys.executable, f"{BENCH}/gen-host.py"] + [str(x) for x in (parents, sriov, vfs, vendor, vendor_vfs)]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def run(cmd, data=b"", env=None, check=True):
    """Run once as libvirt would (stdin fed, output dropped); returns seconds."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, err = p.communicate(data)
    dt = time.perf_counter() - t0
    if check and p.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {err.decode(errors='replace')}")
    return dt


def median_ms(cmd, data=b"", env=None, n=50):
    return statistics.median(run(cmd, data, env) for _ in range(n)) * 1000


def peak_rss_kib(cmd, data, env):
    """Peak RSS of one run, measured by bench/rss.c (a small C parent: a child forked
    from Python would report Python's own RSS)."""
    p = subprocess.run([f"{BUILD}/bench/rss"] + cmd, input=data, capture_output=True, env=env)
    return int(p.stdout.decode().strip().splitlines()[-1])


# The emulation, for the commands whose stores it answers (in_namespace's extra environment).
SHIM = {"LD_PRELOAD": KSHIM, "VGPU_KSHIM_SYS_BOUND": "1"}


def emulated(*argvs, stdin=None):
    return [[list(a), stdin, SHIM] for a in argvs]


def emulation_cmds(parent="0000:20:00.0", type_id="nvidia-224"):
    """What the kernel emulation alone costs for one create + one remove (a C-free
    baseline: dash doing the same two stores), and dash doing nothing, to subtract."""
    script = (f'echo {MDEV} >"$VGPU_HOOK_ROOT/sys/class/mdev_bus/{parent}/mdev_supported_types/{type_id}/create" && '
              f'echo 1 >"$VGPU_HOOK_ROOT/sys/bus/mdev/devices/{MDEV}/remove"')
    return emulated(["dash", "-c", script]), emulated(["dash", "-c", "true"])


def hook_cycle(prog, xml):
    """prepare + release of vm1, each run as libvirt runs the hook (XML on stdin)."""
    return emulated([prog, "vm1", "prepare", "begin", "-"], [prog, "vm1", "release", "end", "-"], stdin=xml.decode())


def pinned_host(parents):
    """A bench host whose profile pins the vGPU to the first parent (as the bash script does)."""
    host = Host(gen_host(parents, 4, 16, 2, 32))
    with open(f"{host.dir}/etc/vgpu-hook/profiles.d/t4-4q.json", "w") as f:
        f.write('{"mdev_type": {"name": "GRID T4-4Q"}, "addresses": ["0000:20:00.0"]}')
    return host


def bench_plain(results):
    """1. A plain VM: the hook against the floor and the bash dispatcher."""
    host = Host(gen_host(16, 4, 16, 2, 32))
    with open(f"{SRC}/tests/data/libvirt-9.0/plain-prepare-begin.xml", "rb") as f:
        xml = f.read()
    args = ["plain", "prepare", "begin", "-"]
    # In turns, as the other comparisons: the three take a millisecond or two, and a burst
    # of load on the machine during one of them alone decided its ratio.
    text = xml.decode()
    plain = in_namespace(host.dir, [[[[f"{BUILD}/bench/empty"], text, None]], [[[HOOK] + args, text, None]],
                                    [[[f"{BENCH}/dispatcher.sh"] + args, text, None]]], N_PLAIN, host.env)
    if not plain:
        sys.exit("bench: the namespace run failed")
    floor, hook, bash = plain
    results["plain"] = (floor, hook, bash)
    # 7. A vGPU VM's start begin and stopped end, which have nothing to do, against
    # started begin, the lightest op that loads the module.
    ours = domain_xml()
    noop = [median_ms([HOOK, "vm1", op, sub, "-"], ours, host.env, N_PLAIN // 2)
            for op, sub in (("start", "begin"), ("stopped", "end"))]
    loaded = median_ms([HOOK, "vm1", "started", "begin", "-"], ours, host.env, N_PLAIN // 2)
    results["noop"] = (sum(noop), loaded, floor)
    # 3's start-up: each program's own, side by side (vgpuctl links libxml2, and ICU through it).
    startup = [[[f"{BUILD}/bench/empty"]], [[VGPUCTL, "--version"]]]
    if shutil.which("mdevctl"):
        startup.append([["mdevctl", "--version"]])
    results["startup"] = in_namespace(host.dir, startup, N_PLAIN // 4, host.env)
    host.close()


def bench_cycle(results):
    """2. prepare + release of one vGPU: the hook, a bash hook script and mdevctl, with the same emulation."""
    host = pinned_host(16)
    xml = domain_xml()
    emul, idle = emulation_cmds()
    groups = [hook_cycle(HOOK, xml), hook_cycle(f"{BENCH}/bash-hook.sh", xml), emul, idle]
    if shutil.which("mdevctl"):
        groups.append(emulated(["mdevctl", "start", "-u", MDEV, "-p", "0000:20:00.0", "-t", "nvidia-224"],
                               ["mdevctl", "stop", "-u", MDEV]))
    r = in_namespace(host.dir, groups, N_CYCLE, host.env)
    ours, script, em, base = r[:4]
    results["cycle"] = (ours, script, max(em - base, 0.0))
    results["mdevctl_cycle"] = r[4] if len(r) > 4 else None
    results["rss_shim"] = max(peak_rss_kib([HOOK, "vm1", op, sub, "-"], xml, host.shim_env)
                              for op, sub in (("prepare", "begin"), ("release", "end")))
    # Without the emulation (whose model parsing would be counted in the hook's
    # RSS): a prepare refused after everything but the create, and the other ops.
    with open(f"{host.dir}/etc/vgpu-hook/profiles.d/t4-4q.json", "w") as f:
        f.write('{"mdev_type": {"name": "GRID T4-4Q"}, "addresses": ["0000:ff:00.0"]}')
    results["rss"] = max(peak_rss_kib([HOOK, "vm1", op, sub, "-"], xml, host.env)
                         for op, sub in (("prepare", "begin"), ("started", "begin"), ("reconnect", "begin"),
                                         ("release", "end")))
    host.close()


def in_namespace(root, groups, n, env=None):
    """Median ms of each group of commands run back to back, with ROOT/sys bound over
    /sys and ROOT/etc/mdevctl.d over /etc/mdevctl.d in a private mount namespace
    (mdevctl 1.2 has no root prefix).  The groups take turns, round after round,
    so that a machine busy with something else slows them alike.  A command is an
    argv list, or [argv, stdin text, extra environment]."""
    import json
    code = ("import subprocess,time,statistics,sys,json,os\n"
            "groups=json.loads(sys.argv[1]); n=int(sys.argv[2]); ts=[[] for g in groups]\n"
            "def go(c):\n"
            "  a,i,e=c if isinstance(c[0],list) else (c,None,None)\n"
            "  subprocess.run(a,check=True,stdout=subprocess.DEVNULL,input=(i or '').encode(),\n"
            "                 env=dict(os.environ,**(e or {})))\n"
            "for r in range(n):\n"
            "  for k,g in enumerate(groups):\n"
            "    t=time.perf_counter()\n"
            "    for c in g: go(c)\n"
            "    ts[k].append(time.perf_counter()-t)\n"
            "print(json.dumps([statistics.median(t)*1000 for t in ts]))\n")
    setup = (f"mount --bind {root}/sys /sys && mkdir -p {root}/etc/mdevctl.d/scripts.d/callouts "
             f"{root}/etc/mdevctl.d/scripts.d/notifiers && mkdir -p /etc/mdevctl.d && "
             f"mount --bind {root}/etc/mdevctl.d /etc/mdevctl.d && exec \"$0\" -c \"$1\" \"$2\" \"$3\"")
    p = subprocess.run(["unshare", "-m", "sh", "-c", setup, sys.executable, code, json.dumps(groups), str(n)],
                       capture_output=True, text=True, env=env)
    if p.returncode != 0:
        print(f"bench: mdevctl run failed: {p.stderr.strip()[:300]}", file=sys.stderr)
        return None
    return json.loads(p.stdout)


def syscalls(root, cmds, env):
    """System calls (and failed ones) of @cmds run once in the namespace of in_namespace(), by strace -c."""
    calls = failed = 0
    for argv in cmds:
        with tempfile.NamedTemporaryFile("r", suffix=".strace") as out:
            r = in_namespace(root, [[["strace", "-f", "-c", "-o", out.name] + argv]], 1, env)
            total = [line.split() for line in out.read().splitlines() if line.rstrip().endswith(" total")]
            if r is None or not total:
                return None
            nums = [int(x) for x in total[-1][3:-1]]
            calls += nums[0]
            failed += nums[1] if len(nums) > 1 else 0
    return calls, failed


def bench_concurrency(results):
    """4. 64 prepares at once against 32 instances, and 32 in series."""
    pool = "node 0 cpus=0-1\nmdev-pool p size=32\nmdev-parent mtty pool=p\n" \
           'mdev-type mtty mtty-1 name="Single port serial" api=vfio-pci cost=1\n'
    timings = {}
    for mode, count in (("parallel", 64), ("serial", 32)):
        host = Host(pool, '{"mdev_type": {"name": "Single port serial"}}')
        with open(f"{host.dir}/etc/vgpu-hook/vgpu-hook.conf", "w") as f:
            f.write('{"lock_wait_ms": 60000}')
        xmls = [domain_xml(f"vm{i}", f"5e1d2c3b-4a59-4687-9a8b-{i:012d}", f"3b0e1c2d-0000-4000-8000-{i:012d}")
                for i in range(count)]
        t0 = time.perf_counter()
        procs = []
        ok = 0
        for i, xml in enumerate(xmls):
            p = subprocess.Popen([HOOK, f"vm{i}", "prepare", "begin", "-"], stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=host.shim_env)
            p.stdin.write(xml)
            p.stdin.close()
            if mode == "serial":
                ok += p.wait() == 0
            else:
                procs.append(p)
        ok += sum(p.wait() == 0 for p in procs)
        timings[mode] = ((time.perf_counter() - t0) * 1000, ok)
        host.close()
    results["concurrency"] = timings


SCALES = (1, 4, 16, 64, 256)


def reps(parents):
    """Fewer rounds on the big hosts: make bench stays under 3 minutes."""
    n = 40 if parents <= 16 else 20 if parents <= 64 else 10
    return max(n // 4, 4) if QUICK else n


def bench_scaling(results):
    """3 and 6. inventory against mdevctl types + list, and prepare + release, from 1 to 256 mdev parents."""
    rows = []
    have_mdevctl = shutil.which("mdevctl") is not None
    for parents in SCALES:
        host = pinned_host(parents)
        emul, idle = emulation_cmds()
        groups = [[[VGPUCTL, "inventory", "--json"]], hook_cycle(HOOK, domain_xml()), emul, idle]
        if have_mdevctl:
            groups.append([["mdevctl", "types"], ["mdevctl", "list"]])
        r = in_namespace(host.dir, groups, reps(parents), host.env)
        if not r:
            sys.exit("bench: the namespace run failed")
        inv, cyc, em, base = r[:4]
        rows.append((parents, inv, r[4] if have_mdevctl else None, cyc, max(em - base, 0.0)))
        if parents in (64, 256) and shutil.which("strace"):
            results.setdefault("syscalls", {})[parents] = [
                syscalls(host.dir, g, host.env) for g in ([[VGPUCTL, "inventory", "--json"]],
                                                          [["mdevctl", "types"], ["mdevctl", "list"]] if have_mdevctl
                                                          else [])]
        host.close()
    results["scaling"] = rows
    results["inventory"] = {p: (inv, theirs) for p, inv, theirs, _, _ in rows if p in (64, 256)}


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{platform.node()}: {os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, Python {platform.python_version()}"


def verdict(ok):
    return "met" if ok else "**missed**"


def ratio_row(n, what, ours, ref_name, ref, goal=2.0):
    """One goal row: ours against a reference, as "REF/OURS x faster"."""
    if not ref:
        return f"| {n} | {what} | {ours:.2f} ms | {ref_name}: not measurable here | | >= {goal:g}x faster | n/a |"
    return (f"| {n} | {what} | {ours:.2f} ms | {ref_name} {ref:.2f} ms | {ref / ours:.2f}x faster | "
            f">= {goal:g}x faster | {verdict(ref >= goal * ours)} |")


def report(r):
    floor, hook, bash = r["plain"]
    ours, script, emul = r["cycle"]
    par, ser = r["concurrency"]["parallel"], r["concurrency"]["serial"]
    rss = r["rss"] / 1024
    lines = [
        "# Benchmark results",
        "",
        f"Regenerated by `make bench` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} in {r['seconds']:.0f} s.",
        f"Machine: {machine()}; load average {r['load'][0]:.1f} at the start, {r['load'][1]:.1f} at the end.",
        "Medians over many runs; each process started as libvirt starts the hook (stdin fed, output dropped).",
        "Host: N mdev parents x 8 types (16 unless said), 4 SR-IOV GPUs x 16 VFs, 2 vendor-VFIO GPUs x 32 VFs",
        "(bench/gen-host.py).  Where ours and a reference are compared, they ran in turns, round after round, in one",
        "run, so that a machine busy with something else slows both alike.",
        "Sysfs stores are answered by the kernel emulation (tests/harness/.libs/libkshim.so), which writes only what a",
        "store changes; its cost is measured alone (dash doing the same two stores) and shown apart.",
        f"The simulated hosts are on {'tmpfs (' + SHM + '), in memory as sysfs is' if SHM else 'the file system of /tmp'}.",
        "",
        "| # | measurement | ours | reference | ratio | goal | verdict |",
        "|---|---|---|---|---|---|---|",
        f"| 1 | hook, plain VM (libvirt's own stdin) | {hook:.3f} ms | floor: empty C {floor:.3f} ms | "
        f"{hook / floor:.2f}x the floor | <= 3x (stretch 1.5x) | {verdict(hook <= 3 * floor)}"
        f"{' (stretch met)' if hook <= 1.5 * floor else ''} |",
        f"| 1 | | | bash dispatcher {bash:.3f} ms | {bash / hook:.2f}x faster | >= 2x faster | {verdict(bash >= 2 * hook)} |",
        ratio_row(2, f"prepare + release of one vGPU (emulation {emul:.2f} ms of it)", ours, "bash hook script", script),
        ratio_row(2, "", ours, "`mdevctl start` + `mdevctl stop`", r.get("mdevctl_cycle")),
    ]
    for parents, (inv, theirs) in sorted(r["inventory"].items()):
        lines.append(ratio_row(3, f"`vgpuctl inventory --json`, {parents} parents", inv,
                               "`mdevctl types` + `mdevctl list`", theirs))
    su = r.get("startup")
    if su and len(su) > 2:
        lines.append(f"| 3 | of which start-up: `vgpuctl --version` (empty C {su[0]:.2f} ms) | {su[1]:.2f} ms | "
                     f"`mdevctl --version` {su[2]:.2f} ms | {su[2] / su[1]:.2f}x faster | (no goal) | |")
    lines += [
        f"| 4 | 64 prepares at once vs 32 in series (32 instances) | {par[0]:.0f} ms, {par[1]} succeeded | "
        f"{ser[0]:.0f} ms, {ser[1]} succeeded | {par[0] / ser[0]:.2f}x the serial time | <= 2x, exactly 32 | "
        f"{verdict(par[0] <= 2 * ser[0] and par[1] == 32)} |",
        f"| 5 | peak RSS of the hook (prepare up to the create, started, reconnect, release) | {rss:.1f} MiB | "
        f"with the emulation loaded in the same process: {r['rss_shim'] / 1024:.1f} MiB | | <= 8 MiB | {verdict(rss <= 8)} |",
    ]
    noop, loaded, floor = r["noop"]
    lines.append(f"| 7 | a vGPU VM's `start begin` + `stopped end` (nothing to do: the module is not loaded) | "
                 f"{noop:.3f} ms | `started begin` (loads the module) {loaded:.3f} ms, twice; empty C {floor:.3f} ms, "
                 f"twice | {2 * loaded / noop:.2f}x faster; {noop / (2 * floor):.2f}x the floor | "
                 f"<= 1.5x the floor | {verdict(noop <= 3 * floor)} |")
    lines += scaling_lines(r["scaling"])
    lines += missed_lines(r)
    lines += vm_lines()
    lines += ["", "mdevctl 1.2 knows no root prefix: every measure runs in a private mount namespace with the simulated",
              "/sys and /etc/mdevctl.d bound over the real ones; mdevctl's stores are emulated the same way",
              "(VGPU_KSHIM_SYS_BOUND).  \"hook alone\" still carries the emulation's interposition of every open(2).",
              "The real-kernel figures (issue 24) come from check-vm, not from this run."]
    return "\n".join(lines) + "\n"


# check-vm scenario 18's ratios (tests/vm/scenarios/18-bench.sh), their goals and what they compare.
VM_GOALS = (
    ("start_destroy_profile_vs_premade", 1.10,
     "`virsh start` + `destroy`, profile mdev the hook makes / premade mdev, no hook"),
    ("start_destroy_plain_hook_vs_none", 1.02, "`virsh start` + `destroy` of a plain VM, hook installed / no hook"),
    ("prepare_release_vs_mdevctl", None, "the hook's prepare + release / `mdevctl start` + `stop` (mtty)"),
    ("above_floor_hook_vs_mdevctl", 0.5, "above the bare sysfs create + remove: the hook's time / mdevctl's"),
)


def vm_lines():
    """The real-kernel figures: from the last check-vm run's bench.json of each stack."""
    import glob
    import json
    lines = ["", "## On the real kernel (check-vm scenario 18, not measured by this run)", ""]
    runs = sorted(glob.glob(f"{BUILD}/tests/vm-out/*/1[23]/bench.json"))
    latest = {}
    for path in runs:  # named by date: the last of each stack wins
        latest[os.path.basename(os.path.dirname(path))] = path
    if not latest:
        return lines + ["No check-vm run has left a bench.json in tests/vm-out: `make check-vm` measures these."]
    lines += ["| stack | run | measure | ratio | goal | verdict |", "|---|---|---|---|---|---|"]
    for stack, path in sorted(latest.items()):
        with open(path) as f:
            b = json.load(f)
        run_name = f"{os.path.basename(os.path.dirname(os.path.dirname(path)))}, {b.get('rounds')} round(s)"
        for key, goal, what in VM_GOALS:
            v = b["ratios"].get(key)
            if v is None:
                continue
            g, ok = ("report", "") if goal is None else (f"<= {goal:g}", verdict(v <= goal))
            lines.append(f"| {stack} | {run_name} | {what} | {v:.3f} | {g} | {ok} |")
    return lines


def syscall_text(r, parents):
    counts = (r.get("syscalls") or {}).get(parents)
    if not counts or None in counts or len(counts) < 2:
        return ""
    (ours, our_failed), (theirs, their_failed) = counts
    return (f"{parents} parents: ours {ours:,} system calls ({our_failed:,} failed lookups), mdevctl types + list "
            f"{theirs:,} ({their_failed:,})")


def missed_lines(r):
    """Why the simulated-host goals 2 and 3 are missed, from this run's own figures."""
    rows = {row[0]: row for row in r["scaling"]}
    (_, i1, m1, c1, e1), (_, i64, m64, *_), (_, i256, m256, c256, e256) = rows[1], rows[64], rows[256]
    ours, script, emul = r["cycle"]
    mc = r.get("mdevctl_cycle") or 0
    su = r.get("startup") or []
    noop, loaded, floor = r["noop"]
    _, hook, bash = r["plain"]
    lines = ["", "## Where the goals are missed, measured", ""]
    if bash < 2 * hook:
        lines += [f"- plain VM against the bash dispatcher: the hook takes {hook / floor:.2f}x an empty C program's "
                  "run, so the ratio is the dispatcher's over an empty program's: bash's own start "
                  f"({bash / floor:.2f}x here, with the load average above; 2.13x in the run of 2026-12-07 21:31, where "
                  "the hook took 0.81x the empty program's time).  "
                  "Nothing is left to take out of the hook's plain path (libc only, the module not loaded)."]
    if m1 and m256:
        counts = "; ".join(t for t in (syscall_text(r, 64), syscall_text(r, 256)) if t)
        start = (f"Start-up alone: vgpuctl {su[1]:.2f} ms, mdevctl {su[2]:.2f} ms, an empty C program {su[0]:.2f} ms "
                 "(vgpuctl links libxml2, and ICU and libstdc++ through it, for the commands that edit domain XML). "
                 if len(su) > 2 else "")
        lines += [f"- inventory ({m64 / i64:.2f}x at 64 parents, {m256 / i256:.2f}x at 256): each added parent costs us "
                  f"{(i256 - i64) / 192:.3f} ms and mdevctl {(m256 - m64) / 192:.3f} ms (64 to 256 parents); with 1 "
                  f"parent we take {i1:.1f} ms to mdevctl's {m1:.1f}.  {start}"
                  f"The time is the kernel's: {counts}.  Of each mdev type we read what mdevctl types reads (name, "
                  "description, device_api, available_instances: four lookups, three reads), with fewer system calls "
                  "per type (openat2, fstat, read, close against statx, openat, two reads, lseek, close); but the "
                  "inventory also reports the host's 134 SR-IOV and vendor-VFIO PCI functions (and each parent's own), "
                  "their IOMMU groups and NUMA nodes, which mdevctl does not read.  On this VM a system call costs "
                  "1-2 us and a failed lookup on the tmpfs of the simulated host about twice that (mdevctl pays it too "
                  "for each type's absent description).  With the same reads of the types the 2x cannot be had.  "
                  "Tried: each device's and each type's attributes read relative to one open directory (no walk from "
                  "the root through /sys/bus links); each file kept in an allocation of its size, not of the 4 KiB "
                  "cap (1,661 page faults at 64 parents, 638 now); directories listed by getdents64() on the open "
                  "descriptor (no fdopendir() fcntl pair: 1,100 calls at 64 parents); each PCI function's directory "
                  "listed once, so that its absent attributes (sriov_totalvfs, physfn, net, nvidia/) cost no lookup "
                  "(1,177 failed lookups at 64 parents, 520 now).  Not tried: libxml2 loaded only by the commands that "
                  "need it (the start-up difference above is what it could save)."]
    lines += [f"- prepare + release ({mc / ours if mc else 0:.2f}x mdevctl, {script / ours:.2f}x the bash script): the "
              f"emulation alone takes {emul:.1f} of our {ours:.1f} ms, more than half of mdevctl's {mc:.1f} ms, so with "
              "the same emulation no hook can be 2x faster than mdevctl (it parses its model and lays out its tree in "
              "memory for every store, though it writes only what changed).  Without it the hook takes "
              f"{max(ours - emul, 0):.1f} ms, the bash script {max(script - emul, 0):.1f} ms and mdevctl "
              f"{max(mc - emul, 0):.1f} ms: mdevctl start writes the one create it is told; the hook reads its "
              "configuration, profile and ledger, reconciles, places and records, and loads its module at prepare and "
              f"at release (`started begin`, which loads it and does little: {loaded:.2f} ms against the empty "
              f"program's {floor:.2f}).  Prepare now reads only the mdev parents its profile's addresses can use "
              f"(hook alone {max(c1 - e1, 0):.1f} ms at 1 parent, {max(c256 - e256, 0):.1f} ms at 256; it read every "
              "parent's types before: 25.6 and 166.7 ms in the run of 2026-12-07 21:31); a profile without addresses "
              "still reads every parent.  What \"hook alone\" still grows by is the emulation's: perf record of three "
              "prepare + release cycles at 256 parents (2026-12-08) finds the hook's processes in libkshim.so (36% "
              "of the samples) and the libc calls it makes (43%: its paths' printf, strcmp, malloc), in the kernel "
              "17%, and in vgpu-hook-ops.so under 0.1%: the emulation works more in the hook's processes (it interposes "
              "every open(2)) than in dash's two stores, which is all that is subtracted."]
    return lines


def scaling_lines(rows):
    lines = ["", "## Scaling (6): linear in parents, never quadratic", "",
             "| mdev parents | inventory --json | per parent | mdevctl types + list | ratio | prepare+release "
             "| of which emulation | hook alone |",
             "|---|---|---|---|---|---|---|---|"]
    for parents, inv, theirs, cyc, em in rows:
        ref = f"{theirs:.2f} ms | {theirs / inv:.2f}x faster" if theirs else "n/a | "
        lines.append(f"| {parents} | {inv:.2f} ms | {inv / parents:.3f} ms | {ref} | {cyc:.2f} ms | {em:.2f} ms "
                     f"| {max(cyc - em, 0):.2f} ms |")
    (p0, i0, *_), (p1, i1, *_) = rows[-2], rows[-1]
    (q0, j0, *_), (q1, j1, *_) = rows[-3], rows[-2]
    lines += ["", f"inventory grows {(i1 - i0) / (p1 - p0):.3f} ms per added parent from {p0} to {p1} parents, "
              f"{(j1 - j0) / (q1 - q0):.3f} ms from {q0} to {q1}: linear when the two are alike.",
              "", "![scaling](scaling.png)"]
    return lines


def plot(rows, out):
    if not shutil.which("gnuplot"):
        return False
    data = out + ".dat"
    with open(data, "w") as f:
        for parents, inv, theirs, cyc, em in rows:
            f.write(f"{parents} {inv} {theirs if theirs else 'NaN'} {max(cyc - em, 0)}\n")
    script = (f"set terminal png size 800,480; set output '{out}'; set xlabel 'mdev parents'; "
              f"set ylabel 'ms (median)'; set key left top; set grid; "
              f"plot '{data}' using 1:2 with linespoints title 'vgpuctl inventory --json', "
              f"'{data}' using 1:3 with linespoints title 'mdevctl types + mdevctl list', "
              f"'{data}' using 1:4 with linespoints title 'hook prepare+release (emulation subtracted)'")
    ok = subprocess.run(["gnuplot", "-e", script]).returncode == 0
    os.unlink(data)
    return ok


def main():
    if os.geteuid() != 0:
        sys.exit("bench: run as root (mdevctl is measured in a private mount namespace)")
    os.makedirs(f"{BUILD}/bench", exist_ok=True)
    subprocess.run(["cc", "-O2", "-o", f"{BUILD}/bench/empty", f"{BENCH}/empty.c"], check=True)
    subprocess.run(["cc", "-O2", "-o", f"{BUILD}/bench/rss", f"{BENCH}/rss.c"], check=True)
    results = {"load": [os.getloadavg()[0]]}
    t0 = time.perf_counter()
    for step in (bench_plain, bench_cycle, bench_concurrency, bench_scaling):
        print(f"bench: {step.__doc__.splitlines()[0]}", flush=True)
        step(results)
    results["seconds"] = time.perf_counter() - t0
    results["load"].append(os.getloadavg()[0])
    text = report(results)
    out_dir = os.environ.get("BENCH_OUT", BENCH)
    with open(f"{out_dir}/RESULTS.md", "w") as f:
        f.write(text)
    if not plot(results["scaling"], f"{out_dir}/scaling.png"):
        print("bench: gnuplot is not installed: no plot (apt-get install gnuplot-nox)")
    print(text)


if __name__ == "__main__":
    main()
