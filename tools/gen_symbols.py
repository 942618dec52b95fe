#!/usr/bin/python3
"""Turn `nm -n` output into an assembly file holding a sorted table of text
symbols, so the EL2 fault report can name functions in its backtrace."""
import sys

src = sys.stdin if sys.argv[1] == "-" else open(sys.argv[1])
syms = []
for line in src:
    parts = line.split()
    if len(parts) == 3 and parts[1] in ("t", "T") and not parts[2].startswith("$"):
        syms.append((int(parts[0], 16), parts[2]))
syms.sort()
out = ['\t.section .hb_symbols, "a"', "\t.balign 8", "\t.global hb_symbol_count",
       "hb_symbol_count:", f"\t.quad {len(syms)}", "\t.global hb_symbol_addrs", "hb_symbol_addrs:"]
out += [f"\t.quad 0x{addr:x}" for addr, _ in syms]
out += ["\t.global hb_symbol_names", "hb_symbol_names:"]
out += [f'\t.asciz "{name}"' for _, name in syms]
print("\n".join(out))
