/*
 * The DfuSe device model (tests/tools/usbemu_dfuse.c) driven request by
 * request, for what dfu-util never does: it always erases before it writes,
 * and never strays outside the layout or the state machine. NOR semantics,
 * errors with their status codes, the busy/idle handshake, leaving, and the
 * flash file.
 */
#include "check_util.h"

#include "tools/usbemu_dfuse.c"

enum { OUT = 0x21, IN = 0xa1 };

/* The harness's, here: counts the calls. */
static int leaves;
void usbemu_leave(void)
{
	leaves++;
}

static void *dev;
static uint8_t io[XFER_SIZE];
static char flash_file[64];

static void *make(const char *k1, const char *v1, const char *k2, const char *v2)
{
	char *keys[2] = {(char *)k1, (char *)k2}, *values[2] = {(char *)v1, (char *)v2};
	return dfuse_create(k2 ? 2 : k1 ? 1 : 0, keys, values);
}

static void setup(void)
{
	dev = make(NULL, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(dev);
}

static void teardown(void)
{
	if (dev)
		ck_assert_int_eq(dfuse_destroy(dev), 0);
	dev = NULL;
}

static int req(uint8_t type, uint8_t request, uint16_t value, uint16_t length)
{
	struct usbemu_setup s = {type, request, value, 0, length};
	return dfuse_control(dev, &s, io);
}

/* GETSTATUS: the state; *status and *poll when asked. */
static int state(uint8_t *status, uint32_t *poll)
{
	ck_assert_int_eq(req(IN, FWP_DFU_REQ_GETSTATUS, 0, 6), 6);
	if (status)
		*status = io[0];
	if (poll)
		*poll = io[1] | io[2] << 8 | io[3] << 16;
	return io[4];
}

/* A DNLOAD and the two GETSTATUS that carry it out; the final status. */
static uint8_t dnload_block(uint16_t block, const uint8_t *data, uint16_t len)
{
	uint8_t st;
	uint32_t poll;
	memcpy(io, data, len);
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_DNLOAD, block, len), 0);
	ck_assert_int_eq(state(&st, &poll), FWP_DFU_DNBUSY);
	ck_assert_int_eq(st, FWP_DFU_OK);
	ck_assert_uint_eq(poll, 1);
	int s = state(&st, NULL);
	ck_assert_int_eq(s, st == FWP_DFU_OK ? FWP_DFU_DNLOAD_IDLE : FWP_DFU_ERROR);
	return st;
}

static uint8_t cmd(uint8_t c, uint32_t addr, int with_addr)
{
	uint8_t b[5] = {c};
	fwp_put_le32(b + 1, addr);
	return dnload_block(0, b, with_addr ? 5 : 1);
}

static void clear_error(void)
{
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_CLRSTATUS, 0, 0), 0);
	ck_assert_int_eq(state(NULL, NULL), FWP_DFU_IDLE);
}

static const uint8_t *flash_at(uint32_t addr)
{
	return ((struct dfuse *)dev)->flash + (addr - FLASH_BASE);
}

START_TEST(descriptors_say_dfuse)
{
	uint8_t d[64];
	ck_assert_uint_eq(dfuse_descriptors(dev, d, sizeof(d)), 45);
	ck_assert_uint_eq(d[8] | d[9] << 8, 0x0483);
	ck_assert_uint_eq(d[10] | d[11] << 8, 0xdf11);
	const uint8_t *f = d + 18 + 9 + 9;
	ck_assert_uint_eq(f[1], 0x21);
	ck_assert_uint_eq(f[5] | f[6] << 8, 2048);
	ck_assert_uint_eq(f[7] | f[8] << 8, 0x011a);
	ck_assert_uint_eq(dfuse_descriptors(dev, d, 44), 0);
}
END_TEST

