/* The app of device/apps, built into the posix process. */
#define main fwd_app_main
#define APP_VERSION "(posix)"
#include "posix.h"
#include "app.c"
