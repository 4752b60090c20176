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

cJSON *fwp_json_slots(const struct fwp_device_info *d)
{
	cJSON *slots = cJSON_CreateArray();
	for (unsigned i = 0; slots && i < d->nslots; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddNumberToObject(s, "id", d->slots[i].id);
		cJSON_AddNumberToObject(s, "address", d->slots[i].addr);
		cJSON_AddNumberToObject(s, "size", d->slots[i].size);
		cJSON_AddBoolToObject(s, "writable", d->slots[i].flags & FWP_SLOT_WRITABLE);
		cJSON_AddItemToArray(slots, s);
	}
	return slots;
}
