UNIT_TESTS += virtio_net
virtio_net_SRCS := vdev/virtio/virtio_net.c vdev/virtio_mmio.c vdev/virtq.c tests/unit/test_virtio_net.c
virtio_net_LIBS :=
