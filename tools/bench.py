#!/usr/bin/python3
"""Exit-path benchmark: runs the bench guest natively and under HyperBerry in
QEMU with -icount shift=0 (1 ns of virtual time per instruction), then prints
and saves the instruction counts per operation against the targets.
With --linux: counts the instructions Debian's kernel needs from VM start to
the kit's init marker, natively and under HyperBerry (docs/performance.md).

Usage: tools/bench.py [--build build/qemu-virt] [--runs 2] [--pcpu 1] [--linux]
Exit status: 0 when both sides produced numbers (missed targets included:
benchmarks are not pass/fail tests), 1 when a QEMU run failed.
"""
import argparse
import csv
import hashlib
import json
import os
import re
import select
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import pexpect

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
QEMU = os.environ.get("QEMU", "qemu-system-aarch64")
# shift=0: each instruction, at any EL, advances the virtual clock by 2^0 ns.
# sleep=off: the clock never jumps ahead in real time, so it is deterministic.
ICOUNT = "-icount shift=0,sleep=off"
NATIVE_CMD = (f"{QEMU} -M virt,gic-version=2 -cpu cortex-a72 -smp 1 -m 256M "
              f"-nographic {ICOUNT}")
HYP_CMD = (f"{QEMU} -M virt,virtualization=on,gic-version=2 -cpu cortex-a72 -smp 4 "
           f"-m 2G -nographic {ICOUNT}")

# What each guest item measures; the device register is named so the table
# reads on its own. Items the guest adds later still print, described by name.
DESCRIPTIONS = {
    "hvc_hb_version": "hypercall round trip (HVC HB_VERSION)",
    "hvc_psci_version": "HVC PSCI_VERSION round trip",
    "smc_psci_version": "SMC PSCI_VERSION round trip (HCR_EL2.TSC)",
    "mmio_read_uartfr": "emulated MMIO read, PL011 UARTFR",
    "mmio_write_uartibrd": "emulated MMIO write, PL011 UARTIBRD",
    "sysreg_read_actlr": "MRS ACTLR_EL1 (HCR_EL2.TACR trap)",
    "mmio_read_gicd_typer": "MMIO read, GICD_TYPER (vGIC distributor)",
    "mmio_read_gicc_ctlr": "MMIO read, GICC_CTLR (GIC CPU interface)",
    "gicd_isenabler0_write": "emulated MMIO write, GICD_ISENABLER0 (SGI bit already set)",
    "timer_irq_latency": "virtual timer expiry (CVAL) to first instruction of the guest IRQ vector",
    "sgi_self_latency": "GICD_SGIR write (self) to first instruction of the guest IRQ vector",
}

# item -> (HyperBerry target in instructions, Bao's figure on the same set-up)
TARGETS = {
    "hvc_hb_version": (80, 190),
    "mmio_read_uartfr": (100, 225),
    "timer_irq_latency": (100, 204),
    "sgi_self_latency": (200, 806),
    "gicd_isenabler0_write": (150, 3279),
}

BENCH_RE = re.compile(r"BENCH (\S+) (n/a|-?\d+\.\d\d)\s*$")
INFO_RE = re.compile(r"BENCH-INFO (.*?)\s*$")
VERDICT_RE = r"VERDICT bench: (PASS|FAIL) (\d+)/(\d+)"
# Output that means the run went wrong; seen early, it saves the time-out.
FAILURE_RES = [r"EL2 FATAL", r"PANIC", r"vm \"bench\" vCPU \d+ crashed",
               r"GUEST-ABORT", r"GUEST-EXCEPTION"]


class RunFailed(Exception):
    pass


def read_log(path):
    with open(path, errors="replace", newline="") as f:
        return f.read().replace("\r\n", "\n")


