/* The narrow interface between the core and the virtio backends
 * (vdev/virtio/, drivers/virtio_disk.c). With virtio compiled out
 * (VIRTIO=0) these are empty and a configuration with virtio devices is
 * refused. */
#ifndef HB_VDEV_VIRTIO_VM_H
#define HB_VDEV_VIRTIO_VM_H

#include "core/package.h"
#include "core/vm_config.h"

struct vm;

#ifdef HB_VIRTIO
#define VIRTIO_BUILT_IN true
#include "drivers/virtio_disk.h"	/* virtio_disk_probe */
/* Creates the device described by c for vm (RAM disk filled from pkg). */
int virtio_vm_add(struct vm *vm, const struct vm_virtio_config *c, const struct package *pkg);
/* The VM (re)starts: every device of it back to reset state, queues gone.
 * Disk contents are kept. */
void virtio_vm_reset(struct vm *vm);
/* Monitor: one line per device with its counters. */
void virtio_vm_print_stats(struct vm *vm);
#else
#define VIRTIO_BUILT_IN false
static inline uint64_t virtio_disk_probe(void) { return 0; }
static inline int virtio_vm_add(struct vm *vm, const struct vm_virtio_config *c,
				const struct package *pkg) { return -1; }
static inline void virtio_vm_reset(struct vm *vm) { }
static inline void virtio_vm_print_stats(struct vm *vm) { }
#endif

#endif
