UNIT_TESTS += console_filter
console_filter_SRCS := core/console_filter.c tests/unit/test_console_filter.c
console_filter_LIBS :=
