/*
 * Fuzz target: the INFO decoder (common/fwc_info.c), what any device on a
 * port may send, and the host's reading of it on top (fwpack flash). What
 * the decoder accepts must hold its limits and survive a round trip
 * through the encoder the device uses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwc_info.h"
#include "flasher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const uint8_t *a, const uint8_t *b, size_t n)
{
	return n == 0 || (a && b && memcmp(a, b, n) == 0);
}

static void round_trip(const struct fwc_info *in)
{
	uint8_t buf[FWC_INFO_MAX];
	struct fwc_info again;
	size_t at, n = fwc_info_encode(in, buf, sizeof(buf));
	if (n == 0 || fwc_info_decode(buf, n, &again, &at) != NULL)
		abort();
	if (again.version != in->version || again.max_packet != in->max_packet ||
	    again.features != in->features || again.window != in->window ||
	    again.role != in->role || again.board_len != in->board_len ||
	    !same(again.board, in->board, in->board_len) || again.nslots != in->nslots ||
	    memcmp(again.slots, in->slots, sizeof(in->slots)) != 0 ||
	    again.session_state != in->session_state || again.session_slot != in->session_slot ||
	    again.session_encoding != in->session_encoding ||
	    again.session_size != in->session_size || again.session_offset != in->session_offset ||
	    !same(again.session_id, in->session_id, FWP_SESSION_ID_LEN) ||
	    again.uid_len != in->uid_len || !same(again.uid, in->uid, in->uid_len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwc_info in;
	struct fwp_device_info d;
	struct fwp_err err;
	size_t at;
	if (size > 4096)
		return 0;
	const char *why = fwc_info_decode(data, size, &in, &at);
	if (why) {
		if (!*why || at > size)
			abort();
	} else {
		if (in.nslots > FWP_MAX_SLOTS || in.uid_len > FWP_UID_MAX ||
		    (in.uid_len && !in.uid) || !in.session_id ||
		    (in.board_len && (in.board < data || in.board + in.board_len > data + size)))
			abort();
		for (unsigned i = 0; i < in.nslots; i++)
			if (in.slots[i].addr + (uint64_t)in.slots[i].size > 0x100000000ull)
				abort();
		round_trip(&in);
	}
	if (fwp_device_info_parse("fuzz", data, (uint32_t)size, &d, &err) == FWP_OK) {
		/* What the rest of the flasher relies on. */
		if (why || d.nslots > FWP_MAX_SLOTS || strlen(d.board) >= sizeof(d.board) ||
		    d.max_packet < 16)
			abort();
		for (const char *c = d.board; *c; c++)
			if (*c < 0x20 || *c == 0x7F)
				abort();
		/* The unique ID: lower-case hex, whole bytes, or nothing. */
		size_t ul = strlen(d.uid);
		if (ul >= sizeof(d.uid) || ul % 2)
			abort();
		for (const char *c = d.uid; *c; c++)
			if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
				abort();
	}
	return 0;
}
