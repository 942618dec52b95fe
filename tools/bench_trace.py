#!/usr/bin/python3
"""Instruction trace of one exit-path operation of the bench guest under
HyperBerry: runs tools/bench.py's QEMU set-up paused, runs to START (its
--skip'th hit at that EL; the guest and the hypervisor share addresses, so the
EL tells them apart), optionally on to --via, then single-steps through QEMU's
gdbstub until STOP and prints instructions per function in order (-v: every
PC). START/STOP: g:SYM (build/guests/bench.elf, EL1), h:SYM (hyperberry.elf,
EL2) or 0xADDR, each with an optional +offset. After `make all`, e.g.:
  tools/bench_trace.py g:op_mmio_read_uartfr g:op_mmio_read_uartfr+0xc
  tools/bench_trace.py --skip 5 g:trigger_sgi_self g:bench_vectors+0x284
Stepping from a breakpoint taken on an IRQ exit hangs with QEMU 7.2, so the
timer's path cannot be traced this way (docs/performance.md)."""
import argparse, bisect, os, subprocess, sys, tempfile, time
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import bench
from bench import GdbRemote

def syms(elf):
    out = subprocess.run(["aarch64-linux-gnu-nm", "-n", elf], capture_output=True, text=True).stdout
    return [(int(f[0], 16), f[2]) for f in (l.split() for l in out.splitlines())
            if len(f) == 3 and f[1] in "tTwW"]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("start"); ap.add_argument("stop")
    ap.add_argument("--skip", type=int, default=3, help="hits of START to skip")
    ap.add_argument("--via", help="after START, run to this before tracing")
    ap.add_argument("--max", type=int, default=3000)
    ap.add_argument("--img", default=os.path.join(ROOT, "build/qemu-virt/bench-hyperberry.img"))
    ap.add_argument("-v", action="store_true")
    ap.add_argument("--sstep", default="1")
    ap.add_argument("--until-el1", action="store_true")
    o = ap.parse_args()
    gs = syms(os.path.join(ROOT, "build/guests/bench.elf"))
    hs = syms(os.path.join(ROOT, "build/qemu-virt/hyperberry.elf"))
    def addr(spec):
        off = 0
        if "+" in spec:
            spec, o2 = spec.split("+"); off = int(o2, 0)
        if spec.startswith("0x"):
            return int(spec, 16) + off, None
        kind, nm = spec.split(":")
        for a, n in (gs if kind == "g" else hs):
            if n == nm:
                return a + off, (1 if kind == "g" else 2)
        raise SystemExit("no symbol " + spec)
    def name(pc, el):
        table = hs if el == 2 else gs
        i = bisect.bisect_right([a for a, _ in table], pc) - 1
        return f"{table[i][1]}+{pc - table[i][0]:#x}" if i >= 0 else hex(pc)
    start, start_el = addr(o.start)
    stop, stop_el = addr(o.stop)
    tmp = tempfile.mkdtemp()
    sock = os.path.join(tmp, "gdb")
    args = [a for a in bench.HYP_CMD.split() if a != "-nographic"]
    args += ["-kernel", o.img, "-S", "-gdb", f"unix:{sock},server=on,wait=off",
             "-serial", "null", "-monitor", "none", "-display", "none"]
    q = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        g = GdbRemote(sock, time.monotonic() + 20)
        g.send("?"); g.poll(10)
        g.command(f"Qqemu.sstep={o.sstep}")	# IRQs and timers live while stepping
        def wait():
            r = None
            while r is None:
                r = g.poll(60)
            return r
        def regs():
            g.send("g"); b = bytes.fromhex(g.poll(10))
            return int.from_bytes(b[256:264], "little"), (int.from_bytes(b[264:268], "little") >> 2) & 3
        def run_to(a, want_el, skip):
            g.command(f"Z0,{a:x},4")
            n = 0
            while True:
                g.send("c")
                r = wait()
                tid = r.split("thread:")[1].split(";")[0]
                g.command(f"Hg{tid}"); g.command(f"Hc{tid}")
                if want_el is None or regs()[1] == want_el:
                    n += 1
                    if n > skip:
                        break
                # QEMU stops again at once on a breakpoint at the PC: step off it.
                g.command(f"z0,{a:x},4"); g.send("s"); wait(); g.command(f"Z0,{a:x},4")
            g.command(f"z0,{a:x},4")
        run_to(start, start_el, o.skip)
        if o.via:
            run_to(*addr(o.via), 0)
        trace = []
        for i in range(o.max):
            pc, el = regs()
            if i and ((pc == stop and (stop_el is None or el == stop_el)) or (o.until_el1 and el == 1)):
                break
            trace.append((pc, el))
            g.send("s"); wait()
        else:
            print("max steps reached")
        order, prev = [], None
        for pc, el in trace:
            n = name(pc, el)
            if o.v:
                print(f"EL{el} {pc:#x} {n}")
            fn = f"EL{el} " + n.split("+")[0]
            if fn != prev:
                order.append([fn, 0]); prev = fn
            order[-1][1] += 1
        for fn, c in order:
            print(f"{c:5d}  {fn}")
        print(f"total {len(trace)} (EL2 {sum(1 for _, e in trace if e == 2)})")
    finally:
        q.kill(); q.wait()
main()
