"""Time sharing: vCPUs pinned to one core are preempted by the time slice,
while a vCPU alone on its core runs without a tick; WFI blocks and wakes."""
import re

from hbimage import make_image, vm_node
from qemu import hyperberry, vm_lines


def ticks(out, vm):
    return [int(m.group(1)) for _, t in vm_lines(out, vm) if (m := re.fullmatch(r"TICK (\d+)", t))]


def tick_positions(out, vm):
    return [i for i, t in vm_lines(out, vm) if t.startswith("TICK ")]


def run_sharing(name, sharing, solo_core=2, slice_us=5000):
    nodes = [vm_node(vm, "ticker", cpus=[1]) for vm in sharing]
    nodes.append(vm_node("solo", "ticker", cpus=[solo_core]))
    img = make_image(name, nodes, hypervisor_props=f"time-slice-us = <{slice_us}>;")
    with hyperberry(image=img, timeout=180, logname=name) as m:
        for _ in range(len(nodes)):
            m.expect(r"VERDICT ticker: PASS", timeout=180)
        out = m.collect(1)
    for vm in list(sharing) + ["solo"]:
        assert ticks(out, vm) == list(range(1, 21)), (vm, ticks(out, vm))
    # Interleaved, not one after the other: every VM on core 1 printed a
    # tick before each of the others finished. Boot loads every VM before
    # releasing any (boot_vms_start), so none runs alone for long.
    for a in sharing:
        for b in sharing:
            if a != b:
                assert tick_positions(out, b)[0] < tick_positions(out, a)[-1], \
                    f"{a} finished before {b} ticked: core 1 was not time-shared"
    assert "EL2 FATAL" not in out
    return out


# Issue 5's intermittent failure: each VM's RAM was zeroed and cleaned just
# before it was started, so under host load ta ran alone (correctly without
# a tick) for its whole life while tb still loaded; the test also counted a
# streamed line's repeated fragment as a tick. Both fixed; no xfail.
def test_two_busy_vms_share_one_core():
    run_sharing("sched-share", ["ta", "tb"])


def test_three_busy_vms_share_one_core():
    """Stress variant: three busy VMs on one core with a short slice."""
    run_sharing("sched-share3", ["ta", "tb", "tc"], slice_us=2000)


def test_vm_lines_drops_repeated_fragments():
    out = "[ta] TICK 1\r\n[ta] TICK 2\r\n[tb] TICK 6\r\n[ta] TICK 20\r\n[ta] TICK 2\r\n"
    assert ticks(out, "ta") == [1, 20, 2]
    # The fragment was the whole line: only its newline came later.
    out = "[ta] TICK 1\r\n[tb] TICK 6\r\n[ta] TICK 1\r\n[ta] TICK 2\r\n"
    assert ticks(out, "ta") == [1, 2]


def test_console_flood_is_rate_limited_and_contained():
    img = make_image("flood", [vm_node("flood", "flood", cpus=[1]),
                               vm_node("ta", "ticker", cpus=[2])])
    with hyperberry(image=img, timeout=120, logname="flood") as m:
        m.expect(r"\[ta\] VERDICT ticker: PASS", timeout=120)
        # The flood must outrun 400 lines/s after its 2000-line burst. Each
        # character is a trap, so on a busy host that takes longer than the
        # few seconds this used to wait (it failed 3 runs in 4 then, with and
        # without the console filter): wait for the limit itself.
        m.expect(r'vm "flood": console output over \d+ lines/s: dropping lines', timeout=90)
        out = m.collect(2)
    assert ticks(out, "ta") == list(range(1, 21))
    assert len(re.findall(r'vm "flood": console output over \d+ lines/s: dropping lines', out)) == 1
    # The flood VM printed its burst, then only its rate.
    flood_lines = len(re.findall(r"\[flood\] FLOOD", out))
    assert 2000 <= flood_lines < 60000, flood_lines
    assert "EL2 FATAL" not in out
