UNIT_TESTS += pgtable
pgtable_SRCS := arch/aarch64/pgtable.c tests/unit/test_pgtable.c
pgtable_LIBS :=
