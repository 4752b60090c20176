/* fwpack flash --all: the listed serial ports that answer HELLO (serial_scan.h). */
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flasher.h"
#include "portpath.h"
#include "serial.h"
#include "serial_scan.h"

struct probe {
	const struct fwp_serial_scan_opts *o;
	struct fwp_scan_port *p;
	pthread_t thread;
	int started;
};

/* Is it a candidate at all (the options' filters)? */
static int wanted(const struct fwp_serial_scan_opts *o, const struct fwp_port_desc *d)
{
	if (o->vid >= 0 && d->usb_vid != o->vid)
		return 0;
	if (o->pid >= 0 && d->usb_pid != o->pid)
		return 0;
	if (!o->nglobs)
		return 1;
	for (size_t i = 0; i < o->nglobs; i++)
		if (fnmatch(o->globs[i], d->name, 0) == 0)
			return 1;
	return 0;
}

static void *probe(void *arg)
{
	struct probe *pr = arg;
	struct fwp_scan_port *p = pr->p;
	struct fwp_serial *port = NULL;
	struct fwp_flasher *f = NULL;
	struct fwp_device_info info;
	struct fwp_err err;
	char real[PATH_MAX];
	fwp_err_clear(&err);
	/* a by-id name is opened as what it names, as the serial transport does */
	const char *path = fwp_port_resolve(p->name, real, sizeof(real), &err) == FWP_OK ? real
											 : p->name;
	struct fwp_flasher_opts fo = {FWP_PROBE_WRITE_MS, FWP_PROBE_RETRIES, -1, 0, pr->o->cancel, NULL, NULL};
	int rc = fwp_serial_open(path, pr->o->baud ? pr->o->baud : 115200, &port, &err);
	if (rc == FWP_OK)
		rc = fwp_flasher_new(port, &fo, &f, &err);
	if (rc == FWP_OK)
		rc = fwp_flasher_connect(f, &info, &err);
	if (rc == FWP_OK) {
		p->found = 1;
		p->updater = info.role == FWP_ROLE_UPDATER;
		snprintf(p->board, sizeof(p->board), "%s", info.board);
		snprintf(p->uid, sizeof(p->uid), "%s", info.uid);
	} else {
		snprintf(p->why, sizeof(p->why), "%s", err.msg);
	}
	fwp_flasher_free(f);
	fwp_serial_close(port);
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct fwp_scan_port *)a)->name,
		      ((const struct fwp_scan_port *)b)->name);
}

int fwp_serial_candidates(const struct fwp_serial_scan_opts *o, struct fwp_scan_port **out,
			  size_t *n, struct fwp_err *err)
{
	struct fwp_port_desc *list = NULL;
	size_t nlist = 0, k = 0;
	*out = NULL;
	*n = 0;
	int rc = fwp_serial_list(&list, &nlist, err);
	if (rc < 0)
		return rc;
	struct fwp_scan_port *ports = calloc(nlist ? nlist : 1, sizeof(*ports));
	if (!ports) {
		free(list);
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < nlist; i++)
		if (wanted(o, &list[i]))
			snprintf(ports[k++].name, sizeof(ports[0].name), "%s", list[i].name);
	free(list);
	qsort(ports, k, sizeof(*ports), by_name);
	*out = ports;
	*n = k;
	return FWP_OK;
}

int fwp_serial_probe(const struct fwp_serial_scan_opts *o, struct fwp_scan_port *ports, size_t k)
{
	struct probe *pr = calloc(k ? k : 1, sizeof(*pr));
	if (!pr)
		return FWP_ERR_NOMEM;
	/* in batches, each port in a thread of its own: a batch takes one probe's time */
	for (size_t b = 0; b < k; b += FWP_PROBE_PARALLEL) {
		size_t end = b + FWP_PROBE_PARALLEL < k ? b + FWP_PROBE_PARALLEL : k;
		for (size_t i = b; i < end; i++) {
			pr[i].o = o;
			pr[i].p = &ports[i];
			pr[i].started = 0;
			if (ports[i].probed)
				continue;
			ports[i].probed = 1;
			if (o->cancel && *o->cancel)
				snprintf(ports[i].why, sizeof(ports[i].why), "interrupted before probing");
			else if (pthread_create(&pr[i].thread, NULL, probe, &pr[i]) == 0)
				pr[i].started = 1;
			else
				probe(&pr[i]); /* no thread to spare: this one waits its turn */
		}
		for (size_t i = b; i < end; i++)
			if (pr[i].started)
				pthread_join(pr[i].thread, NULL);
	}
	free(pr);
	/* One board behind two ports (a by-id name listed, two interfaces): flashed once. */
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; ports[i].found && ports[i].uid[0] && j < i; j++)
			if (ports[j].found && !strcmp(ports[i].uid, ports[j].uid)) {
				ports[i].found = 0;
				snprintf(ports[i].why, sizeof(ports[i].why),
					 "%.100s: the same board as %.100s (UID %s): flashed once",
					 ports[i].name, ports[j].name, ports[i].uid);
				break;
			}
	return FWP_OK;
}

int fwp_serial_scan(const struct fwp_serial_scan_opts *o, struct fwp_scan_port **out, size_t *n,
		    struct fwp_err *err)
{
	int rc = fwp_serial_candidates(o, out, n, err);
	if (rc == FWP_OK && fwp_serial_probe(o, *out, *n) < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		rc = fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	}
	return rc;
}
