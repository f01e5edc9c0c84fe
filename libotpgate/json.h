/* json.h: JSON strings out of any bytes. */
#ifndef OTPGATE_JSON_H
#define OTPGATE_JSON_H

#include <stdio.h>

/* Writes s to out as a JSON string, quotes included: '"' and '\\' escaped,
 * control bytes as \u00XX, bytes above 0x7e as \u00XX too (so the output
 * is ASCII, valid whatever s holds). NULL is written as null. */
void og_json_quote(FILE *out, const char *s);

#endif