START_TEST(strings_in_utf16)
{
	ck_assert_int_eq(req(0x80, 6, 0x0300, 255), 4);
	ck_assert_uint_eq(io[2] | io[3] << 8, 0x0409);
	int n = req(0x80, 6, 0x0304, 255);
	ck_assert_int_eq(n, 2 + 2 * (int)strlen(LAYOUT));
	for (size_t i = 0; i < strlen(LAYOUT); i++)
		ck_assert_uint_eq(io[2 + 2 * i], (uint8_t)LAYOUT[i]);
	ck_assert_int_eq(req(0x80, 6, 0x0303, 255), 2 + 2 * 6); /* "DFUSE1" */
	ck_assert_int_eq(req(0x80, 6, 0x0304, 10), 10);          /* cut to wLength */
	ck_assert_int_eq(req(0x80, 6, 0x0305, 255), USBEMU_STALL);
	ck_assert_int_eq(req(0x01, 11, 1, 0), USBEMU_STALL); /* no alt setting 1 */
	ck_assert_int_eq(req(0x01, 11, 0, 0), 0);
}
END_TEST

START_TEST(program_needs_erased_bytes)
{
	uint8_t data[XFER_SIZE];
	memset(data, 0x5a, sizeof(data));
	ck_assert_int_eq(cmd(0x21, 0x08000000, 1), FWP_DFU_OK);
	ck_assert_int_eq(dnload_block(2, data, sizeof(data)), FWP_DFU_OK);
	ck_assert_int_eq(memcmp(flash_at(0x08000000), data, sizeof(data)), 0);
	/* Block 3 lands right after block 2. */
	ck_assert_int_eq(dnload_block(3, data, 16), FWP_DFU_OK);
	ck_assert_int_eq(memcmp(flash_at(0x08000800), data, 16), 0);
	ck_assert_uint_eq(flash_at(0x08000810)[0], 0xff);
	/* Writing it again, without an erase: refused. */
	ck_assert_int_eq(dnload_block(2, data, 4), FWP_DFU_ERR_CHECK_ERASED);
	clear_error();
	/* Erasing the sector (any address in it) makes it writable again. */
	ck_assert_int_eq(cmd(0x41, 0x08003fff, 1), FWP_DFU_OK);
	ck_assert_uint_eq(flash_at(0x08000000)[0], 0xff);
	ck_assert_int_eq(cmd(0x21, 0x08000000, 1), FWP_DFU_OK);
	ck_assert_int_eq(dnload_block(2, data, 4), FWP_DFU_OK);
}
END_TEST

START_TEST(erase_takes_one_sector)
{
	static const uint32_t starts[] = {0x08000000, 0x08004000, 0x08008000, 0x0800c000,
					  0x08010000, 0x08020000, 0x08040000, 0x080e0000};
	struct dfuse *d = dev;
	memset(d->flash, 0, FLASH_SIZE);
	ck_assert_int_eq(cmd(0x41, 0x08021234, 1), FWP_DFU_OK); /* sector 5, 128 KiB */
	for (uint32_t a = 0x08000000; a < 0x08100000; a += 0x1000) {
		int in5 = a >= 0x08020000 && a < 0x08040000;
		ck_assert_msg(*flash_at(a) == (in5 ? 0xff : 0), "at 0x%08x", a);
	}
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		ck_assert_int_eq(cmd(0x41, starts[i], 1), FWP_DFU_OK);
	ck_assert_int_eq(cmd(0x41, 0x08100000, 1), FWP_DFU_ERR_TARGET);
	clear_error();
	memset(d->flash, 0, FLASH_SIZE);
	ck_assert_int_eq(cmd(0x41, 0, 0), FWP_DFU_OK); /* mass erase */
	ck_assert_uint_eq(*flash_at(0x080fffff), 0xff);
}
END_TEST

