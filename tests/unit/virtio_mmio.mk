UNIT_TESTS += virtio_mmio
virtio_mmio_SRCS := vdev/virtio_mmio.c vdev/virtq.c tests/unit/test_virtio_mmio.c
virtio_mmio_LIBS :=
