/* Small helpers shared by the host modules: growable buffers and files. */
#ifndef FWP_UTIL_H
#define FWP_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/error.h"

/* A growable byte buffer. Zero-initialise before first use. */
struct fwp_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

int fwp_buf_reserve(struct fwp_buf *b, size_t extra, struct fwp_err *err);
int fwp_buf_append(struct fwp_buf *b, const void *data, size_t len, struct fwp_err *err);
int fwp_buf_fill(struct fwp_buf *b, uint8_t byte, size_t count, struct fwp_err *err);
/* Append formatted text (NUL-terminated in the buffer, not counted in len). */
int fwp_buf_printf(struct fwp_buf *b, struct fwp_err *err, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
void fwp_buf_free(struct fwp_buf *b);

/*
 * Read a whole file. Fails with a message naming the path. At most max
 * bytes are accepted (0 means no limit besides SIZE_MAX): a larger file is
 * an error, never silently truncated. The buffer gets a NUL after the data
 * (not counted in len) so text parsers can use it directly. On failure out
 * is freed.
 */
int fwp_file_read(const char *path, size_t max, struct fwp_buf *out, struct fwp_err *err);

/*
 * Write a file atomically: the data goes to a temporary file in the same
 * directory, is flushed to disk, then renamed over path. On any failure the
 * temporary file is removed and path is untouched. mode is the permission
 * of the new file (e.g. 0644, or 0600 for a private key).
 */
int fwp_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
			  struct fwp_err *err);

/* One file of a set written by fwp_files_write_atomic. */
struct fwp_out_file {
	const char *path;
	const void *data;
	size_t len;
	unsigned mode;
};

/*
 * Write a set of files so that the set changes together or not at all:
 * 1. every file is written to a temporary name in its own directory and
 *    flushed to disk, and a hard link keeps each file it will replace; a
 *    failure here removes the temporaries and no output has changed;
 * 2. the temporaries are renamed over their paths, one by one; if a rename
 *    fails, the ones already done are undone (the kept file renamed back,
 *    or the new one removed where there was none), so the outputs are as
 *    before; an undo that fails too is named in the error;
 * 3. the kept links are removed and the directories flushed.
 * What this cannot promise: a crash of the machine (not of fwpack) during
 * step 2 leaves some paths new and some old, each file whole, with the
 * temporaries and kept links beside them; on a file system without hard
 * links (FAT) a replaced file cannot be put back, and is named.
 */
int fwp_files_write_atomic(const struct fwp_out_file *files, size_t n, struct fwp_err *err);

/*
 * Join a path relative to the directory of base ("dir/m.json" + "a.elf" ->
 * "dir/a.elf"). An absolute rel is returned as is. Returns a malloc'd string
 * or NULL when out of memory.
 */
char *fwp_path_relative_to(const char *base, const char *rel);

/*
 * A zlib failure (zrc, from deflate(), inflateInit2() ...) in err: out of
 * memory only when zlib says so (Z_MEM_ERROR), else an internal error with
 * zlib's own words and code. what names the call. Returns err's code.
 */
int fwp_zlib_fail(struct fwp_err *err, int zrc, const char *what);

/* CRC-32 (IEEE 802.3, as zlib computes it) of len bytes. */
uint32_t fwp_crc32(const void *data, size_t len);

/* A whole option value as a number (decimal, 0x hex or 0 octal) up to max: 0, or -1. */
int fwp_parse_ulong(const char *s, unsigned long max, unsigned long *out);

/* Lower-case hex of len bytes into out (2 * len + 1 bytes). */
/* The value of one hex digit (either case), or -1. */
int fwp_hex_digit(int c);
void fwp_hex(const uint8_t *data, size_t len, char *out);

#endif /* FWP_UTIL_H */
