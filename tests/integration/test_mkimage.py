"""tools/mkimage.py: output layout re-read independently of the packer, the
patched Image header, and the errors a user sees for bad inputs."""
import os
import shutil
import struct
import subprocess
import zlib

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MKIMAGE = os.path.join(ROOT, "tools", "mkimage.py")
PYTHON = "/usr/bin/python3"
IMAGE_START, IMAGE_END = 0x40200000, 0x40213000
EXTENT = IMAGE_END - IMAGE_START

needs_tools = pytest.mark.skipif(
    not (shutil.which("aarch64-linux-gnu-as") and shutil.which("dtc")),
    reason="needs aarch64 binutils and dtc")


def arm64_image(size, image_size, text_offset=0, flags=0xA):
    head = bytearray(size)
    struct.pack_into("<QQQ", head, 8, text_offset, image_size, flags)
    head[0x38:0x3C] = b"ARM\x64"
    for i in range(64, size):
        head[i] = (i * 13) & 0xFF
    return bytes(head)


def fake_elf(path, symbols):
    src = path.with_suffix(".S")
    src.write_text("".join(f".globl {n}\n.set {n}, {v:#x}\n" for n, v in symbols.items()))
    subprocess.run(["aarch64-linux-gnu-as", str(src), "-o", str(path)], check=True)


@pytest.fixture
def work(tmp_path):
    """A fake hypervisor (Image + ELF with the two symbols) and guest files."""
    (tmp_path / "hyp.bin").write_bytes(arm64_image(0x5000, 0x13000, flags=0x2))
    fake_elf(tmp_path / "hyp.elf", {"__image_start": IMAGE_START, "__image_end": IMAGE_END})
    guests = tmp_path / "guests"
    guests.mkdir()
    (guests / "kernel.bin").write_bytes(arm64_image(0x2345, 0x200000))
    (guests / "flat.bin").write_bytes(b"\x14" * 1000)
    (guests / "initrd.img").write_bytes(os.urandom(9000))
    (guests / "empty.bin").write_bytes(b"")
    return tmp_path


def vm(name, **props):
    lines = [f"\t\t{name} {{"]
    for key, value in props.items():
        lines.append(f"\t\t\t{key.replace('_', '-')} = {value};")
    lines.append("\t\t};")
    return "\n".join(lines)


def write_config(work, *vms, name="cfg.dts"):
    text = ('/dts-v1/;\n/ {\n\tcompatible = "hyperberry,config-v1";\n\tvms {\n'
            + "\n".join(vms) + "\n\t};\n};\n")
    path = work / name
    path.write_text(text)
    return path


def mkimage(work, config, out="out.img", hyp="hyp.bin", elf="hyp.elf"):
    return subprocess.run(
        [PYTHON, MKIMAGE, "--hyp", str(work / hyp), "--elf", str(work / elf),
         "--config", str(config), "--out", str(work / out), "--root", str(work)],
        capture_output=True, text=True, check=False)


def read_package(image):
    """Parses the package the way core/package.c does; returns (header, files)."""
    pkg = image[EXTENT:]
    (magic, version, header_size, total, count, table_off, strings_off, strings_size,
     config_off, config_size, config_crc, meta_crc, reserved) = struct.unpack_from(
         "<8sIIQIIIIIIIIQ", pkg, 0)
    assert magic == b"HBPKG\0v1" and version == 1 and header_size == 64 and reserved == 0
    assert total == len(pkg) and total % 4096 == 0
    table = pkg[table_off:table_off + 32 * count]
    strings = pkg[strings_off:strings_off + strings_size]
    header = bytearray(pkg[:64])
    header[0x34:0x38] = bytes(4)
    assert zlib.crc32(bytes(header) + table + strings) == meta_crc
    config = pkg[config_off:config_off + config_size]
    assert zlib.crc32(config) == config_crc
    files = {}
    for i in range(count):
        name_off, name_len, offset, size, crc, res = struct.unpack_from("<IIQQII", table, 32 * i)
        assert res == 0 and offset % 4096 == 0 and offset >= config_off + config_size
        assert strings[name_off + name_len] == 0
        name = strings[name_off:name_off + name_len].decode()
        data = pkg[offset:offset + size]
        assert len(data) == size and zlib.crc32(data) == crc
        files[name] = (offset, data)
    return {"config": config, "count": count}, files


