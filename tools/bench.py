#!/usr/bin/python3
"""Exit-path benchmark: runs the bench guest natively and under HyperBerry in
QEMU with -icount shift=0 (1 ns of virtual time per instruction), then prints
and saves the instruction counts per operation against the targets.

Usage: tools/bench.py [--build build/qemu-virt] [--runs 2] [--pcpu 1]
Exit status: 0 when both sides produced numbers (missed targets included:
benchmarks are not pass/fail tests), 1 when a QEMU run failed.
"""
import argparse
import csv
import os
import re
import shlex
import sys

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
    widths = [max(len(x) for x in col) for col in zip(header, *lines)]
    row_fmt = " | ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    print(row_fmt.format(*header))
    print("-+-".join("-" * w for w in widths))
    for line in lines:
        print(row_fmt.format(*line))


def write_csv(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item", "description", "native_instr", "hyperberry_instr", "target", "met"])
        for r in rows:
            met = "" if r["met"] is None else ("yes" if r["met"] else "no")
            w.writerow([r["item"], r["description"], fmt(r["native"]), fmt(r["hb"]),
                        "" if r["target"] is None else r["target"], met])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build/qemu-virt", help="hypervisor build directory")
    ap.add_argument("--guest", default="build/guests/bench.bin", help="bench guest image")
    ap.add_argument("--out", default="build/bench/results.csv", help="CSV to write")
    ap.add_argument("--runs", type=int, default=2, help="runs per side (checked identical)")
    ap.add_argument("--pcpu", type=int, default=1, help="physical core for the vCPU")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per wait")
    opts = ap.parse_args()

    build = os.path.join(ROOT, opts.build)
    guest = os.path.join(ROOT, opts.guest)
    out = os.path.join(ROOT, opts.out)
    logdir = os.path.dirname(out)
    os.makedirs(logdir, exist_ok=True)
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
