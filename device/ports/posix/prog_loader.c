/* The loader of device/apps, built into the posix process. */
#define main fwd_loader_main
#define fwd_trusted_keys fwd_loader_keys
#define fwd_trusted_key_count fwd_loader_key_count
#include "posix.h"
#include "loader.c"
