/*
 * fwpack: one error enum for the whole project.
 *
 * FWP_OK is zero and every failure is negative, so callers can write
 * `if (rc < 0)`. A caller's mistake (FWP_ERR_ARG, FWP_ERR_USAGE) is kept
 * apart from a failure of the system (FWP_ERR_IO, FWP_ERR_NOMEM) and from
 * bad outside input (FWP_ERR_FORMAT): the CLI maps each class to its own
 * exit code, once, at the top.
 */
#ifndef FWPACK_ERROR_H
#define FWPACK_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum fwp_error {
	FWP_OK = 0,
	FWP_ERR_ARG = -1,         /* invalid argument from the caller */
	FWP_ERR_USAGE = -2,       /* bad command line */
	FWP_ERR_IO = -3,          /* the operating system refused (errno) */
	FWP_ERR_NOMEM = -4,       /* out of memory */
	FWP_ERR_FORMAT = -5,      /* outside input is malformed */
	FWP_ERR_RANGE = -6,       /* a value does not fit where it must go */
	FWP_ERR_CRYPTO = -7,      /* the crypto library failed or a key is unusable */
	FWP_ERR_VERIFY = -8,      /* an integrity or signature check failed */
	FWP_ERR_NOT_FOUND = -9,   /* a named file, slot or key does not exist */
	FWP_ERR_UNSUPPORTED = -10, /* valid input that this version does not handle */
	FWP_ERR_REFUSED = -11,     /* the device refused the image (its reason in the message) */
	FWP_ERR_NO_DEVICE = -12,   /* no device answers, or the link was lost for good */
	FWP_ERR_PROTOCOL = -13,    /* the device answered against its protocol (a USB STALL) */
	FWP_ERR_INTERNAL = -14     /* a library failed where it cannot (a bug, in fwpack or there) */
};

/* Short constant name of an error code, e.g. "FWP_ERR_FORMAT". */
const char *fwp_error_name(int code);

/* One-line English description of an error code. */
const char *fwp_strerror(int code);

/*
 * Detail of the last failure of an operation: the code and a message of the
 * form "<context>: <reason>" ready to print after "fwpack: ". Passed down by
 * the caller instead of kept in a global, so that library code stays
 * reentrant and testable.
 */
struct fwp_err {
	int code;
	char msg[1024];
};

/* Record a failure in *err (which may be NULL) and return code. */
int fwp_fail(struct fwp_err *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* Put "<prefix>: " in front of err's message (e.g. the file it concerns); returns err->code. */
int fwp_err_prefix(struct fwp_err *err, const char *prefix);

/* Clear *err to FWP_OK and an empty message. */
void fwp_err_clear(struct fwp_err *err);

#ifdef __cplusplus
}
#endif

#endif /* FWPACK_ERROR_H */
