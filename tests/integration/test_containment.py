"""Containment (issue 8): a VM that spins with every interrupt masked, or
that loops on set/way cache maintenance, still loses its shared core at each
time slice. The other VMs on that core keep their rhythm, and the console
monitor answers and can stop it."""
import re
import statistics
import time

from hbimage import make_image, vm_node
from qemu import hyperberry
from test_hostile import args_dtb

SLICE_US = 10000
BEAT_RE = re.compile(r"^\[heartbeat\] HEARTBEAT (\d+) (\d+) (\d+)\r?$", re.M)


def to_monitor(m):
    for _ in range(6):
        m.send("\x01\x01\x01")
        if "console input now goes to the monitor" in m.collect(0.5):
            return
    raise AssertionError("focus never reached the monitor")


def beats_between(out, start, end):
    text = out[out.index(start):out.index(end)]
    return [(int(n), int(c), int(s)) for n, c, s in BEAT_RE.findall(text)]


def run_spinner(name, mode, ram_mib=64, with_ticker=True):
    args = args_dtb(f"spinner-{mode}", f"spinner.mode={mode}")
    nodes = [vm_node("spinner", "spinner", cpus=[1], ram_mib=ram_mib,
                     extra=f'\t\t\tdtb = "{args}";\n\t\t\tdtb-ipa = <0x0 0x40000000>;'),
             vm_node("heartbeat", "heartbeat", cpus=[1])]
    if with_ticker:
        nodes.append(vm_node("ticker", "ticker", cpus=[1]))
    img = make_image(name, nodes, hypervisor_props=f"time-slice-us = <{SLICE_US}>;")
    with hyperberry(image=img, timeout=120, logname=name) as m:
        m.expect(rf"\[spinner\] SPINNER start mode={mode}")
        if with_ticker:
            # Busy on the same core as the spinner, and still finishes.
            m.expect(r"\[ticker\] VERDICT ticker: PASS", timeout=120)
        else:
            m.collect(2)
        m.expect(r"\[heartbeat\] HEARTBEAT 60 ", timeout=60)
        to_monitor(m)
        m.send("list\r")
        m.expect(r'\[monitor\]   vCPU 0: runnable on core 1', timeout=20)
        m.send("stats spinner\r")
        m.expect(r"\[monitor\]   total\s+\d+", timeout=20)
        time.sleep(0.5)
        m.send("stop spinner\r")
        m.expect(r'vm "spinner": stopped \(monitor command\)', timeout=20)
        # The heartbeat goes on beating alone on the core afterwards.
        after = int(BEAT_RE.findall(m.output())[-1][0])
        m.expect(rf"\[heartbeat\] HEARTBEAT {after + 5} ", timeout=30)
        out = m.collect(0.5)
    assert "EL2 FATAL" not in out and "PANIC" not in out
    # Its escape sequences and forged prefix were shown, not obeyed
    # (docs/security.md, "Guest console output"): no ESC, BEL or CSI reached
    # the terminal, and the forgery stayed on the spinner's own line.
    spoof = "[spinner] SPINNER spoof ^[[2J^[]0;pwned^G[heartbeat] HEARTBEAT 0 0 0 ?"
    assert any(l.rstrip("\r") == spoof for l in out.splitlines()), "spoof line not shown as text"
    assert not re.search("[\x1b\x07\x9b]", out)
    stats = out[out.rindex('exits of vm "spinner"'):]
    stats = stats[:stats.index("total") + 40]
    irqs = re.search(r"physical IRQ\s+(\d+)", stats)
    # Preempted: the slice tick is a physical interrupt, taken at EL2
    # whatever the guest's DAIF says, so its exits count IRQs.
    assert irqs and int(irqs[1]) > 10, stats
    beats = beats_between(out, f"SPINNER start mode={mode}", 'vm "spinner": stopped')
    stalls = [b[2] for b in beats]
    print(f"\n{name}: {len(beats)} heartbeats beside the spinner; stall (us) median "
          f"{statistics.median(stalls):.0f}, max {max(stalls)}; slice {SLICE_US} us")
    assert len(beats) >= 30, "the heartbeat barely ran beside the spinner"
    return out, stalls


def test_masked_spinner_is_preempted():
    """All DAIF bits masked, no trap: the other VMs on its core still run."""
    out, stalls = run_spinner("contain-masked", "masked")
    # Three vCPUs on the core: the heartbeat waits about two slices per turn.
    # Host scheduling can stretch a few turns, not the typical one.
    assert statistics.median(stalls) <= 4 * SLICE_US, stalls


def test_setway_storm_is_preemptible():
    """DC CISW on set 0/way 0 in a loop, each a whole-RAM clean of a 1 GiB
    VM (about 100 ms under QEMU): done 1 MiB per trap, so the core is still
    handed over every slice. Cleaned in one go, every turn of the spinner
    would keep the heartbeat off its core for a whole clean (measured with
    the old code: 15 stalls of 76-204 ms in one run, none with chunks);
    preemptible, only host scheduling can cause such a stall, rarely."""
    out, stalls = run_spinner("contain-setway", "setway", ram_mib=1024, with_ticker=False)
    cleans = re.search(r"set/way operations made (\d+) whole-RAM cleans", out)
    assert cleans and int(cleans[1]) >= 1, "no whole-RAM clean completed"
    long_stalls = [s for s in stalls if s > 5 * SLICE_US]
    print(f"stalls over 5 slices: {len(long_stalls)} {long_stalls}; "
          f"whole-RAM cleans: {cleans[1]}")
    assert len(long_stalls) <= 5, long_stalls
    assert statistics.median(stalls) <= 3 * SLICE_US, stalls
