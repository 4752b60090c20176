/*
 * Prints the wire tables of include/fwpack/ (serial status codes, image
 * verdicts, DFU requests, states and status codes, DfuSe commands), one
 * "table value name" line each, for tests/wire-docs.sh to compare with
 * the documentation.
 */
#include <stdio.h>

#include "fwpack/dfu.h"
#include "fwpack/protocol.h"
#include "fwpack/verdict.h"

#define SERIAL_LINE(name, value, text) printf("serial-status %d %s\n", value, #name);
#define VERDICT_LINE(name, value, words) printf("verdict %d %s\n", value, #name);
#define REQUEST_LINE(name, value, text) printf("dfu-request %d %s\n", value, text);
#define STATE_LINE(name, value, text) printf("dfu-state %d %s\n", value, text);
#define STATUS_LINE(name, value, text, words) printf("dfu-status %d %s\n", value, text);
#define DFUSE_LINE(name, value, text) printf("dfuse-command 0x%02X %s\n", value, text);

int main(void)
{
	FWP_SERIAL_STATUSES(SERIAL_LINE)
	FWP_VERDICTS(VERDICT_LINE)
	FWP_DFU_REQUESTS(REQUEST_LINE)
	FWP_DFU_STATES(STATE_LINE)
	FWP_DFU_STATUSES(STATUS_LINE)
	FWP_DFUSE_COMMANDS(DFUSE_LINE)
	return ferror(stdout) || fclose(stdout) ? 1 : 0;
}
