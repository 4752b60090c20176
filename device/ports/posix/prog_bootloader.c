/* The bootloader of device/apps, built into the posix process. */
#define main fwd_bootloader_main
#define fwd_trusted_keys fwd_root_keys
#define fwd_trusted_key_count fwd_root_key_count
#include "posix.h"
#include "bootloader.c"
