/* The error enum's names and messages, and the fwp_err detail record. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fwpack/error.h"

static const struct {
	int code;
	const char *name;
	const char *message;
} error_table[] = {
	{FWP_OK, "FWP_OK", "success"},
	{FWP_ERR_ARG, "FWP_ERR_ARG", "invalid argument"},
	{FWP_ERR_USAGE, "FWP_ERR_USAGE", "invalid command line"},
	{FWP_ERR_IO, "FWP_ERR_IO", "input/output error"},
	{FWP_ERR_NOMEM, "FWP_ERR_NOMEM", "out of memory"},
	{FWP_ERR_FORMAT, "FWP_ERR_FORMAT", "malformed input"},
	{FWP_ERR_RANGE, "FWP_ERR_RANGE", "value out of range"},
	{FWP_ERR_CRYPTO, "FWP_ERR_CRYPTO", "cryptographic operation failed"},
	{FWP_ERR_VERIFY, "FWP_ERR_VERIFY", "verification failed"},
	{FWP_ERR_NOT_FOUND, "FWP_ERR_NOT_FOUND", "not found"},
	{FWP_ERR_UNSUPPORTED, "FWP_ERR_UNSUPPORTED", "not supported"},
	{FWP_ERR_REFUSED, "FWP_ERR_REFUSED", "refused by the device"},
	{FWP_ERR_NO_DEVICE, "FWP_ERR_NO_DEVICE", "no answer from the device"},
	{FWP_ERR_PROTOCOL, "FWP_ERR_PROTOCOL", "the device broke the protocol"},
	{FWP_ERR_INTERNAL, "FWP_ERR_INTERNAL", "internal error"},
};

const char *fwp_error_name(int code)
{
	for (size_t i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++)
		if (error_table[i].code == code)
			return error_table[i].name;
	return "FWP_ERR_UNKNOWN";
}

const char *fwp_strerror(int code)
{
	for (size_t i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++)
		if (error_table[i].code == code)
			return error_table[i].message;
	return "unknown error";
}

int fwp_fail(struct fwp_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

int fwp_err_prefix(struct fwp_err *err, const char *prefix)
{
	char msg[sizeof(err->msg)];
	/* A copy first: formatting a buffer into itself is undefined. */
	memcpy(msg, err->msg, sizeof(msg));
	msg[sizeof(msg) - 1] = '\0';
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, msg);
	return err->code;
}

void fwp_err_clear(struct fwp_err *err)
{
	if (err) {
		err->code = FWP_OK;
		err->msg[0] = '\0';
	}
}
