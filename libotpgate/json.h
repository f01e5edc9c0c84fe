/* json.h: JSON strings, under the one escaping rule of audit values. */
#ifndef OTPGATE_JSON_H
#define OTPGATE_JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * s, already in the stored form of og_audit_escape(OG_AUDIT_TEXT) (valid
 * UTF-8, no control characters), as a JSON string, quotes included, into
 * out: '"' and '\\' escaped with a backslash, anything below 0x20 and DEL
 * as \u00XX. Returns the length, or 0 (nothing written) if it does not
 * fit in cap. The only JSON string escaper: og_audit_json and
 * og_json_quote use it.
 */
size_t og_json_string(const char *s, char *out, size_t cap);

/* Writes any text s to out as a JSON string: escaped first as audit
 * values are (og_text_escape, OG_AUDIT_TEXT: an invalid byte, a control
 * or a line separator reads \\xHH, as in the audit trail), then quoted by
 * og_json_string. NULL (or no memory) is written as null. */
void og_json_quote(FILE *out, const char *s);

#endif
