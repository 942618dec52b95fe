UNIT_TESTS += memrange
memrange_SRCS := lib/memrange.c tests/unit/test_memrange.c
memrange_LIBS :=
