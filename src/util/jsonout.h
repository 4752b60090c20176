/*
 * JSON on standard output for scripts: one object per line, flushed, so a
 * production script reading a pipe sees each event when it happens.
 */
#ifndef FWP_JSONOUT_H
#define FWP_JSONOUT_H

#include <cjson/cJSON.h>

#include "flasher.h"

/* Print o on one line, flush, and free it. */
void fwp_json_line(cJSON *o);

/* A device's slots as the serial protocol's INFO reports them. */
cJSON *fwp_json_slots(const struct fwp_device_info *d);

#endif /* FWP_JSONOUT_H */
