/* Growable buffers and whole-file I/O with atomic replacement. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "util.h"

int fwp_buf_reserve(struct fwp_buf *b, size_t extra, struct fwp_err *err)
{
	if (extra > SIZE_MAX - b->len - 1)
		return fwp_fail(err, FWP_ERR_NOMEM, "buffer size overflow");
	size_t need = b->len + extra + 1; /* room for a terminating NUL */
	if (need <= b->cap)
		return FWP_OK;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory (%zu bytes)", cap);
	b->data = p;
	b->cap = cap;
	return FWP_OK;
}

int fwp_buf_append(struct fwp_buf *b, const void *data, size_t len, struct fwp_err *err)
{
	int rc = fwp_buf_reserve(b, len, err);
	if (rc < 0)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = 0;
	return FWP_OK;
}

int fwp_buf_fill(struct fwp_buf *b, uint8_t byte, size_t count, struct fwp_err *err)
{
	int rc = fwp_buf_reserve(b, count, err);
	if (rc < 0)
		return rc;
	memset(b->data + b->len, byte, count);
	b->len += count;
	b->data[b->len] = 0;
	return FWP_OK;
}

int fwp_buf_printf(struct fwp_buf *b, struct fwp_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return fwp_fail(err, FWP_ERR_ARG, "bad format string");
	int rc = fwp_buf_reserve(b, (size_t)n, err);
	if (rc < 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return FWP_OK;
}

void fwp_buf_free(struct fwp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int fwp_file_read(const char *path, size_t max, struct fwp_buf *out, struct fwp_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fwp_fail(err, errno == ENOENT ? FWP_ERR_NOT_FOUND : FWP_ERR_IO, "%s: %s",
				path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = errno;
		close(fd);
		return fwp_fail(err, FWP_ERR_IO, "%s: %s", path,
				e && !S_ISREG(st.st_mode) ? "not a regular file" : strerror(e));
	}
	if (max && (uint64_t)st.st_size > max) {
		close(fd);
		return fwp_fail(err, FWP_ERR_RANGE, "%s: file is %lld bytes, more than the %zu allowed",
				path, (long long)st.st_size, max);
	}
	out->len = 0;
	int rc = fwp_buf_reserve(out, (size_t)st.st_size, err);
	for (;;) {
		if (rc < 0)
			break;
		ssize_t n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = fwp_fail(err, FWP_ERR_IO, "%s: read: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		if (max && out->len > max) {
			rc = fwp_fail(err, FWP_ERR_RANGE, "%s: file is larger than the %zu bytes allowed",
				      path, max);
			break;
		}
		if (out->len + 1 == out->cap)
			rc = fwp_buf_reserve(out, 65536, err);
	}
	close(fd);
	if (rc < 0) {
		fwp_buf_free(out);
		return rc;
	}
	out->data[out->len] = 0;
	return FWP_OK;
}

int fwp_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
			  struct fwp_err *err)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	if (!tmp)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	snprintf(tmp, plen + 16, "%s.tmp-XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int rc = fwp_fail(err, FWP_ERR_IO, "%s: cannot create temporary file: %s", path,
				  strerror(errno));
		free(tmp);
		return rc;
	}
	int rc = FWP_OK;
	/* mkstemp made the file 0600; give it the asked mode, less the umask. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, (mode_t)mode & ~mask) < 0)
		rc = fwp_fail(err, FWP_ERR_IO, "%s: chmod: %s", tmp, strerror(errno));
	const uint8_t *p = data;
	size_t left = len;
	while (rc == FWP_OK && left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = fwp_fail(err, FWP_ERR_IO, "%s: write: %s", tmp, strerror(errno));
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	if (rc == FWP_OK && fsync(fd) < 0)
		rc = fwp_fail(err, FWP_ERR_IO, "%s: fsync: %s", tmp, strerror(errno));
	if (close(fd) < 0 && rc == FWP_OK)
		rc = fwp_fail(err, FWP_ERR_IO, "%s: close: %s", tmp, strerror(errno));
	if (rc == FWP_OK && rename(tmp, path) < 0)
		rc = fwp_fail(err, FWP_ERR_IO, "%s: rename: %s", path, strerror(errno));
	if (rc != FWP_OK)
		unlink(tmp);
	free(tmp);
	return rc;
}

char *fwp_path_relative_to(const char *base, const char *rel)
{
	if (rel[0] == '/')
		return strdup(rel);
	const char *slash = strrchr(base, '/');
	if (!slash)
		return strdup(rel);
	size_t dlen = (size_t)(slash - base) + 1;
	size_t rlen = strlen(rel);
	char *p = malloc(dlen + rlen + 1);
	if (!p)
		return NULL;
	memcpy(p, base, dlen);
	memcpy(p + dlen, rel, rlen + 1);
	return p;
}

void fwp_hex(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = 0;
}

uint32_t fwp_crc32(const void *data, size_t len)
{
	/* zlib's crc32 takes a uInt length: feed large buffers in pieces. */
	const uint8_t *p = data;
	uLong crc = crc32(0L, Z_NULL, 0);
	while (len) {
		uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
		crc = crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)crc;
}

int fwp_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);
	if (!*s || *end || v > max)
		return -1;
	*out = v;
	return 0;
}
