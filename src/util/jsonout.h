/*
 * JSON on standard output for scripts: one object per line, flushed, so a
 * production script reading a pipe sees each event when it happens.
 */
#ifndef FWP_JSONOUT_H
#define FWP_JSONOUT_H

#include <cjson/cJSON.h>

/* Print o on one line, flush, and free it. */
void fwp_json_line(cJSON *o);

#endif /* FWP_JSONOUT_H */
