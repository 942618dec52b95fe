"""Linux guests: Debian's unmodified arm64 kernel with the kit's busybox initramfs
(tools/linux-kit.sh) boots under HyperBerry, uses every vCPU, and powers off,
reboots or panics without disturbing the other VMs. See docs/linux-guest.md."""
import contextlib
import os
import subprocess
import time

import pexpect
import pytest

from hbimage import CONFIG_DIR, make_image, pack_linux_config, vm_node
from qemu import BUILD, ROOT, hyperberry

KIT = os.path.join(ROOT, "build", "linux")
IMAGE = os.path.join(KIT, "Image")
INITRD = os.path.join(KIT, "initramfs.cpio.gz")
BOOT_TIMEOUT = 240
SILENCE = 90
COMMAND_TIMEOUT = 60
FOCUS = "\x01\x01\x01"
MARKER = r"HYPERBERRY-LINUX-READY kernel=(\S+) cpus=(\d+)"
# Seen while waiting for a boot, these end the wait at once.
BOOT_FAILURES = (r"EL2 FATAL|PANIC:|rcu: INFO: rcu_sched self-detected stall|detected stalls on CPUs"
                 r"|soft lockup|Kernel panic|crashed")
# No System.map in Debian's package: this is _stext at the link address (nokaslr).
STEXT_NOKASLR = "ffff800008010000"


def key_values(path):
    with open(path) as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line and not line.startswith("#"))


@pytest.fixture(scope="module")
def kit():
    """Builds HyperBerry, the guests and the (cached) Linux kit once, and packs
    configs/default.dts with this run's hypervisor (HB_BUILD)."""
    image = pack_linux_config("default", "linux-default")
    version = key_values(os.path.join(KIT, "KERNEL_VERSION"))
    print(f"Linux kit: kernel {version.get('package')} {version.get('version')}")
    return {"default_image": image, "version": version}


# ---------------------------------------------------------------- console helpers

class Shell:
    """Runs commands in a VM's busybox shell. The begin and end markers are
    computed by the shell ($((...))), so the echoed command line never
    matches them, and other VMs' lines are filtered out by their prefix."""

    def __init__(self, machine):
        self.m = machine
        self.seq = 0

    def run(self, vm, command, timeout=COMMAND_TIMEOUT):
        self.seq += 1
        n = 1000 + self.seq
        self.m.send(f'echo "<<$(({n}))"; {command}; echo "$(({n}))>>"\r')
        self.m.expect(rf"\[{vm}\] <<{n}\r", timeout)
        self.m.expect(rf"\[{vm}\] {n}>>\r", timeout)
        prefix = f"[{vm}] "
        lines = [line.strip("\r") for line in self.m.child.before.split("\n")]
        return [line[len(prefix):] for line in lines if line.startswith(prefix)]


def wait_ready(m, vms, timeout=BOOT_TIMEOUT, silence=SILENCE):
    """Waits for the init marker of every VM in `vms` (any order); returns
    {vm: (kernel release, cpus)}. Gives up after `timeout` seconds, or once the
    VMs still booting have printed nothing for `silence` seconds: a healthy
    boot is never quiet that long, and a hung one must not cost the whole
    time-out."""
    ready, started = {}, time.time()
    quiet_since, printed = started, None
    pattern = rf"\[({'|'.join(vms)})\] {MARKER}|(?P<failure>{BOOT_FAILURES})"
    while len(ready) < len(vms):
        pending = sorted(set(vms) - set(ready))
        try:
            m.child.expect(pattern, timeout=5)
            match = m.child.match
        except pexpect.EOF:
            raise AssertionError(boot_report(m, pending, "QEMU exited")) from None
        except pexpect.TIMEOUT:
            output, now = m.output(), time.time()
            count = sum(output.count(f"[{vm}] ") for vm in pending)
            if count != printed:
                printed, quiet_since = count, now
            if now - started > timeout:
                raise AssertionError(boot_report(m, pending, f"no init marker within {timeout}s")) from None
            if now - quiet_since > silence:
                raise AssertionError(boot_report(
                    m, pending, f"no output for {silence}s, {now - started:.0f}s after the wait began")) from None
            continue
        if match.group("failure"):
            m.collect(3)
            raise AssertionError(boot_report(m, pending, f"saw {match.group('failure')!r}"))
        ready[match.group(1)] = (match.group(2), int(match.group(3)))
    return ready


