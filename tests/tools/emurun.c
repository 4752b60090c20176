/* The command under an emulator (emurun.h). */
#include "emurun.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

double emurun_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int spawn(const struct emurun *r, char **argv, pid_t *pid)
{
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	int e = r->env ? posix_spawnp(pid, argv[0], NULL, &attr, argv, r->env) : ENOMEM;
	posix_spawnattr_destroy(&attr);
	if (e)
		fprintf(stderr, "%s: %s: %s\n", r->name, argv[0], strerror(e));
	return e;
}

int emurun(const struct emurun *r, char **argv)
{
	pid_t pid;
	if (spawn(r, argv, &pid))
		return 127;
	double deadline = emurun_now() + r->timeout, kill_at = 0;
	int status = 0, timed_out = 0, sent = 0, rc = -1;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			fprintf(stderr, "%s: waitpid: %s\n", r->name, strerror(errno));
			rc = EMURUN_EXIT_SOFTWARE;
			break;
		}
		double t = emurun_now();
		int own = sent || !r->tick ? 0 : r->tick(r->ctx, t);
		if (own) {
			/* the emulator cannot go on: the run is not what was asked for */
			kill(-pid, SIGTERM);
			waitpid(pid, &status, 0);
			rc = own;
			break;
		}
		int sig = *r->signal;
		if (!sent && (t > deadline || sig)) {
			if (t > deadline) {
				fprintf(stderr, "%s: %s still running after %g s, stopping it\n",
					r->name, argv[0], r->timeout);
				timed_out = 1;
			}
			kill(-pid, sig ? sig : SIGTERM);
			sent = 1;
			kill_at = t + 2;
		} else if (sent && t > kill_at) {
			kill(-pid, SIGKILL);
			kill_at = t + 3600;
		}
		nanosleep(&(struct timespec){0, 10000000}, NULL); /* 10 ms: plug-ins, signals, the end */
	}
	/* What the command left running in its group goes too. */
	kill(-pid, SIGKILL);
	if (rc >= 0)
		return rc;
	if (timed_out)
		return EMURUN_EXIT_TIMEOUT;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
