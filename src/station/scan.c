/*
 * What a station (loop.h) finds on each look: the serial ports its globs
 * match, or the USB DFU devices it selects, each keyed by who the board is.
 */
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu.h"
#include "loop.h"
#include "portpath.h"

static struct fwp_target *append(struct fwp_target **t, size_t *n,
				 const struct fwp_transport_ops *ops, const char *name)
{
	struct fwp_target *nt = realloc(*t, (*n + 1) * sizeof(*nt));
	if (!nt)
		return NULL;
	*t = nt;
	memset(&nt[*n], 0, sizeof(nt[0]));
	nt[*n].ops = ops;
	nt[*n].sel.vid = nt[*n].sel.pid = -1;
	snprintf(nt[*n].name, sizeof(nt[*n].name), "%s", name);
	return &nt[(*n)++];
}

/* A port by the device it resolves to: two names for one port are one board. */
static int scan_ports(const struct fwp_scan_spec *s, struct fwp_target **t, size_t *n)
{
	for (size_t i = 0; i < s->nports; i++) {
		glob_t g;
		if (glob(s->ports[i], GLOB_NOCHECK, NULL, &g) != 0)
			continue;
		for (size_t k = 0; k < g.gl_pathc; k++) {
			char real[PATH_MAX];
			struct fwp_err e;
			if (fwp_port_resolve(g.gl_pathv[k], real, sizeof(real), &e) < 0)
				continue; /* not (or no longer) there */
			struct fwp_target *x = append(t, n, &fwp_transport_serial, g.gl_pathv[k]);
			if (!x) {
				globfree(&g);
				return FWP_ERR_NOMEM;
			}
			snprintf(x->key, sizeof(x->key), "serial:%.255s", real);
		}
		globfree(&g);
	}
	return FWP_OK;
}

static int scan_usb(const struct fwp_scan_spec *s, struct fwp_target **t, size_t *n)
{
	struct fwp_dfu_ctx *c = NULL;
	struct fwp_dfu_info *found = NULL;
	size_t nfound = 0;
	struct fwp_dfu_select any = {s->vid, s->pid, NULL, NULL, NULL};
	struct fwp_err err;
	int rc = fwp_dfu_init(&c, &err);
	if (rc == FWP_OK)
		rc = fwp_dfu_list(c, &any, &found, &nfound, &err);
	for (size_t k = 0; rc == FWP_OK && k < nfound; k++) {
		int wanted = s->nserials + s->npaths == 0;
		for (size_t i = 0; i < s->nserials; i++)
			wanted |= !strcmp(s->serials[i], found[k].serial);
		for (size_t i = 0; i < s->npaths; i++)
			wanted |= !strcmp(s->paths[i], found[k].path);
		if (!wanted)
			continue;
		struct fwp_target *x = append(t, n, &fwp_transport_dfu, found[k].path);
		if (!x) {
			rc = FWP_ERR_NOMEM;
			break;
		}
		x->sel = any;
		snprintf(x->usb_path, sizeof(x->usb_path), "%s", found[k].path);
		/* The serial number survives a re-enumeration (ROM -> Loader -> application); the path too. */
		if (found[k].serial[0])
			snprintf(x->key, sizeof(x->key), "%s%.200s", FWP_SCAN_USB_SERIAL, found[k].serial);
		else
			snprintf(x->key, sizeof(x->key), "usb@%s", found[k].path);
	}
	free(found);
	fwp_dfu_exit(c);
	return rc;
}

int fwp_station_scan(const struct fwp_scan_spec *s, struct fwp_target **out, size_t *n)
{
	struct fwp_target *t = NULL;
	size_t nt = 0;
	int rc = s->nports ? scan_ports(s, &t, &nt) : scan_usb(s, &t, &nt);
	*out = NULL;
	*n = 0;
	if (rc < 0) {
		free(t);
		return rc;
	}
	*out = t;
	*n = nt;
	return FWP_OK;
}
