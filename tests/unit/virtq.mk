UNIT_TESTS += virtq
virtq_SRCS := vdev/virtq.c tests/unit/test_virtq.c
virtq_LIBS :=
