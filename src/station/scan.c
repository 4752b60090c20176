/*
 * What a station (loop.h) finds on each look: the serial ports its globs
 * match, or the USB DFU devices it selects, or (--all) both, each keyed by
 * who the board is.
 */
#include <ctype.h>
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

/* A port by the device it resolves to: two names for one port are one board.
   1: not (or no longer) there. */
static int append_port(struct fwp_target **t, size_t *n, const char *name)
{
	char real[PATH_MAX];
	struct fwp_err e;
	if (fwp_port_resolve(name, real, sizeof(real), &e) < 0)
		return 1;
	struct fwp_target *x = append(t, n, &fwp_transport_serial, name);
	if (!x)
		return FWP_ERR_NOMEM;
	snprintf(x->key, sizeof(x->key), "serial:%.255s", real);
	return FWP_OK;
}

static int scan_ports(const struct fwp_scan_spec *s, struct fwp_target **t, size_t *n)
{
	for (size_t i = 0; i < s->nports; i++) {
		glob_t g;
		if (glob(s->ports[i], GLOB_NOCHECK, NULL, &g) != 0)
			continue;
		for (size_t k = 0; k < g.gl_pathc; k++)
			if (append_port(t, n, g.gl_pathv[k]) < 0) {
				globfree(&g);
				return FWP_ERR_NOMEM;
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
		fwp_dfu_board_uid(&found[k], x->uid);
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

/*
 * --all: each port is probed once, when it appears in the list: never
 * while its board is being flashed or runs its application afterwards.
 * A port that leaves the list is forgotten, so plugging it in again
 * probes it again. The ports known from the last look go first, as they
 * were, so that a board's first port keeps it when a second port with
 * the same UID appears.
 */
static int look_ports(const struct fwp_serial_scan_opts *so, struct fwp_port_memo *memo)
{
	struct fwp_scan_port *now = NULL;
	size_t n = 0, known = 0;
	struct fwp_err e;
	int rc = fwp_serial_candidates(so, &now, &n, &e);
	if (rc < 0)
		/* Not listed this time (or never: no tty class in a container, an
		   emulated USB bus): what the last look knew stands, so that no
		   port is taken for new, and probed, mid-update. */
		return rc == FWP_ERR_NOMEM ? rc : FWP_OK;
	struct fwp_scan_port *all = calloc(n ? n : 1, sizeof(*all));
	if (!all) {
		free(now);
		return FWP_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < memo->n; k++)
			if (!strcmp(memo->ports[k].name, now[i].name)) {
				all[known++] = memo->ports[k];
				now[i].probed = 1; /* taken */
				break;
			}
	size_t m = known;
	for (size_t i = 0; i < n; i++)
		if (!now[i].probed)
			all[m++] = now[i];
	free(now);
	if (fwp_serial_probe(so, all, m) < 0) {
		free(all);
		return FWP_ERR_NOMEM;
	}
	for (size_t i = known; memo->skipped && i < m; i++)
		if (!all[i].found)
			memo->skipped(memo->skipped_ctx, &all[i]);
	free(memo->ports);
	memo->ports = all;
	memo->n = m;
	return FWP_OK;
}

int fwp_station_scan_all(const struct fwp_scan_spec *usb, const struct fwp_serial_scan_opts *so,
			 struct fwp_port_memo *memo, enum fwp_looks what, struct fwp_target **out,
			 size_t *n)
{
	struct fwp_target *t = NULL;
	size_t nt = 0;
	*out = NULL;
	*n = 0;
	int rc = what & FWP_LOOK_SERIAL ? look_ports(so, memo) : FWP_OK;
	if (rc == FWP_OK && what & FWP_LOOK_USB) {
		struct fwp_target *u = NULL;
		size_t nu = 0;
		rc = scan_usb(usb, &u, &nu);
		if (rc == FWP_OK) {
			free(memo->usb);
			memo->usb = u;
			memo->nusb = nu;
		} else {
			free(u);
			/* no USB here (no access to the bus): the serial boards still are */
			rc = rc == FWP_ERR_NOMEM ? rc : FWP_OK;
		}
	}
	/* USB first: a board on both carriers is flashed over USB (the loop
	   takes the first of one key), ... */
	for (size_t i = 0; rc == FWP_OK && i < memo->nusb; i++) {
		struct fwp_target *x = append(&t, &nt, memo->usb[i].ops, memo->usb[i].name);
		if (x)
			*x = memo->usb[i];
		else
			rc = FWP_ERR_NOMEM;
	}
	for (size_t i = 0; rc == FWP_OK && i < memo->n; i++) {
		const struct fwp_scan_port *p = &memo->ports[i];
		if (!p->found)
			continue;
		size_t before = nt;
		if (append_port(&t, &nt, p->name) < 0) {
			rc = FWP_ERR_NOMEM;
		} else if (nt > before && p->uid[0]) {
			/* ... and known as one board, whichever carrier came first: a
			   port whose Loader reports its UID has the key an fwpack
			   Loader has over USB (its iSerialNumber, the UID in upper-case
			   hex). */
			struct fwp_target *x = &t[nt - 1];
			snprintf(x->uid, sizeof(x->uid), "%s", p->uid);
			size_t k = strlen(FWP_SCAN_USB_SERIAL);
			snprintf(x->key, sizeof(x->key), "%s", FWP_SCAN_USB_SERIAL);
			for (size_t j = 0; p->uid[j] && k + 1 < sizeof(x->key); j++)
				x->key[k++] = (char)toupper((unsigned char)p->uid[j]);
			x->key[k] = 0;
		}
	}
	if (rc < 0) {
		free(t);
		return rc;
	}
	*out = t;
	*n = nt;
	return FWP_OK;
}

void fwp_port_memo_clear(struct fwp_port_memo *memo)
{
	free(memo->ports);
	free(memo->usb);
	memset(memo, 0, sizeof(*memo));
}
