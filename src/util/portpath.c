/* Following a port's symlinks without realpath() (portpath.h). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "portpath.h"

/* An absolute path with "//", "." and ".." taken out, in place. */
static void normalize(char *p)
{
	char *w = p;
	const char *r = p;
	while (*r) {
		while (*r == '/')
			r++;
		const char *end = strchrnul(r, '/');
		size_t n = (size_t)(end - r);
		if (n == 0 || (n == 1 && r[0] == '.')) {
			/* nothing */
		} else if (n == 2 && r[0] == '.' && r[1] == '.') {
			while (w > p && *--w != '/')
				;
		} else {
			*w++ = '/';
			memmove(w, r, n);
			w += n;
		}
		r = end;
	}
	if (w == p)
		*w++ = '/';
	*w = 0;
}

static int resolve(const char *path, char *out, size_t size, struct fwp_err *err);

/* One lookup at a time (portpath.h: umockdev); each takes microseconds. */
static pthread_mutex_t lookup = PTHREAD_MUTEX_INITIALIZER;

void fwp_port_lookup_lock(void)
{
	pthread_mutex_lock(&lookup);
}

void fwp_port_lookup_unlock(void)
{
	pthread_mutex_unlock(&lookup);
}

int fwp_port_resolve(const char *path, char *out, size_t size, struct fwp_err *err)
{
	fwp_port_lookup_lock();
	int rc = resolve(path, out, size, err);
	fwp_port_lookup_unlock();
	return rc;
}

static int resolve(const char *path, char *out, size_t size, struct fwp_err *err)
{
	char cur[PATH_MAX], next[PATH_MAX], target[PATH_MAX];
	if (path[0] == '/') {
		if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur))
			return fwp_fail(err, FWP_ERR_RANGE, "%s: path too long", path);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return fwp_fail(err, FWP_ERR_IO, "%s: cannot read the current directory: %s",
					path, strerror(errno));
		if (snprintf(cur, sizeof(cur), "%s/%s", cwd, path) >= (int)sizeof(cur))
			return fwp_fail(err, FWP_ERR_RANGE, "%s: path too long", path);
	}
	normalize(cur);
	for (int depth = 0;; depth++) {
		struct stat st;
		if (lstat(cur, &st) != 0)
			return fwp_fail(err, errno == ENOENT ? FWP_ERR_NOT_FOUND : FWP_ERR_IO,
					"%s: %s", path, strerror(errno));
		if (!S_ISLNK(st.st_mode))
			break;
		if (depth == FWP_PORT_LINK_DEPTH)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"%s: more than %d symbolic links (a loop?)", path,
					FWP_PORT_LINK_DEPTH);
		ssize_t n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0)
			return fwp_fail(err, FWP_ERR_IO, "%s: cannot read the link %s: %s", path, cur,
					strerror(errno));
		if ((size_t)n == sizeof(target) - 1)
			return fwp_fail(err, FWP_ERR_RANGE, "%s: the link %s is too long", path, cur);
		target[n] = 0;
		int len;
		if (target[0] == '/') {
			len = snprintf(next, sizeof(next), "%s", target);
		} else {
			/* relative to the directory the link is in */
			char *slash = strrchr(cur, '/');
			len = snprintf(next, sizeof(next), "%.*s/%s", (int)(slash - cur), cur, target);
		}
		if (len < 0 || len >= (int)sizeof(next))
			return fwp_fail(err, FWP_ERR_RANGE, "%s: path too long", path);
		normalize(next);
		memcpy(cur, next, strlen(next) + 1);
	}
	if (snprintf(out, size, "%s", cur) >= (int)size)
		return fwp_fail(err, FWP_ERR_RANGE, "%s: resolved path too long", path);
	return FWP_OK;
}