@needs_tools
def test_layout_and_patched_header(work):
    cfg = write_config(
        work,
        vm("linux1", kernel='"guests/kernel.bin"', kernel_ipa="<0x0 0x40200000>",
           initrd='"guests/initrd.img"', initrd_ipa="<0x0 0x43000000>",
           ram="<0x0 0x40000000 0x0 0x04000000>", vcpus="<1>", cpu_affinity="<1>"),
        vm("flat", kernel='"guests/flat.bin"', kernel_ipa="<0x0 0x40000000>",
           ram="<0x0 0x40000000 0x0 0x00200000>", vcpus="<1>", cpu_affinity="<0>"),
        # Another spelling of the same file: a second name, shared data.
        vm("again", kernel='"guests/../guests/kernel.bin"', kernel_ipa="<0x0 0x40200000>",
           ram="<0x0 0x40000000 0x0 0x00400000>", vcpus="<1>", cpu_affinity="<2>"))
    result = mkimage(work, cfg)
    assert result.returncode == 0, result.stderr
    assert "4 files" in result.stdout

    image = (work / "out.img").read_bytes()
    hyp = (work / "hyp.bin").read_bytes()
    assert len(image) % 4096 == 0
    assert struct.unpack_from("<Q", image, 16)[0] == len(image)
    assert image[:16] == hyp[:16] and image[24:len(hyp)] == hyp[24:]
    assert image[len(hyp):EXTENT] == bytes(EXTENT - len(hyp))  # room for .bss

    header, files = read_package(image)
    compiled = subprocess.run(["dtc", "-I", "dts", "-O", "dtb", str(cfg)],
                              capture_output=True, check=True).stdout
    assert header["config"] == compiled
    assert header["count"] == 4
    assert list(files) == ["guests/kernel.bin", "guests/initrd.img", "guests/flat.bin",
                           "guests/../guests/kernel.bin"]
    assert files["guests/kernel.bin"][1] == (work / "guests/kernel.bin").read_bytes()
    assert files["guests/initrd.img"][1] == (work / "guests/initrd.img").read_bytes()
    assert files["guests/flat.bin"][1] == b"\x14" * 1000
    assert files["guests/../guests/kernel.bin"][0] == files["guests/kernel.bin"][0]


@needs_tools
def test_table_in_order_of_first_use_and_absolute_paths(work):
    absolute = str(work / "guests" / "flat.bin")
    cfg = write_config(
        work,
        vm("a", kernel=f'"{absolute}"', kernel_ipa="<0x0 0x40000000>",
           dtb='"guests/initrd.img"', dtb_ipa="<0x0 0x40100000>",
           ram="<0x0 0x40000000 0x0 0x00200000>", vcpus="<1>", cpu_affinity="<0>"))
    result = mkimage(work, cfg)
    assert result.returncode == 0, result.stderr
    _, files = read_package((work / "out.img").read_bytes())
    assert list(files) == [absolute, "guests/initrd.img"]
    assert files[absolute][1] == b"\x14" * 1000


@needs_tools
def test_missing_files_are_all_reported(work):
    cfg = write_config(
        work,
        vm("a", kernel='"guests/nope.bin"', kernel_ipa="<0x0 0x40000000>",
           ram="<0x0 0x40000000 0x0 0x00200000>", vcpus="<1>", cpu_affinity="<0>"),
        vm("b", kernel='"guests/flat.bin"', kernel_ipa="<0x0 0x40000000>",
           initrd='"rootfs.cpio.gz"', initrd_ipa="<0x0 0x40100000>",
           ram="<0x0 0x40000000 0x0 0x00200000>", vcpus="<1>", cpu_affinity="<0>"))
    result = mkimage(work, cfg)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert "mkimage: vm \"a\": kernel: no such file 'guests/nope.bin'" in lines
    assert "mkimage: vm \"b\": initrd: no such file 'rootfs.cpio.gz'" in lines
    assert not (work / "out.img").exists()


