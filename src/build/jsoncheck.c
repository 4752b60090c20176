/* Strict lexical checks on JSON text before cJSON parses it (see jsoncheck.h). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jsoncheck.h"

/* Length of the valid UTF-8 sequence at p, or 0 (RFC 3629's table). */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp, min;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2, cp = c & 0x1Fu, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, cp = c & 0x0Fu, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, cp = c & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3Fu);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

static int hex4(const unsigned char *p, size_t left, uint32_t *out)
{
	uint32_t v = 0;
	if (left < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (uint32_t)((c | 0x20) - 'a' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static int bad(size_t at, size_t *off, struct fwp_err *err, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

static int bad(size_t at, size_t *off, struct fwp_err *err, const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	*off = at;
	return fwp_fail(err, FWP_ERR_FORMAT, "%s", why);
}

/* The string whose opening quote is at *i; *i ends after its closing quote. */
static int string(const unsigned char *t, size_t len, size_t *i, size_t *off,
		  struct fwp_err *err)
{
	size_t p = *i + 1;
	while (p < len && t[p] != '"') {
		unsigned char c = t[p];
		if (c < 0x20)
			return bad(p, off, err,
				   "control character 0x%02x in a string (write it as an escape)", c);
		if (c >= 0x80) {
			size_t n = utf8_len(t + p, len - p);
			if (!n)
				return bad(p, off, err, "invalid UTF-8 (byte 0x%02x)", c);
			p += n;
			continue;
		}
		if (c != '\\') {
			p++;
			continue;
		}
		if (p + 1 >= len)
			break; /* cJSON reports the unterminated string */
		c = t[p + 1];
		if (c && strchr("\"\\/bfnrt", c)) {
			p += 2;
			continue;
		}
		if (c != 'u')
			return bad(p, off, err, "invalid escape \\%c in a string", c);
		uint32_t u, low;
		if (hex4(t + p + 2, len - p - 2, &u) < 0)
			return bad(p, off, err, "\\u needs four hex digits");
		if (u == 0)
			return bad(p, off, err,
				   "\\u0000 in a string: a NUL would cut it short");
		if (u >= 0xDC00 && u <= 0xDFFF)
			return bad(p, off, err, "\\u%04x: a low surrogate without a high one", u);
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (p + 7 >= len || t[p + 6] != '\\' || t[p + 7] != 'u' ||
			    hex4(t + p + 8, len - p - 8, &low) < 0 || low < 0xDC00 || low > 0xDFFF)
				return bad(p, off, err,
					   "\\u%04x: a high surrogate without a low one after it", u);
			p += 12;
			continue;
		}
		p += 6;
	}
	*i = p + 1;
	return FWP_OK;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The number starting at *i ('-' or a digit): RFC 8259's grammar, exactly. */
static int number(const unsigned char *t, size_t len, size_t *i, size_t *off,
		  struct fwp_err *err)
{
	size_t s = *i, p = s, e = s;
	while (e < len && (is_digit(t[e]) || (t[e] && strchr("+-.eE", t[e]))))
		e++;
	*i = e;
	if (p < e && t[p] == '-')
		p++;
	if (p < e && t[p] == '0' && p + 1 < e && is_digit(t[p + 1]))
		return bad(s, off, err, "a number with a leading zero");
	if (p >= e || !is_digit(t[p]))
		goto malformed;
	while (p < e && is_digit(t[p]))
		p++;
	if (p < e && t[p] == '.') {
		if (++p >= e || !is_digit(t[p]))
			goto malformed;
		while (p < e && is_digit(t[p]))
			p++;
	}
	if (p < e && (t[p] == 'e' || t[p] == 'E')) {
		p++;
		if (p < e && (t[p] == '+' || t[p] == '-'))
			p++;
		if (p >= e || !is_digit(t[p]))
			goto malformed;
		while (p < e && is_digit(t[p]))
			p++;
	}
	if (p == e)
		return FWP_OK;
malformed:
	return bad(s, off, err, "malformed number (JSON writes -12, 0.5, 1e3)");
}

int fwp_json_check(const char *text, size_t len, size_t *off, struct fwp_err *err)
{
	const unsigned char *t = (const unsigned char *)text;
	for (size_t i = 0; i < len;) {
		unsigned char c = t[i];
		int rc = FWP_OK;
		if (c == '"') {
			rc = string(t, len, &i, off, err);
		} else if (c == '-' || is_digit(c) || c == '+' || c == '.') {
			rc = number(t, len, &i, off, err);
		} else if (c >= 0x80 && !utf8_len(t + i, len - i)) {
			rc = bad(i, off, err, "invalid UTF-8 (byte 0x%02x)", c);
		} else {
			i++;
		}
		if (rc < 0)
			return rc;
	}
	return FWP_OK;
}
