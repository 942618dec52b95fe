"""Runs the bare-metal test guests natively in QEMU (EL1, no hypervisor) to
validate the guests themselves before HyperBerry runs them.

Builds nothing: `make guests` (or `make -f guests/guests.mk`) produces the
images; HB_GUEST_DIR points elsewhere if needed (default build/guests).
"""
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pexpect
import pytest

REPO = Path(__file__).resolve().parents[2]
GUEST_DIR = Path(os.environ.get("HB_GUEST_DIR", REPO / "build" / "guests"))
if not GUEST_DIR.is_absolute():
    GUEST_DIR = REPO / GUEST_DIR
QEMU = os.environ.get("QEMU", "qemu-system-aarch64")
QEMU_ARGS = ["-M", "virt,gic-version=2", "-cpu", "cortex-a72", "-smp", "2", "-m", "256M",
             "-nographic", "-no-reboot"]

# Guests whose checks make sense natively; crash is HB-only and checked apart.
NATIVE_GUESTS = ["psci", "smp", "mmio", "abort", "sysregs", "fpsimd", "bench", "gic"]
RUN_TIMEOUT_S = 120
EXIT_TIMEOUT_S = 15

CHECK_RE = re.compile(r"^CHECK (\S+?)/(\S+): (PASS|FAIL|SKIP)(?: (.*))?$")
VERDICT_RE = re.compile(r"^VERDICT (\S+): (PASS|FAIL) (\d+)/(\d+)$")
BENCH_RE = re.compile(r"^BENCH (\S+) (n/a|-?\d+\.\d\d)$")


@dataclass
class GuestRun:
    output: str
    exit_status: int | None
    checks: list = field(default_factory=list)      # (test, check, result, reason)
    verdicts: list = field(default_factory=list)    # (test, result, passed, total)
    bench: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)    # exception/abort lines


def parse_output(output, exit_status=None):
    run = GuestRun(output=output, exit_status=exit_status)
    for raw in output.splitlines():
        line = raw.strip("\r")
        if m := CHECK_RE.match(line):
            run.checks.append(m.groups())
        elif m := VERDICT_RE.match(line):
            run.verdicts.append((m[1], m[2], int(m[3]), int(m[4])))
        elif m := BENCH_RE.match(line):
            run.bench[m[1]] = m[2]
        elif line.startswith(("GUEST-EXCEPTION", "GUEST-ABORT")):
            run.problems.append(line)
        elif line.startswith(("CHECK", "VERDICT", "BENCH ")):
            run.problems.append("malformed protocol line: " + line)
    return run


def assert_guest_passed(run, name, allow_empty=False):
    """Every CHECK passed or was skipped, and the single verdict agrees."""
    tail = run.output[-3000:]
    assert not run.problems, f"{name}: {run.problems}\n{tail}"
    failed = [c for c in run.checks if c[2] == "FAIL"]
    assert not failed, f"{name}: failed checks {failed}\n{tail}"
    assert all(c[0] == name for c in run.checks), f"{name}: checks from another test"
    names = [c[1] for c in run.checks]
    dupes = sorted({n for n in names if names.count(n) > 1})
    assert not dupes, f"{name}: duplicate check names {dupes}"
    assert len(run.verdicts) == 1, f"{name}: expected one VERDICT, got {run.verdicts}\n{tail}"
    test, result, passed, total = run.verdicts[0]
    counted = sum(1 for c in run.checks if c[2] != "SKIP")
    assert test == name
    assert (result, passed, total) == ("PASS", counted, counted), \
        f"{name}: verdict {run.verdicts[0]} vs {counted} counted checks\n{tail}"
    assert allow_empty or total > 0, f"{name}: no check ran"


