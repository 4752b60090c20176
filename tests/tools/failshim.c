/*
 * Fault injection for the shell tests, preloaded: FWP_FAIL_RENAME=N makes
 * the Nth rename() of the process fail with EIO, to show what a command
 * leaves behind when the file system refuses half-way (tests/cli.sh).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int rename(const char *from, const char *to)
{
	static int calls;
	static int (*real)(const char *, const char *);
	const char *at = getenv("FWP_FAIL_RENAME");
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "rename");
	if (at && ++calls == atoi(at)) {
		errno = EIO;
		return -1;
	}
	return real(from, to);
}
