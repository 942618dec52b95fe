UNIT_TESTS += sysreg_trap
sysreg_trap_SRCS := arch/aarch64/sysreg_trap.c tests/unit/test_sysreg_trap.c
sysreg_trap_LIBS :=
