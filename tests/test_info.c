/*
 * The INFO codec (common/fwc_info.c) and the bounded reader under it
 * (common/fwc_rd.h): what the device encodes decodes to the same fields,
 * and a short, long or inconsistent body is refused with its reason and
 * the byte where it was found.
 */
#include "check_util.h"
#include "fwc_info.h"
#include "fwc_rd.h"

static const uint8_t uid[12] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 1, 2, 3, 4};
static const uint8_t sid[FWP_SESSION_ID_LEN] = {0xaa, 0xbb, 0xcc, [15] = 0xdd};

static struct fwc_info sample(void)
{
	struct fwc_info in = {0};
	in.version = FWP_PROTO_VERSION;
	in.max_packet = 2054;
	in.features = FWP_FEAT_BAUD | FWP_FEAT_DEFLATE;
	in.window = 4;
	in.role = FWP_ROLE_LOADER;
	in.board = (const uint8_t *)"board-x";
	in.board_len = 7;
	in.nslots = 3;
	in.slots[0] = (struct fwc_info_slot){FWP_SLOT_ID_BOOTLOADER, 0, 0x01, 0x08000000, 0x4000};
	in.slots[1] = (struct fwc_info_slot){FWP_SLOT_ID_LOADER, 0, 0x02, 0x08004000, 0x1c000};
	in.slots[2] = (struct fwc_info_slot){FWP_SLOT_ID_APP, FWP_SLOT_WRITABLE, 0x0c, 0x08020000,
					     0xe0000};
	in.session_state = FWP_SESSION_RECEIVING;
	in.session_slot = FWP_SLOT_ID_APP;
	in.session_encoding = FWP_ENC_DEFLATE;
	in.session_size = 5000;
	in.session_offset = 4096;
	in.session_id = sid;
	in.uid = uid;
	in.uid_len = sizeof(uid);
	return in;
}

/* Layout of sample()'s body: where each part starts. */
#define BOARD_AT FWP_INFO_FIXED_LEN
#define SLOTS_AT (BOARD_AT + 1 + 7)
#define SESSION_AT (SLOTS_AT + 1 + 3 * FWP_INFO_SLOT_LEN)
#define EXT_AT (SESSION_AT + FWP_INFO_SESSION_LEN)
#define FULL_LEN (EXT_AT + FWP_INFO_EXT_HDR_LEN + 12)

static size_t encode(uint8_t *buf, const struct fwc_info *in)
{
	size_t n = fwc_info_encode(in, buf, FWC_INFO_MAX);
	ck_assert_uint_ne(n, 0);
	return n;
}

/* Decoding fails with a reason containing want, found at byte want_at. */
static void refused(const uint8_t *p, size_t n, const char *want, size_t want_at)
{
	struct fwc_info out;
	size_t at = 9999;
	const char *why = fwc_info_decode(p, n, &out, &at);
	ck_assert_msg(why != NULL, "a body of %zu bytes was accepted (want: %s)", n, want);
	ck_assert_msg(strstr(why, want), "%zu bytes: '%s', not '%s'", n, why, want);
	ck_assert_uint_eq(at, want_at);
}

