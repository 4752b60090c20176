/*
 * What the X-macro tables of fwpack/protocol.h, dfu.h and verdict.h have
 * in common: rows X(name, value, text[, more]) become an enum with a
 * prefix, and a lookup of a value's text that is a static inline switch,
 * so that a program that never prints a name links none of the strings.
 */
#ifndef FWPACK_XTABLE_H
#define FWPACK_XTABLE_H

/*
 * case value: return text; (the third column of a three- or four-column
 * table) or words (the fourth). Not variadic: ISO C wants an argument for
 * "...", and device projects build these headers with -pedantic.
 */
#define FWP_X_TEXT(name, value, text) \
	case value:                   \
		return text;
#define FWP_X_TEXT4(name, value, text, words) \
	case value:                           \
		return text;
#define FWP_X_WORDS(name, value, text, words) \
	case value:                           \
		return words;

/* The body of a lookup: the column CASE picks for v in TABLE, else fallback. */
#define FWP_X_LOOKUP(TABLE, CASE, v, fallback) \
	switch (v) {                           \
		TABLE(CASE)                    \
	}                                      \
	return fallback

#endif /* FWPACK_XTABLE_H */
