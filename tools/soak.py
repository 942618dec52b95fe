#!/usr/bin/python3
"""Soak (make soak, not part of make test): configs/virtio.dts for a set time
(default 20 minutes) with two Linux VMs under load: a busy loop on every vCPU,
virtio-blk writes and read-backs with checksums on a RAM disk and on a
physical-disk slice, and virtio-net transfers both ways. Passes with zero
checksum mismatches and zero lost VMs; prints a summary either way.

Usage: tools/soak.py [--minutes 20] [--mib 4]
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from hbimage import pack_linux_config  # noqa: E402
from qemu import BUILD, hyperberry  # noqa: E402
from test_linux import Shell, focus, wait_ready  # noqa: E402

LOST = re.compile(r'vm "(linux\d)": (stopped|crashed|restarting)|EL2 FATAL|PANIC:')


def prepare():
    image = pack_linux_config("virtio", "soak")
    disk = os.path.join(BUILD, "soak-disk.img")
    subprocess.run([os.path.join(ROOT, "tools", "mkdisk.sh"), "--force", disk], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return image, disk


def setup_vm(sh, vm, address, disks):
    """Network, mounts and a niced busy loop per vCPU."""
    sh.run(vm, "dmesg -n 1")
    sh.run(vm, f"ip addr add {address}/24 dev eth0; ip link set eth0 up")
    for serial, mnt in disks:
        out = sh.run(vm, f'for d in /sys/block/vd*; do [ "$(cat $d/serial)" = {serial} ] && '
                         f'mkdir -p {mnt} && mount -t ext4 /dev/${{d##*/}} {mnt} && echo mounted; done')
        assert out == ["mounted"], (vm, serial, out)
    sh.run(vm, "for i in $(seq $(nproc)); do nice -n 19 sh -c 'while :; do :; done' & done")


def disk_round(sh, vm, mnt, mib):
    """Writes a random file, drops the page cache, reads it back: OK or MISMATCH."""
    out = sh.run(vm, f"dd if=/dev/urandom of=/tmp/w bs=1M count={mib} 2>/dev/null; a=$(sha256sum < /tmp/w); "
                     f"cp /tmp/w {mnt}/f; sync; echo 3 > /proc/sys/vm/drop_caches; "
                     f'b=$(sha256sum < {mnt}/f); [ "$a" = "$b" ] && echo OK || echo MISMATCH', timeout=600)
    return out[-1] if out else "NO-OUTPUT"


def net_round(sh, m, sender, receiver, dst, mib):
    """receiver listens, sender sends mib MiB; checksums compared."""
    focus_to(m, receiver)
    # The listener's stdin is a pipe that stays open: from the console it
    # would read (and end at) whatever is typed next.
    sh.run(receiver, "rm -f /tmp/rx; (sleep 900 | nc -l -p 5001 > /tmp/rx &); sleep 1")
    focus_to(m, sender)
    digest = sh.run(sender, f"dd if=/dev/urandom of=/tmp/tx bs=1M count={mib} 2>/dev/null; "
                            f"sha256sum < /tmp/tx; nc {dst} 5001 < /tmp/tx", timeout=600)
    focus_to(m, receiver)
    # The sender is done once its data is in flight; the listener ends when
    # the connection closes and everything was written.
    got = sh.run(receiver, "n=0; while pidof nc >/dev/null && [ $n -lt 300 ]; do sleep 1; n=$((n+1)); done; "
                           "killall sleep; sha256sum < /tmp/rx", timeout=600)
    return "OK" if digest and got and digest[0] == got[-1] else "MISMATCH"


CURRENT = {"focus": "linux1"}
ORDER = ["linux1", "linux2", "linux3", "the monitor"]


def focus_to(m, vm):
    while CURRENT["focus"] != vm:
        nxt = ORDER[(ORDER.index(CURRENT["focus"]) + 1) % len(ORDER)]
        focus(m, nxt)
        CURRENT["focus"] = nxt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=20)
    ap.add_argument("--mib", type=int, default=4, help="MiB per disk write and per transfer (default 4)")
    opts = ap.parse_args()
    image, disk = prepare()
    extra = (f"-drive file={disk},if=none,format=raw,id=hbdisk -device virtio-blk-device,drive=hbdisk "
             "-global virtio-mmio.force-legacy=false")
    counts = {"disk": 0, "net": 0, "mismatch": 0}
    lost, started = [], time.time()
    with hyperberry(image=image, extra=extra, timeout=120, logname="soak") as m:
        wait_ready(m, ["linux1", "linux2", "linux3"])
        sh = Shell(m)
        setup_vm(sh, "linux1", "10.0.0.1", [("linux1-a000000", "/mnt/ram"), ("linux1-a000200", "/mnt/disk")])
        focus_to(m, "linux2")
        setup_vm(sh, "linux2", "10.0.0.2", [("linux2-a000000", "/mnt/ram"), ("linux2-a000200", "/mnt/disk")])
        deadline = started + opts.minutes * 60
        rounds = 0
        while time.time() < deadline and not lost:
            rounds += 1
            for vm in ("linux1", "linux2"):
                focus_to(m, vm)
                for mnt in ("/mnt/ram", "/mnt/disk"):
                    result = disk_round(sh, vm, mnt, opts.mib)
                    counts["disk"] += 1
                    if result != "OK":
                        counts["mismatch"] += 1
                        print(f"soak: {vm} {mnt}: {result}")
            for sender, receiver, dst in (("linux1", "linux2", "10.0.0.2"), ("linux2", "linux1", "10.0.0.1")):
                result = net_round(sh, m, sender, receiver, dst, opts.mib)
                counts["net"] += 1
                if result != "OK":
                    counts["mismatch"] += 1
                    print(f"soak: net {sender} -> {receiver}: {result}")
            lost = sorted(set(match.group(0) for match in LOST.finditer(m.output())))
            print(f"soak: round {rounds} done at {time.time() - started:.0f} s", flush=True)
        focus_to(m, "the monitor")
        m.send("stats\r")
        m.collect(3)
        stats = [line for line in m.output().splitlines() if "virtio-" in line and "[monitor]" in line]
    minutes = (time.time() - started) / 60
    print(f"soak summary: {minutes:.1f} min, {rounds} rounds, {counts['disk']} disk write/read-backs, "
          f"{counts['net']} transfers of {opts.mib} MiB, {counts['mismatch']} checksum mismatches, "
          f"lost VMs: {lost or 'none'}")
    print("\n".join(stats[-8:]))
    return 0 if counts["mismatch"] == 0 and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
