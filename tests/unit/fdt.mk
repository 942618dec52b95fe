UNIT_TESTS += fdt
fdt_SRCS := lib/fdt.c tests/fuzz/fuzz_fdt.c tests/unit/test_fdt.c
fdt_LIBS := -lfdt
