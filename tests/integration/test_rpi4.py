"""Raspberry Pi 4 board (boards/rpi4) on QEMU's raspi4b: HyperBerry starts at EL2
with the Pi's own DTB, releases the three secondaries from the spin table, and
runs the Linux guest and a bare-metal guest of configs/rpi4.dts, then the
bare-metal check guests. See docs/boards/rpi4.md."""
import os
import re
import subprocess

import pytest

from hbimage import make_image, vm_node
from qemu import ROOT, RPI4_BUILD, RPI4_DTB, raspi4b, rpi4_qemu

BOOT_TIMEOUT = 150
FOCUS = "\x01\x01\x01"
MARKER = r"\[linux\] HYPERBERRY-LINUX-READY kernel=(\S+) cpus=(\d+)"
FAILURES = r"EL2 FATAL|PANIC:|Kernel panic|soft lockup|self-detected stall|crashed"


@pytest.fixture(scope="module")
def rpi4():
    """A QEMU with raspi4b (tools/setup.sh rpi4 fetches one when the system's lacks
    it), then BOARD=rpi4's hypervisor, the guests, the Linux kit and configs/rpi4.dts
    packed into build/rpi4/rpi4.img."""
    qemu = rpi4_qemu()
    if qemu is None:
        setup = subprocess.run([os.path.join(ROOT, "tools", "setup.sh"), "rpi4"], cwd=ROOT,
                               capture_output=True, text=True)
        qemu = rpi4_qemu()
        if qemu is None:
            pytest.skip("no QEMU with the raspi4b machine and tools/setup.sh rpi4 could not "
                        f"provide one:\n{setup.stdout}{setup.stderr}")
    built = subprocess.run(["make", "--no-print-directory", "BOARD=rpi4", "image",
                            "CONFIG=configs/rpi4.dts"], cwd=ROOT, capture_output=True, text=True)
    assert built.returncode == 0, f"make BOARD=rpi4 image failed:\n{built.stdout}\n{built.stderr}"
    assert os.path.exists(RPI4_DTB), "linux-kit.sh did not provide bcm2711-rpi-4-b.dtb"
    return {"qemu": qemu, "image": os.path.join(RPI4_BUILD, "rpi4.img")}


def expect_banner(m):
    m.expect(r"HyperBerry \S+ on rpi4")
    m.expect(r"cores online: 4 of 4")
    m.expect(r"GIC: GICv2 \(GICC_IIDR 0x[0-9a-f]+\), \d+ interrupt lines, \d+ list registers")
    m.expect(r"timer: \d+ Hz")
    m.expect(r"CurrentEL: EL2")


def shell(m, vm, command, n):
    """Runs a command in a VM's shell; the markers are computed by the shell, so
    the echoed command line never matches them."""
    m.send(f'echo "<<$(({n}))"; {command}; echo "$(({n}))>>"\r')
    m.expect(rf"\[{vm}\] <<{n}\r", 60)
    m.expect(rf"\[{vm}\] {n}>>\r", 60)
    prefix = f"[{vm}] "
    return [line.strip("\r")[len(prefix):] for line in m.child.before.split("\n")
            if line.startswith(prefix)]


def test_linux_and_console_guest_on_raspi4b(rpi4):
    with raspi4b(rpi4["image"], rpi4["qemu"], timeout=BOOT_TIMEOUT, logname="rpi4-linux") as m:
        expect_banner(m)
        m.expect(r'vm "linux": 256 MiB RAM at IPA 0x40000000 \(PA 0x[0-9a-f]+\), 2 vCPU')
        m.expect(r"\[console\] console guest ready")
        found = m.expect(rf"{MARKER}|(?P<failure>{FAILURES})")
        assert not found.group("failure"), m.output()[-3000:]
        assert found.group(2) == "2", "Linux sees a vCPU count other than the configuration's 2"
        # Linux uses what HyperBerry gives it: both vCPUs, the vGIC and the virtual timer.
        assert shell(m, "linux", "grep -c ^processor /proc/cpuinfo", 1001) == ["2"]
        timer = shell(m, "linux", "grep arch_timer /proc/interrupts", 1002)
        assert timer and all(int(c) > 0 for c in timer[0].split()[1:3]), timer
        # The bare-metal guest answers on its own core while Linux runs.
        m.send(FOCUS)
        m.expect(r'console input now goes to vm "console"')
        m.send("id\r")
        m.expect(r"\[console\] VM id 1, HyperBerry call version")
        m.send("uptime\r")
        m.expect(r"\[console\] \d+ ms")
        assert not re.search(FAILURES, m.output())


def test_baremetal_check_guests_on_raspi4b(rpi4):
    """The vGIC and PSCI check guests on the BCM2711's GIC-400 (4 list registers)
    pass as they do on qemu-virt; the PSCI VM also gets a dma-ram region, which
    must be mapped at IPA == PA beside its ordinary RAM."""
    image = make_image("rpi4-checks", [
        vm_node("gic", "gic", vcpus=2, cpus=[1, 2]),
        vm_node("psci", "psci", cpus=[3], extra="\t\t\tdma-ram = <0x0 0x30000000 0x0 0x200000>;"),
    ], build=RPI4_BUILD)
    with raspi4b(image, rpi4["qemu"], timeout=90, logname="rpi4-checks") as m:
        expect_banner(m)
        m.expect(r'vm "psci": dma-ram 2 MiB at IPA == PA 0x30000000')
        for _ in range(2):
            verdict = m.expect(r"VERDICT (gic|psci): (PASS|FAIL) (\d+)/(\d+)")
            assert verdict.group(2) == "PASS", m.output()[-3000:]
        assert not re.search(FAILURES, m.output())
