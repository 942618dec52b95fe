"""Hostile guest: a VM that fuzzes system registers, memory, hypercalls, PSCI,
cache/TLB maintenance, WFx and its own virtio devices (a virtio-blk RAM disk
and two virtio-net ports on the VM switch, driven with random set-ups, rings
and descriptors) from a seeded PRNG runs beside a Linux VM and a heartbeat
VM. HyperBerry must not fail, the hostile guest must finish with its
registers and memory intact, the heartbeat must keep its rhythm, and Linux
must still answer at the end.

HB_HOSTILE_OPS (default 300000; the guest's own default is 1000000) and
HB_HOSTILE_SEED (default: the guest's, 0x4b1d5eedc0ffee00 + VM id) choose the
run. The full run: HB_HOSTILE_OPS=1000000 python3 -m pytest -s tests/integration/test_hostile.py
"""
import os
import re
import subprocess
import time

from hbimage import CONFIG_DIR, make_image, vm_node
from qemu import ROOT, hyperberry

LINUX_DIR = os.path.join(ROOT, "build", "linux")
KERNEL = os.path.join(LINUX_DIR, "Image")
INITRD = os.path.join(LINUX_DIR, "initramfs.cpio.gz")
LINUX_RAM = (0x40000000, 0x10000000)
LINUX_DTB_IPA = 0x48000000
LINUX_INITRD_IPA = 0x48200000
ARGS_DTB_IPA = 0x40000000      # below the bare-metal guests' image at 0x40200000

OPS = int(os.environ.get("HB_HOSTILE_OPS", "300000"), 0)
SEED = os.environ.get("HB_HOSTILE_SEED")
# The heartbeat VM owns core 2, so HyperBerry never takes it off its core.
# Its stall (the longest gap between two of its own counter reads, printing
# aside) may exceed two time slices only if nothing interrupted its core (then
# it was the host). The time between beats also includes printing, which
# waits for the console (the host reading QEMU's output, other VMs' lines):
# only a loose bound.
TIME_SLICE_US = 50000
MAX_STALL_US = 2 * TIME_SLICE_US
MAX_BEAT_GAP_US = 2000000
# About 11 s per 100k operations alone on a 2-core host, up to 35 s beside
# Linux. A hang (a lost wake-up, say) fails within one step.
STEP_TIMEOUT = 120

HB_FAILURE = re.compile(r"EL2 FATAL|PANIC|Kernel panic")
# Each ends in a delimiter: pexpect may see a line only partly written.
VERDICT_RE = re.compile(r"\[hostile\] VERDICT hostile: (PASS|FAIL) (\d+)/(\d+)\s")
SEED_RE = re.compile(r"\[hostile\] HOSTILE seed=(0x[0-9a-f]+) ops=(\d+) ")
BEAT_RE = re.compile(r"^\[heartbeat\] HEARTBEAT (\d+) (\d+) (\d+)\r?$", re.M)
STATS_RE = re.compile(r"\[monitor\]   (.+?)\s+(\d+)\r?$", re.M)
VIRTIO_CLASS_RE = re.compile(r"\[hostile\] HOSTILE class virtio ops=(\d+) ")
BLK_STATS_RE = re.compile(r"\[monitor\]   virtio-blk hostile-a000000: .*, (\d+) bad chains")
NET_STATS_RE = re.compile(r"\[monitor\]   virtio-net port \d+: .*, (\d+) bad chains")
# Its devices: the windows and SPIs guests/tests/hostile.c probes for.
HOSTILE_VIRTIO = [
    "virtio-blk-ram { ipa = <0x0 0x0a000000>; interrupt = <48>; size = <0x0 0x100000>; };",
    "virtio-net0 { ipa = <0x0 0x0a000200>; interrupt = <49>; mac = [52 54 00 48 4f 01]; };",
    "virtio-net1 { ipa = <0x0 0x0a000400>; interrupt = <50>; mac = [52 54 00 48 4f 02]; };",
]


def lines(out):
    return [l.rstrip("\r") for l in out.splitlines()]


def dtc(name, source):
    dts = os.path.join(CONFIG_DIR, name + ".dts")
    dtb = os.path.join(CONFIG_DIR, name + ".dtb")
    with open(dts, "w") as f:
        f.write(source)
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb, dts], check=True)
    return dtb


def args_dtb(name, bootargs):
    """A DTB that carries only /chosen/bootargs: how the bare-metal guests get parameters."""
    return dtc(name, "/dts-v1/;\n/ {\n\t#address-cells = <2>;\n\t#size-cells = <2>;\n"
                     f'\tchosen {{ bootargs = "{bootargs}"; }};\n}};\n')


