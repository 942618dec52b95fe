"""Unmodified Linux (Debian's arm64 kernel, pinned) under HyperBerry: two
Linux VMs and a bare-metal VM from configs/default.dts. Drives the shells
through the console multiplexer: CPUs, timer interrupts rising, load on
every vCPU, poweroff of one VM, a kernel panic in another, and the rest keeps
running."""
import os
import re
import subprocess
import time

import pytest

from qemu import BUILD, ROOT, hyperberry

PROMPT = r"hyperberry:/# "
BOOT_TIMEOUT = 300


@pytest.fixture(scope="module")
def default_image():
    subprocess.run(["make", "--no-print-directory", "image", "CONFIG=configs/default.dts"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(BUILD, "default.img")


def kernel_version():
    with open(os.path.join(ROOT, "build", "linux", "KERNEL_VERSION")) as f:
        return f.read().strip()


def test_kernel_version_is_pinned(default_image):
    version = kernel_version()
    with open(os.path.join(ROOT, "tools", "linux-kernel.pin")) as f:
        pin = f.read()
    print(f"\nLinux guest kernel: {version}")
    # A Debian update must be a visible change: the pin names what we test.
    assert version.splitlines()[0] in pin, f"kernel {version} is not the pinned one:\n{pin}"


def run(m, vm, cmd, expect, timeout=60):
    m.send(cmd + "\r")
    return m.expect(rf"\[{vm}\] {expect}", timeout=timeout)


def timer_counts(m, vm):
    m.send("grep arch_timer /proc/interrupts\r")
    match = m.expect(rf"\[{vm}\]\s+\d+:\s+(\d+)\s+(\d+)\s+GIC-0\s+27", timeout=60)
    return int(match.group(1)), int(match.group(2))


def expect_all(m, patterns, timeout):
    """Waits until every pattern was seen, in any order."""
    left = list(patterns)
    deadline = time.time() + timeout
    while left:
        try:
            index = m.child.expect(left, timeout=max(1, deadline - time.time()))
        except Exception:
            raise AssertionError(f"did not see {left}; output tail:\n" + m.output()[-3000:]) from None
        left.pop(index)


def focus_next(m, name):
    m.send("\x01\x01\x01")
    m.expect(rf"console input now goes to {name}")


def test_two_linux_vms_and_a_bare_metal_vm(default_image):
    with hyperberry(image=default_image, timeout=BOOT_TIMEOUT, logname="linux-default") as m:
        expect_all(m, [r"\[linux1\] HYPERBERRY-LINUX-READY kernel=\S+ cpus=2",
                       r"\[linux2\] HYPERBERRY-LINUX-READY kernel=\S+ cpus=2"], BOOT_TIMEOUT)
        # linux1 has console focus first.
        run(m, "linux1", "grep -c ^processor /proc/cpuinfo", r"2\r*\n")
        first = timer_counts(m, "linux1")
        time.sleep(2)
        second = timer_counts(m, "linux1")
        assert second[0] > first[0] and second[1] > first[1], (first, second)
        run(m, "linux1", "grep -c GIC-0 /proc/interrupts", r"[1-9]\d*\r*\n")
        # A CPU-heavy loop per vCPU at once (Linux spreads the two).
        m.send("for c in 0 1; do (i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; "
               "echo DONE-$c) & done; wait\r")
        expect_all(m, [r"\[linux1\] DONE-0", r"\[linux1\] DONE-1"], 240)
        # poweroff stops that VM only.
        m.send("poweroff -f\r")
        m.expect(r'vm "linux1": stopped \(guest called PSCI SYSTEM_OFF\)', timeout=60)
        focus_next(m, 'vm "linux2"')
        run(m, "linux2", "echo alive-$((6*7))", r"alive-42")
        # A kernel panic in linux2 leaves the console guest running.
        m.send("echo c > /proc/sysrq-trigger\r")
        m.expect(r"\[linux2\] .*Kernel panic", timeout=60)
        focus_next(m, 'vm "console"')
        run(m, "console", "id", r"VM id 2, HyperBerry call version")
        focus_next(m, "the monitor")
        m.send("list\r")
        m.expect(r'\[monitor\] vm 0 "linux1": stopped')
        m.expect(r'\[monitor\] vm 2 "console": running')
        out = m.output()
    assert "EL2 FATAL" not in out and "PANIC:" not in out


def test_reboot_restarts_the_vm(default_image):
    with hyperberry(image=default_image, timeout=BOOT_TIMEOUT, logname="linux-reboot") as m:
        m.expect(r"\[linux1\] HYPERBERRY-LINUX-READY", timeout=BOOT_TIMEOUT)
        m.expect(r"\[linux1\] " + re.escape(PROMPT), timeout=60)
        m.send("reboot -f\r")
        m.expect(r'vm "linux1": restarting \(run 2\)', timeout=120)
        m.expect(r"\[linux1\] HYPERBERRY-LINUX-READY", timeout=BOOT_TIMEOUT)
        run(m, "linux1", "echo back-$((40+2))", r"back-42")
        out = m.output()
    assert "EL2 FATAL" not in out
