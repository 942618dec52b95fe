"""Foundation: boot banner on every core, EL2 fault reports that stop all
cores, and the allocator, timer and SGIs exercised on the target."""
import re

from qemu import hyperberry


def test_banner_all_cores_online():
    with hyperberry(logname="banner") as m:
        m.expect(r"HyperBerry \S+ on qemu-virt")
        m.expect(r"cores online: 4 of 4")
        m.expect(r"RAM: 2048 MiB")
        m.expect(r"GIC: GICv2 .* list registers")
        m.expect(r"CurrentEL: EL2, VHE: ")


def test_one_core_boots_too():
    with hyperberry(smp=1, logname="banner-smp1") as m:
        m.expect(r"cores online: 1 of 1")


def _expect_fatal_report(m, ec_pattern):
    m.expect(r"EL2 FATAL: unexpected synchronous exception")
    m.expect(ec_pattern)
    m.expect(r"ESR 0x[0-9a-f]{16}  FAR 0x[0-9a-f]{16}")
    m.expect(r"ELR 0x[0-9a-f]{16}  SPSR")
    m.expect(r"x30 0x[0-9a-f]{16}")
    m.expect(r"backtrace:")
    m.expect(r"#0 0x[0-9a-f]+ test_fault_\w+\+0x")
    m.expect(r"#\d 0x[0-9a-f]+ hyp_main_primary\+0x")
    m.expect(r"HyperBerry halted: 4 of 4 cores stopped")
    m.expect(r"cpu0 stopped")
    out = m.output()
    stopped = set(re.findall(r"cpu(\d) stopped", out))
    assert stopped == {"0", "1", "2", "3"}, out[-2000:]


def test_undefined_instruction_report_stops_all_cores():
    with hyperberry(append="hb.selftest=fault-undef", logname="fault-undef") as m:
        _expect_fatal_report(m, r"EC 0x00 \(.*[Uu]nknown")


def test_data_abort_report_stops_all_cores():
    with hyperberry(append="hb.selftest=fault-dabort", logname="fault-dabort") as m:
        _expect_fatal_report(m, r"EC 0x25 \(.*[Dd]ata [Aa]bort")
        out = m.output()
        assert "FAR 0x0000007000000000" in out


def test_allocator_on_target():
    with hyperberry(append="hb.selftest=alloc", logname="alloc") as m:
        m.expect(r"SELFTEST alloc: PASS")


def test_hyp_timer_ticks():
    with hyperberry(append="hb.selftest=timer", logname="timer") as m:
        m.expect(r"SELFTEST timer: PASS \(10 ticks")


def test_sgis_between_all_cores():
    with hyperberry(append="hb.selftest=sgi", logname="sgi") as m:
        m.expect(r"SELFTEST sgi: PASS \(4 cores")
