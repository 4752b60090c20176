/*
 * The console command that takes a running Application into its Loader:
 * a line equal to the command (default "fwpack-update") on the console.
 * The Application feeds it every byte it reads; on a match it requests an
 * update through the shared RAM and resets (fwd_boot_request_update, then
 * fwd_port_reset), and the Loader stays in update mode for the host.
 * Byte by byte, no buffer: it costs an Application a few bytes of RAM.
 */
#ifndef FWD_CONSOLE_CMD_H
#define FWD_CONSOLE_CMD_H

#include <stdint.h>

#define FWD_CONSOLE_CMD_DEFAULT "fwpack-update"

struct fwd_console_cmd {
	const char *cmd;
	uint16_t pos;    /* bytes of cmd matched since the line began */
	uint8_t skip;    /* this line already differs: wait for its end */
};

/* cmd NULL: FWD_CONSOLE_CMD_DEFAULT. */
void fwd_console_cmd_init(struct fwd_console_cmd *c, const char *cmd);

/* 1 when b ends a line (CR or LF) that was exactly the command. */
int fwd_console_cmd_feed(struct fwd_console_cmd *c, uint8_t b);

/* 1 when nothing of the current line has been received yet. */
int fwd_console_cmd_at_line_start(const struct fwd_console_cmd *c);

#endif /* FWD_CONSOLE_CMD_H */
