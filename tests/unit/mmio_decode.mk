UNIT_TESTS += mmio_decode
mmio_decode_SRCS := arch/aarch64/mmio_decode.c tests/unit/test_mmio_decode.c
mmio_decode_LIBS :=
