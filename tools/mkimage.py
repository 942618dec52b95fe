#!/usr/bin/python3
"""Packs the hypervisor, a VM configuration and every guest file it names into
one bootable image. Layout: docs/configuration.md; reader: core/package.c.

usage: tools/mkimage.py --hyp build/qemu-virt/hyperberry.bin \\
           --elf build/qemu-virt/hyperberry.elf --config configs/foo.dts \\
           --out build/qemu-virt/foo.img [--root .]

Only the files are checked here; the hypervisor validates everything else at
boot, before any guest runs, and reports all problems at once.
"""
import argparse
import os
import struct
import subprocess
import sys
import zlib

PKG_MAGIC = b"HBPKG\0v1"
PKG_VERSION = 1
# magic, version, header_size, total_size, file_count, table_off, strings_off,
# strings_size, config_off, config_size, config_crc, meta_crc, reserved
HEADER = struct.Struct("<8sIIQIIIIIIIIQ")
# name_off, name_len, offset, size, crc32, reserved
ENTRY = struct.Struct("<IIQQII")
FILE_ALIGN = 4096
MAX_FILES = 64
NAME_MAX = 255
FILE_PROPS = ("kernel", "dtb", "initrd")
DEVICE_FILE_PROPS = ("ramdisk",)    # in a VM's virtio-blk@... nodes

IMAGE_MAGIC = b"ARM\x64"
IMAGE_MAGIC_OFF = 0x38
IMAGE_SIZE_OFF = 16

FDT_MAGIC = 0xD00DFEED
FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END = 1, 2, 3, 4, 9


class MkimageError(Exception):
    """A problem the user must fix; the message is printed as is."""


def align(value, alignment):
    return (value + alignment - 1) // alignment * alignment


class Node:
    def __init__(self, name):
        self.name = name
        self.props = {}
        self.children = []

    def child(self, name):
        return next((c for c in self.children if c.name == name), None)


def parse_fdt(blob):
    """Returns the root Node of a flattened device tree (DTB v16/v17)."""
    if len(blob) < 40 or struct.unpack_from(">I", blob, 0)[0] != FDT_MAGIC:
        raise MkimageError("mkimage: dtc output is not a device tree blob")
    off_struct, off_strings = struct.unpack_from(">II", blob, 8)
    stack, root, off = [], None, off_struct

    def cstring(at):
        end = blob.index(b"\0", at)
        return blob[at:end].decode("utf-8", "replace"), end + 1

    while True:
        (token,) = struct.unpack_from(">I", blob, off)
        off += 4
        if token == FDT_BEGIN_NODE:
            name, off = cstring(off)
            off = align(off, 4)
            node = Node(name)
            if stack:
                stack[-1].children.append(node)
            else:
                root = node
            stack.append(node)
        elif token == FDT_END_NODE:
            stack.pop()
        elif token == FDT_PROP:
            length, nameoff = struct.unpack_from(">II", blob, off)
            name, _ = cstring(off_strings + nameoff)
            stack[-1].props[name] = blob[off + 8:off + 8 + length]
            off = align(off + 8 + length, 4)
        elif token == FDT_NOP:
            continue
        elif token == FDT_END:
            return root
        else:
            raise MkimageError(f"mkimage: bad token {token:#x} in the compiled config")


def compile_config(path):
    if not os.path.isfile(path):
        raise MkimageError(f"mkimage: no such config '{path}'")
    try:
        result = subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", "-", path],
                                capture_output=True, check=False)
    except FileNotFoundError:
        raise MkimageError("mkimage: dtc not found (Debian: device-tree-compiler)") from None
    sys.stderr.write(result.stderr.decode("utf-8", "replace"))
    if result.returncode != 0:
        raise MkimageError(f"mkimage: dtc failed on '{path}'")
    return result.stdout


def guest_files(root_node, root_dir):
    """(name as written in the config, resolved path, trim) of every guest
    file, in order of first use; every missing file is reported at once.
    trim: the file may be packed without its trailing zeros (a RAM disk whose
    size is given: the hypervisor zero-fills the rest)."""
    vms = root_node.child("vms")
    if vms is None:
        raise MkimageError("mkimage: the config has no /vms node")
    files, seen, errors = {}, set(), []

    def add(where, node, prop, trim):
        value = node.props.get(prop)
        if value is None:
            return
        if len(value) < 2 or value[-1] != 0 or b"\0" in value[:-1]:
            errors.append(f'mkimage: {where}: {prop}: expected one non-empty string')
            return
        name = value[:-1].decode("utf-8", "replace")
        resolved = name if os.path.isabs(name) else os.path.join(root_dir, name)
        if not os.path.isfile(resolved):
            errors.append(f"mkimage: {where}: {prop}: no such file '{name}'")
        elif len(name.encode()) > NAME_MAX:
            errors.append(f'mkimage: {where}: {prop}: path longer than {NAME_MAX} bytes')
        elif name not in files:
            files[name] = (resolved, trim)
        elif not trim:
            files[name] = (resolved, False)

    for vm in vms.children:
        for prop in FILE_PROPS:
            add(f'vm "{vm.name}"', vm, prop, False)
        for dev in vm.children:
            for prop in DEVICE_FILE_PROPS:
                add(f'vm "{vm.name}": {dev.name}', dev, prop, "size" in dev.props)
    if errors:
        raise MkimageError("\n".join(errors))
    if len(files) > MAX_FILES:
        raise MkimageError(f"mkimage: {len(files)} guest files, at most {MAX_FILES}")
    return [(name, path, trim) for name, (path, trim) in files.items()]


