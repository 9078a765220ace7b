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
N_INV = 10 if QUICK else 60

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
        self.dir = tempfile.mkdtemp(prefix="vgpu-bench-")
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


def cycle_ms(host, prepare_cmd, release_cmd, xml, n):
    """Median of prepare+release, each run as libvirt runs the hook."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        run(prepare_cmd, xml, host.shim_env)
        run(release_cmd, xml, host.shim_env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def emulation_ms(host, n):
    """What the kernel emulation alone costs for one create + one remove (a C-free baseline: dash)."""
    parent = "0000:20:00.0"
    script = (f'echo {MDEV} >"$VGPU_HOOK_ROOT/sys/class/mdev_bus/{parent}/mdev_supported_types/nvidia-224/create" && '
              f'echo 1 >"$VGPU_HOOK_ROOT/sys/bus/mdev/devices/{MDEV}/remove"')
    base = median_ms(["dash", "-c", "true"], b"", host.env, n)
    full = median_ms(["dash", "-c", script], b"", host.shim_env, n)
    return max(full - base, 0.0)


def bench_plain(results):
    """1. A plain VM: the hook against the floor and the bash dispatcher."""
    host = Host(gen_host(16, 4, 16, 2, 32))
    with open(f"{SRC}/tests/data/libvirt-9.0/plain-prepare-begin.xml", "rb") as f:
        xml = f.read()
    args = ["plain", "prepare", "begin", "-"]
    floor = median_ms([f"{BUILD}/bench/empty"], xml, host.env, N_PLAIN)
    hook = median_ms([HOOK] + args, xml, host.env, N_PLAIN)
    bash = median_ms([f"{BENCH}/dispatcher.sh"] + args, xml, host.env, N_PLAIN)
    results["plain"] = (floor, hook, bash)
    host.close()


def bench_cycle(results):
    """2. prepare + release of one vGPU: the hook against a bash hook script."""
    host = Host(gen_host(16, 4, 16, 2, 32))
    profile = '{"mdev_type": {"name": "GRID T4-4Q"}, "addresses": ["0000:20:00.0"]}'
    with open(f"{host.dir}/etc/vgpu-hook/profiles.d/t4-4q.json", "w") as f:
        f.write(profile)
    xml = domain_xml()
    ours = cycle_ms(host, [HOOK, "vm1", "prepare", "begin", "-"], [HOOK, "vm1", "release", "end", "-"], xml, N_CYCLE)
    script = cycle_ms(host, [f"{BENCH}/bash-hook.sh", "vm1", "prepare", "begin", "-"],
                      [f"{BENCH}/bash-hook.sh", "vm1", "release", "end", "-"], xml, N_CYCLE)
    emul = emulation_ms(host, N_CYCLE)
    results["cycle"] = (ours, script, emul)
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
    (mdevctl 1.2 has no root prefix)."""
    import json
    code = ("import subprocess,time,statistics,sys,json\n"
            "groups=json.loads(sys.argv[1]); n=int(sys.argv[2]); out=[]\n"
            "for g in groups:\n"
            "  ts=[]\n"
            "  for i in range(n):\n"
            "    t=time.perf_counter()\n"
            "    for c in g: subprocess.run(c,check=True,stdout=subprocess.DEVNULL)\n"
            "    ts.append(time.perf_counter()-t)\n"
            "  out.append(statistics.median(ts)*1000)\n"
            "print(json.dumps(out))\n")
    setup = (f"mount --bind {root}/sys /sys && mkdir -p {root}/etc/mdevctl.d/scripts.d/callouts "
             f"{root}/etc/mdevctl.d/scripts.d/notifiers && mkdir -p /etc/mdevctl.d && "
             f"mount --bind {root}/etc/mdevctl.d /etc/mdevctl.d && exec \"$0\" -c \"$1\" \"$2\" \"$3\"")
    p = subprocess.run(["unshare", "-m", "sh", "-c", setup, sys.executable, code, json.dumps(groups), str(n)],
                       capture_output=True, text=True, env=env)
    if p.returncode != 0:
        print(f"bench: mdevctl run failed: {p.stderr.strip()[:300]}", file=sys.stderr)
        return None
    return json.loads(p.stdout)


