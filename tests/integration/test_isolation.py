"""Many VMs: three VMs at the same IPAs keep their RAM, vCPUs and fate to
themselves (one powers off, one crashes, one keeps running), and a VM that
restarts comes back to zeroed RAM and a pristine image."""
import os
import re

from hbimage import make_image, vm_node
from qemu import ROOT, hyperberry, vm_lines

ISO_VMS = ["iso0", "iso1", "iso2"]
LAST_RUN = {}   # test name -> output, for the matrix
RAM_MIB = 64
RAM_IPA = 0x40000000
# QEMU runs 4 cores on a 2-core host: every wait is generous.
TIMEOUT = 240

CHECK_RE = re.compile(r"^\[(\S+)\] CHECK (\S+?)/(\S+): (PASS|FAIL|SKIP)(?: (.*))?$")
VM_RAM_RE = re.compile(r'vm "(\S+)": (\d+) MiB RAM at IPA (0x[0-9a-f]+) \(PA (0x[0-9a-f]+)\)')


def lines(out):
    return [l.rstrip("\r") for l in out.splitlines()]


def checks(out, vm):
    """(test, check, result, reason) for every CHECK line of one VM (whole
    lines only: see vm_lines)."""
    return [m.groups()[1:] for _, t in vm_lines(out, vm) if (m := CHECK_RE.match(f"[{vm}] {t}"))]


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
    run_isolation()


def run_isolation():
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
                     "cpu_on_mpidr_0x10000", "grid_all_faulted"]:
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
    LAST_RUN["isolation"] = out
    return out


HYP_MEM_RE = re.compile(r"hypervisor memory: (0x[0-9a-f]+)-(0x[0-9a-f]+)")
GRID_RE = r"\[{vm}\] ISOLATE grid (0x[0-9a-f]+)-(0x[0-9a-f]+) step (0x[0-9a-f]+): (\d+) addresses, (\d+) open"
OPEN_RE = r"\[{vm}\] ISOLATE open (0x[0-9a-f]+) "
# Physical device frames of QEMU virt and the isolate guest's check for each
# (guests/tests/isolate.c device_probes); the GICD, GICC and UART addresses
# are the VM's own emulated vGIC distributor, its GICV-backed CPU interface
# and its vUART, so a guest reaches its own virtual device there.
DEVICES = [("GICD", 0x08000000, "emulated vGICD"), ("GICC", 0x08010000, "own GICV"),
           ("GICv2m", 0x08020000, "probe_gicv2m_0x8020000"),
           ("GICH", 0x08030000, "probe_gich_0x8030000"), ("GICV", 0x08040000, "probe_gicv_0x8040000"),
           ("UART", 0x09000000, "emulated vUART"), ("RTC", 0x09010000, "probe_rtc_0x9010000"),
           ("fw_cfg", 0x09020000, "probe_fw_cfg_0x9020000"), ("GPIO", 0x09030000, "probe_gpio_0x9030000"),
           ("virtio", 0x0A000000, "probe_virtio_0xa000000"), ("flash", 0x00000000, "probe_flash0_0x0"),
           ("PCIe", 0x10000000, "probe_pcie_mmio_0x10000000")]


