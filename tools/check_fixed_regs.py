#!/usr/bin/python3
"""Checks the linked hypervisor against its register contract: no code but
the exit entry and the EL2 vectors may touch x9-x15 or x18 (the Makefile's
-ffixed-* flags), because a fast guest exit leaves the guest's values in
them (arch/aarch64/guest_entry.S). Catches assembly or foreign objects that
were not built with the flags. Usage: check_fixed_regs.py OBJDUMP ELF"""
import re
import subprocess
import sys

# Code that saves, restores or reloads the guest's (or a frame's) registers.
ALLOWED = {"guest_exit_sync", "full_sync", "guest_exit_irq", "return_regs_only",
           "return_regs_only_x0", "guest_exit_fiq", "guest_exit_serror", "guest_enter",
           "el2_vectors", "el2_irq_entry", "el2_serror_entry"}
FIXED = re.compile(r"\b[xw](9|1[0-5]|18)\b")


def main():
    objdump, elf = sys.argv[1], sys.argv[2]
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", elf], capture_output=True,
                         text=True, check=True).stdout
    func, bad = None, {}
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if m:
            func = m.group(1)
            continue
        fields = line.split("\t")
        if len(fields) >= 3 and func not in ALLOWED:
            operands = " ".join(fields[2:]).split("//")[0]
            if FIXED.search(operands):
                bad.setdefault(func, line.strip())
    for func, line in sorted(bad.items()):
        print(f"{elf}: {func} uses a register reserved for the guest (x9-x15, x18): {line}",
              file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