def build_package(config_dtb, files):
    """The package bytes: header, file table, names, config, file data."""
    names = b""
    name_offsets = []
    for name, _, _ in files:
        name_offsets.append(len(names))
        names += name.encode() + b"\0"
    table_off = HEADER.size
    strings_off = table_off + ENTRY.size * len(files)
    config_off = align(strings_off + len(names), 8)
    cursor = align(config_off + len(config_dtb), FILE_ALIGN)

    # Two names for one file (e.g. "a/../x" and "x") share its data.
    placed = {}
    blobs = []
    entries = b""
    for (name, path, trim), name_off in zip(files, name_offsets):
        real = os.path.realpath(path) + ("\0trim" if trim else "")
        if real not in placed:
            with open(path, "rb") as f:
                data = f.read()
            if trim:
                data = data.rstrip(b"\0")
            placed[real] = (cursor, len(data), zlib.crc32(data))
            blobs.append((cursor, data))
            cursor = align(cursor + len(data), FILE_ALIGN)
        offset, size, crc = placed[real]
        entries += ENTRY.pack(name_off, len(name.encode()), offset, size, crc, 0)
    total = align(max(cursor, config_off + len(config_dtb)), FILE_ALIGN)

    def header(meta_crc):
        return HEADER.pack(PKG_MAGIC, PKG_VERSION, HEADER.size, total, len(files), table_off,
                           strings_off, len(names), config_off, len(config_dtb),
                           zlib.crc32(config_dtb), meta_crc, 0)

    meta_crc = zlib.crc32(header(0) + entries + names)
    pkg = bytearray(total)
    pkg[0:HEADER.size] = header(meta_crc)
    pkg[table_off:table_off + len(entries)] = entries
    pkg[strings_off:strings_off + len(names)] = names
    pkg[config_off:config_off + len(config_dtb)] = config_dtb
    for offset, data in blobs:
        pkg[offset:offset + len(data)] = data
    return bytes(pkg)


def image_extent(elf, nm):
    """Bytes from __image_start to __image_end: the hypervisor and its .bss."""
    try:
        result = subprocess.run([nm, elf], capture_output=True, check=False, text=True)
    except FileNotFoundError:
        raise MkimageError(f"mkimage: {nm} not found (Debian: binutils-aarch64-linux-gnu)") from None
    if result.returncode != 0:
        raise MkimageError(f"mkimage: {nm} failed on '{elf}': {result.stderr.strip()}")
    symbols = {}
    for line in result.stdout.splitlines():
        fields = line.split()
        if len(fields) == 3:
            symbols[fields[2]] = int(fields[0], 16)
    try:
        extent = symbols["__image_end"] - symbols["__image_start"]
    except KeyError as e:
        raise MkimageError(f"mkimage: '{elf}' has no symbol {e.args[0]}") from None
    if extent <= 0:
        raise MkimageError(f"mkimage: '{elf}': __image_end is not after __image_start")
    return align(extent, FILE_ALIGN)


def make_image(hyp_path, elf_path, config_path, root_dir, nm):
    with open(hyp_path, "rb") as f:
        hyp = f.read()
    if len(hyp) < 64 or hyp[IMAGE_MAGIC_OFF:IMAGE_MAGIC_OFF + 4] != IMAGE_MAGIC:
        raise MkimageError(f"mkimage: '{hyp_path}' is not an arm64 Image")
    extent = image_extent(elf_path, nm)
    if len(hyp) > extent:
        raise MkimageError(f"mkimage: '{hyp_path}' ({len(hyp)} bytes) is larger than "
                           f"__image_end - __image_start ({extent} bytes): stale ELF?")
    config_dtb = compile_config(config_path)
    files = guest_files(parse_fdt(config_dtb), root_dir)
    out = bytearray(hyp)
    out += bytes(extent - len(hyp))
    out += build_package(config_dtb, files)
    # Loaders (QEMU, U-Boot's booti) reserve image_size bytes: make that the
    # whole file so nothing is placed on top of the package.
    out[IMAGE_SIZE_OFF:IMAGE_SIZE_OFF + 8] = struct.pack("<Q", len(out))
    return bytes(out), extent, len(files)


def main(argv=None):
    repo_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hyp", required=True, help="hypervisor binary (arm64 Image)")
    ap.add_argument("--elf", required=True, help="hypervisor ELF, for __image_end")
    ap.add_argument("--config", required=True, help="VM configuration (.dts)")
    ap.add_argument("--out", required=True, help="image to write")
    ap.add_argument("--root", default=repo_root,
                    help="directory relative guest paths start from (default: repo root)")
    ap.add_argument("--nm", default=os.environ.get("NM", "aarch64-linux-gnu-nm"))
    args = ap.parse_args(argv)
    try:
        image, extent, count = make_image(args.hyp, args.elf, args.config, args.root, args.nm)
    except (MkimageError, OSError) as e:
        print(e if isinstance(e, MkimageError) else f"mkimage: {e}", file=sys.stderr)
        return 1
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(image)
    os.replace(tmp, args.out)
    print(f"  MKIMAGE {args.out}: package at +{extent:#x}, {count} files, "
          f"{len(image)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
