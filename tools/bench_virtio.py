#!/usr/bin/python3
"""virtio benchmark (make bench): guest-measured sequential read and write of a
virtio-blk disk and a VM-to-VM virtio-net transfer, in instructions per byte
(QEMU -icount shift=0,sleep=off: the guest's clock counts instructions) and in
MB/s of wall-clock (a run without icount). Baseline: the same Debian kernel run
natively in the same QEMU with QEMU's own virtio-blk device. Writes
build/bench/virtio.csv. Method and results: docs/performance.md.

Usage: tools/bench_virtio.py [--build build/qemu-virt] [--mib 48]
"""
import argparse
import csv
import os
import re
import shlex
import subprocess
import sys

import pexpect

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
KIT = os.path.join(ROOT, "build", "linux")
OUT = os.path.join(ROOT, "build", "bench")
MARKER = r"HYPERBERRY-LINUX-READY"
QEMU = "qemu-system-aarch64 -cpu cortex-a72 -m 2G -nographic -echr 0x1d"
ICOUNT = "-icount shift=0,sleep=off"
DISK_ARGS = ("-drive file={disk},if=none,format=raw,id=d0 -device virtio-blk-device,drive=d0 "
             "-global virtio-mmio.force-legacy=false")


def vm(name, core, devices):
    return f"""		{name} {{
			kernel = "build/linux/Image";
			kernel-ipa = <0x0 0x40200000>;
			dtb = "build/linux/guest-{name}.dtb";
			dtb-ipa = <0x0 0x48000000>;
			initrd = "build/linux/initramfs.cpio.gz";
			initrd-ipa = <0x0 0x48200000>;
			ram = <0x0 0x40000000 0x0 0x10000000>;
			vcpus = <1>;
			cpu-affinity = <{core}>;
			vuart = <0x0 0x09000000>;
			vuart-irq = <33>;
			vgic = <0x0 0x08000000 0x0 0x08010000>;
{devices}		}};
"""


BLK = """			virtio-blk-ram { ipa = <0x0 0x0a000000>; interrupt = <48>; size = <0x0 0x4000000>; };
			virtio-blk-disk { ipa = <0x0 0x0a000200>; interrupt = <49>; disk = <0x0 0x0 0x0 0x4000000>; };
"""
NET = """			virtio-net {{ ipa = <0x0 0x0a000600>; interrupt = <51>; mac = [52 54 00 48 42 {n:02x}]; }};
"""


def make_config(name, body):
    path = os.path.join(OUT, name + ".dts")
    with open(path, "w") as f:
        f.write('/dts-v1/;\n/ {\n\tcompatible = "hyperberry,config-v1";\n\tvms {\n' + body + "\t};\n};\n")
    subprocess.run([os.path.join(ROOT, "tools", "linux-kit.sh"), f"--config={path}"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    image = os.path.join(OUT, name + ".img")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "mkimage.py"), "--hyp",
                    os.path.join(BUILD, "hyperberry.bin"), "--elf", os.path.join(BUILD, "hyperberry.elf"),
                    "--config", path, "--out", image], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return image


class Console:
    """The guests' shells over QEMU's serial console (several VMs: HyperBerry's prefixes)."""

    def __init__(self, cmd, logname):
        self.log = open(os.path.join(OUT, logname), "w")
        self.child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace", timeout=600)
        self.child.logfile_read = self.log
        self.seq = 0

    def wait_ready(self, count):
        for _ in range(count):
            self.child.expect(MARKER, timeout=900)

    def run(self, command, timeout=900):
        """Output lines of command (prefixes stripped)."""
        self.seq += 1
        n = 5000 + self.seq
        self.child.send(f'echo "<<$(({n}))"; {command}; echo "$(({n}))>>"\r')
        self.child.expect(rf"<<{n}\r", timeout)
        self.child.expect(rf"{n}>>\r", timeout)
        lines = [re.sub(r"^\[\w+\] ", "", line.strip("\r")) for line in self.child.before.split("\n")]
        return [line for line in lines if line]

    def focus_next(self):
        self.child.send("\x01\x01\x01")
        self.child.expect("console input now goes to", 60)

    def close(self):
        self.child.terminate(force=True)
        self.log.close()


def timed(con, command):
    """Guest seconds spent in command (from /proc/uptime, 10 ms resolution)."""
    out = con.run(f"a=$(cut -d' ' -f1 /proc/uptime); {command} >/dev/null 2>&1; "
                  "b=$(cut -d' ' -f1 /proc/uptime); echo T $a $b")
    t = [line for line in out if line.startswith("T ")][-1].split()
    return float(t[2]) - float(t[1])


