/* An identity from a command's output, bounded in time (see identity.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "identity.h"

#define OUTPUT_MAX 4096

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void child(int fd, const struct fwp_idsrc *src, const char *board_uid, const char *station)
{
	dup2(fd, STDOUT_FILENO);
	setenv("FWPACK_POOL", src->pool, 1);
	setenv("FWPACK_BOARD_UID", board_uid ? board_uid : "", 1);
	setenv("FWPACK_STATION", station ? station : "", 1);
	setpgid(0, 0); /* so that a timeout ends the command's children too */
	execl("/bin/sh", "sh", "-c", src->command, (char *)NULL);
	_exit(127);
}

int fwp_idcommand_run(const struct fwp_idsrc *src, const char *board_uid, const char *station,
		      char out[FWP_IDENTITY_MAX], struct fwp_err *err)
{
	char buf[OUTPUT_MAX + 1];
	size_t n = 0;
	int fds[2], status = 0, timed_out = 0;
	if (pipe(fds) < 0)
		return fwp_fail(err, FWP_ERR_IO, "identity command: pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return fwp_fail(err, FWP_ERR_IO, "identity command: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], src, board_uid, station);
	}
	close(fds[1]);
	long long deadline = now_ms() + src->timeout_ms;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		struct pollfd pfd = {fds[0], POLLIN, 0};
		int r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			timed_out = r == 0;
			break;
		}
		ssize_t got = read(fds[0], buf + n, OUTPUT_MAX - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
		if (n == OUTPUT_MAX)
			break;
	}
	close(fds[0]);
	if (timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	/* The output is closed: the command ends now or is killed after a grace period. */
	long long grace = now_ms() + 2000;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > grace) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(10000);
	}
	if (timed_out)
		return fwp_fail(err, FWP_ERR_IO,
				"identity command \"%s\": no value within %u ms (killed)",
				src->command, src->timeout_ms);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fwp_fail(err, FWP_ERR_IO, "identity command \"%s\" failed (%s %d)",
				src->command, WIFEXITED(status) ? "exit status" : "signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!*buf)
		return fwp_fail(err, FWP_ERR_FORMAT, "identity command \"%s\" printed no value",
				src->command);
	if (strlen(buf) >= FWP_IDENTITY_MAX)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"identity command \"%s\": value longer than %d characters",
				src->command, FWP_IDENTITY_MAX - 1);
	for (const unsigned char *c = (const unsigned char *)buf; *c; c++)
		if (*c < 0x21 || *c == 0x7f)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"identity command \"%s\": value \"%s\" holds spaces or "
					"control characters",
					src->command, buf);
	memcpy(out, buf, strlen(buf) + 1);
	return FWP_OK;
}