def boot_report(m, pending, why):
    output = m.output().replace("\r", "")
    lines = output.splitlines()
    last = {vm: [line for line in lines if line.startswith(f"[{vm}] ")][-3:] for vm in pending}
    return (f"{pending} did not reach the init marker: {why}\n"
            + "".join(f"last lines of {vm}:\n  " + "\n  ".join(text) + "\n" for vm, text in last.items())
            + "output tail:\n" + output[-2500:])


def focus(m, target):
    """Ctrl-A x3 once; target is a VM name or 'the monitor'."""
    m.send(FOCUS)
    where = target if target == "the monitor" else f'vm "{target}"'
    m.expect(rf"console input now goes to {where}", COMMAND_TIMEOUT)


def monitor_dump(m):
    """The monitor's `list` and `stats`, for failure reports."""
    start = len(m.output())
    try:
        for _ in range(6):
            if "input now goes to the monitor" in m.output()[start:]:
                break
            m.send(FOCUS)
            m.collect(1.5)
        m.send("list\r")
        m.collect(2)
        m.send("stats\r")
        m.collect(3)
    except Exception as e:  # the report must not hide the original failure
        return f"(monitor not reachable: {e})"
    return "\n".join(line.strip("\r") for line in m.output()[start:].splitlines()
                     if "[monitor]" in line or "input now goes" in line)


@contextlib.contextmanager
def diagnostics(m):
    try:
        yield
    except AssertionError as e:
        raise AssertionError(f"{e}\n--- HyperBerry monitor after the failure ---\n"
                             f"{monitor_dump(m)}\n(full log: {m.logpath})") from None


def parse_interrupts(lines):
    """/proc/interrupts -> {name: (controller, hwirq, [count per CPU])}."""
    cpus = len(lines[0].split())
    table = {}
    for line in lines[1:]:
        fields = line.split()
        if not fields or not fields[0].rstrip(":").isdigit():
            continue
        counts = [int(x) for x in fields[1:1 + cpus]]
        rest = fields[1 + cpus:]
        table[rest[-1]] = (rest[0], int(rest[1]), counts)
    return table


def busy_cpu_jiffies(lines):
    """`grep ^cpu /proc/stat` -> {cpuN: user + nice + system}."""
    return {f[0]: int(f[1]) + int(f[2]) + int(f[3])
            for f in (line.split() for line in lines) if f and f[0] != "cpu"}


