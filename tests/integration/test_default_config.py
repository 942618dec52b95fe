"""The default `make run` configuration: several VMs on 4 cores, the console
multiplexer routing input to the focused VM and Ctrl-A x3 moving focus."""
import os
import re
import subprocess

from qemu import BUILD, ROOT, hyperberry


def test_default_config_runs_all_vms_and_routes_console_input():
    subprocess.run(["make", "--no-print-directory", "image", "CONFIG=configs/default.dts"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    img = os.path.join(BUILD, "default.img")
    with hyperberry(image=img, timeout=30, logname="default-config") as m:
        m.expect(r"console guest ready")
        m.expect(r"\[console\] > ")
        m.send("id\r")
        m.expect(r"\[console\] VM id 0, HyperBerry call version")
        m.send("\x01\x01\x01")
        m.expect(r'console input now goes to vm "smp"')
        m.send("\x01\x01\x01")
        m.send("\x01\x01\x01")
        m.expect(r'console input now goes to vm "console"')
        m.send("uptime\r")
        m.expect(r"\[console\] \d+ ms")
        out = m.collect(3)
    assert re.search(r"VERDICT smp: PASS", out), out[-2000:]
    assert re.search(r"VERDICT psci: PASS", out), out[-2000:]
    assert 'vm "smp": stopped' in out and 'vm "psci": stopped' in out
    assert "EL2 FATAL" not in out
