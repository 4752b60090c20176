/*
 * The Nucleo-F429ZI's slots, on their own (data only) so that a host
 * program can print them: tests/port-layout.sh checks them against the
 * linker scripts and the F429 manifests in examples/manifests/.
 */
#include "fwd_port.h"

const uint32_t fwd_port_bootloader_slot[2] = {0x08000000u, 0x4000u};
const uint32_t fwd_port_loader_slot[2] = {0x08004000u, 0x1C000u};
/* Sector 11, the last 128K of bank 1: the provisioning slot (docs/provisioning.md). */
const uint32_t fwd_port_app_slot[2] = {0x08020000u, 0xC0000u};
const uint32_t fwd_port_prov_slot[2] = {0x080E0000u, 0x20000u};
/* Bank 2's first sector: small, and writing it does not stall code in bank 1. */
const uint32_t fwd_port_counter_sector[2] = {0x08100000u, 0x8000u}; /* two sectors */
