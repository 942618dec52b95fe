UNIT_TESTS += virtio_blk
virtio_blk_SRCS := vdev/virtio/virtio_blk.c vdev/virtio_mmio.c vdev/virtq.c tests/unit/test_virtio_blk.c
virtio_blk_LIBS :=