START_TEST(round_trip)
{
	struct fwc_info in = sample(), out;
	uint8_t buf[FWC_INFO_MAX];
	size_t n = encode(buf, &in), at;
	ck_assert_uint_eq(n, FULL_LEN);
	ck_assert_uint_eq(buf[0], FWP_ST_OK);
	ck_assert_uint_eq(fwp_le16(buf + 4), 2054); /* the spec's offsets, not the codec's own */
	ck_assert_uint_eq(fwp_le32(buf + SLOTS_AT + 1 + 2 * FWP_INFO_SLOT_LEN + 4), 0x08020000);
	ck_assert_uint_eq(buf[EXT_AT], FWP_INFO_EXT_UID);
	ck_assert_ptr_null(fwc_info_decode(buf, n, &out, &at));
	ck_assert_uint_eq(out.version, in.version);
	ck_assert_uint_eq(out.max_packet, in.max_packet);
	ck_assert_uint_eq(out.features, in.features);
	ck_assert_uint_eq(out.window, in.window);
	ck_assert_uint_eq(out.role, in.role);
	ck_assert_uint_eq(out.board_len, 7);
	ck_assert_int_eq(memcmp(out.board, "board-x", 7), 0);
	ck_assert_uint_eq(out.nslots, 3);
	ck_assert_int_eq(memcmp(out.slots, in.slots, sizeof(in.slots)), 0);
	ck_assert_uint_eq(out.session_state, FWP_SESSION_RECEIVING);
	ck_assert_uint_eq(out.session_slot, FWP_SLOT_ID_APP);
	ck_assert_uint_eq(out.session_encoding, FWP_ENC_DEFLATE);
	ck_assert_uint_eq(out.session_size, 5000);
	ck_assert_uint_eq(out.session_offset, 4096);
	ck_assert_int_eq(memcmp(out.session_id, sid, sizeof(sid)), 0);
	ck_assert_uint_eq(out.uid_len, sizeof(uid));
	ck_assert_int_eq(memcmp(out.uid, uid, sizeof(uid)), 0);
}
END_TEST

START_TEST(every_short_body_refused)
{
	struct fwc_info in = sample();
	uint8_t buf[FWC_INFO_MAX];
	size_t n = encode(buf, &in);
	for (size_t k = 0; k < n; k++) {
		struct fwc_info out;
		size_t at;
		const char *why = fwc_info_decode(buf, k, &out, &at);
		/* Without its UID record the body is whole again: records are optional. */
		if (k == EXT_AT) {
			ck_assert_ptr_null(why);
			ck_assert_uint_eq(out.uid_len, 0);
			continue;
		}
		ck_assert_msg(why != NULL, "cut to %zu of %zu bytes, accepted", k, n);
		ck_assert_uint_le(at, k);
	}
	refused(buf, 9, "shorter than its fixed part", 0);
	refused(buf, BOARD_AT + 3, "inside the board name", BOARD_AT);
	refused(buf, SLOTS_AT, "before the slot count", SLOTS_AT);
	refused(buf, SLOTS_AT + 1 + FWP_INFO_SLOT_LEN + 5, "inside the slot table",
		SLOTS_AT + 1 + FWP_INFO_SLOT_LEN);
	refused(buf, SESSION_AT + 20, "inside the session", SESSION_AT);
	refused(buf, EXT_AT + 1, "runs past its end", EXT_AT);
	refused(buf, n - 1, "runs past its end", EXT_AT);
}
END_TEST

START_TEST(long_bodies)
{
	struct fwc_info in = sample(), out;
	uint8_t buf[FWC_INFO_MAX + 8];
	size_t n = encode(buf, &in), at;
	/* One stray byte: a record header cut short. */
	buf[n] = FWP_INFO_EXT_UID;
	refused(buf, n + 1, "runs past its end", n);
	/* A record of a tag this host does not know: skipped. */
	buf[n] = 0x7f;
	buf[n + 1] = 2;
	buf[n + 2] = buf[n + 3] = 0x55;
	ck_assert_ptr_null(fwc_info_decode(buf, n + 4, &out, &at));
	ck_assert_uint_eq(out.uid_len, sizeof(uid));
	/* A second unique ID. */
	memcpy(buf + n, buf + EXT_AT, FWP_INFO_EXT_HDR_LEN + sizeof(uid) - 8);
	buf[n + 1] = 4;
	refused(buf, n + FWP_INFO_EXT_HDR_LEN + 4, "two unique IDs", n);
}
END_TEST

