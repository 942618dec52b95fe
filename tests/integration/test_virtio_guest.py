"""virtio devices against a bare-metal driver: the virtio guest drives a
virtio-blk RAM disk, a read-only one and a virtio-net port with good and
malformed requests (docs/virtio.md) and checks every answer, while a second
copy of it (the peer, "virtio.role=peer") echoes frames across the VM switch
and a heartbeat VM on its own core keeps its rhythm. HyperBerry must not fail.
"""
import os
import re
import subprocess

from hbimage import CONFIG_DIR, make_image, vm_node
from qemu import hyperberry

TIMEOUT = 90            # the guest itself needs a few seconds; the host may be busy
PEER_DTB_IPA = 0x40000000       # below the guest image at 0x40200000
MAX_BEAT_GAP_US = 2000000       # loose: printing waits for the shared console

HB_FAILURE = re.compile(r"EL2 FATAL|PANIC")
CHECK_RE = re.compile(r"^\[(\S+)\] CHECK virtio/(\S+): (PASS|FAIL|SKIP)(?: (.*))?$")
VERDICT_RE = r"\[{vm}\] VERDICT virtio: (PASS|FAIL) (\d+)/(\d+)\s"
BEAT_RE = re.compile(r"^\[heartbeat\] HEARTBEAT (\d+) (\d+) (\d+)$")

# One of each kind of case the acceptance item names; the guest has more.
REQUIRED = [
    "blk_magic", "blk_version_2", "blk_device_id", "blk_vendor_hbry",
    "features_ok_refused_without_version_1", "features_ok_refused_unoffered_bit0",
    "features_ok_accepted_all_offered", "blk_config_capacity", "blk_config_blk_size",
    "blk_config_seg_max", "ro_features_lo_has_ro", "status_reset",
    "read_back_checksum", "get_id_string", "flush", "unsupported_type_unsupp",
    "ro_write_ioerr", "read_past_end_ioerr",
    "bad_desc_loop_back", "bad_next_out_of_range", "bad_chain_longer_than_queue",
    "bad_buffer_beyond_ram", "bad_buffer_straddles_ram_end", "bad_buffer_zero_length",
    "bad_readable_after_writable", "bad_indirect_len_not_16x", "bad_indirect_nested",
    "bad_indirect_with_next", "bad_avail_idx_ahead", "bad_head_out_of_range",
    "ring_desc_beyond_ram", "ring_desc_misaligned", "ring_size_not_power_of_two",
    "bad_desc_loop_back_recovered", "ring_size_not_power_of_two_recovered",
    "irq_taken_for_used_buffer", "interrupt_ack_clears_line",
    "net_ping_pong", "net_tx_header_only_dropped", "net_tx_oversize_dropped",
]


def lines(out):
    return [l.rstrip("\r") for l in out.splitlines()]


def peer_args_dtb():
    """A DTB with only /chosen/bootargs: how the peer learns its role."""
    os.makedirs(CONFIG_DIR, exist_ok=True)
    dts = os.path.join(CONFIG_DIR, "virtio-peer-args.dts")
    dtb = os.path.join(CONFIG_DIR, "virtio-peer-args.dtb")
    with open(dts, "w") as f:
        f.write('/dts-v1/;\n/ {\n\t#address-cells = <2>;\n\t#size-cells = <2>;\n'
                '\tchosen { bootargs = "virtio.role=peer"; };\n};\n')
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb, dts], check=True)
    return dtb


def build_image():
    # Windows, SPIs, sizes and MACs are the ones guests/tests/virtio.c expects.
    guest = vm_node("vguest", "virtio", vcpus=1, cpus=[1], extra="\n".join([
        "\t\t\tvirtio-blk-ram { ipa = <0x0 0x0a000000>; interrupt = <48>; "
        "size = <0x0 0x100000>; };",
        "\t\t\tvirtio-blk-ro { ipa = <0x0 0x0a000200>; interrupt = <49>; "
        "size = <0x0 0x10000>; read-only; };",
        "\t\t\tvirtio-net { ipa = <0x0 0x0a000400>; interrupt = <50>; "
        "mac = [52 54 00 00 00 10]; };"]))
    heartbeat = vm_node("heartbeat", "heartbeat", vcpus=1, cpus=[2])
    peer = vm_node("vpeer", "virtio", vcpus=1, cpus=[3], extra="\n".join([
        f'\t\t\tdtb = "{peer_args_dtb()}";',
        f"\t\t\tdtb-ipa = <0x0 0x{PEER_DTB_IPA:x}>;",
        "\t\t\tvirtio-net { ipa = <0x0 0x0a000400>; interrupt = <50>; "
        "mac = [52 54 00 00 00 20]; };"]))
    # Each VM's RAM is cleared before it starts, one after the other: the
    # guest goes last so the others already run during all of its checks.
    return make_image("virtio-guest", [heartbeat, peer, guest])