def linux_dtb():
    out = os.path.join(CONFIG_DIR, "guest-hostile-linux.dtb")
    subprocess.run([os.path.join(ROOT, "tools", "linux-kit.sh"), "dtb", out,
                    f"--ram=0x{LINUX_RAM[0]:x},0x{LINUX_RAM[1]:x}", "--cpus=2",
                    f"--initrd=0x{LINUX_INITRD_IPA:x},{os.path.getsize(INITRD)}"],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return out


def build_image():
    os.makedirs(CONFIG_DIR, exist_ok=True)
    bootargs = f"hostile.ops={OPS}" + (f" hostile.seed={SEED}" if SEED else "")
    hostile_args = args_dtb("hostile-args", bootargs)
    linux = vm_node("hlinux", KERNEL, vcpus=2, cpus=[0, 1], ram_mib=LINUX_RAM[1] >> 20,
                    ram_ipa=LINUX_RAM[0], extra="\n".join([
                        f'\t\t\tdtb = "{linux_dtb()}";',
                        f"\t\t\tdtb-ipa = <0x0 0x{LINUX_DTB_IPA:x}>;",
                        f'\t\t\tinitrd = "{INITRD}";',
                        f"\t\t\tinitrd-ipa = <0x0 0x{LINUX_INITRD_IPA:x}>;"]))
    # vCPU 1 of the hostile VM lives on core 3: the target of its CPU_ON storm.
    hostile = vm_node("hostile", "hostile", vcpus=2, cpus=[1, 3], extra="\n".join([
        f'\t\t\tdtb = "{hostile_args}";', f"\t\t\tdtb-ipa = <0x0 0x{ARGS_DTB_IPA:x}>;"] +
        ["\t\t\t" + dev for dev in HOSTILE_VIRTIO]))
    heartbeat = vm_node("heartbeat", "heartbeat", vcpus=1, cpus=[2])
    return make_image("hostile", [linux, hostile, heartbeat],
                      hypervisor_props=f"time-slice-us = <{TIME_SLICE_US}>;")


def wait_for(m, pattern, timeout):
    """Like m.expect, but stops at once if HyperBerry fails."""
    match = m.expect(f"{pattern}|{HB_FAILURE.pattern}", timeout=timeout)
    assert not HB_FAILURE.fullmatch(match[0]), \
        f"HyperBerry failed:\n{m.output()[-4000:]}"
    return match


def monitor_stats(m, vms):
    """{vm: {exit reason: count}} from the monitor's `stats <vm>`."""
    # Focus order: hlinux, hostile, heartbeat, then the monitor.
    for _ in range(3):
        m.send("\x01\x01\x01")
        time.sleep(0.3)
    wait_for(m, r"console input now goes to the monitor", 20)
    stats = {}
    for vm in vms:
        m.send(f"stats {vm}\r")
        wait_for(m, rf'exits of vm "{vm}"[^\n]*\n(.*\n)*?.*\[monitor\]   total\s+\d+\s', 20)
        out = m.output()
        section = out[out.rfind(f'exits of vm "{vm}"'):]
        section = section[:section.find("\n", section.find("total"))]
        stats[vm] = {name.strip(): int(n) for name, n in STATS_RE.findall(section)}
    return stats


def heartbeat_gaps(out, start_line, end_line, cntfrq):
    """(beats, worst interval beyond the period in us, worst stall in us) between two lines."""
    text = "\n".join(lines(out)[start_line:end_line])
    beats = [(int(n), int(cnt), int(stall)) for n, cnt, stall in BEAT_RE.findall(text)]
    assert len(beats) >= 10, f"only {len(beats)} heartbeats during the hostile run"
    numbers = [b[0] for b in beats]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), "heartbeat skipped beats"
    worst_gap = max((b[1] - a[1]) * 1000000 // cntfrq - 20000 for a, b in zip(beats, beats[1:]))
    return len(beats), worst_gap, max(b[2] for b in beats)


def first_line(out, pattern):
    for i, line in enumerate(lines(out)):
        if re.search(pattern, line):
            return i
    raise AssertionError(f"{pattern!r} not in output")


def test_hostile_guest_beside_linux_and_heartbeat():
    # The Linux kit (cached in build/linux/): built here, since this test may
    # run before any Linux test on a fresh machine.
    subprocess.run([os.path.join(ROOT, "tools", "setup.sh"), "build", "linux"], cwd=ROOT, check=True)
    subprocess.run([os.path.join(ROOT, "tools", "linux-kit.sh")], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    img = build_image()
    started = time.time()
    with hyperberry(image=img, timeout=STEP_TIMEOUT, logname="hostile") as m:
        seed = wait_for(m, SEED_RE.pattern, 60)
        print(f"\nhostile seed {seed[1]}, {seed[2]} operations "
              f"(reproduce: HB_HOSTILE_SEED={seed[1]} HB_HOSTILE_OPS={seed[2]})")
        for step in range(1, int(seed[2]) // 100000 + 1):
            wait_for(m, rf"\[hostile\] HOSTILE progress {step * 100000} ", STEP_TIMEOUT)
        verdict = wait_for(m, VERDICT_RE.pattern, STEP_TIMEOUT)
        hostile_s = time.time() - started
        if "HYPERBERRY-LINUX-READY" not in m.output():
            wait_for(m, r"HYPERBERRY-LINUX-READY", 120)
        m.send("echo alive-$((6*7))\r")
        wait_for(m, r"\[hlinux\] alive-42", 60)
        all_stats = monitor_stats(m, ["hostile", "heartbeat"])
        out = m.collect(1)

    why = f"seed {seed[1]}; log build/test-logs/hostile.log\n"
    assert not HB_FAILURE.search(out), why + out[-4000:]
    problems = [l for l in lines(out) if re.search(r"HOSTILE problem|GUEST-EXCEPTION|GUEST-ABORT", l)]
    assert not problems, why + "\n".join(problems[:20])
    fails = [l for l in lines(out) if re.match(r"\[hostile\] CHECK \S+: FAIL", l)]
    assert verdict[1] == "PASS" and verdict[2] == verdict[3] and not fails, why + "\n".join(fails)
    done = re.search(r"\[hostile\] HOSTILE done (\d+) ", out)
    assert done and int(done[1]) == int(seed[2]), why
    assert len(re.findall(r"\[hostile\] HOSTILE progress \d+", out)) == int(seed[2]) // 100000
    assert 'vm "hostile": stopped (guest called PSCI SYSTEM_OFF)' in out, why
    assert not re.search(r'vm "(hlinux|heartbeat)".*(crashed|stopped)', out), why

    # The virtio devices were fuzzed, and the monitor reports them.
    virtio_ops = VIRTIO_CLASS_RE.search(out)
    assert virtio_ops and int(virtio_ops[1]) > 0, f"{why}no virtio operations ran"
    blk = BLK_STATS_RE.search(out)
    assert blk, f"{why}`stats hostile` shows no virtio-blk line"
    nets = NET_STATS_RE.findall(out)
    assert len(nets) == 2, f"{why}`stats hostile` shows {len(nets)} virtio-net lines, not 2"
    assert int(blk[1]) + sum(int(n) for n in nets) > 0, f"{why}no bad chain reached a device"
    print(re.search(r"HOSTILE virtio devices=.*", out)[0].rstrip())
    print("\n".join(l[l.find("virtio-"):] for l in lines(out) if "[monitor]   virtio-" in l))

    # The hypervisor really was exercised: every kind of trap happened.
    stats = all_stats["hostile"]
    for reason in ["HVC", "SMC", "MSR/MRS/system instruction", "data abort, lower EL",
                   "WFI/WFE"]:
        assert stats.get(reason, 0) > 0, f"{why}no {reason} exits in {stats}"

    cntfrq = int(re.search(r"HEARTBEAT start period_us=\d+ cntfrq=(\d+)", out)[1])
    beats, worst_gap, worst_stall = heartbeat_gaps(
        out, first_line(out, r"\[hostile\] HOSTILE seed="), first_line(out, r"\[hostile\] VERDICT"), cntfrq)
    hb_irqs = all_stats["heartbeat"].get("physical IRQ", 0)
    print(f"hostile run {hostile_s:.0f} s; heartbeat: {beats} beats, worst gap {worst_gap} us, "
          f"worst stall {worst_stall} us, {hb_irqs} IRQ exits; hostile exits {stats}")
    # A stall HyperBerry caused needs an interrupt on the heartbeat's core,
    # which is an exit. One without any is the host not running QEMU's thread.
    assert worst_stall <= MAX_STALL_US or hb_irqs == 0, \
        f"{why}heartbeat stalled {worst_stall} us > {MAX_STALL_US} us, {hb_irqs} IRQ exits on its core"
    if worst_stall > MAX_STALL_US:
        print(f"heartbeat stall of {worst_stall} us without any interrupt on its core: host scheduling")
    assert worst_gap <= MAX_BEAT_GAP_US, f"{why}heartbeat beat late by {worst_gap} us"
