"""The default `make run` configuration: several VMs on 4 cores, the console
multiplexer routing input to the focused VM and Ctrl-A x3 moving focus."""
import os
import re
import subprocess

from qemu import BUILD, ROOT, hyperberry


def test_default_config_runs_all_vms_and_routes_console_input():
    subprocess.run(["make", "--no-print-directory", "image", "CONFIG=configs/baremetal.dts"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    img = os.path.join(BUILD, "baremetal.img")
    with hyperberry(image=img, timeout=30, logname="default-config") as m:
        m.expect(r"console guest ready")
        m.expect(r"\[console\] > ")
        m.send("id\r")
        m.expect(r"\[console\] VM id 0, HyperBerry call version")
        m.send("\x01\x01\x01")
        m.expect(r'console input now goes to vm "smp"')
        m.send("\x01\x01\x01")
        m.expect(r'console input now goes to vm "psci"')
        m.send("\x01\x01\x01")
        m.expect(r"console input now goes to the monitor")
        m.send("\x01\x01\x01")
        m.expect(r'console input now goes to vm "console"')
        m.send("uptime\r")
        m.expect(r"\[console\] \d+ ms")
        out = m.collect(3)
    assert re.search(r"VERDICT smp: PASS", out), out[-2000:]
    assert re.search(r"VERDICT psci: PASS", out), out[-2000:]
    assert 'vm "smp": stopped' in out and 'vm "psci": stopped' in out
    assert "EL2 FATAL" not in out


def test_monitor_lists_stats_and_controls_vms():
    subprocess.run(["make", "--no-print-directory", "image", "CONFIG=configs/baremetal.dts"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    img = os.path.join(BUILD, "baremetal.img")
    with hyperberry(image=img, timeout=30, logname="monitor") as m:
        m.expect(r"\[console\] > ")
        m.expect(r'vm "psci": stopped')
        for _ in range(3):
            m.send("\x01\x01\x01")
        m.expect(r"console input now goes to the monitor")
        m.send("list\r")
        m.expect(r'\[monitor\] vm 0 "console": running, 64 MiB, VMID 1')
        m.expect(r"\[monitor\]   vCPU 0: (runnable|blocked) on core 1 \(loaded\)")
        m.expect(r'\[monitor\] vm 2 "psci": stopped')
        m.send("stats psci\r")
        m.expect(r"\[monitor\]   HVC\s+\d+")
        m.expect(r"\[monitor\]   total\s+\d+")
        m.send("mem\r")
        m.expect(r'\[monitor\] vm "console" Stage-2:')
        m.expect(r"IPA 0x0040000000-0x0043ffffff -> PA 0x[0-9a-f]+ RAM")
        m.send("stop console\r")
        m.expect(r'vm "console": stopped \(monitor command\)')
        m.send("start console\r")
        m.expect(r'vm "console": restarting')
        m.expect(r"\[console\] console guest ready")
        m.send("bogus\r")
        m.expect(r"unknown command 'bogus'")
        out = m.output()
    assert "EL2 FATAL" not in out


def test_bad_configuration_is_refused_before_any_guest_starts():
    from hbimage import make_image, vm_node
    img = make_image("bad-config", [
        vm_node("one", "psci", cpus=[1], ram_mib=63),            # not a multiple of 2 MiB
        vm_node("two", "psci", vcpus=2, cpus=[2, 9]),           # core 9 does not exist
        vm_node("three", "psci", cpus=[3], extra="\t\t\tpassthrough-irqs = <40>;"),
        vm_node("four", "psci", cpus=[3], extra="\t\t\tpassthrough-irqs = <40>;"),  # same SPI twice
    ])
    with hyperberry(image=img, timeout=30, logname="bad-config") as m:
        m.expect(r"configuration refused \(\d+ errors?\): no VM started")
        out = m.collect(1)
    assert re.search(r'vm "one": ram: .*2 MiB', out), out[-2000:]
    assert re.search(r'vm "two": cpu-affinity: .*9', out), out[-2000:]
    assert re.search(r'vm "four": passthrough-irqs: .*40', out), out[-2000:]
    assert "started (entry" not in out
    assert "CHECK" not in out