def wait_for(m, pattern, timeout):
    """Like m.expect, but stops at once if HyperBerry fails."""
    match = m.expect(f"{pattern}|{HB_FAILURE.pattern}", timeout=timeout)
    assert not HB_FAILURE.fullmatch(match[0]), f"HyperBerry failed:\n{m.output()[-4000:]}"
    return match


def checks(out, vm):
    return [m.groups()[1:] for l in lines(out) if (m := CHECK_RE.match(l)) and m[1] == vm]


def first_index(out, pattern):
    for i, line in enumerate(lines(out)):
        if re.search(pattern, line):
            return i
    raise AssertionError(f"{pattern!r} not in output")


def assert_vm_passed(out, vm, verdict):
    seen = checks(out, vm)
    failed = [f"{name}: {why}" for name, result, why in seen if result != "PASS"]
    assert not failed, f"{vm}: failed checks:\n" + "\n".join(failed)
    names = [name for name, _, _ in seen]
    assert len(names) == len(set(names)), f"{vm}: duplicate check names"
    assert verdict[1] == "PASS" and verdict[2] == verdict[3] == str(len(names)), \
        f"{vm}: verdict {verdict[0]!r} vs {len(names)} checks"
    return names


def test_virtio_guest_drives_malformed_cases_while_others_run():
    img = build_image()
    with hyperberry(image=img, timeout=TIMEOUT, logname="virtio-guest") as m:
        stopped = set()
        while len(stopped) < 2:
            stopped.add(wait_for(m, r'vm "(vguest|vpeer)": stopped', TIMEOUT)[1])
        out = m.collect(1.5)   # the heartbeat must go on without them

    tail = out[-4000:]
    assert not HB_FAILURE.search(out), tail
    problems = [l for l in lines(out) if re.search(r"GUEST-EXCEPTION|GUEST-ABORT", l)]
    assert not problems, "\n".join(problems)
    assert not re.search(r'vm "(vguest|vpeer|heartbeat)".*crashed', out), tail

    assert 'vm "vguest": stopped (guest called PSCI SYSTEM_OFF)' in out, tail
    assert 'vm "vpeer": stopped (guest called PSCI SYSTEM_OFF)' in out, tail
    guest_verdict = re.search(VERDICT_RE.format(vm="vguest"), out)
    peer_verdict = re.search(VERDICT_RE.format(vm="vpeer"), out)
    assert guest_verdict and peer_verdict, tail
    names = assert_vm_passed(out, "vguest", guest_verdict)
    missing = [n for n in REQUIRED if n not in names]
    assert not missing, f"checks that did not run: {missing}"
    recovered = [n for n in names if n.endswith("_recovered")]
    assert len(recovered) >= 35, f"only {len(recovered)} recovery checks"
    assert_vm_passed(out, "vpeer", peer_verdict)
    assert "[vpeer] VIRTIO-PEER ready" in out
    assert not re.search(r"\[vpeer\] VIRTIO-PEER malformed", out)

    # The heartbeat VM beat all along: while the guests ran and after they stopped.
    all_lines = lines(out)
    start = first_index(out, r"\[vguest\] GUEST virtio: start")
    end = first_index(out, r"\[vguest\] VERDICT virtio")
    last_stop = max(first_index(out, r'vm "vguest": stopped'), first_index(out, r'vm "vpeer": stopped'))
    # The heartbeat VM has console focus, so its output streams: a line cut
    # by another VM's output is repeated whole, and the last copy counts.
    by_number = {int(m[1]): int(m[2]) for l in all_lines if (m := BEAT_RE.match(l))}
    beats = sorted(by_number.items())
    numbers = [n for n, _ in beats]
    assert numbers and numbers == list(range(numbers[0], numbers[0] + len(numbers))), \
        "heartbeat skipped beats"
    during = {m[1] for l in all_lines[start:end] if (m := BEAT_RE.match(l))}
    after = {m[1] for l in all_lines[last_stop:] if (m := BEAT_RE.match(l))}
    assert len(during) >= 5, f"only {len(during)} heartbeats while the virtio guest ran"
    assert len(after) >= 5, f"only {len(after)} heartbeats after the virtio guests stopped"
    cntfrq = int(re.search(r"HEARTBEAT start period_us=\d+ cntfrq=(\d+)", out)[1])
    worst_gap = max((b[1] - a[1]) * 1000000 // cntfrq for a, b in zip(beats, beats[1:]))
    assert worst_gap <= MAX_BEAT_GAP_US, f"heartbeat gap of {worst_gap} us"
    print(f"\nvirtio guest: {len(names)} checks passed; heartbeat {len(during)} beats during, "
          f"{len(after)} after, worst gap {worst_gap} us")
