/*
 * The posix port's flash layout, on its own so that other host programs
 * over the same flash file (the USB emulator's Loader model) agree with it.
 */
#include "posix.h"

const char fwd_port_board[] = "posix";
const uint32_t fwd_port_bootloader_slot[2] = {0x00000000u, 0x4000u};
const uint32_t fwd_port_loader_slot[2] = {0x00004000u, 0x1C000u};
/* The last 128K sector is the provisioning slot, as on the F429 (examples/manifests/factory-f429.json). */
const uint32_t fwd_port_app_slot[2] = {0x00020000u, 0xC0000u};
const uint32_t fwd_port_prov_slot[2] = {0x000E0000u, 0x20000u};
const uint32_t fwd_port_counter_sector[2] = {0x00100000u, 0x4000u};

/* The QEMU port's layout: the cookbook's STM32F429 sectors, then the counter. */
const uint32_t fwd_posix_sectors[] = {16384,  16384,  16384,  16384,  65536,
				      131072, 131072, 131072, 131072, 131072,
				      131072, 131072, 16384,  0};
