/* Reads an ID register named by a run-time encoding (op0=3, op1=0, CRn=0,
 * CRm=1..7): MRS needs the name at assembly time, hence the table. */
#include "arch/aarch64/sysreg_trap.h"

#define ID_READ(crm, op2) \
	case ((crm) << 3 | (op2)): __asm__ volatile("mrs %0, S3_0_C0_C" #crm "_" #op2 : "=r"(v)); break

#define ID_ROW(crm) ID_READ(crm, 0); ID_READ(crm, 1); ID_READ(crm, 2); ID_READ(crm, 3); \
	ID_READ(crm, 4); ID_READ(crm, 5); ID_READ(crm, 6); ID_READ(crm, 7)

uint64_t id_reg_read_hw(unsigned crm, unsigned op2)
{
	uint64_t v = 0;

	switch ((crm & 7) << 3 | (op2 & 7)) {
	ID_ROW(1);
	ID_ROW(2);
	ID_ROW(3);
	ID_ROW(4);
	ID_ROW(5);
	ID_ROW(6);
	ID_ROW(7);
	default:
		break;
	}
	return v;
}