def isolation_matrix(out, vms):
    """{attacker: {target: cell}} from one isolation run, and the table as text.
    A cell is "fault R+W (n)" when every read and write of the n addresses
    tried in the target faulted in the attacker; "OPEN ..." otherwise."""
    ram = {m[1]: (int(m[4], 16), int(m[4], 16) + (int(m[2]) << 20), int(m[3], 16), int(m[2]) << 20)
           for m in VM_RAM_RE.finditer(out)}
    hyp = HYP_MEM_RE.search(out)
    hyp_range = (int(hyp[1], 16), int(hyp[2], 16) + 1)
    targets = [f"RAM {vm}" for vm in vms] + ["hypervisor", "rest of RAM"] + [d[0] for d in DEVICES]
    matrix = {}
    for a in vms:
        grid = re.search(GRID_RE.format(vm=re.escape(a)), out)
        assert grid, f"{a}: no ISOLATE grid line"
        start, end, step = (int(grid[i], 16) for i in (1, 2, 3))
        points = [p for b in range(start, end, step) for p in (b, b + step - 8)]
        assert len(points) == int(grid[4]), grid[0]
        opened = {int(x, 16) for x in re.findall(OPEN_RE.format(vm=re.escape(a)), out)}
        assert len(opened) == int(grid[5]), grid[0]
        own_ipa = (ram[a][2], ram[a][2] + ram[a][3])

        def cell(lo, hi):
            tried = [p for p in points if lo <= p < hi]
            if not tried:
                return "own RAM there" if own_ipa[0] <= lo and hi <= own_ipa[1] else "not tried"
            bad = [p for p in tried if p in opened]
            return f"OPEN at {len(bad)} of {len(tried)}" if bad else f"fault R+W ({len(tried)})"

        row = {}
        for v in vms:
            row[f"RAM {v}"] = "self" if v == a else cell(ram[v][0], ram[v][1])
        row["hypervisor"] = cell(*hyp_range)
        owned = [(ram[v][0], ram[v][1]) for v in vms] + [hyp_range]
        rest = [p for p in points if not any(lo <= p < hi for lo, hi in owned)]
        bad = [p for p in rest if p in opened]
        row["rest of RAM"] = f"OPEN at {len(bad)}" if bad else f"fault R+W ({len(rest)})"
        results = {c[1]: c[2] for c in checks(out, a)}
        for name, _, how in DEVICES:
            if how.startswith("probe_"):
                row[name] = {"PASS": "fault R+W", None: "not tried"}.get(results.get(how), "OPEN")
            else:
                row[name] = how
        matrix[a] = row
    width = max(len(c) for r in matrix.values() for c in r.values()) + 2
    text = ["isolation matrix: rows attack, columns are targets named by their physical",
            "address (IPA = PA), read and written; 'fault R+W (n)': all n addresses faulted",
            " " * 10 + "".join(f"{t:<{width}}" for t in targets[:len(vms) + 2])]
    for a in vms:
        text.append(f"{a:<10}" + "".join(f"{matrix[a][t]:<{width}}" for t in targets[:len(vms) + 2]))
    text.append(" " * 10 + "".join(f"{t:<16}" for t in targets[len(vms) + 2:]))
    for a in vms:
        text.append(f"{a:<10}" + "".join(f"{matrix[a][t][:15]:<16}" for t in targets[len(vms) + 2:]))
    text.append("hypervisor memory 0x%x-0x%x; VM RAM (PA): " % (hyp_range[0], hyp_range[1] - 1) +
                ", ".join(f"{v} 0x{ram[v][0]:x}-0x{ram[v][1] - 1:x}" for v in vms))
    text.append("'own RAM there': those IPAs are the attacker's own RAM, which it finds zeroed at")
    text.append("start and keeps its pattern in (ram_zero_at_start, ram_own_pattern_only);")
    text.append("'rest of RAM' holds the hypervisor's page tables and free pages.")
    return matrix, "\n".join(text)


def test_isolation_matrix():
    """Every VM tries every other VM's RAM, the hypervisor's memory, the rest
    of RAM and every device frame; each cross access faults in the attacker.
    Uses the run of test_three_vms_at_one_ipa_stay_isolated (or makes one)."""
    out = LAST_RUN.get("isolation") or run_isolation()
    matrix, text = isolation_matrix(out, ISO_VMS)
    with open(os.path.join(ROOT, "build", "test-logs", "isolation-matrix.txt"), "w") as f:
        f.write(text + "\n")
    print("\n" + text)
    for a, row in matrix.items():
        for target, c in row.items():
            assert not c.startswith("OPEN") and c != "not tried", f"{a} -> {target}: {c}\n{text}"
            if target.startswith("RAM ") and target != f"RAM {a}":
                assert c.startswith("fault"), f"{a} -> {target}: {c}\n{text}"
        assert row["rest of RAM"].startswith("fault")


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
