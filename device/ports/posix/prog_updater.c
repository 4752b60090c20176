/* The updater of device/apps, built into the posix process. */
#define main fwd_updater_main
#define fwd_trusted_keys fwd_root_keys
#define fwd_trusted_key_count fwd_root_key_count
/* No bundle on this port: its Updater receives a Loader over the serial protocol. */
#define fwd_bundle_end fwd_bundle_start
#include "posix.h"
#include "updater.c"
const uint8_t fwd_bundle_start[1];
