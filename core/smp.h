/* Starting the secondary cores. */
#ifndef HB_CORE_SMP_H
#define HB_CORE_SMP_H

#include "lib/fdt.h"

/* Numbers the cores listed in the DT (boot core = 0) and starts them. */
void smp_boot_secondaries(const struct dt *dt);
unsigned smp_online_count(void);

#endif
