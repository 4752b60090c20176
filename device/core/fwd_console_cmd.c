/* The console command matcher (fwd_console_cmd.h). */
#include "fwd_console_cmd.h"

void fwd_console_cmd_init(struct fwd_console_cmd *c, const char *cmd)
{
	c->cmd = cmd ? cmd : FWD_CONSOLE_CMD_DEFAULT;
	c->pos = 0;
	c->skip = 0;
}

int fwd_console_cmd_feed(struct fwd_console_cmd *c, uint8_t b)
{
	if (b == '\r' || b == '\n') {
		/* CR LF, or a terminal's lone CR: the LF after a match ends an empty line. */
		int match = !c->skip && c->pos > 0 && c->cmd[c->pos] == 0;
		c->pos = 0;
		c->skip = 0;
		return match;
	}
	if (c->skip)
		return 0;
	if (c->cmd[c->pos] == (char)b)
		c->pos++;
	else
		c->skip = 1;
	return 0;
}

int fwd_console_cmd_at_line_start(const struct fwd_console_cmd *c)
{
	return c->pos == 0 && !c->skip;
}
