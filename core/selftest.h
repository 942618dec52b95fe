/* On-target self-tests selected with `hb.selftest=NAME` on the command line. */
#ifndef HB_CORE_SELFTEST_H
#define HB_CORE_SELFTEST_H

#include "lib/fdt.h"

void selftest_run(const struct dt *dt, const char *cmdline);
void selftest_secondary(unsigned index);

#endif