START_TEST(outside_the_layout)
{
	uint8_t data[XFER_SIZE] = {0};
	ck_assert_int_eq(cmd(0x21, 0x20000000, 1), FWP_DFU_ERR_TARGET);
	clear_error();
	/* The last 1 KiB of flash, then a block that runs past the end. */
	ck_assert_int_eq(cmd(0x21, 0x080ffc00, 1), FWP_DFU_OK);
	ck_assert_int_eq(dnload_block(2, data, 1024), FWP_DFU_OK);
	ck_assert_int_eq(cmd(0x21, 0x080ffc00, 1), FWP_DFU_OK);
	ck_assert_int_eq(dnload_block(2, data, 1025), FWP_DFU_ERR_ADDRESS);
	clear_error();
	ck_assert_int_eq(cmd(0x21, 0x080ff400, 1), FWP_DFU_OK);
	ck_assert_int_eq(dnload_block(3, data, 2048), FWP_DFU_ERR_ADDRESS);
	clear_error();
	ck_assert_int_eq(cmd(0x21, 0x080ff400, 1), FWP_DFU_OK);
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_ABORT, 0, 0), 0);
	ck_assert_int_eq(req(IN, FWP_DFU_REQ_UPLOAD, 3, 2048), USBEMU_STALL);
	ck_assert_int_eq(state(NULL, NULL), FWP_DFU_ERROR);
	ck_assert_int_eq(io[0], FWP_DFU_ERR_ADDRESS);
}
END_TEST

START_TEST(state_machine_refusals)
{
	/* CLRSTATUS outside dfuERROR is a protocol error. */
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_CLRSTATUS, 0, 0), USBEMU_STALL);
	uint8_t st;
	ck_assert_int_eq(state(&st, NULL), FWP_DFU_ERROR);
	ck_assert_int_eq(st, FWP_DFU_ERR_STALLEDPKT);
	/* In dfuERROR only the status requests work. */
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_ABORT, 0, 0), USBEMU_STALL);
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_DNLOAD, 2, 4), USBEMU_STALL);
	ck_assert_int_eq(req(IN, FWP_DFU_REQ_GETSTATE, 0, 1), 1);
	ck_assert_int_eq(io[0], FWP_DFU_ERROR);
	clear_error();
	/* Block 1, an unknown command, a block larger than wTransferSize. */
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_DNLOAD, 1, 4), USBEMU_STALL);
	clear_error();
	io[0] = 0x33;
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_DNLOAD, 0, 1), USBEMU_STALL);
	clear_error();
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_DNLOAD, 2, XFER_SIZE + 1), USBEMU_STALL);
	clear_error();
	/* DNLOAD then UPLOAD without an ABORT. */
	io[0] = 0x21;
	fwp_put_le32(io + 1, 0x08000000);
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_DNLOAD, 0, 5), 0);
	ck_assert_int_eq(req(IN, FWP_DFU_REQ_UPLOAD, 2, 16), USBEMU_STALL);
	clear_error();
	/* ABORT from dfuDNLOAD-IDLE, then an upload works. */
	ck_assert_int_eq(cmd(0x21, 0x08000000, 1), FWP_DFU_OK);
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_ABORT, 0, 0), 0);
	ck_assert_int_eq(req(IN, FWP_DFU_REQ_UPLOAD, 0, 16), 4);
	ck_assert_int_eq(memcmp(io, "\x00\x21\x41\x92", 4), 0);
	ck_assert_int_eq(req(IN, FWP_DFU_REQ_UPLOAD, 2, 16), 16);
	ck_assert_uint_eq(io[15], 0xff);
	ck_assert_int_eq(state(NULL, NULL), FWP_DFU_UPLOAD_IDLE);
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_DETACH, 0, 0), USBEMU_STALL);
}
END_TEST

