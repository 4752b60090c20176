/*
 * The QEMU port's slots, on their own (data only) so that a host program
 * can print them: tests/port-layout.sh checks them against the linker
 * scripts and examples/manifests/device-qemu-mps2.json.
 */
#include "fwd_port.h"

const uint32_t fwd_port_bootloader_slot[2] = {0x00000000u, 0x4000u};
const uint32_t fwd_port_loader_slot[2] = {0x00004000u, 0x1C000u};
/* The last 128K is the provisioning slot, as on the posix port and the F429. */
const uint32_t fwd_port_app_slot[2] = {0x00020000u, 0xC0000u};
const uint32_t fwd_port_prov_slot[2] = {0x000E0000u, 0x20000u};
const uint32_t fwd_port_counter_sector[2] = {0x00100000u, 0x8000u};
