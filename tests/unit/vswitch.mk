UNIT_TESTS += vswitch
vswitch_SRCS := vdev/virtio/vswitch.c tests/unit/test_vswitch.c
vswitch_LIBS :=
