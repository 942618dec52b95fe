UNIT_TESTS += esr
esr_SRCS := arch/aarch64/esr.c lib/fmt.c tests/unit/test_esr.c
esr_LIBS :=
