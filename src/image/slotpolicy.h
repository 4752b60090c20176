/*
 * Which slot an fwpack image goes to, by its header's type: the one place
 * this policy lives (the serial backend addresses the slot, the USB DFU
 * backend picks the alt setting named for it).
 */
#ifndef FWP_SLOTPOLICY_H
#define FWP_SLOTPOLICY_H

#include <stdint.h>

/*
 * 1 for a Loader, 2 for an Application or Updater, 3 for a provisioning
 * record (docs/provisioning.md), -1 for a type not updated in the field.
 */
int fwp_slot_for_type(uint8_t image_type);

#endif /* FWP_SLOTPOLICY_H */
