UNIT_TESTS += palloc
palloc_SRCS := core/palloc.c tests/unit/test_palloc.c
palloc_LIBS :=
