/*
 * One event model for every transport: what a board is doing, said once,
 * rendered by text, TTY and JSON renderers (render.h) that know nothing of
 * serial or USB. Every event names its board.
 */
#ifndef FWP_EVENT_H
#define FWP_EVENT_H

#include <stdint.h>

#include "fwpack/error.h"
#include "fwpack/protocol.h"

/* Where a board's seconds go, in the order they are spent. */
enum fwp_phase {
	FWP_PHASE_FIND,     /* opening the port or finding the USB device */
	FWP_PHASE_ENTER,    /* taking a running Application into its Loader */
	FWP_PHASE_CONNECT,  /* HELLO / reading the DFU descriptors */
	FWP_PHASE_BAUD,     /* the rate switch */
	FWP_PHASE_TRANSFER, /* image bytes on the wire */
	FWP_PHASE_VERIFY,   /* the device checks digest and signature, then commits */
	FWP_PHASE_RESET,    /* into the new firmware */
	FWP_PHASE_COUNT
};

/* "find", "enter", ...: the JSON and summary names. */
const char *fwp_phase_name(enum fwp_phase p);

/* Who a board is, as far as is known yet (empty strings when not). */
struct fwp_board_id {
	const char *transport; /* "serial" or "usb-dfu" */
	char name[256];        /* the port path, or the USB bus-port path */
	char usb_serial[128];
	char uid[2 * 16 + 1]; /* the Loader's unique ID in hex (INFO: 2 * FWP_UID_MAX + 1), or "" */
	char board[256];       /* what the device calls itself */
};

enum fwp_event_type {
	FWP_EVENT_PHASE,    /* phase starts */
	FWP_EVENT_CONNECT,  /* desc is valid */
	FWP_EVENT_BAUD,     /* the line runs at value now */
	FWP_EVENT_BEGIN,    /* an image starts: offset > 0 when resumed */
	FWP_EVENT_ERASE,    /* what the target held is going: text says how */
	FWP_EVENT_PROGRESS, /* offset of size bytes confirmed */
	FWP_EVENT_RETRY,    /* resent from offset, because text */
	FWP_EVENT_VERIFY,   /* the device checks the image */
	FWP_EVENT_DONE,     /* committed (text: how, for people) */
	FWP_EVENT_BOOT,     /* the board runs its new firmware (text: how) */
	FWP_EVENT_NOTE,     /* something people should know (text), not an error */
	FWP_EVENT_ERROR,    /* err: the board failed */
	FWP_EVENT_RESULT    /* result: the board is finished */
};

struct fwp_device_info;
struct fwp_board_result;

/* What connecting told about the board. */
struct fwp_board_desc {
	char summary[512];                  /* one line for people, after "Connected: " */
	const struct fwp_device_info *info; /* serial (fwpack protocol), else NULL */
	/* USB DFU */
	char usb_id[10], protocol[8], alt_name[256];
	int alt;
	unsigned transfer_size;
};

struct fwp_event {
	enum fwp_event_type type;
	const struct fwp_board_id *board;
	enum fwp_phase phase;
	const char *image; /* the file, for BEGIN .. DONE */
	int slot;          /* -1 when the transport does not address slots */
	uint32_t offset, size, image_size; /* wire bytes (compressed when compressing), image bytes */
	uint32_t resumed_from; /* where this image's transfer started */
	int compressed;
	uint32_t value;    /* BAUD */
	double seconds;    /* DONE: this image's transfer time */
	const char *text;
	const struct fwp_board_desc *desc;
	const struct fwp_err *err;
	const struct fwp_board_result *result;
};

typedef void (*fwp_event_fn)(const struct fwp_event *e, void *ctx);

/* What flashing one board came to. */
struct fwp_board_result {
	struct fwp_board_id id;
	int rc;             /* FWP_OK when every image is committed (and booted unless --no-boot) */
	struct fwp_err err; /* why not */
	unsigned images;    /* committed */
	uint64_t bytes, wire_bytes;
	double seconds, phase_seconds[FWP_PHASE_COUNT];
};

#endif /* FWP_EVENT_H */
