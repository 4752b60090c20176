/* The slot policy (slotpolicy.h); the cookbook's layout: Loader in 1, the rest in 2. */
#include "slotpolicy.h"

#include "fwpack/image.h"
#include "fwpack/protocol.h"

int fwp_slot_for_type(uint8_t image_type)
{
	switch (image_type) {
	case FWP_IMAGE_TYPE_LOADER:
		return FWP_SLOT_ID_LOADER;
	case FWP_IMAGE_TYPE_APP:
	case FWP_IMAGE_TYPE_UPDATER:
		return FWP_SLOT_ID_APP;
	case FWP_IMAGE_TYPE_PROVISIONING:
		return FWP_SLOT_ID_PROVISIONING; /* the Loader's provisioning slot, where a port has one */
	default:
		return -1;
	}
}
