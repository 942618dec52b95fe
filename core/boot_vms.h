/* Turning the boot package into running VMs. */
#ifndef HB_CORE_BOOT_VMS_H
#define HB_CORE_BOOT_VMS_H

#include "core/package.h"

/* Finds the package the packer appended after the image (.bss included);
 * false if the image was booted without one. */
bool boot_package_find(struct package *pkg);
/* Validates the configuration and creates every VM; on any error prints
 * all of them and returns false before any guest starts. */
bool boot_vms_create(const struct package *pkg);
void boot_vms_start(void);

#endif
