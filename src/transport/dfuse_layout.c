/* Parser for the DfuSe memory layout string (see dfuse_layout.h). */
#include <ctype.h>
#include <string.h>

#include "dfuse_layout.h"

struct cursor {
	const char *s;
	size_t len, pos;
};

static int peek(const struct cursor *c)
{
	return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static int bad(const struct cursor *c, struct fwp_err *err, const char *what)
{
	int ch = peek(c);
	if (ch < 0)
		return fwp_fail(err, FWP_ERR_FORMAT, "DfuSe layout: %s at column %zu (end of string)",
				what, c->pos + 1);
	return fwp_fail(err, FWP_ERR_FORMAT, "DfuSe layout: %s at column %zu ('%c')", what,
			c->pos + 1, isprint(ch) ? ch : '?');
}

/* A decimal or 0x-hex number no larger than max. */
static int number(struct cursor *c, uint32_t max, uint32_t *out, struct fwp_err *err)
{
	int base = 10;
	uint64_t v = 0;
	if (peek(c) == '0' && c->pos + 1 < c->len && (c->s[c->pos + 1] | 0x20) == 'x') {
		base = 16;
		c->pos += 2;
	}
	size_t first = c->pos;
	for (int ch; (ch = peek(c)) >= 0 && (base == 16 ? isxdigit(ch) : isdigit(ch)); c->pos++) {
		v = v * (uint64_t)base + (uint64_t)(isdigit(ch) ? ch - '0' : (ch | 0x20) - 'a' + 10);
		if (v > max)
			return bad(c, err, "number too large");
	}
	if (c->pos == first)
		return bad(c, err, "number expected");
	*out = (uint32_t)v;
	return FWP_OK;
}

static int group(struct cursor *c, uint32_t *addr, struct fwp_dfuse_layout *l, struct fwp_err *err)
{
	uint32_t count, size;
	int rc = number(c, 0xffffff, &count, err);
	if (rc < 0)
		return rc;
	if (peek(c) != '*')
		return bad(c, err, "'*' expected");
	c->pos++;
	if ((rc = number(c, 0xffffff, &size, err)) < 0)
		return rc;
	uint64_t mult = 1;
	switch (peek(c)) {
	case 'K':
		mult = 1024;
		c->pos++;
		break;
	case 'M':
		mult = 1024 * 1024;
		c->pos++;
		break;
	case ' ':
		c->pos++;
		break;
	default:
		/* ST's own strings sometimes put the letter straight after the digits. */
		break;
	}
	int attr = peek(c);
	if (attr < 'a' || attr > 'g')
		return bad(c, err, "attribute letter 'a'..'g' expected");
	c->pos++;
	uint64_t bytes = size * mult;
	if (count == 0 || bytes == 0)
		return bad(c, err, "empty sector group");
	/* A sector is stored in 32 bits: 4 GiB would become 0. */
	if (bytes > 0xffffffffull)
		return bad(c, err, "sector of 4 GiB or more");
	/* Now bytes < 2^32 and count < 2^24: the product fits in 64 bits. */
	uint64_t end = *addr + bytes * count;
	if (end > 0x100000000ull)
		return bad(c, err, "sectors pass the end of the 4 GiB address space");
	if (l->nregions == FWP_DFUSE_MAX_REGIONS)
		return bad(c, err, "too many sector groups");
	struct fwp_dfuse_region *r = &l->regions[l->nregions++];
	r->start = *addr;
	r->count = count;
	r->sector_size = (uint32_t)bytes;
	r->attrs = (uint8_t)(attr - 'a' + 1);
	*addr = (uint32_t)(end & 0xffffffffu);
	return FWP_OK;
}

int fwp_dfuse_layout_parse(const char *s, size_t len, struct fwp_dfuse_layout *out,
			   struct fwp_err *err)
{
	struct cursor c = {s, len, 0};
	memset(out, 0, sizeof(*out));
	if (peek(&c) != '@')
		return bad(&c, err, "'@' expected");
	c.pos++;
	size_t n0 = c.pos;
	while (peek(&c) >= 0 && peek(&c) != '/')
		c.pos++;
	size_t n1 = c.pos;
	while (n1 > n0 && s[n1 - 1] == ' ')
		n1--;
	size_t nl = n1 - n0 < sizeof(out->name) - 1 ? n1 - n0 : sizeof(out->name) - 1;
	for (size_t i = 0; i < nl; i++)
		out->name[i] = isprint((unsigned char)s[n0 + i]) ? s[n0 + i] : '?';
	if (peek(&c) != '/')
		return bad(&c, err, "'/' and an address expected");
	/* One or more "/ADDRESS/GROUP,GROUP..." segments. */
	while (peek(&c) == '/') {
		uint32_t addr;
		c.pos++;
		int rc = number(&c, 0xffffffffu, &addr, err);
		if (rc < 0)
			return rc;
		if (peek(&c) != '/')
			return bad(&c, err, "'/' expected after the address");
		c.pos++;
		for (;;) {
			if ((rc = group(&c, &addr, out, err)) < 0)
				return rc;
			if (peek(&c) != ',')
				break;
			c.pos++;
		}
	}
	/* Trailing blanks or a NUL are harmless; anything else is not a layout we understand. */
	while (peek(&c) == ' ' || peek(&c) == 0)
		c.pos++;
	if (peek(&c) >= 0)
		return bad(&c, err, "',' or '/' expected");
	return FWP_OK;
}

int fwp_dfuse_sector_at(const struct fwp_dfuse_layout *l, uint32_t addr, uint32_t *start,
			uint32_t *size, uint8_t *attrs)
{
	for (unsigned i = 0; i < l->nregions; i++) {
		const struct fwp_dfuse_region *r = &l->regions[i];
		uint64_t end = (uint64_t)r->start + (uint64_t)r->count * r->sector_size;
		if (addr >= r->start && addr < end) {
			uint32_t k = (addr - r->start) / r->sector_size;
			*start = r->start + k * r->sector_size;
			*size = r->sector_size;
			*attrs = r->attrs;
			return FWP_OK;
		}
	}
	return fwp_fail(NULL, FWP_ERR_RANGE, "unused");
}
