UNIT_TESTS += fmt
fmt_SRCS := lib/fmt.c tests/unit/test_fmt.c
fmt_LIBS :=