def bench_mdevctl_cycle(results):
    """2b. mdevctl 1.2 start + stop of the same vGPU, behind a bind mount, with the same emulation."""
    if not shutil.which("mdevctl"):
        results["mdevctl_cycle"] = None
        return
    host = Host(gen_host(16, 4, 16, 2, 32))
    env = dict(host.shim_env, VGPU_KSHIM_SYS_BOUND="1")
    r = in_namespace(host.dir, [[["mdevctl", "start", "-u", MDEV, "-p", "0000:20:00.0", "-t", "nvidia-224"],
                                 ["mdevctl", "stop", "-u", MDEV]]], N_CYCLE, env)
    results["mdevctl_cycle"] = r[0] if r else None
    host.close()


def bench_inventory(results):
    """3. vgpuctl inventory --json against mdevctl types + mdevctl list."""
    host = Host(gen_host(16, 4, 16, 2, 32))
    ours = median_ms([VGPUCTL, "inventory", "--json"], b"", host.env, N_INV)
    theirs = None
    if shutil.which("mdevctl"):
        r = in_namespace(host.dir, [[["mdevctl", "types"], ["mdevctl", "list"]]], N_INV)
        theirs = sum(r) if r else None
    results["inventory"] = (ours, theirs)
    host.close()


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


def bench_scaling(results):
    """6. How the times grow with 1, 16, 64 mdev parents."""
    rows = []
    for parents in (1, 16, 64):
        host = Host(gen_host(parents))
        profile = '{"mdev_type": {"name": "GRID T4-4Q"}, "addresses": ["0000:20:00.0"]}'
        with open(f"{host.dir}/etc/vgpu-hook/profiles.d/t4-4q.json", "w") as f:
            f.write(profile)
        inv = median_ms([VGPUCTL, "inventory", "--json"], b"", host.env, N_INV)
        cyc = cycle_ms(host, [HOOK, "vm1", "prepare", "begin", "-"], [HOOK, "vm1", "release", "end", "-"],
                       domain_xml(), max(N_CYCLE // 2, 5))
        emul = emulation_ms(host, max(N_CYCLE // 2, 5))
        rows.append((parents, inv, cyc, emul))
        host.close()
    results["scaling"] = rows


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


def report(r):
    floor, hook, bash = r["plain"]
    ours, script, emul = r["cycle"]
    inv, mdevctl = r["inventory"]
    par, ser = r["concurrency"]["parallel"], r["concurrency"]["serial"]
    rss = r["rss"] / 1024
    lines = [
        "# Benchmark results",
        "",
        f"Regenerated by `make bench` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        f"Machine: {machine()}.",
        "Medians over many runs; each process started as libvirt starts the hook (stdin fed, output dropped).",
        "Host: 16 mdev parents x 8 types, 4 SR-IOV GPUs x 16 VFs, 2 vendor-VFIO GPUs x 32 VFs (bench/gen-host.py).",
        "Sysfs stores are answered by the kernel emulation (tests/harness/.libs/libkshim.so), which rewrites the simulated",
        "tree on every store: its cost is measured alone (dash doing the same two stores) and shown apart.",
        "",
        "| # | measurement | ours | reference | ratio | goal | verdict |",
        "|---|---|---|---|---|---|---|",
        f"| 1 | hook, plain VM (libvirt's own stdin) | {hook:.3f} ms | floor: empty C {floor:.3f} ms | "
        f"{hook / floor:.2f}x the floor | <= 3x (stretch 1.5x) | {verdict(hook <= 3 * floor)}"
        f"{' (stretch met)' if hook <= 1.5 * floor else ''} |",
        f"| 1 | | | bash dispatcher {bash:.3f} ms | {bash / hook:.2f}x faster | >= 2x faster | {verdict(bash >= 2 * hook)} |",
        f"| 2 | prepare + release of one vGPU | {ours:.2f} ms (emulation {emul:.2f}) | bash hook script {script:.2f} ms"
        f" | {script / ours:.2f}x; without emulation {max(script - emul, 0.01) / max(ours - emul, 0.01):.2f}x | faster | "
        f"{verdict(ours < script)} |",
    ]
    mc = r.get("mdevctl_cycle")
    if mc:
        lines.append(f"| 2 | | | `mdevctl start` + `mdevctl stop` {mc:.2f} ms | {mc / ours:.2f}x; without emulation "
                     f"{max(mc - emul, 0.01) / max(ours - emul, 0.01):.2f}x | faster | {verdict(ours < mc)} |")
    if mdevctl:
        lines.append(f"| 3 | `vgpuctl inventory --json` | {inv:.2f} ms | `mdevctl types` + `mdevctl list` {mdevctl:.2f} ms | "
                     f"{mdevctl / inv:.2f}x faster | >= 2x faster | {verdict(mdevctl >= 2 * inv)} |")
    else:
        lines.append(f"| 3 | `vgpuctl inventory --json` | {inv:.2f} ms | mdevctl not measurable here | | >= 2x faster | n/a |")
    lines += [
        f"| 4 | 64 prepares at once vs 32 in series (32 instances) | {par[0]:.0f} ms, {par[1]} succeeded | "
        f"{ser[0]:.0f} ms, {ser[1]} succeeded | {par[0] / ser[0]:.2f}x the serial time | <= 2x, exactly 32 | "
        f"{verdict(par[0] <= 2 * ser[0] and par[1] == 32)} |",
        f"| 5 | peak RSS of the hook (prepare up to the create, started, reconnect, release) | {rss:.1f} MiB | "
        f"with the emulation loaded in the same process: {r['rss_shim'] / 1024:.1f} MiB | | <= 8 MiB | {verdict(rss <= 8)} |",
        "",
        "## Scaling (6): flat or linear, never quadratic",
        "",
        "| mdev parents | inventory --json | prepare+release | of which emulation | hook alone |",
        "|---|---|---|---|---|",
    ]
    for parents, inv_ms, cyc, em in r["scaling"]:
        lines.append(f"| {parents} | {inv_ms:.2f} ms | {cyc:.2f} ms | {em:.2f} ms | {max(cyc - em, 0):.2f} ms |")
    lines += ["", "![scaling](scaling.png)", "",
              "mdevctl 1.2 knows no root prefix: it runs in a private mount namespace with the simulated /sys and",
              "/etc/mdevctl.d bound over the real ones, its stores emulated the same way (VGPU_KSHIM_SYS_BOUND).",
              "\"hook alone\" still carries the emulation's interposition of every open(2) in the hook process."]
    return "\n".join(lines) + "\n"


def plot(rows, out):
    if not shutil.which("gnuplot"):
        return False
    data = out + ".dat"
    with open(data, "w") as f:
        for parents, inv_ms, cyc, em in rows:
            f.write(f"{parents} {inv_ms} {max(cyc - em, 0)}\n")
    script = (f"set terminal png size 800,480; set output '{out}'; set xlabel 'mdev parents'; "
              f"set ylabel 'ms (median)'; set key left top; set grid; "
              f"plot '{data}' using 1:2 with linespoints title 'vgpuctl inventory --json', "
              f"'{data}' using 1:3 with linespoints title 'hook prepare+release (emulation subtracted)'")
    ok = subprocess.run(["gnuplot", "-e", script]).returncode == 0
    os.unlink(data)
    return ok


def main():
    if os.geteuid() != 0:
        sys.exit("bench: run as root (mdevctl is measured in a private mount namespace)")
    os.makedirs(f"{BUILD}/bench", exist_ok=True)
    subprocess.run(["cc", "-O2", "-o", f"{BUILD}/bench/empty", f"{BENCH}/empty.c"], check=True)
    subprocess.run(["cc", "-O2", "-o", f"{BUILD}/bench/rss", f"{BENCH}/rss.c"], check=True)
    results = {}
    for step in (bench_plain, bench_cycle, bench_mdevctl_cycle, bench_inventory, bench_concurrency, bench_scaling):
        print(f"bench: {step.__doc__.splitlines()[0]}", flush=True)
        step(results)
    text = report(results)
    out_dir = os.environ.get("BENCH_OUT", BENCH)
    with open(f"{out_dir}/RESULTS.md", "w") as f:
        f.write(text)
    if not plot(results["scaling"], f"{out_dir}/scaling.png"):
        print("bench: gnuplot is not installed: no plot (apt-get install gnuplot-nox)")
    print(text)


if __name__ == "__main__":
    main()
