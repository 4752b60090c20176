/*
 * usbemu: run a program against emulated USB devices.
 *
 *   usbemu [--timeout SECONDS] [--verbose] --device MODEL[,key=value...]
 *          [--device ...] -- COMMAND [ARGS...]
 *
 * Each --device plugs in one device of that model (bus 001, port 1, 2...,
 * devnum 2, 3...; `dfu-util -p 1-2` finds the second). COMMAND runs under
 * umockdev's preload, so the real libusb in it sees only these devices, then
 * the models save their state (flash files) and usbemu exits with COMMAND's
 * status: 128+N when a signal N ended it, 124 when it ran past --timeout
 * (default 120 s; it is killed), 127 when it cannot be started, 70 when a
 * model could not save its state, 64 on a usage error. At the end, on stderr:
 *   usbemu: N control transfers, M bytes out, K bytes in
 *
 * Options of every model, handled here:
 *   serial=SN        the iSerialNumber string (passed to the model)
 *   vanish-after=N   the device leaves the bus when a transfer would take
 *                    OUT data past N bytes (that one and the rest: ENODEV)
 *   stall-after=N    STALL, once, the transfer that would take OUT data past
 *                    N bytes (it does not count)
 *   reappear=MODEL   once the device has left the bus, a device of MODEL
 *                    takes its place on its port at a new address (an
 *                    application that detached into its DFU bootloader);
 *                    MODEL.key=value options are that device's, serial=
 *                    goes to both
 *   reappear-ms=N    how long it is off the bus first (default 200)
 *   plug-ms=N        not on the bus at the start: plugged in N ms after
 *                    it (a board plugged in while COMMAND runs)
 * A device that leaves sends a "remove" uevent, one plugged in an "add"
 * (libusb's hotplug sees them); that needs usbemu itself under the preload,
 * so it starts itself again so. usbemu_noyield.so, found beside usbemu, is
 * preloaded after umockdev's (usbemu_noyield.c says why).
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <umockdev.h>

#include "emurun.h"
#include "usbemu.h"
#include "usbemu_bus.h"

/* The models. To add one, see usbemu.h. */
static const struct usbemu_model *const models[] = {
	&usbemu_model_dfuse,
	&usbemu_model_loader,
	&usbemu_model_runtime,
};

#define EXIT_USAGE 64
#define EXIT_SOFTWARE EMURUN_EXIT_SOFTWARE
#define MAX_OPTS 32
#define PRELOAD "libumockdev-preload.so.0"
#define NOYIELD "usbemu_noyield.so"

extern char **environ;
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static int usage(void)
{
	fprintf(stderr, "usage: usbemu [--timeout SECONDS] [--verbose] --device MODEL[,key=value...] "
			"[--device ...] -- COMMAND [ARGS...]\nmodels:");
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		fprintf(stderr, " %s", models[i]->name);
	fprintf(stderr, "\n");
	return EXIT_USAGE;
}

static const struct usbemu_model *model_named(const char *name)
{
	for (size_t i = 0; name && i < sizeof(models) / sizeof(models[0]); i++)
		if (strcmp(models[i]->name, name) == 0)
			return models[i];
	fprintf(stderr, "usbemu: no model '%s'\n", name ? name : "");
	return NULL;
}

/* "MODEL,key=value,..." onto the bus; with reappear=THEN, THEN.key=value
 * options go to the device that follows it (serial= to both: it is the
 * same board). */
static int add_device(struct usbemu_bus *bus, const char *spec)
{
	char *copy = strdup(spec), *save = NULL;
	char *keys[MAX_OPTS], *values[MAX_OPTS], *tkeys[MAX_OPTS], *tvalues[MAX_OPTS];
	int n = 0, tn = 0, rc = -1;
	const char *name = copy ? strtok_r(copy, ",", &save) : NULL;
	const struct usbemu_model *model = model_named(name), *then = NULL;

	if (!model)
		goto out;
	for (char *kv; (kv = strtok_r(NULL, ",", &save));) {
		char *eq = strchr(kv, '=');
		if (!eq || eq == kv || n == MAX_OPTS) {
			fprintf(stderr, "usbemu: '%s': options are key=value\n", kv);
			goto out;
		}
		*eq = '\0';
		keys[n] = kv;
		values[n++] = eq + 1;
	}
	for (int i = 0; i < n; i++)
		if (strcmp(keys[i], "reappear") == 0 && !(then = model_named(values[i])))
			goto out;
	for (int i = 0; i < n && !then; i++)
		if (strcmp(keys[i], "reappear-ms") == 0) {
			fprintf(stderr, "usbemu: reappear-ms= without reappear=\n");
			goto out;
		}
	size_t plen = then ? strlen(then->name) : 0;
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(keys[i], "reappear") == 0)
			continue;
		if (then && strncmp(keys[i], then->name, plen) == 0 && keys[i][plen] == '.') {
			tkeys[tn] = keys[i] + plen + 1;
			tvalues[tn++] = values[i];
			continue;
		}
		if (then && strcmp(keys[i], "serial") == 0) {
			tkeys[tn] = keys[i];
			tvalues[tn++] = values[i];
		}
		keys[k] = keys[i];
		values[k++] = values[i];
	}
	rc = usbemu_bus_add(bus, model, k, keys, values);
	if (rc == 0 && then)
		rc = usbemu_bus_add_successor(bus, then, tn, tkeys, tvalues);
