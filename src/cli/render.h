/*
 * Showing a run's events: lines of text (a log, a pipe), a live line per
 * board (a terminal), or one JSON object per event (scripts). A renderer
 * knows events, not transports. Not thread-safe by itself: fwp_flash_boards
 * calls it one event at a time.
 */
#ifndef FWP_RENDER_H
#define FWP_RENDER_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "event.h"

enum fwp_render_mode { FWP_RENDER_TTY, FWP_RENDER_LINES, FWP_RENDER_JSON, FWP_RENDER_QUIET };

struct fwp_render;

/* nboards > 1: every line names its board (a station passes 2: it meets several). */
struct fwp_render *fwp_render_new(enum fwp_render_mode mode, size_t nboards);
void fwp_render_free(struct fwp_render *r);

/* An fwp_event_fn: ctx is the renderer. */
void fwp_render_event(const struct fwp_event *e, void *ctx);

struct fwp_device_info;
/* A device's slots as the serial protocol's INFO reports them (also fwpack list --json). */
cJSON *fwp_json_slots(const struct fwp_device_info *d);

/* Station mode: the running count, after each board. */
void fwp_render_count(struct fwp_render *r, unsigned passed, unsigned failed);

/* The table at the end (board, images, bytes, time, result, reason, phases). */
void fwp_render_summary(struct fwp_render *r, const struct fwp_board_result *res, size_t n);

#endif /* FWP_RENDER_H */