def run_guest(image):
    """Boots one image, waits for its VERDICT and for QEMU to exit (SYSTEM_OFF)."""
    child = pexpect.spawn(QEMU, QEMU_ARGS + ["-kernel", str(image)], encoding="utf-8",
                          codec_errors="replace", timeout=RUN_TIMEOUT_S)
    try:
        got = child.expect([r"VERDICT [^\r\n]*\r?\n", pexpect.EOF, pexpect.TIMEOUT])
        output = child.before + (child.after if got == 0 else "")
        if got == 2:
            pytest.fail(f"{image.name}: no VERDICT within {RUN_TIMEOUT_S}s\n{output[-3000:]}")
        if got == 0:
            end = child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=EXIT_TIMEOUT_S)
            output += child.before
            if end != 0:
                pytest.fail(f"{image.name}: QEMU still running {EXIT_TIMEOUT_S}s after "
                            f"the VERDICT (SYSTEM_OFF failed?)")
    finally:
        child.close(force=True)
    return parse_output(output, child.exitstatus)


def guest_image(name):
    image = GUEST_DIR / f"{name}.bin"
    if not image.is_file():
        pytest.fail(f"{image} missing: build it with `make -f guests/guests.mk`")
    return image


@pytest.mark.parametrize("name", NATIVE_GUESTS)
def test_guest_passes_natively(name):
    run = run_guest(guest_image(name))
    assert_guest_passed(run, name)
    assert run.exit_status == 0, f"{name}: QEMU exit status {run.exit_status}"


def test_bench_reports_every_item():
    run = run_guest(guest_image("bench"))
    assert_guest_passed(run, "bench")
    # Natively there is no HyperBerry to call and SMC at EL1 would UNDEF.
    assert run.bench.get("hvc_hb_version") == "n/a"
    assert run.bench.get("smc_psci_version") == "n/a"
    for item in ["hvc_psci_version", "mmio_read_uartfr", "mmio_write_uartibrd",
                 "sysreg_read_actlr"]:
        assert item in run.bench and run.bench[item] != "n/a", f"{item}: {run.bench}"


def test_crash_guest_does_nothing_natively():
    run = run_guest(guest_image("crash"))
    assert_guest_passed(run, "crash", allow_empty=True)
    assert run.verdicts == [("crash", "PASS", 0, 0)]
    assert "CRASH-GUEST" not in run.output
    assert [c[2] for c in run.checks] == ["SKIP"]


@pytest.mark.parametrize("name", NATIVE_GUESTS + ["crash"])
def test_image_header(name):
    """The arm64 Image header HyperBerry's loader and QEMU's -kernel rely on."""
    data = guest_image(name).read_bytes()
    code0, _code1, text_offset, image_size, flags = struct.unpack_from("<IIQQQ", data, 0)
    assert data[0x38:0x3c] == b"ARM\x64"
    assert code0 >> 26 == 0b000101, "code0 must be a B instruction"
    assert text_offset == 0
    assert flags == 0xA
    assert image_size >= len(data) and image_size % 8 == 0


# The checker itself must be able to fail: feed it broken transcripts.
GOOD = "CHECK t/a: PASS\nCHECK t/b: SKIP native\nVERDICT t: PASS 1/1\n"


@pytest.mark.parametrize("transcript", [
    "CHECK t/a: FAIL expected 0x1, got 0x2\nVERDICT t: FAIL 0/1\n",
    "CHECK t/a: PASS\nVERDICT t: PASS 2/2\n",                      # count mismatch
    "CHECK t/a: PASS\n",                                            # no verdict
    "CHECK t/a: PASS\nVERDICT t: PASS 1/1\nVERDICT t: PASS 1/1\n",  # two verdicts
    "CHECK t/a: PASS\nGUEST-EXCEPTION t: ESR=0x0 ELR=0x0 FAR=0x0\nVERDICT t: FAIL 1/1\n",
    "CHECK t/a: PASS\nCHECK t/a: PASS\nVERDICT t: PASS 2/2\n",      # duplicate name
    "CHECK t/a: PASSED\nVERDICT t: PASS 0/0\n",                     # malformed line
    "VERDICT t: PASS 0/0\n",                                        # nothing ran
])
def test_checker_rejects_bad_transcripts(transcript):
    with pytest.raises(AssertionError):
        assert_guest_passed(parse_output(transcript), "t")


def test_checker_accepts_good_transcript():
    assert_guest_passed(parse_output(GOOD.replace("\n", "\r\n")), "t")
