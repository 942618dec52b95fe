/* Driver for a physical virtio-blk disk on a virtio-mmio bus (QEMU virt's
 * -device virtio-blk-device), shared out to VMs in slices. */
#ifndef HB_DRIVERS_VIRTIO_DISK_H
#define HB_DRIVERS_VIRTIO_DISK_H

#include "lib/types.h"
#include "vdev/virtq.h"

/* Finds and starts the first modern virtio-blk device on the board's
 * virtio-mmio bus; returns its size in bytes, 0 when there is none. */
uint64_t virtio_disk_probe(void);
/* Moves the segments' bytes to or from the disk at byte `offset` (a multiple
 * of 512, checked by the caller against the slice). Synchronous: one request
 * at a time for the whole machine. 0 on success. */
int virtio_disk_rw(bool write, uint64_t offset, const struct virtq_seg *segs, unsigned nsegs);
int virtio_disk_flush(void);

#endif