START_TEST(garbage_fields)
{
	struct fwc_info in = sample();
	uint8_t buf[FWC_INFO_MAX], bad[FWC_INFO_MAX];
	size_t n = encode(buf, &in);

	memcpy(bad, buf, n);
	bad[0] = FWP_ST_BAD_REQUEST;
	refused(bad, n, "status other than OK", 0);

	memcpy(bad, buf, n);
	bad[SLOTS_AT] = FWP_MAX_SLOTS + 1;
	refused(bad, n, "more slots than the protocol allows", SLOTS_AT);

	memcpy(bad, buf, n);
	fwp_put_le32(bad + SLOTS_AT + 1 + 4, 0xfffff000); /* slot 0: addr + 16 KiB wraps */
	refused(bad, n, "past the end of the address space", SLOTS_AT + 1);

	memcpy(bad, buf, n);
	fwp_put_le32(bad + SESSION_AT + 8, 5001); /* offset past size */
	refused(bad, n, "offset past the session's size", SESSION_AT);
	bad[SESSION_AT] = FWP_SESSION_NONE; /* no session: its numbers mean nothing */
	struct fwc_info out;
	size_t at;
	ck_assert_ptr_null(fwc_info_decode(bad, n, &out, &at));

	memcpy(bad, buf, n);
	bad[EXT_AT + 1] = 0; /* an empty unique ID, then 12 bytes of records */
	refused(bad, EXT_AT + FWP_INFO_EXT_HDR_LEN, "empty or too long unique ID", EXT_AT);
}
END_TEST

START_TEST(encoder_limits)
{
	struct fwc_info in = sample();
	uint8_t buf[FWC_INFO_MAX];
	ck_assert_uint_eq(fwc_info_encode(&in, buf, FULL_LEN - 1), 0);
	ck_assert_uint_eq(fwc_info_encode(&in, buf, FULL_LEN), FULL_LEN);
	in.uid_len = FWP_UID_MAX + 1;
	ck_assert_uint_eq(fwc_info_encode(&in, buf, sizeof(buf)), 0);
	in = sample();
	in.nslots = FWP_MAX_SLOTS + 1;
	ck_assert_uint_eq(fwc_info_encode(&in, buf, sizeof(buf)), 0);
	/* The largest body fits FWC_INFO_MAX exactly. */
	static const uint8_t name[255] = {'x'};
	static const uint8_t long_uid[FWP_UID_MAX] = {1};
	in = sample();
	in.board = name;
	in.board_len = sizeof(name);
	in.nslots = FWP_MAX_SLOTS;
	in.uid = long_uid;
	in.uid_len = sizeof(long_uid);
	ck_assert_uint_eq(fwc_info_encode(&in, buf, sizeof(buf)), FWC_INFO_MAX);
}
END_TEST

START_TEST(reader_bounds)
{
	static const uint8_t b[7] = {1, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12};
	struct fwc_rd r = fwc_rd_init(b, sizeof(b));
	ck_assert_uint_eq(fwc_rd_u8(&r), 1);
	ck_assert_uint_eq(fwc_rd_u16(&r), 0x1234);
	ck_assert_uint_eq(fwc_rd_left(&r), 4);
	ck_assert_ptr_null(fwc_rd_bytes(&r, 5));
	ck_assert_int_eq(r.bad, 1);
	/* Once past the end, every read is zero, even one that would fit. */
	ck_assert_uint_eq(fwc_rd_u32(&r), 0);
	ck_assert_uint_eq(fwc_rd_left(&r), 0);
	r = fwc_rd_init(b, sizeof(b));
	fwc_rd_bytes(&r, 3);
	ck_assert_uint_eq(fwc_rd_u32(&r), 0x12345678);
	ck_assert_uint_eq(fwc_rd_u8(&r), 0);
	ck_assert_int_eq(r.bad, 1);
}
END_TEST

START_TEST(status_words)
{
	/* The table serves the enum and the words: both from one line each. */
	ck_assert_int_eq(FWP_ST_UNSUPPORTED, 13);
	ck_assert_str_eq(fwp_status_name(FWP_ST_OK), "ok");
	ck_assert_ptr_nonnull(strstr(fwp_status_name(FWP_ST_WRONG_KEY), "wrong key"));
	ck_assert_ptr_nonnull(strstr(fwp_status_name(FWP_ST_ROLLBACK), "rollback"));
	ck_assert_str_eq(fwp_status_name(14), "unknown status");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("info");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, every_short_body_refused);
	tcase_add_test(tc, long_bodies);
	tcase_add_test(tc, garbage_fields);
	tcase_add_test(tc, encoder_limits);
	tcase_add_test(tc, reader_bounds);
	tcase_add_test(tc, status_words);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
