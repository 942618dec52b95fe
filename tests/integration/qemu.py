"""Boots QEMU under pexpect for integration tests: every wait has a time-out
and the QEMU process is always killed, even when a test fails."""
import os
import re
import shlex
import subprocess
import time

import pexpect

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("HB_BUILD", "build/qemu-virt"))
HYP_BIN = os.path.join(BUILD, "hyperberry.bin")

QEMU_VIRT = ("qemu-system-aarch64 -M virt,virtualization=on,gic-version=2 "
             "-cpu cortex-a72 -smp 4 -m 2G -nographic -echr 0x1d")
# boards/rpi4/board.mk in Python: QEMU's raspi4b with the Pi's own DTB.
RPI4_BUILD = os.path.join(ROOT, "build", "rpi4")
RPI4_DTB = os.path.join(ROOT, "build", "linux", "bcm2711-rpi-4-b.dtb")
QEMU_RPI4_ARGS = ("-M raspi4b -cpu cortex-a72 -smp 4 -m 2G -nographic -echr 0x1d "
                  "-accel tcg,thread=multi -audio none")


class Machine:
    """One QEMU run. Use as a context manager so QEMU is always stopped."""

    def __init__(self, args, timeout=30, logname=None):
        self.cmd = args
        self.timeout = timeout
        logdir = os.path.join(ROOT, "build", "test-logs")
        os.makedirs(logdir, exist_ok=True)
        self.logpath = os.path.join(logdir, (logname or "qemu") + ".log")
        self.child = None

    def __enter__(self):
        self.log = open(self.logpath, "w")
        self.child = pexpect.spawn(self.cmd[0], self.cmd[1:], encoding="utf-8",
                                   codec_errors="replace", timeout=self.timeout,
                                   maxread=65536, searchwindowsize=None)
        self.child.logfile_read = self.log
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.child is not None and self.child.isalive():
            self.child.terminate(force=True)
        if self.child is not None:
            self.child.close(force=True)
        self.log.close()

    def expect(self, pattern, timeout=None):
        """Waits for a regex; returns the match. Fails with the log tail."""
        try:
            self.child.expect(pattern, timeout=timeout or self.timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            raise AssertionError(
                f"did not see {pattern!r} ({type(e).__name__}); output tail:\n"
                + self.output()[-3000:]) from None
        return self.child.match

    def expect_exact(self, text, timeout=None):
        return self.expect(re.escape(text), timeout)

    def send(self, text):
        self.child.send(text)

    def output(self):
        self.log.flush()
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def collect(self, seconds):
        """Reads whatever arrives for `seconds` (for 'nothing more happens' checks)."""
        end = time.time() + seconds
        while time.time() < end:
            try:
                self.child.expect(pexpect.TIMEOUT, timeout=max(0.1, end - time.time()))
            except pexpect.EOF:
                break
        return self.output()


def rpi4_qemu():
    """The QEMU binary with the raspi4b machine (tools/setup.sh --qemu-rpi4), or None."""
    found = subprocess.run([os.path.join(ROOT, "tools", "setup.sh"), "--qemu-rpi4"],
                           capture_output=True, text=True)
    return (found.stdout.strip() or None) if found.returncode == 0 else None


def raspi4b(image, qemu, append=None, timeout=60, logname=None):
    """HyperBerry on QEMU's Raspberry Pi 4B, with the DTB the firmware would pass."""
    args = [qemu] + shlex.split(QEMU_RPI4_ARGS) + ["-dtb", RPI4_DTB, "-kernel", image]
    if append:
        args += ["-append", append]
    return Machine(args, timeout=timeout, logname=logname)


def hyperberry(append=None, extra="", image=None, timeout=30, logname=None, smp=4):
    cmd = QEMU_VIRT.replace("-smp 4", f"-smp {smp}") + f" -kernel {image or HYP_BIN} " + extra
    args = shlex.split(cmd)
    if append:
        args += ["-append", append]
    return Machine(args, timeout=timeout, logname=logname)


def vm_lines(out, vm):
    """(index in the output, text) of each of vm's whole console lines. The
    VM with input focus is streamed: when another writer interrupts one of
    its lines, the part so far ends up on a line of its own and is repeated
    in full later (core/log.c, console_stream_char), so a line that its VM's
    next line starts with is a fragment, not a line. A fragment may be the
    whole text (only the newline was missing), so two equal lines in a row
    count once: tests must not rely on a VM printing the same line twice."""
    found = [(i, m.group(1)) for i, l in enumerate(out.splitlines())
             if (m := re.match(rf"\[{re.escape(vm)}\] (.*?)\r*$", l))]
    return [(i, t) for k, (i, t) in enumerate(found)
            if not (k + 1 < len(found) and found[k + 1][1].startswith(t))]
