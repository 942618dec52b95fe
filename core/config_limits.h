/* Compile-time bounds of every static table. Asm-safe. */
#ifndef HB_CORE_CONFIG_LIMITS_H
#define HB_CORE_CONFIG_LIMITS_H

#define MAX_CPUS		8
#define HYP_STACK_SIZE		16384
#define MAX_VMS			8
#define MAX_VCPUS_PER_VM	8
#define MAX_VCPUS		16
#define MAX_MEM_RANGES		16

#endif
