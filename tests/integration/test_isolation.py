"""Many VMs: three VMs at the same IPAs keep their RAM, vCPUs and fate to
themselves (one powers off, one crashes, one keeps running), and a VM that
restarts comes back to zeroed RAM and a pristine image."""
import re

from hbimage import make_image, vm_node
from qemu import hyperberry

ISO_VMS = ["iso0", "iso1", "iso2"]
RAM_MIB = 64
RAM_IPA = 0x40000000
# QEMU runs 4 cores on a 2-core host: every wait is generous.
TIMEOUT = 240

CHECK_RE = re.compile(r"^\[(\S+)\] CHECK (\S+?)/(\S+): (PASS|FAIL|SKIP)(?: (.*))?$")
VM_RAM_RE = re.compile(r'vm "(\S+)": (\d+) MiB RAM at IPA (0x[0-9a-f]+) \(PA (0x[0-9a-f]+)\)')


def lines(out):
    return [l.rstrip("\r") for l in out.splitlines()]


def checks(out, vm):
    """(test, check, result, reason) for every CHECK line of one VM."""
    return [m.groups()[1:] for l in lines(out) if (m := CHECK_RE.match(l)) and m[1] == vm]


def first_index(out, pattern):
    for i, line in enumerate(lines(out)):
        if re.search(pattern, line):
            return i
    raise AssertionError(f"{pattern!r} not in output:\n{out[-3000:]}")


def assert_all_passed(out, vm, test):
    seen = checks(out, vm)
    assert seen, f"{vm}: no CHECK lines\n{out[-3000:]}"
    bad = [c for c in seen if c[0] != test or c[2] != "PASS"]
    assert not bad, f"{vm}: {bad}"
    names = [c[1] for c in seen]
    assert len(names) == len(set(names)), f"{vm}: duplicate check names"
    return names


def test_three_vms_at_one_ipa_stay_isolated():
    img = make_image("isolation", [
        vm_node(name, "isolate", vcpus=1, cpus=[core], ram_mib=RAM_MIB, ram_ipa=RAM_IPA)
        for core, name in enumerate(ISO_VMS, start=1)])
    with hyperberry(image=img, timeout=TIMEOUT, logname="isolation") as m:
        m.expect(r'vm "iso1" vCPU 0 crashed: ')
        m.expect(r'vm "iso1": stopped \(crashed\)')
        m.expect(r"\[iso2\] VERDICT isolate: (PASS|FAIL) \d+/\d+")
        m.expect(r'vm "iso2": stopped \(guest called PSCI SYSTEM_OFF\)')
        # iso0's stop may be logged before or after iso1's crash: both are in
        # the output by the time iso2, the longest runner, is done.
        out = m.collect(1)

    assert "EL2 FATAL" not in out and "PANIC" not in out
    assert "GUEST-EXCEPTION" not in out and "GUEST-ABORT" not in out

    # Same IPA, separate and non-overlapping physical RAM.
    ram = {m[1]: (int(m[2]), int(m[3], 16), int(m[4], 16)) for m in VM_RAM_RE.finditer(out)}
    assert set(ISO_VMS) <= set(ram), ram
    spans = sorted((ram[vm][2], ram[vm][2] + (ram[vm][0] << 20)) for vm in ISO_VMS)
    assert all(ram[vm][:2] == (RAM_MIB, RAM_IPA) for vm in ISO_VMS), ram
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:])), spans

    for vm in ISO_VMS:
        names = assert_all_passed(out, vm, "isolate")
        for name in ["ram_zero_at_start", "ram_own_pattern_only", "all_probes_faulted",
                     "probe_gich_0x8030000", "probe_gicv_0x8040000", "probe_virtio_0xa000000",
                     "probe_rtc_0x9010000", "probe_fw_cfg_0x9020000", "probe_ram_0x44000000",
                     "probe_ram_0xbc000000", "cpu_on_mpidr_0x1", "affinity_mpidr_0x7",
                     "cpu_on_mpidr_0x10000"]:
            assert name in names, f"{vm}: check {name} did not run"
        probes = re.search(rf"\[{vm}\] ISOLATE probes: (\d+)/(\d+) accesses faulted", out)
        assert probes and probes[1] == probes[2] and int(probes[2]) >= 60, probes

    assert re.search(r"\[iso0\] VERDICT isolate: PASS \d+/\d+", out)
    assert 'vm "iso0": stopped (guest called PSCI SYSTEM_OFF)' in out
    assert re.search(r"\[iso1\] ISOLATE-CRASH about to crash \(0 checks failed", out)
    assert "[iso1] VERDICT" not in out, "iso1 should have crashed, not finished"
    assert re.search(r"\[iso2\] VERDICT isolate: PASS \d+/\d+", out)

    # iso2 keeps beating, in order, after iso0 powered off and iso1 crashed.
    beats = [int(m[1]) for m in re.finditer(r"\[iso2\] HEARTBEAT (\d+)", out)]
    assert beats == list(range(1, 41)), beats
    last_event = max(first_index(out, r'vm "iso0": stopped'),
                     first_index(out, r'vm "iso1": stopped \(crashed\)'))
    later = [l for l in lines(out)[last_event:] if re.search(r"\[iso2\] HEARTBEAT \d+", l)]
    assert len(later) >= 3, f"only {len(later)} heartbeats after the other VMs ended"
    assert first_index(out, r"\[iso2\] VERDICT") > last_event


def test_restarted_vm_gets_zeroed_ram_and_pristine_image():
    img = make_image("restart", [vm_node("restart", "restart", vcpus=1, cpus=[1],
                                         ram_mib=RAM_MIB, ram_ipa=RAM_IPA)])
    with hyperberry(image=img, timeout=TIMEOUT, logname="restart") as m:
        m.expect(r"\[restart\] RESTART-GUEST run 1 wrote marker")
        m.expect(r'vm "restart": restarting \(run 2\)')
        m.expect(r"\[restart\] RESTART-GUEST run 2[\r\n]")
        verdict = m.expect(r"\[restart\] VERDICT restart: (PASS|FAIL) (\d+)/(\d+)")
        m.expect(r'vm "restart": stopped \(guest called PSCI SYSTEM_OFF\)')
        out = m.collect(1)

    assert "EL2 FATAL" not in out and "PANIC" not in out
    assert "GUEST-EXCEPTION" not in out and "GUEST-ABORT" not in out
    names = assert_all_passed(out, "restart", "restart")
    for name in ["run1_data_pristine", "run2_data_pristine", "run2_bss_zero", "run2_ram_zeroed"]:
        assert name in names, f"check {name} did not run"
    assert verdict[1] == "PASS" and verdict[2] == verdict[3] and int(verdict[3]) >= 3
    # Run 2 happened exactly once, after the restart, and nothing ran a third time.
    assert out.count("RESTART-GUEST run 1 wrote marker") == 1
    assert first_index(out, r'vm "restart": restarting') < first_index(out, r"RESTART-GUEST run 2")
    assert "restarting (run 3)" not in out
