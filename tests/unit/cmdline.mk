UNIT_TESTS += cmdline
cmdline_SRCS := lib/cmdline.c tests/unit/test_cmdline.c
cmdline_LIBS :=