out:
	free(copy);
	return rc;
}

/* Our environment (with umockdev's UMOCKDEV_DIR) plus its preload in front
 * of any other; ASan in the program must accept a library ahead of it. */
static char **child_env(void)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 3, sizeof(*env));
	const char *pre = getenv("LD_PRELOAD"), *asan = getenv("ASAN_OPTIONS");
	size_t k = 0;
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0 &&
		    strncmp(environ[i], "ASAN_OPTIONS=", 13) != 0 &&
		    strncmp(environ[i], "USBEMU_REEXEC=", 14) != 0)
			env[k++] = strdup(environ[i]);
	if (pre && strncmp(pre, PRELOAD, strlen(PRELOAD)) == 0) {
		pre += strlen(PRELOAD); /* we run under it ourselves: once is enough */
		pre += *pre == ':';
	}
	/* usbemu_noyield.so beside this program (usbemu_noyield.c), once */
	char noyield[4096] = "";
	ssize_t len = readlink("/proc/self/exe", noyield, sizeof(noyield) - 32);
	char *slash = len > 0 ? memrchr(noyield, '/', (size_t)len) : NULL;
	if (slash)
		strcpy(slash + 1, NOYIELD);
	if (!slash || access(noyield, R_OK) != 0 || (pre && strstr(pre, NOYIELD)))
		noyield[0] = '\0';
	if (asprintf(&env[k++], "LD_PRELOAD=" PRELOAD "%s%s%s%s", noyield[0] ? ":" : "", noyield,
		     pre && *pre ? ":" : "", pre ? pre : "") < 0 ||
	    asprintf(&env[k++], "ASAN_OPTIONS=%s%sverify_asan_link_order=0", asan ? asan : "",
		     asan && *asan ? ":" : "") < 0)
		env[--k] = NULL;
	return env;
}

static void free_env(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

static int tick(void *bus, double now)
{
	usbemu_bus_poll(bus, now);
	return 0;
}

/* argv on the emulated bus until it exits or the time is up: its exit status as ours. */
static int run(struct usbemu_bus *bus, char **argv, double timeout)
{
	struct emurun r = {"usbemu", child_env(), timeout, &got_signal, tick, bus};
	int rc = emurun(&r, argv);
	free_env(r.env);
	return rc;
}

int main(int argc, char **argv)
{
	double timeout = 120;
	int verbose = 0, i, ndev = 0;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
			verbose = 1;
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			char *end;
			timeout = strtod(argv[++i], &end);
			if (*end || !(timeout > 0))
				return usage();
		} else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
			i++;
			ndev++;
		} else {
			return usage();
		}
	}
	if (i + 1 >= argc || ndev == 0)
		return usage();

	/* umockdev sends uevents (hotplug, for libusb's device list) only from
	 * a process under its preload: start again that way, as
	 * umockdev-wrapper would. */
	if (!umockdev_in_mock_environment() && !getenv("USBEMU_REEXEC")) {
		char **env = child_env();
		if (env && setenv("USBEMU_REEXEC", "1", 1) == 0) {
			for (size_t k = 0; env[k]; k++)
				putenv(env[k]); /* the strings become the environment's */
			execv("/proc/self/exe", argv);
		}
		perror("usbemu: cannot run under umockdev's preload");
		return EXIT_SOFTWARE;
	}

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	struct usbemu_bus *bus = usbemu_bus_new(verbose);
	if (!bus)
		return EXIT_SOFTWARE;
	int rc = 0;
	for (int j = 1; j < i && rc == 0; j++)
		if (strcmp(argv[j], "--device") == 0)
			rc = add_device(bus, argv[++j]) == 0 ? 0 : EXIT_USAGE;
		else if (strcmp(argv[j], "--timeout") == 0)
			j++;
	if (rc == 0)
		rc = run(bus, argv + i + 1, timeout);

	struct usbemu_stats st;
	if (usbemu_bus_free(bus, &st) != 0 && rc == 0)
		rc = EXIT_SOFTWARE;
	fprintf(stderr, "usbemu: %lu control transfers, %llu bytes out, %llu bytes in\n", st.transfers,
		st.out, st.in);
	return rc;
}
