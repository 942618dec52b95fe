"""Builds boot images for tests: writes a VM configuration (.dts), packs it
with tools/mkimage.py, and returns the image path."""
import os
import subprocess

from qemu import BUILD, ROOT

CONFIG_DIR = os.path.join(ROOT, "build", "test-configs")
GUEST_DIR = os.environ.get("HB_GUEST_DIR", os.path.join(ROOT, "build", "guests"))


def vm_node(name, kernel, vcpus=1, cpus=None, ram_mib=64, ram_ipa=0x40000000,
            load_ipa=0x40200000, vuart=True, vgic=True, extra=""):
    cpus = cpus if cpus is not None else list(range(1, vcpus + 1))
    kernel_path = kernel if os.path.isabs(kernel) else os.path.join(GUEST_DIR, kernel + ".bin")
    lines = [
        f"\t\t{name} {{",
        f'\t\t\tkernel = "{kernel_path}";',
        f"\t\t\tkernel-ipa = <0x0 0x{load_ipa:x}>;",
        f"\t\t\tram = <0x0 0x{ram_ipa:x} 0x0 0x{ram_mib << 20:x}>;",
        f"\t\t\tvcpus = <{vcpus}>;",
        "\t\t\tcpu-affinity = <" + " ".join(str(c) for c in cpus) + ">;",
    ]
    if vuart:
        lines += ["\t\t\tvuart = <0x0 0x09000000>;", "\t\t\tvuart-irq = <33>;"]
    if vgic:
        lines += ["\t\t\tvgic = <0x0 0x08000000 0x0 0x08010000>;"]
    if extra:
        lines.append(extra)
    lines.append("\t\t};")
    return "\n".join(lines)


def make_image(name, nodes, hypervisor_props="", build=BUILD):
    """Packs a configuration made of vm_node() strings into build/<board>/<name>.img
    (`build` picks the board's hypervisor)."""
    os.makedirs(CONFIG_DIR, exist_ok=True)
    dts = os.path.join(CONFIG_DIR, name + ".dts")
    hyp = f"\thypervisor {{ {hypervisor_props} }};\n" if hypervisor_props else ""
    with open(dts, "w") as f:
        f.write('/dts-v1/;\n/ {\n\tcompatible = "hyperberry,config-v1";\n' + hyp +
                "\tvms {\n" + "\n".join(nodes) + "\n\t};\n};\n")
    out = os.path.join(build, name + ".img")
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "mkimage.py"),
                    "--hyp", os.path.join(build, "hyperberry.bin"),
                    "--elf", os.path.join(build, "hyperberry.elf"),
                    "--config", dts, "--out", out], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return out


def pack_linux_config(config, name):
    """Builds HyperBerry and the guests, the (cached) Linux kit with guest DTBs
    for the configuration configs/<config>.dts, and packs it into
    build/<board>/<name>.img with this run's hypervisor. Returns the image."""
    subprocess.run(["make", "--no-print-directory", "all"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([os.path.join(ROOT, "tools", "setup.sh"), "build", "linux"], cwd=ROOT, check=True)
    built = subprocess.run([os.path.join(ROOT, "tools", "linux-kit.sh"), f"--config=configs/{config}.dts"],
                           cwd=ROOT, capture_output=True, text=True)
    assert built.returncode == 0, f"linux-kit.sh failed:\n{built.stdout}\n{built.stderr}"
    out = os.path.join(BUILD, name + ".img")
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "mkimage.py"),
                    "--hyp", os.path.join(BUILD, "hyperberry.bin"),
                    "--elf", os.path.join(BUILD, "hyperberry.elf"),
                    "--config", os.path.join(ROOT, "configs", config + ".dts"), "--out", out],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return out