def run_qemu(args, logpath, done_pattern, timeout):
    """Boots QEMU, waits for the VERDICT then done_pattern, always kills QEMU.
    Returns the console output; raises RunFailed with the log tail."""
    child = pexpect.spawn(args[0], args[1:], encoding="utf-8", codec_errors="replace",
                          timeout=timeout, maxread=65536, searchwindowsize=None)
    try:
        with open(logpath, "w") as log:
            child.logfile_read = log
            for stage, pattern in (("VERDICT", VERDICT_RE), ("end of run", done_pattern)):
                # pexpect reports EOF at its last index: list it only once.
                patterns = [pattern] + FAILURE_RES + [pexpect.TIMEOUT]
                if pattern is not pexpect.EOF:
                    patterns.append(pexpect.EOF)
                got = child.expect(patterns, timeout=timeout)
                if got != 0:
                    what = {pexpect.TIMEOUT: f"time-out after {timeout}s",
                            pexpect.EOF: "QEMU exited"}.get(patterns[got], f"saw {patterns[got]!r}")
                    child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=1)
                    raise RunFailed(f"waiting for {stage}: {what}")
            child.logfile_read = None
    except RunFailed as e:
        output = read_log(logpath)
        raise RunFailed(f"{e}\n  command: {shlex.join(args)}\n  log: {logpath}\n"
                        "  --- last output ---\n" + output[-3000:]) from None
    finally:
        child.close(force=True)
    return read_log(logpath)


def parse(output, expect_mode):
    """Returns (items in guest order as {name: "12.34" | "n/a"}, info dict)."""
    items, info = {}, {}
    for line in output.splitlines():
        if m := INFO_RE.search(line):
            info = dict(kv.split("=", 1) for kv in m.group(1).split() if "=" in kv)
        elif m := BENCH_RE.search(line):
            items[m.group(1)] = m.group(2)
    if not items:
        raise RunFailed("no BENCH lines in the output")
    if info.get("mode") != expect_mode:
        raise RunFailed(f"guest says mode={info.get('mode')}, expected {expect_mode}")
    verdict = re.search(VERDICT_RE, output)
    if verdict and verdict.group(1) != "PASS":
        print(f"WARNING: bench guest verdict {verdict.group(0)} ({expect_mode})")
    return items, info


def measure(side, args, done_pattern, runs, timeout, logdir):
    """Runs one side `runs` times; returns the first run's numbers and warns
    when a later run differs (icount should make them identical)."""
    results = []
    for i in range(runs):
        logpath = os.path.join(logdir, f"{side}-{i + 1}.log")
        output = run_qemu(args, logpath, done_pattern, timeout)
        try:
            results.append(parse(output, side))
        except RunFailed as e:
            raise RunFailed(f"{side} run {i + 1}: {e} (log: {logpath})") from None
    first = results[0]
    for i, other in enumerate(results[1:], start=2):
        if other != first:
            diff = sorted(k for k in set(first[0]) | set(other[0])
                          if first[0].get(k) != other[0].get(k))
            print(f"WARNING: {side} run {i} differs from run 1 "
                  f"(items: {', '.join(diff) or 'BENCH-INFO'}); icount runs should be identical")
    return first


def hyperberry_image(build, guest_bin, pcpu):
    """Packs the bench guest as the only VM, 1 vCPU on physical core pcpu."""
    os.environ["HB_BUILD"] = build
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    from hbimage import make_image, vm_node  # needs HB_BUILD set first
    return make_image("bench-hyperberry", [vm_node("bench", guest_bin, vcpus=1, cpus=[pcpu])])


def number(value):
    """Guest value -> instructions. The guest truncates to 0.01 and the 16-ns
    counter tick adds at most 2 * 16 ns / iterations (0.0003 at 100000), so a
    value within 0.02 of a whole number is that number (124.99 -> 125)."""
    if value in (None, "n/a"):
        return None
    v = float(value)
    return float(round(v)) if abs(v - round(v)) <= 0.02 else v


def fmt(value):
    if value is None:
        return "n/a"
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"


def build_rows(native, hyp):
    rows = []
    for item in list(hyp) + [k for k in native if k not in hyp]:
        nat, hb = number(native.get(item)), number(hyp.get(item))
        target, bao = TARGETS.get(item, (None, None))
        met = None if target is None else (hb is not None and hb <= target)
        rows.append({"item": item, "description": DESCRIPTIONS.get(item, item),
                     "native": nat, "hb": hb, "target": target, "bao": bao, "met": met})
    return rows


