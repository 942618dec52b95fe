UNIT_TESTS += vgic
vgic_SRCS := vdev/vgic.c vdev/vgic_lr.c tests/unit/test_vgic.c
vgic_LIBS :=
