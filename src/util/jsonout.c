/* JSON lines on standard output (see jsonout.h). */
#include <stdio.h>

#include "jsonout.h"

void fwp_json_line(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	if (s) {
		printf("%s\n", s);
		fflush(stdout);
		cJSON_free(s);
	}
	cJSON_Delete(o);
}
