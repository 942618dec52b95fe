UNIT_TESTS += vuart_pl011
vuart_pl011_SRCS := vdev/vuart_pl011.c tests/unit/test_vuart_pl011.c
vuart_pl011_LIBS :=