def print_table(rows):
    header = ["item", "native (instr)", "HyperBerry (instr)", "overhead", "target",
              "Bao (ref)", "met/missed"]
    lines = []
    for r in rows:
        if r["native"] is None or r["hb"] is None:
            overhead = "-"
        else:
            overhead = ("+" if r["hb"] >= r["native"] else "") + fmt(r["hb"] - r["native"])
        verdict = "-" if r["met"] is None else ("met" if r["met"] else "MISSED")
        lines.append([f"{r['item']}: {r['description']}", fmt(r["native"]), fmt(r["hb"]),
                      overhead, "-" if r["target"] is None else f"<= {r['target']}",
                      "-" if r["bao"] is None else f"~{r['bao']}", verdict])
    print_text_table(header, lines)


def print_text_table(header, rows):
    """A text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(x) for x in col) for col in zip(header, *rows)]
    row_fmt = " | ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    print(row_fmt.format(*header))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(row_fmt.format(*row))


def write_csv(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item", "description", "native_instr", "hyperberry_instr", "target", "met"])
        for r in rows:
            met = "" if r["met"] is None else ("yes" if r["met"] else "no")
            w.writerow([r["item"], r["description"], fmt(r["native"]), fmt(r["hb"]),
                        "" if r["target"] is None else r["target"], met])


# ---------------------------------------------------------------- Linux boot

# Both sides boot the same Image, initramfs and guest DTB at the same
# addresses: RAM 0x40000000 (256 MiB), Image at +2 MiB, DTB at +128 MiB (where
# QEMU puts a -dtb when there is no -initrd), initramfs 2 MiB above it.
LINUX_RAM = (0x40000000, 256 << 20)
LINUX_KERNEL_IPA = 0x40200000
LINUX_DTB_IPA = 0x48000000
LINUX_INITRD_IPA = 0x48200000
LINUX_TARGET = 1.03
LINUX_MARKER = "HYPERBERRY-LINUX-READY"
# The first system call after the marker: /init ends with `exec setsid ...`,
# and nothing before it calls setsid().
LINUX_MARKER_SYMBOL = "__arm64_sys_setsid"
# The first ERET into a guest on a core (arch/aarch64/guest_entry.S).
HYP_VM_START_SYMBOL = "vcpu_first_entry"
# With the machine option dtb-randomness=off (below) QEMU's DTB has no random
# seeds; -rtc gives a fixed clock.
LINUX_QEMU_COMMON = f"-cpu cortex-a72 -nographic {ICOUNT} -rtc base=2025-01-01T00:00:00,clock=vm"
LINUX_FAILURE_RES = FAILURE_RES + [r"Kernel panic", r"vm \"linux\": stopped"]


class GdbRemote:
    """The few packets of QEMU's gdbstub the benchmark needs: breakpoints,
    continue, and waiting for the stop reply."""

    def __init__(self, path, deadline):
        self.sock = connect_unix(path, deadline)
        self.buf = b""

    def send(self, data):
        raw = data.encode()
        self.sock.sendall(b"$" + raw + b"#%02x" % (sum(raw) & 0xff))

    def poll(self, timeout):
        """Returns one reply packet, or None when none arrives in time."""
        end = time.monotonic() + timeout
        while True:
            start = self.buf.find(b"$")
            hash_at = self.buf.find(b"#", start) if start >= 0 else -1
            if hash_at >= 0 and len(self.buf) >= hash_at + 3:
                packet = self.buf[start + 1:hash_at].decode(errors="replace")
                self.buf = self.buf[hash_at + 3:]
                self.sock.sendall(b"+")
                return packet
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RunFailed("QEMU closed the gdbstub connection")
            self.buf += chunk

    def command(self, data, expect="OK"):
        self.send(data)
        reply = self.poll(10)
        if reply != expect:
            raise RunFailed(f"gdbstub: {data!r} answered {reply!r}")


class Qmp:
    """QMP, only for query-replay: its icount is the number of instructions
    QEMU has executed (all cores, every EL), idle time not included."""

    def __init__(self, path, deadline):
        self.file = connect_unix(path, deadline).makefile("rw")
        self.file.readline()
        self.call("qmp_capabilities")

    def call(self, name):
        self.file.write(json.dumps({"execute": name}) + "\n")
        self.file.flush()
        while True:
            reply = json.loads(self.file.readline())
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RunFailed(f"QMP {name}: {reply['error']}")

    def icount(self):
        return self.call("query-replay")["icount"]


def connect_unix(path, deadline):
    while True:
        sock = socket.socket(socket.AF_UNIX)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise RunFailed(f"QEMU did not open {path}") from None
            time.sleep(0.05)


def symbol_address(elf, name):
    out = subprocess.run(["aarch64-linux-gnu-nm", elf], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[2] == name:
            return int(fields[0], 16)
    raise RunFailed(f"{name} is not in {elf}")


class LinuxRun:
    """One paused QEMU with its gdbstub and QMP; the console goes to a log
    that is drained while waiting, so QEMU never blocks on it."""

    def __init__(self, args, logpath, timeout):
        self.tmp = tempfile.mkdtemp(prefix="hb-bench-")
        gdb, qmp = os.path.join(self.tmp, "gdb"), os.path.join(self.tmp, "qmp")
        self.args = args + ["-S", "-gdb", f"unix:{gdb},server=on,wait=off",
                            "-qmp", f"unix:{qmp},server=on,wait=off"]
        self.logpath, self.timeout = logpath, timeout
        self.log = open(logpath, "w")
        self.child = pexpect.spawn(self.args[0], self.args[1:], encoding="utf-8",
                                   codec_errors="replace", maxread=65536)
        self.child.logfile_read = self.log
        try:
            deadline = time.monotonic() + 30
            self.gdb, self.qmp = GdbRemote(gdb, deadline), Qmp(qmp, deadline)
            self.gdb.send("?")
            self.gdb.poll(10)
        except BaseException:
            self.close()
            raise

    def output(self):
        self.log.flush()
        return read_log(self.logpath)

    def drain(self, seconds):
        try:
            self.child.read_nonblocking(65536, timeout=seconds)
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF:
            raise RunFailed("QEMU exited") from None

    def run_to(self, address, what):
        """Continues until `address` executes; returns the wall time taken."""
        self.gdb.command(f"Z0,{address:x},4")
        started = time.monotonic()
        self.gdb.send("c")
        while True:
            reply = self.gdb.poll(0.02)
            if reply is not None:
                break
            self.drain(0.02)
            if time.monotonic() - started > self.timeout:
                raise RunFailed(f"time-out after {self.timeout}s waiting for {what}")
            for pattern in LINUX_FAILURE_RES:
                if re.search(pattern, self.output()[-4000:]):
                    raise RunFailed(f"saw {pattern!r} waiting for {what}")
        elapsed = time.monotonic() - started
        if not reply.startswith(("T05", "S05")):
            raise RunFailed(f"waiting for {what}: gdbstub stop reply {reply!r}")
        self.gdb.command(f"z0,{address:x},4")
        self.drain(0.2)
        return elapsed

    def close(self):
        self.child.close(force=True)
        self.log.close()
        for name in os.listdir(self.tmp):
            os.unlink(os.path.join(self.tmp, name))
        os.rmdir(self.tmp)


def linux_measure(side, args, start_symbol, marker_address, logpath, timeout):
    """Returns {instructions, wall, guest_run_init} for one boot. start_symbol
    None: the VM starts with QEMU (native); else at that EL2 address."""
    run = LinuxRun(args, logpath, timeout)
    try:
        start_count, wall_before = 0, 0.0
        if start_symbol is not None:
            wall_before = run.run_to(start_symbol, "the VM start")
            start_count = run.qmp.icount()
        wall = run.run_to(marker_address, "the init marker")
        end_count = run.qmp.icount()
        output = run.output().replace("\r", "")
        marker = re.search(LINUX_MARKER + r" kernel=\S+ cpus=(\d+)", output)
        if not marker:
            raise RunFailed(f"{LINUX_MARKER_SYMBOL} ran before the marker was printed")
        if marker.group(1) != "1":
            raise RunFailed(f"the guest reports cpus={marker.group(1)}, expected 1")
        run_init = re.search(r"\[\s*(\d+\.\d+)\] Run /init as init process", output)
    except RunFailed as e:
        raise RunFailed(f"{side}: {e}\n  command: {shlex.join(run.args)}\n  log: {logpath}\n"
                        "  --- last output ---\n" + run.output()[-3000:]) from None
    finally:
        run.close()
    return {"instructions": end_count - start_count, "wall": wall_before + wall,
            "wall_from_vm_start": wall, "before_vm": start_count,
            "guest_run_init": float(run_init.group(1)) if run_init else None}


def linux_marker_address(image, logdir, timeout):
    """Address of LINUX_MARKER_SYMBOL with nokaslr. Debian ships no System.map,
    so one plain native boot reads /proc/kallsyms; cached per Image."""
    with open(image, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    cache = os.path.join(logdir, "linux-symbols.txt")
    if os.path.isfile(cache):
        with open(cache) as f:
            fields = f.read().split()
        if len(fields) == 3 and fields[0] == digest and fields[1] == LINUX_MARKER_SYMBOL:
            return int(fields[2], 16)
    args = shlex.split(linux_native_cmd(image, os.path.join(logdir, "linux-guest.dtb"),
                                        icount=False))
    logpath = os.path.join(logdir, "linux-kallsyms.log")
    child = pexpect.spawn(args[0], args[1:], encoding="utf-8", codec_errors="replace",
                          timeout=timeout, maxread=65536)
    try:
        with open(logpath, "w") as log:
            child.logfile_read = log
            child.expect(LINUX_MARKER)
            child.expect(r"# ")
            child.send(f"grep ' {LINUX_MARKER_SYMBOL}$' /proc/kallsyms\r")
            m = child.expect([r"\n([0-9a-f]{16}) [Tt] " + LINUX_MARKER_SYMBOL, pexpect.TIMEOUT],
                             timeout=30)
            if m != 0:
                raise RunFailed(f"no {LINUX_MARKER_SYMBOL} in /proc/kallsyms (log: {logpath})")
            address = int(child.match.group(1), 16)
    except (pexpect.TIMEOUT, pexpect.EOF):
        raise RunFailed(f"native boot for /proc/kallsyms failed (log: {logpath})") from None
    finally:
        child.close(force=True)
    with open(cache, "w") as f:
        f.write(f"{digest} {LINUX_MARKER_SYMBOL} {address:x}\n")
    return address


def linux_native_cmd(image, dtb, icount=True):
    common = LINUX_QEMU_COMMON if icount else LINUX_QEMU_COMMON.replace(ICOUNT, "")
    return (f"{QEMU} -M virt,gic-version=2,dtb-randomness=off -smp 1 -m 256M {common} "
            f"-kernel {image} -dtb {dtb} "
            f"-device loader,file={os.path.join(ROOT, 'build/linux/initramfs.cpio.gz')},"
            f"addr=0x{LINUX_INITRD_IPA:x},force-raw=on")


def linux_kit_files(logdir):
    """Runs the (cached) kit when its files are missing; writes the 1-vCPU,
    nokaslr guest DTB both sides use. Returns (Image, DTB)."""
    kit = os.path.join(ROOT, "build", "linux")
    image, initrd = os.path.join(kit, "Image"), os.path.join(kit, "initramfs.cpio.gz")
    if not (os.path.isfile(image) and os.path.isfile(initrd)):
        subprocess.run([os.path.join(ROOT, "tools", "linux-kit.sh")], check=True, cwd=ROOT)
    dtb = os.path.join(logdir, "linux-guest.dtb")
    subprocess.run([os.path.join(ROOT, "tools", "linux-kit.sh"), "dtb", dtb,
                    f"--ram=0x{LINUX_RAM[0]:x},0x{LINUX_RAM[1]:x}", "--cpus=1",
                    f"--initrd=0x{LINUX_INITRD_IPA:x},{os.path.getsize(initrd)}", "--nokaslr"],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return image, dtb


def linux_hyperberry_image(build, image, dtb, pcpu):
    os.environ["HB_BUILD"] = build
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    from hbimage import make_image, vm_node  # needs HB_BUILD set first
    initrd = os.path.join(ROOT, "build", "linux", "initramfs.cpio.gz")
    extra = (f'\t\t\tdtb = "{dtb}";\n\t\t\tdtb-ipa = <0x0 0x{LINUX_DTB_IPA:x}>;\n'
             f'\t\t\tinitrd = "{initrd}";\n\t\t\tinitrd-ipa = <0x0 0x{LINUX_INITRD_IPA:x}>;')
    return make_image("bench-linux", [vm_node("linux", image, vcpus=1, cpus=[pcpu],
                                              ram_mib=LINUX_RAM[1] >> 20, ram_ipa=LINUX_RAM[0],
                                              load_ipa=LINUX_KERNEL_IPA, extra=extra)])


def linux_side(side, args, start, marker, runs, timeout, logdir):
    results = []
    for i in range(runs):
        logpath = os.path.join(logdir, f"linux-{side}-{i + 1}.log")
        results.append(linux_measure(side, args, start, marker, logpath, timeout))
        print(f"  {side} run {i + 1}: {results[-1]['instructions']} instructions, "
              f"{results[-1]['wall']:.2f} s", flush=True)
    counts = {r["instructions"] for r in results}
    if len(counts) > 1:
        print(f"WARNING: {side} instruction counts differ between runs ({sorted(counts)}); "
              "icount runs should be identical")
    return {"instructions": statistics.median(r["instructions"] for r in results),
            "wall": statistics.median(r["wall"] for r in results),
            "wall_from_vm_start": statistics.median(r["wall_from_vm_start"] for r in results),
            "before_vm": results[0]["before_vm"], "guest_run_init": results[0]["guest_run_init"]}


def guest_clock(side):
    return "-" if side["guest_run_init"] is None else f"{side['guest_run_init']:.6f} s"


def linux_main(opts, build, out_csv, logdir, runs):
    elf = os.path.join(build, "hyperberry.elf")
    if not os.path.isfile(elf):
        sys.exit(f"bench: {elf} missing; run `make all` first")
    try:
        image, dtb = linux_kit_files(logdir)
        marker = linux_marker_address(image, logdir, opts.timeout)
        native = linux_side("native", shlex.split(linux_native_cmd(image, dtb)), None, marker,
                            runs, opts.timeout, logdir)
        hb_image = linux_hyperberry_image(build, image, dtb, opts.pcpu)
        hb_cmd = (f"{QEMU} -M virt,virtualization=on,gic-version=2,dtb-randomness=off -smp 4 "
                  f"-m 2G {LINUX_QEMU_COMMON} -kernel {hb_image}")
        hyp = linux_side("hyperberry", shlex.split(hb_cmd), symbol_address(elf, HYP_VM_START_SYMBOL),
                         marker, runs, opts.timeout, logdir)
    except (RunFailed, subprocess.CalledProcessError) as e:
        print(f"bench: FAILED {e}", file=sys.stderr)
        return 1

    ratio = hyp["instructions"] / native["instructions"]
    with open(os.path.join(ROOT, "build", "linux", "KERNEL_VERSION")) as f:
        kernel = dict(line.strip().split("=", 1) for line in f if "=" in line)
    print(f"\nLinux boot to the init marker ({kernel.get('package')} {kernel.get('version')}, "
          f"1 vCPU, nokaslr; QEMU {ICOUNT}; vCPU on physical core {opts.pcpu}; "
          f"median of {runs} runs)\n")
    header = ["side", "instructions", "ratio", "target", "met/missed", "wall s", "guest clock at Run /init"]
    rows = [["native (EL1)", f"{native['instructions']:,.0f}", "1", "-", "-", f"{native['wall']:.2f}",
             guest_clock(native)],
            ["HyperBerry (from VM start)", f"{hyp['instructions']:,.0f}", f"{ratio:.4f}",
             f"<= {LINUX_TARGET}", "met" if ratio <= LINUX_TARGET else "MISSED",
             f"{hyp['wall']:.2f}", guest_clock(hyp)]]
    print_text_table(header, rows)
    print(f"\nHyperBerry's own boot before the VM starts: {hyp['before_vm']:,} instructions "
          f"(not counted above); wall s counts from QEMU start, "
          f"{hyp['wall_from_vm_start']:.2f} s of it from the VM start")
    with open(out_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["side", "instructions", "ratio", "target", "met", "wall_s", "runs", "kernel"])
        w.writerow(["native", f"{native['instructions']:.0f}", "1", "", "", f"{native['wall']:.2f}",
                    runs, kernel.get("version")])
        w.writerow(["hyperberry", f"{hyp['instructions']:.0f}", f"{ratio:.4f}", LINUX_TARGET,
                    "yes" if ratio <= LINUX_TARGET else "no", f"{hyp['wall']:.2f}", runs,
                    kernel.get("version")])
    print(f"wrote {os.path.relpath(out_csv, ROOT)}; QEMU logs in {os.path.relpath(logdir, ROOT)}/")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build/qemu-virt", help="hypervisor build directory")
    ap.add_argument("--guest", default="build/guests/bench.bin", help="bench guest image")
    ap.add_argument("--out", default=None,
                    help="CSV to write (default build/bench/results.csv, with --linux linux.csv)")
    ap.add_argument("--runs", type=int, default=None,
                    help="runs per side, checked identical (default 2, with --linux 3)")
    ap.add_argument("--pcpu", type=int, default=1, help="physical core for the vCPU")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per wait")
    ap.add_argument("--linux", action="store_true",
                    help="Linux boot benchmark instead of the exit paths (needs the Linux kit)")
    opts = ap.parse_args()

    build = os.path.join(ROOT, opts.build)
    guest = os.path.join(ROOT, opts.guest)
    default_out = "build/bench/linux.csv" if opts.linux else "build/bench/results.csv"
    out = os.path.join(ROOT, opts.out or default_out)
    logdir = os.path.dirname(out)
    os.makedirs(logdir, exist_ok=True)
    if opts.linux:
        return linux_main(opts, build, out, logdir, opts.runs or 3)
    opts.runs = opts.runs or 2
    for path in (guest, os.path.join(build, "hyperberry.bin")):
        if not os.path.isfile(path):
            sys.exit(f"bench: {path} missing; run `make all` first")

    try:
        native, native_info = measure("native", shlex.split(NATIVE_CMD) + ["-kernel", guest],
                                      pexpect.EOF, opts.runs, opts.timeout, logdir)
        image = hyperberry_image(build, guest, opts.pcpu)
        # HyperBerry stays up after the VM stops, idle cores in WFI: QEMU
        # never exits by itself, so the "stopped" line ends the run.
        hyp, hyp_info = measure("hyperberry", shlex.split(HYP_CMD) + ["-kernel", image],
                                r'vm "bench": stopped \(guest called PSCI SYSTEM_OFF\)',
                                opts.runs, opts.timeout, logdir)
    except RunFailed as e:
        print(f"bench: FAILED {e}", file=sys.stderr)
        return 1

    rows = build_rows(native, hyp)
    print(f"HyperBerry exit-path cost in instructions per operation (QEMU {ICOUNT}; "
          f"{native_info.get('iterations', '?')} iterations, loop overhead subtracted; "
          f"vCPU on physical core {opts.pcpu}; {opts.runs} identical runs per side expected)\n")
    print_table(rows)
    write_csv(out, rows)
    print(f"\nwrote {os.path.relpath(out, ROOT)}; QEMU logs in {os.path.relpath(logdir, ROOT)}/")
    missed = [r for r in rows if r["met"] is False]
    for r in missed:
        print(f"MISSED: {r['item']} ({r['description']}): {fmt(r['hb'])} instructions, "
              f"target <= {r['target']}")
    if not missed:
        print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