START_TEST(leave_and_unprotect_vanish)
{
	ck_assert_int_eq(cmd(0x21, 0x08000000, 1), FWP_DFU_OK);
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_DNLOAD, 2, 0), 0);
	leaves = 0;
	ck_assert_int_eq(state(NULL, NULL), FWP_DFU_MANIFEST);
	ck_assert_int_eq(leaves, 1);
	ck_assert_int_eq(req(IN, FWP_DFU_REQ_GETSTATUS, 0, 6), USBEMU_VANISH);
	teardown();

	setup();
	memset(((struct dfuse *)dev)->flash, 0, FLASH_SIZE);
	io[0] = 0x92;
	ck_assert_int_eq(req(OUT, FWP_DFU_REQ_DNLOAD, 0, 1), 0);
	ck_assert_int_eq(state(NULL, NULL), FWP_DFU_DNBUSY);
	ck_assert_int_eq(leaves, 2);
	ck_assert_int_eq(req(IN, FWP_DFU_REQ_GETSTATUS, 0, 6), USBEMU_VANISH);
	ck_assert_uint_eq(*flash_at(0x08080000), 0xff);
}
END_TEST

START_TEST(injected_failure)
{
	teardown();
	ck_assert_ptr_null(make("fail", "errNOSUCH", NULL, NULL));
	ck_assert_ptr_null(make("fail-at", "x", NULL, NULL));
	ck_assert_ptr_null(make("colour", "red", NULL, NULL));
	dev = make("fail", "errWRITE", "fail-at", "2");
	ck_assert_ptr_nonnull(dev);
	uint8_t data[4] = {1, 2, 3, 4};
	ck_assert_int_eq(cmd(0x21, 0x08000000, 1), FWP_DFU_OK); /* commands do not count */
	ck_assert_int_eq(dnload_block(2, data, 4), FWP_DFU_OK);
	ck_assert_int_eq(dnload_block(3, data, 4), FWP_DFU_ERR_WRITE);
	ck_assert_uint_eq(*flash_at(0x08000800), 0xff); /* not written */
	clear_error();
	ck_assert_int_eq(cmd(0x21, 0x08000000, 1), FWP_DFU_OK);
	ck_assert_int_eq(dnload_block(3, data, 4), FWP_DFU_OK); /* once */
}
END_TEST

START_TEST(flash_file_round_trip)
{
	char *dir = tmpdir_new();
	snprintf(flash_file, sizeof(flash_file), "%s/flash", dir);
	teardown();
	dev = make("flash", flash_file, "serial", "S1");
	ck_assert_ptr_nonnull(dev); /* no file yet: erased */
	uint8_t data[3] = {7, 8, 9};
	ck_assert_int_eq(cmd(0x21, 0x08020000, 1), FWP_DFU_OK);
	ck_assert_int_eq(dnload_block(2, data, 3), FWP_DFU_OK);
	teardown();

	FILE *f = fopen(flash_file, "rb");
	ck_assert_ptr_nonnull(f);
	uint8_t *all = malloc(FLASH_SIZE + 1);
	ck_assert_uint_eq(fread(all, 1, FLASH_SIZE + 1, f), FLASH_SIZE);
	fclose(f);
	ck_assert_int_eq(memcmp(all + 0x20000, data, 3), 0);
	ck_assert_uint_eq(all[0], 0xff);
	free(all);

	dev = make("flash", flash_file, NULL, NULL);
	ck_assert_ptr_nonnull(dev);
	ck_assert_int_eq(memcmp(flash_at(0x08020000), data, 3), 0);
	teardown();

	/* A file of the wrong size is not a flash image. */
	ck_assert_int_eq(truncate(flash_file, 1000), 0);
	ck_assert_ptr_null(make("flash", flash_file, NULL, NULL));
	tmpdir_remove(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("usbemu_dfuse");
	TCase *tc = tcase_create("model");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, descriptors_say_dfuse);
	tcase_add_test(tc, strings_in_utf16);
	tcase_add_test(tc, program_needs_erased_bytes);
	tcase_add_test(tc, erase_takes_one_sector);
	tcase_add_test(tc, outside_the_layout);
	tcase_add_test(tc, state_machine_refusals);
	tcase_add_test(tc, leave_and_unprotect_vanish);
	tcase_add_test(tc, injected_failure);
	tcase_add_test(tc, flash_file_round_trip);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