def blk_items(con, devices, mib):
    results = {}
    con.run("dmesg -n 1")
    for label, dev in devices:
        results[f"blk_read_{label}"] = timed(con, f"dd if={dev} of=/dev/null bs=1M count={mib} iflag=direct")
        results[f"blk_write_{label}"] = timed(con, f"dd if=/dev/zero of={dev} bs=1M count={mib} oflag=direct")
    return results


def net_item(con, mib):
    con.run("dmesg -n 1; ip addr add 10.0.0.1/24 dev eth0; ip link set eth0 up")
    con.run(f"dd if=/dev/zero of=/tmp/tx bs=1M count={mib} 2>/dev/null")
    con.focus_next()
    con.run("dmesg -n 1; ip addr add 10.0.0.2/24 dev eth0; ip link set eth0 up; "
            "(nc -l -p 5000 > /dev/null &) ; sleep 1")
    con.focus_next()
    con.focus_next()
    con.run("ping -c 2 -W 5 10.0.0.2")
    return {"net_vm_to_vm": timed(con, "nc 10.0.0.2 5000 < /tmp/tx")}


def run_side(cmd, logname, vms, work, *args):
    con = Console(shlex.split(cmd), logname)
    try:
        con.wait_ready(vms)
        return work(con, *args)
    finally:
        con.close()


def main():
    global BUILD
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build/qemu-virt")
    ap.add_argument("--mib", type=int, default=48, help="MiB moved per item (default 48)")
    opts = ap.parse_args()
    BUILD = os.path.join(ROOT, opts.build)
    os.makedirs(OUT, exist_ok=True)
    mib = opts.mib
    disk = os.path.join(OUT, "virtio-disk.img")
    with open(disk, "wb") as f:
        f.truncate(64 << 20)
    blk_image = make_config("virtio-blk", vm("bench1", 1, BLK))
    net_image = make_config("virtio-net", vm("bench1", 1, NET.format(n=1)) + vm("bench2", 2, NET.format(n=2)))
    hb = f"{QEMU} -M virt,virtualization=on,gic-version=2 -smp 4"
    native = (f"{QEMU} -M virt,gic-version=2 -smp 1 -kernel {KIT}/Image -initrd {KIT}/initramfs.cpio.gz "
              "-append 'console=ttyAMA0 rdinit=/init nokaslr'")
    disk_args = DISK_ARGS.format(disk=disk)
    rows = {}
    for mode, flags in (("instr", ICOUNT), ("wall", "")):
        hb_blk = run_side(f"{hb} {flags} -kernel {blk_image} {disk_args}", f"virtio-hb-blk-{mode}.log", 1,
                          blk_items, [("ramdisk", "/dev/vda"), ("disk", "/dev/vdb")], mib)
        nat_blk = run_side(f"{native} {flags} {disk_args}", f"virtio-native-blk-{mode}.log", 1,
                           blk_items, [("disk", "/dev/vda")], mib)
        hb_net = run_side(f"{hb} {flags} -kernel {net_image}", f"virtio-hb-net-{mode}.log", 2, net_item, mib)
        for item, secs in list(hb_blk.items()) + list(hb_net.items()):
            rows.setdefault(item, {})[f"hb_{mode}"] = secs
        for item, secs in nat_blk.items():
            rows.setdefault(item, {})[f"native_{mode}"] = secs
    nbytes = mib << 20

    def per_byte(secs):  # icount: 1 ns of guest time per instruction
        return f"{secs * 1e9 / nbytes:.1f}" if secs is not None else "n/a"

    def mbps(secs):
        return f"{nbytes / 1e6 / secs:.1f}" if secs else "n/a"

    table = [("item", "native instr/B", "HyperBerry instr/B", "native MB/s", "HyperBerry MB/s")]
    for item, r in rows.items():
        table.append((item, per_byte(r.get("native_instr")), per_byte(r.get("hb_instr")),
                      mbps(r.get("native_wall")), mbps(r.get("hb_wall"))))
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
    with open(os.path.join(OUT, "virtio.csv"), "w", newline="") as f:
        csv.writer(f).writerows(table)
    print(f"{mib} MiB per item; blk: dd bs=1M direct I/O; net: busybox nc, 1 vCPU per VM; "
          "HyperBerry ramdisk/disk = RAM disk / slice of QEMU's virtio-blk drive; native = QEMU's virtio-blk")
    return 0


if __name__ == "__main__":
    sys.exit(main())
