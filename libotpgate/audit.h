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

/*
 * Formats "event=.. result=.. ..." into out: values are bounded and every
 * byte outside printable ASCII, and space, '=', '"' and '\\', is written as
 * \\xHH, so a hostile user name cannot forge fields. Returns the length.
 */
size_t og_audit_format(const struct og_audit_event *ev, char *out, size_t cap);

/* Formats ev as one JSON object (no newline): "ts" and every field present,
 * strings escaped. Returns the length; out is cut short if cap is too small. */
size_t og_audit_json(const struct og_audit_event *ev, char *out, size_t cap);

/* Appends ev as one JSON line to path (created 0600, O_APPEND: never
 * rewritten), for a SIEM to tail. OG_OK or OG_ERR_IO (logged). */
int og_audit_jsonl_append(const char *path, const struct og_audit_event *ev,
			  const struct og_log *log);

/* Sends the formatted event to syslog (LOG_AUTHPRIV; failures at NOTICE). */
void og_audit_syslog(const struct og_audit_event *ev, const struct og_log *log);

#endif
