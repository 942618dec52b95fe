/* Layout of the register frame saved on an EL2 exception, shared by the
 * assembly that saves it and the C that reports it. */
#ifndef HB_ARCH_FRAME_H
#define HB_ARCH_FRAME_H

#define FRAME_X30	(30 * 8)
#define FRAME_SP	(31 * 8)
#define FRAME_ELR	(32 * 8)
#define FRAME_SPSR	(33 * 8)
#define FRAME_ESR	(34 * 8)
#define FRAME_FAR	(35 * 8)
#define FRAME_SIZE	(36 * 8)

#define EXC_KIND_SYNC_SP0	0
#define EXC_KIND_IRQ_SP0	1
#define EXC_KIND_FIQ_SP0	2
#define EXC_KIND_SERROR_SP0	3
#define EXC_KIND_SYNC		4
#define EXC_KIND_IRQ		5
#define EXC_KIND_FIQ		6
#define EXC_KIND_SERROR		7

#ifndef __ASSEMBLY__
#include "lib/types.h"

struct trap_frame {
	uint64_t x[31];
	uint64_t sp;
	uint64_t elr;
	uint64_t spsr;
	uint64_t esr;
	uint64_t far;
};
_Static_assert(sizeof(struct trap_frame) == FRAME_SIZE, "frame layout");
#endif

#endif