def make_linux_image(name, vcpus, cores, ram_mib, dtb_ipa, initrd_ipa, nokaslr):
    """A configuration with one Linux VM "linux" and its own guest DTB."""
    os.makedirs(CONFIG_DIR, exist_ok=True)
    dtb = os.path.join(CONFIG_DIR, name + ".dtb")
    args = [os.path.join(ROOT, "tools", "linux-kit.sh"), "dtb", dtb,
            f"--ram=0x40000000,0x{ram_mib << 20:x}", f"--cpus={vcpus}",
            f"--initrd=0x{initrd_ipa:x},{os.path.getsize(INITRD)}"] + (["--nokaslr"] if nokaslr else [])
    subprocess.run(args, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    extra = (f'\t\t\tdtb = "{dtb}";\n\t\t\tdtb-ipa = <0x0 0x{dtb_ipa:x}>;\n'
             f'\t\t\tinitrd = "{INITRD}";\n\t\t\tinitrd-ipa = <0x0 0x{initrd_ipa:x}>;')
    return make_image(name, [vm_node("linux", IMAGE, vcpus=vcpus, cpus=cores, ram_mib=ram_mib,
                                     extra=extra)])


def assert_hypervisor_healthy(output):
    for sign in ("EL2 FATAL", "PANIC:"):
        assert sign not in output, f"HyperBerry printed {sign!r}"


# ---------------------------------------------------------------- tests

def test_kernel_version_is_pinned(kit):
    built = kit["version"]
    pinned = key_values(os.path.join(ROOT, "tools", "linux-kernel.pin"))
    print(f"kernel built: {built}; pinned: {pinned}")
    assert (built.get("package"), built.get("version")) == (pinned.get("package"), pinned.get("version")), (
        f"the kit built {built.get('package')} {built.get('version')} but tools/linux-kernel.pin names "
        f"{pinned.get('package')} {pinned.get('version')}: boot-test it, then update the pin")
    assert built.get("release") == pinned.get("release")


def test_default_config_smp_timer_irqs_and_poweroff(kit):
    with hyperberry(image=kit["default_image"], timeout=COMMAND_TIMEOUT, logname="linux-default") as m, \
            diagnostics(m):
        ready = wait_ready(m, ["linux1", "linux2"])
        release = kit["version"]["release"]
        assert ready == {"linux1": (release, 2), "linux2": (release, 2)}
        sh = Shell(m)
        # linux1 has the console focus first.
        assert sh.run("linux1", "grep -c ^processor /proc/cpuinfo; nproc") == ["2", "2"]

        first = parse_interrupts(sh.run("linux1", "cat /proc/interrupts"))
        time.sleep(3)
        second = parse_interrupts(sh.run("linux1", "cat /proc/interrupts"))
        assert first["arch_timer"][:2] == ("GIC-0", 27), first
        assert first["uart-pl011"][:2] == ("GIC-0", 33), first
        assert len(first["arch_timer"][2]) == 2, first
        assert sum(second["arch_timer"][2]) > sum(first["arch_timer"][2]), (first, second)
        assert sum(second["uart-pl011"][2]) > sum(first["uart-pl011"][2]), "typed input raised no UART IRQ"

        # One shell loop per vCPU, at the same time.
        jiffies_before = busy_cpu_jiffies(sh.run("linux1", "grep ^cpu /proc/stat"))
        out = sh.run("linux1", "for n in 1 2; do (i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; "
                               "echo DONE$((n*11))) & done; wait", timeout=300)
        assert sorted(out) == ["DONE11", "DONE22"], out
        jiffies_after = busy_cpu_jiffies(sh.run("linux1", "grep ^cpu /proc/stat"))
        third = parse_interrupts(sh.run("linux1", "cat /proc/interrupts"))
        for cpu in ("cpu0", "cpu1"):
            # 100 jiffies = 0.4 s of CPU time at Debian's HZ=250.
            assert jiffies_after[cpu] - jiffies_before[cpu] >= 100, (cpu, jiffies_before, jiffies_after)
        for cpu, (old, new) in enumerate(zip(second["arch_timer"][2], third["arch_timer"][2])):
            assert new > old, f"arch_timer count of CPU{cpu} did not rise: {old} -> {new}"

        m.send("poweroff -f\r")
        m.expect(r'vm "linux1": stopped \(guest called PSCI SYSTEM_OFF\)')
        focus(m, "linux2")
        assert sh.run("linux2", "echo alive-$((6*7))") == ["alive-42"]
        focus(m, "console")
        focus(m, "the monitor")
        m.send("list\r")
        m.expect(r'\[monitor\] vm 0 "linux1": stopped')
        m.expect(r'\[monitor\] vm 1 "linux2": running')
        m.expect(r'\[monitor\] vm 2 "console": running')
        out = m.collect(1)
    assert_hypervisor_healthy(out)


def test_reboot_then_panic_leaves_other_vms_running(kit):
    with hyperberry(image=kit["default_image"], timeout=COMMAND_TIMEOUT, logname="linux-reboot-panic") as m, \
            diagnostics(m):
        wait_ready(m, ["linux1", "linux2"])
        sh = Shell(m)
        assert sh.run("linux1", "echo before-$((6*7))") == ["before-42"]
        m.send("reboot -f\r")
        m.expect(r'vm "linux1": stopped \(guest called PSCI SYSTEM_RESET\)')
        m.expect(r'vm "linux1": restarting')
        assert wait_ready(m, ["linux1"])["linux1"][1] == 2
        # The restarted guest's console must take input again.
        assert sh.run("linux1", "echo after-$((6*7))") == ["after-42"]

        m.send("echo c > /proc/sysrq-trigger\r")
        m.expect(r"\[linux1\] \[ *\d+\.\d+\] Kernel panic - not syncing: sysrq triggered crash")
        m.expect(r"\[linux1\] \[ *\d+\.\d+\] ---\[ end Kernel panic")

        focus(m, "linux2")
        assert sh.run("linux2", "echo alive-$((6*7))") == ["alive-42"]
        focus(m, "console")
        m.send("id\r")
        m.expect(r"\[console\] VM id 2, HyperBerry call version")
        focus(m, "the monitor")
        m.send("list\r")
        # HyperBerry cannot tell a panicked kernel from a busy one: still running.
        m.expect(r'\[monitor\] vm 0 "linux1": running, 256 MiB, VMID 1, 1 restart\(s\)')
        m.expect(r'\[monitor\] vm 1 "linux2": running, 256 MiB, VMID 2, 0 restart\(s\)')
        m.expect(r'\[monitor\] vm 2 "console": running')
        out = m.collect(1)
    assert_hypervisor_healthy(out)


# name, vCPUs, physical cores, RAM MiB, DTB IPA, initrd IPA, nokaslr
MATRIX = [
    ("kaslr", 2, [1, 2], 256, 0x48000000, 0x48200000, False),
    ("nokaslr", 2, [1, 2], 256, 0x48000000, 0x48200000, True),
    # Image at +2 MiB with image_size 0x2010000 ends at 0x42210000.
    ("1cpu-64mib", 1, [1], 64, 0x42400000, 0x42600000, False),
    ("4cpu-1gib", 4, [0, 1, 2, 3], 1024, 0x48000000, 0x48200000, False),
]


@pytest.mark.parametrize("name,vcpus,cores,ram_mib,dtb_ipa,initrd_ipa,nokaslr", MATRIX,
                         ids=[row[0] for row in MATRIX])
def test_linux_configuration_matrix(kit, name, vcpus, cores, ram_mib, dtb_ipa, initrd_ipa, nokaslr):
    image = make_linux_image(f"linux-{name}", vcpus, cores, ram_mib, dtb_ipa, initrd_ipa, nokaslr)
    with hyperberry(image=image, timeout=COMMAND_TIMEOUT, logname=f"linux-{name}") as m, diagnostics(m):
        m.expect(rf'vm "linux": {ram_mib} MiB RAM at IPA 0x40000000 \(PA 0x[0-9a-f]+\), '
                 rf'{vcpus} vCPU\(s\)')
        assert wait_ready(m, ["linux"])["linux"][1] == vcpus
        sh = Shell(m)
        assert sh.run("linux", "grep -c ^processor /proc/cpuinfo; nproc") == [str(vcpus)] * 2
        cmdline = sh.run("linux", "cat /proc/cmdline")
        kaslr = sh.run("linux", "dmesg | grep KASLR")
        stext = sh.run("linux", "grep ' _stext$' /proc/kallsyms")
        if nokaslr:
            assert "nokaslr" in cmdline[0].split(), cmdline
            assert any("KASLR disabled on command line" in line for line in kaslr), kaslr
            assert stext[0].startswith(STEXT_NOKASLR), stext
        else:
            assert "nokaslr" not in cmdline[0].split(), cmdline
            assert any(line.endswith("KASLR enabled") for line in kaslr), kaslr
            assert not any("KASLR disabled" in line for line in kaslr), kaslr
            assert not stext[0].startswith(STEXT_NOKASLR), stext
        mem_kib = int(sh.run("linux", "grep MemTotal /proc/meminfo")[0].split()[1])
        # MemTotal leaves out the kernel image (about 33 MiB) and the page array.
        assert (ram_mib - 64) * 1024 < mem_kib <= ram_mib * 1024, f"{ram_mib} MiB VM: MemTotal {mem_kib} kB"
        m.send("poweroff -f\r")
        m.expect(r'vm "linux": stopped \(guest called PSCI SYSTEM_OFF\)')
        out = m.collect(1)
    assert_hypervisor_healthy(out)
