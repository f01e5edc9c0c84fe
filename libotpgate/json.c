/* json.c: JSON strings, under the one escaping rule of audit values (audit.h). */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "json.h"

size_t og_json_string(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	if (cap < 3)
		return 0;
	out[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (o + 8 >= cap)
			return 0;
		if (*p == '"' || *p == '\\')
			o += (size_t)snprintf(out + o, cap - o, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *p);
		else
			out[o++] = (char)*p;
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

void og_json_quote(FILE *out, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	/* each byte escapes to at most 4 ("\xHH"), each of those to at most 6 */
	char *text = s != NULL ? malloc(4 * n + 1) : NULL;
	char *json = s != NULL ? malloc(24 * n + 16) : NULL;

	if (text != NULL && json != NULL) {
		og_text_escape(s, OG_AUDIT_TEXT, text, 4 * n + 1);
		if (og_json_string(text, json, 24 * n + 16) > 0)
			fputs(json, out);
		else
			fputs("null", out);
	} else {
		fputs("null", out);
	}
	free(text);
	free(json);
}
