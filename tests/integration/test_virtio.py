"""virtio devices under Linux (configs/virtio.dts, docs/virtio.md): ext4 on a
RAM disk survives a VM reboot, ext4 on a slice of QEMU's virtio-blk disk
survives a second QEMU run, a read-only disk refuses writes, and two VMs on
the VM switch ping each other and move 10 MiB with nc while a third VM on the
switch sees none of it."""
import os
import re
import subprocess

import pytest

from hbimage import pack_linux_config
from qemu import BUILD, ROOT, hyperberry
from test_linux import COMMAND_TIMEOUT, Shell, assert_hypervisor_healthy, diagnostics, focus, wait_ready

VMS = ["linux1", "linux2", "linux3"]


@pytest.fixture(scope="module")
def setup():
    image = pack_linux_config("virtio", "linux-virtio")
    disk = os.path.join(BUILD, "test-disk.img")
    subprocess.run([os.path.join(ROOT, "tools", "mkdisk.sh"), "--force", disk], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return {"image": image, "disk": disk, "state": {}}


def boot(setup, logname):
    extra = (f"-drive file={setup['disk']},if=none,format=raw,id=hbdisk "
             "-device virtio-blk-device,drive=hbdisk -global virtio-mmio.force-legacy=false")
    return hyperberry(image=setup["image"], extra=extra, timeout=COMMAND_TIMEOUT, logname=logname)


def disks(sh, vm):
    """{serial: /dev/vdX}; a disk's serial (GET_ID) is "<vm>-<window IPA>"."""
    out = sh.run(vm, 'for d in /sys/block/vd*; do echo "$(cat $d/serial) ${d##*/}"; done')
    return {line.split()[0]: "/dev/" + line.split()[1] for line in out if len(line.split()) == 2}


def sha256(sh, vm, path):
    out = sh.run(vm, f"sha256sum {path}", timeout=120)
    assert len(out) == 1 and re.fullmatch(r"[0-9a-f]{64}  \S+", out[0]), out
    return out[0].split()[0]


def write_file(sh, vm, dev, mnt, mib):
    """Mounts dev (read-write) at mnt, writes mib MiB of random data, syncs;
    returns the file's checksum."""
    assert sh.run(vm, f"mkdir -p {mnt} && mount -t ext4 {dev} {mnt} && echo mounted") == ["mounted"]
    assert sh.run(vm, f"dd if=/dev/urandom of={mnt}/data bs=1M count={mib} 2>/dev/null; sync; "
                      f"wc -c < {mnt}/data", timeout=240) == [str(mib << 20)]
    digest = sha256(sh, vm, f"{mnt}/data")
    assert sh.run(vm, f"umount {mnt} && echo unmounted") == ["unmounted"]
    return digest


def read_back(sh, vm, dev, mnt):
    assert sh.run(vm, f"mkdir -p {mnt} && mount -t ext4 {dev} {mnt} && echo mounted") == ["mounted"]
    return sha256(sh, vm, f"{mnt}/data")


def net_up(sh, vm, address):
    # Kernel messages on the console would interleave with command output.
    sh.run(vm, "dmesg -n 1")
    assert sh.run(vm, f"ip addr add {address}/24 dev eth0 && ip link set eth0 up && "
                      "cat /sys/class/net/eth0/address") != []


def rx_bytes(sh, vm):
    return int(sh.run(vm, "cat /sys/class/net/eth0/statistics/rx_bytes")[0])


def test_disks_network_and_reboot(setup):
    state = setup["state"]
    with boot(setup, "virtio-1") as m, diagnostics(m):
        wait_ready(m, VMS)
        sh = Shell(m)

        # linux1 (focus first): its three disks, found by serial.
        sh.run("linux1", "dmesg -n 1")
        found = disks(sh, "linux1")
        assert set(found) == {"linux1-a000000", "linux1-a000200", "linux1-a000400"}, found
        ram, slice_, ro = found["linux1-a000000"], found["linux1-a000200"], found["linux1-a000400"]
        state["ramdisk"] = write_file(sh, "linux1", ram, "/mnt/ram", 16)
        state["disk"] = write_file(sh, "linux1", slice_, "/mnt/disk", 16)
        # The read-only disk: the RO feature reaches the block layer, ext4
        # mounts it read-only, and writes fail cleanly.
        assert sh.run("linux1", f"cat /sys/block/{ro[5:]}/ro") == ["1"]
        assert sh.run("linux1", f"mkdir -p /mnt/ro && mount -t ext4 -o ro {ro} /mnt/ro && echo mounted") == \
            ["mounted"]
        out = sh.run("linux1", "touch /mnt/ro/x 2>&1; echo rc=$?")
        assert out[-1] != "rc=0" and "Read-only file system" in " ".join(out), out
        out = sh.run("linux1", f"dd if=/dev/zero of={ro} bs=4096 count=1 oflag=direct 2>&1; echo rc=$?")
        assert out[-1] != "rc=0", out
        net_up(sh, "linux1", "10.0.0.1")
        assert sh.run("linux1", "dd if=/dev/urandom of=/tmp/tx bs=1M count=10 2>/dev/null; echo made") == ["made"]
        tx_digest = sha256(sh, "linux1", "/tmp/tx")

        focus(m, "linux2")
        net_up(sh, "linux2", "10.0.0.2")
        out = sh.run("linux2", "ping -c 3 -W 5 10.0.0.1 | grep -c 'bytes from'")
        assert out == ["3"], out
        # The listener, in the background. Its stdin is a pipe that stays
        # open: from the console it would read (and end at) what is typed.
        assert sh.run("linux2", "(sleep 900 | nc -l -p 5000 > /tmp/rx &); echo started") == ["started"]

        focus(m, "linux3")
        net_up(sh, "linux3", "10.0.0.3")
        linux3_before = rx_bytes(sh, "linux3")

        focus(m, "the monitor")
        focus(m, "linux1")
        assert sh.run("linux1", "ping -c 3 -W 5 10.0.0.2 | grep -c 'bytes from'") == ["3"]
        out = sh.run("linux1", "nc 10.0.0.2 5000 < /tmp/tx; echo rc=$?", timeout=300)
        assert out[-1] == "rc=0", out

        focus(m, "linux2")
        assert sh.run("linux2", "n=0; while pidof nc >/dev/null && [ $n -lt 120 ]; do sleep 1; n=$((n+1)); done; "
                                "killall sleep; wc -c < /tmp/rx", timeout=180) == [str(10 << 20)]
        assert sha256(sh, "linux2", "/tmp/rx") == tx_digest

        focus(m, "linux3")
        linux3_gain = rx_bytes(sh, "linux3") - linux3_before
        # Broadcast ARP only: a few hundred bytes, against 10 MiB of unicast.
        assert linux3_gain < 64 * 1024, f"linux3 received {linux3_gain} bytes of others' traffic"

        focus(m, "the monitor")
        m.send("stats linux1\r")
        m.expect(r"virtio-blk linux1-a000400: \d+ reads .*, (\d+) errors")
        m.expect(r"virtio-net port 0: tx (\d+)")
        assert int(m.child.match.group(1)) > 1000

        # The RAM disk keeps its data across a VM reboot.
        focus(m, "linux1")
        m.send("reboot -f\r")
        m.expect(r'vm "linux1": restarting')
        wait_ready(m, ["linux1"])
        sh.run("linux1", "dmesg -n 1")
        ram = disks(sh, "linux1")["linux1-a000000"]
        assert read_back(sh, "linux1", ram, "/mnt/ram") == state["ramdisk"]
        out = m.collect(1)
    assert_hypervisor_healthy(out)


def test_physical_disk_survives_a_second_qemu_run(setup):
    state = setup["state"]
    if "disk" not in state:
        pytest.skip("the first run did not write the disk")
    with boot(setup, "virtio-2") as m, diagnostics(m):
        wait_ready(m, VMS)
        sh = Shell(m)
        sh.run("linux1", "dmesg -n 1")
        slice_ = disks(sh, "linux1")["linux1-a000200"]
        assert read_back(sh, "linux1", slice_, "/mnt/disk") == state["disk"]
        # linux2's slice is its own: a fresh ext4 without linux1's file.
        focus(m, "linux2")
        sh.run("linux2", "dmesg -n 1")
        other = disks(sh, "linux2")["linux2-a000200"]
        assert sh.run("linux2", f"mkdir -p /mnt/d && mount -t ext4 {other} /mnt/d && ls /mnt/d") == \
            ["lost+found"]
        out = m.collect(1)
    assert_hypervisor_healthy(out)
