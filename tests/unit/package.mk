UNIT_TESTS += package
package_SRCS := core/package.c tests/unit/test_package.c
package_LIBS :=
