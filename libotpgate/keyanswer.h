/*
 * keyanswer.h: what sshd's AuthorizedKeysCommand is told for a user: the
 * user's valid keys from the registry, one authorized_keys line each with
 * sshd's expiry-time set to the key's not-after. Built whole before any of
 * it is printed or sent: a lookup gives all of it or nothing. Shared by
 * the key reader (otpgate-keyrotate) and otpgated's key socket.
 */
#ifndef OTPGATE_KEYANSWER_H
#define OTPGATE_KEYANSWER_H

#include <stddef.h>
#include <stdint.h>

struct og_store;

struct og_key_answer {
	char *text;		/* the lines (malloc'd; NULL when none) */
	size_t len, cap;
	int listed;		/* how many keys the lines give */
	int offered_found;	/* the offered key is among them */
};

/* 1 when USER and FINGERPRINT (NULL: none) are a lookup's: USER a safe
 * name, FINGERPRINT "SHA256:" and 43 base64 characters (sshd's %f). */
int og_key_query_ok(const char *user, const char *offered);

/* Lists user's keys valid at now into a (zeroed by the caller); offered
 * (NULL: none) is looked for among them. OG_OK, or OG_ERR_STORE /
 * OG_ERR_NOMEM with a emptied. */
int og_key_answer_list(struct og_store *st, const char *user, const char *offered, int64_t now,
		       struct og_key_answer *a);

void og_key_answer_free(struct og_key_answer *a);

struct og_audit_event;

/* The syslog line of a lookup (openlog done): "key-lookup" with its result
 * and how many keys were listed ("keys=N"), formatted by format:
 * og_audit_format, or og_audit_format_short for arguments known to be
 * short (og_key_query_ok); then "reader=PID" when reader is not 0 (the
 * process otpgated answered). */
void og_key_lookup_log(size_t (*format)(const struct og_audit_event *ev, char *out, size_t cap),
		       const char *user, const char *offered, const char *result, int n,
		       long reader);

/* og_key_lookup_log for a lookup og_key_query_ok took and answered with a,
 * or that failed (a NULL: "error"). */
void og_key_answer_log(const char *user, const char *offered, const struct og_key_answer *a,
		       long reader);

#endif
