UNIT_TESTS += config
config_SRCS := core/config.c core/config_devices.c core/config_virtio.c core/package.c lib/fdt.c lib/fmt.c tests/fuzz/fuzz_config.c tests/unit/test_config.c
config_LIBS :=
