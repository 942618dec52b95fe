/* Names of the MMIO decode results, for logs. The decoding itself is inline
 * in mmio_decode.h. */
#include "arch/aarch64/mmio_decode.h"
#include "arch/aarch64/esr.h"

const char *mmio_decode_result_name(enum mmio_decode_result r)
{
	switch (r) {
	case MMIO_DECODE_OK:
		return "ok";
	case MMIO_DECODE_NOT_DABT:
		return "not a data abort from a lower EL";
	case MMIO_DECODE_NOT_S2_FAULT:
		return "not a stage-2 translation/access/permission fault";
	case MMIO_DECODE_S1PTW:
		return "stage-1 page table walk into non-RAM IPA";
	case MMIO_DECODE_CACHE_OP:
		return "cache maintenance on MMIO";
	case MMIO_DECODE_FAR_INVALID:
		return "FAR not valid";
	case MMIO_DECODE_NO_ISV:
		return "no instruction syndrome (unemulatable access)";
	}
	return "unknown result";
}

