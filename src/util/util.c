/* Growable buffers and whole-file I/O with atomic replacement. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
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
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return fwp_fail(err, FWP_ERR_IO, "%s: fstat: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fwp_fail(err, FWP_ERR_IO, "%s: not a regular file", path);
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

/* One file of a set while it is written: its temporary and backup names. */
struct staged {
	char *tmp;   /* the new bytes, until renamed over path */
	char *old;   /* a hard link to the file path held before */
	int existed; /* path held a file before */
	int kept;    /* ... and old links to it (no hard links on FAT: not kept) */
	int renamed;
};

/* Write data to a new temporary file next to path, flushed to disk. */
static int stage(const struct fwp_out_file *f, struct staged *s, struct fwp_err *err)
{
	size_t plen = strlen(f->path);
	s->tmp = malloc(plen + 16);
	s->old = malloc(plen + 20);
	if (!s->tmp || !s->old)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	s->old[0] = '\0';
	snprintf(s->tmp, plen + 16, "%s.tmp-XXXXXX", f->path);
	int fd = mkstemp(s->tmp);
	if (fd < 0) {
		int rc = fwp_fail(err, FWP_ERR_IO, "%s: cannot create temporary file: %s", f->path,
				  strerror(errno));
		free(s->tmp);
		s->tmp = NULL;
		return rc;
	}
	int rc = FWP_OK;
	/* mkstemp made the file 0600; give it the asked mode, less the umask. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, (mode_t)f->mode & ~mask) < 0)
		rc = fwp_fail(err, FWP_ERR_IO, "%s: chmod: %s", s->tmp, strerror(errno));
	const uint8_t *p = f->data;
	size_t left = f->len;
	while (rc == FWP_OK && left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = fwp_fail(err, FWP_ERR_IO, "%s: write: %s", s->tmp, strerror(errno));
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	if (rc == FWP_OK && fsync(fd) < 0)
		rc = fwp_fail(err, FWP_ERR_IO, "%s: fsync: %s", s->tmp, strerror(errno));
	if (close(fd) < 0 && rc == FWP_OK)
		rc = fwp_fail(err, FWP_ERR_IO, "%s: close: %s", s->tmp, strerror(errno));
	if (rc == FWP_OK) {
		/* The backup is named after the unique temporary, so it is free too. */
		snprintf(s->old, plen + 20, "%s.old", s->tmp);
		struct stat st;
		s->existed = lstat(f->path, &st) == 0;
		if (s->existed && S_ISDIR(st.st_mode))
			rc = fwp_fail(err, FWP_ERR_IO, "%s: is a directory", f->path);
		else if (s->existed && !S_ISREG(st.st_mode))
			/* Renaming over /dev/null or a FIFO would replace it with a file. */
			rc = fwp_fail(err, FWP_ERR_IO,
				      "%s: not a regular file (outputs are renamed into place)",
				      f->path);
		else if (s->existed && link(f->path, s->old) == 0)
			s->kept = 1;
		else if (s->existed && errno != EPERM && errno != ENOTSUP && errno != EMLINK)
			rc = fwp_fail(err, FWP_ERR_IO, "%s: cannot keep the old file as %s: %s",
				      f->path, s->old, strerror(errno));
	}
	return rc;
}

/* Make the directory entries of path durable (renames live in its directory). */
static void sync_dir_of(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return;
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int fwp_files_write_atomic(const struct fwp_out_file *files, size_t n, struct fwp_err *err)
{
	struct staged *s = calloc(n ? n : 1, sizeof(*s));
	if (!s)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	int rc = FWP_OK;
	size_t k;
	/* 1: every file's bytes on disk under a temporary name; the outputs untouched. */
	for (k = 0; rc == FWP_OK && k < n; k++)
		rc = stage(&files[k], &s[k], err);
	/* 2: rename them all into place; on a failure put back what was there. */
	for (k = 0; rc == FWP_OK && k < n; k++) {
		if (rename(s[k].tmp, files[k].path) < 0) {
			rc = fwp_fail(err, FWP_ERR_IO, "%s: rename: %s", files[k].path,
				      strerror(errno));
			break;
		}
		s[k].renamed = 1;
	}
	if (rc < 0) {
		char undone[512] = "";
		for (k = 0; k < n; k++) {
			if (!s[k].renamed)
				continue;
			int bad = s[k].kept	    ? rename(s[k].old, files[k].path)
				  : !s[k].existed ? unlink(files[k].path)
						  : -1;
			if (bad < 0 && strlen(undone) + strlen(files[k].path) + 3 < sizeof(undone)) {
				strcat(undone, " ");
				strcat(undone, files[k].path);
			}
			if (!bad)
				s[k].kept = 0;
		}
		if (undone[0]) {
			char what[600];
			snprintf(what, sizeof(what), "could not restore the previous%s", undone);
			fwp_err_prefix(err, what);
		}
	}
	for (k = 0; k < n; k++) {
		if (s[k].tmp && !s[k].renamed)
			unlink(s[k].tmp);
		if (s[k].kept)
			unlink(s[k].old);
		free(s[k].tmp);
		free(s[k].old);
	}
	if (rc == FWP_OK)
		for (k = 0; k < n; k++)
			sync_dir_of(files[k].path);
	free(s);
	return rc;
}

int fwp_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
			  struct fwp_err *err)
{
	struct fwp_out_file f = {path, data, len, mode};
	return fwp_files_write_atomic(&f, 1, err);
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

int fwp_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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

int fwp_zlib_fail(struct fwp_err *err, int zrc, const char *what)
{
	static const char *const names[] = {"Z_VERSION_ERROR", "Z_BUF_ERROR", "Z_MEM_ERROR",
					    "Z_DATA_ERROR",    "Z_STREAM_ERROR", "Z_ERRNO"};
	const char *name = zrc <= -1 && zrc >= -6 ? names[zrc + 6] : "Z_OK";
	if (zrc == Z_MEM_ERROR)
		return fwp_fail(err, FWP_ERR_NOMEM, "zlib: %s: out of memory (%s)", what, name);
	/* Z_STREAM_END and Z_NEED_DICT are no errors, but wrong where an end was due. */
	if (zrc == Z_STREAM_END || zrc == Z_NEED_DICT || zrc == Z_OK)
		return fwp_fail(err, FWP_ERR_INTERNAL, "zlib: %s: stopped early (return code %d)",
				what, zrc);
	return fwp_fail(err, FWP_ERR_INTERNAL, "zlib: %s: %s (%s)", what, zError(zrc), name);
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
