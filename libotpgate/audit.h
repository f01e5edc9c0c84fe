/* audit.h: one record per attempt or admin action, to syslog and the store. */
#ifndef OTPGATE_AUDIT_H
#define OTPGATE_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include "log.h"

struct og_audit_event {
	int64_t ts;
	const char *event;	/* auth, account, lockout, admin, ... */
	const char *result;	/* success, failure */
	const char *reason;	/* ok, bad-code, replay, policy, locked, ... */
	const char *user;
	const char *source;	/* numeric client address, or "local" */
	const char *service;	/* PAM service or CLI subcommand */
	const char *token;	/* token serial, if any */
	const char *key;	/* SHA256 fingerprint of the SSH key used, if any */
	const char *actor;	/* who performed an admin action */
	const char *detail;	/* free text, never a secret */
	const char *host;	/* where it happened; NULL: this host */
	int syslog_only;	/* audit.store = false: the store keeps no row */
};

#define OG_AUDIT_FIELDS 11	/* the text fields of an event */
#define OG_AUDIT_TEXT_MAX 256	/* bytes of a value audited as given; longer ones are cut */
#define OG_AUDIT_VALUE_MAX (4 * OG_AUDIT_TEXT_MAX)	/* an escaped value, at most */
/* A key=value line (og_audit_format) and a JSON object (og_audit_json), at most. */
#define OG_AUDIT_LINE_MAX ((OG_AUDIT_FIELDS + 1) * (OG_AUDIT_VALUE_MAX + 16))
#define OG_AUDIT_JSON_MAX ((OG_AUDIT_FIELDS + 1) * (5 * OG_AUDIT_TEXT_MAX + 16))

/* The field names, in the order every sink writes them. */
extern const char *const og_audit_field_names[OG_AUDIT_FIELDS];

/* Points out[i] at ev's field named og_audit_field_names[i]. */
void og_audit_fields(struct og_audit_event *ev, const char **out[OG_AUDIT_FIELDS]);

enum og_audit_style {
	OG_AUDIT_TEXT,		/* the stored form: valid UTF-8, nothing that hides or breaks a line */
	OG_AUDIT_TOKEN,		/* one key=value token: printable ASCII, no space, '=' or '"' */
};

/*
 * The one rule that makes any value safe for every sink (syslog, JSON
 * lines, the spool, both stores). A value longer than OG_AUDIT_TEXT_MAX
 * bytes is cut first: its first whole characters, then the mark
 * "[cut:N:H]" (N its length in bytes, H the first 32 hex digits of its
 * SHA-256), OG_AUDIT_TEXT_MAX bytes in all, so no two long values can end
 * up as one, and a cut name can never be anyone's name. Then each byte of
 * a backslash, an invalid UTF-8 sequence, a control character (C0, DEL,
 * C1), a line separator or a bidirectional control is written as \\xHH;
 * OG_AUDIT_TOKEN also escapes space, '=', '"' and every other byte outside
 * printable ASCII. So a byte 0xff reads \\xff everywhere, and unescaping
 * gives back the (cut) value exactly. At most OG_AUDIT_VALUE_MAX bytes; an
 * escape that does not fit in cap is left out with the rest. Returns the
 * length written.
 */
size_t og_audit_escape(const char *val, enum og_audit_style style, char *out, size_t cap);

/* The same escaping of all of s, not cut: for text that is bounded
 * already (a log line). Stops before an escape that does not fit in cap. */
size_t og_text_escape(const char *s, enum og_audit_style style, char *out, size_t cap);

/* Undoes og_audit_escape's \\xHH escapes in place. OG_ERR_INVALID (s
 * unchanged or partly decoded) on a backslash not followed by xHH. */
int og_audit_unescape(char *s);

/* An event whose text fields point into buf. */
struct og_audit_copy {
	struct og_audit_event ev;
	char buf[OG_AUDIT_FIELDS][OG_AUDIT_VALUE_MAX + 1];
};

/* in with every text field in its stored form (OG_AUDIT_TEXT). */
void og_audit_clean(const struct og_audit_event *in, struct og_audit_copy *out);

/* A stored event with its fields unescaped again: the values as they were
 * given (a cut one stays cut), to hand to a sink or to another store. A
 * field that is not escaped text (written by an older version) is kept. */
void og_audit_decode(const struct og_audit_event *stored, struct og_audit_copy *out);

/*
 * Formats "event=.. result=.. ..." into out: every value written with
 * og_audit_escape(OG_AUDIT_TOKEN), so a hostile user name cannot forge
 * fields. A field that does not fit in cap is left out, with those after
 * it. Returns the length.
 */
size_t og_audit_format(const struct og_audit_event *ev, char *out, size_t cap);

/* og_audit_escape's work once the mark of a long value is known: a value
 * longer than OG_AUDIT_TEXT_MAX is cut to end with mark; with no mark
 * (NULL or "") it gives "" and 0. */
size_t og_audit_escape_marked(const char *val, const char *mark, enum og_audit_style style,
			      char *out, size_t cap);

/* og_audit_format with each value escaped by escape. */
typedef size_t og_audit_escape_fn(const char *val, enum og_audit_style style, char *out,
				  size_t cap);
size_t og_audit_format_by(const struct og_audit_event *ev, og_audit_escape_fn *escape, char *out,
			  size_t cap);

/* og_audit_format for an event whose values are all at most
 * OG_AUDIT_TEXT_MAX bytes: the same line, made without a digest (so
 * without libcrypto: the key reader). "" and 0 when a value is longer. */
size_t og_audit_format_short(const struct og_audit_event *ev, char *out, size_t cap);

/* Formats ev as one JSON object (no newline): "ts" and every field present,
 * each value og_audit_escape(OG_AUDIT_TEXT) as a JSON string. Always a
 * whole object: a field that does not fit in cap is left out, with those
 * after it. Returns the length. */
size_t og_audit_json(const struct og_audit_event *ev, char *out, size_t cap);

/* Appends ev as one JSON line to path (created 0600, O_APPEND: never
 * rewritten), for a SIEM to tail. OG_OK or OG_ERR_IO (logged). */
int og_audit_jsonl_append(const char *path, const struct og_audit_event *ev,
			  const struct og_log *log);

/* Sends the formatted event to syslog (LOG_AUTHPRIV; failures at NOTICE). */
void og_audit_syslog(const struct og_audit_event *ev, const struct og_log *log);

#endif