@needs_tools
def test_directory_is_not_a_file_and_bad_string(work):
    cfg = write_config(
        work,
        vm("a", kernel='"guests"', kernel_ipa="<0x0 0x40000000>"),
        vm("b", kernel="<1>", kernel_ipa="<0x0 0x40000000>"))
    result = mkimage(work, cfg)
    assert result.returncode == 1
    assert "mkimage: vm \"a\": kernel: no such file 'guests'" in result.stderr
    assert 'mkimage: vm "b": kernel: expected one non-empty string' in result.stderr


@needs_tools
def test_bad_inputs_fail_clearly(work):
    cfg = write_config(
        work, vm("a", kernel='"guests/flat.bin"', kernel_ipa="<0x0 0x40000000>"))

    bad = work / "bad.dts"
    bad.write_text("/dts-v1/;\n/ { vms { a { kernel = ; }; }; };\n")
    result = mkimage(work, bad)
    assert result.returncode == 1 and "mkimage: dtc failed on" in result.stderr

    result = mkimage(work, work / "absent.dts")
    assert result.returncode == 1 and "mkimage: no such config" in result.stderr

    (work / "big.bin").write_bytes(arm64_image(EXTENT + 1, 0))
    result = mkimage(work, cfg, hyp="big.bin")
    assert result.returncode == 1 and "is larger than __image_end - __image_start" in result.stderr

    (work / "raw.bin").write_bytes(bytes(0x1000))
    result = mkimage(work, cfg, hyp="raw.bin")
    assert result.returncode == 1 and "is not an arm64 Image" in result.stderr

    fake_elf(work / "nosym.elf", {"__image_start": IMAGE_START})
    result = mkimage(work, cfg, elf="nosym.elf")
    assert result.returncode == 1 and "has no symbol __image_end" in result.stderr

    novms = work / "novms.dts"
    novms.write_text('/dts-v1/;\n/ { compatible = "hyperberry,config-v1"; };\n')
    result = mkimage(work, novms)
    assert result.returncode == 1 and "the config has no /vms node" in result.stderr


@needs_tools
def test_empty_file_is_packed(work):
    # The packer only checks existence; the hypervisor refuses an empty kernel
    # at boot with a message naming the VM (tests/unit/test_config.c).
    cfg = write_config(
        work, vm("a", kernel='"guests/empty.bin"', kernel_ipa="<0x0 0x40000000>"))
    result = mkimage(work, cfg)
    assert result.returncode == 0, result.stderr
    _, files = read_package((work / "out.img").read_bytes())
    assert files["guests/empty.bin"][1] == b""


def test_real_hypervisor_build(tmp_path):
    """The packer accepts the real build output, when there is one."""
    build = os.path.join(ROOT, os.environ.get("HB_BUILD", "build/qemu-virt"))
    elf, binary = os.path.join(build, "hyperberry.elf"), os.path.join(build, "hyperberry.bin")
    guest = os.path.join(ROOT, "build", "guests", "psci.bin")
    if not all(os.path.exists(p) for p in (elf, binary, guest)) or not shutil.which("dtc"):
        pytest.skip("no hypervisor or guest build")
    cfg = tmp_path / "real.dts"
    cfg.write_text('/dts-v1/;\n/ {\n\tcompatible = "hyperberry,config-v1";\n\tvms {\n'
                   + vm("psci-test", kernel='"build/guests/psci.bin"',
                        kernel_ipa="<0x0 0x40200000>", ram="<0x0 0x40000000 0x0 0x01000000>",
                        vcpus="<1>", cpu_affinity="<0>")
                   + "\n\t};\n};\n")
    out = tmp_path / "real.img"
    result = subprocess.run([PYTHON, MKIMAGE, "--hyp", binary, "--elf", elf, "--config",
                             str(cfg), "--out", str(out)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    image = out.read_bytes()
    assert struct.unpack_from("<Q", image, 16)[0] == len(image)
    nm = subprocess.run(["aarch64-linux-gnu-nm", elf], capture_output=True, text=True,
                        check=True).stdout.split()
    start = int(nm[nm.index("__image_start") - 2], 16)
    end = int(nm[nm.index("__image_end") - 2], 16)
    assert image[end - start:end - start + 8] == b"HBPKG\0v1"
