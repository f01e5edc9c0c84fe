/* keyanswer.c: a user's authorized_keys lines for sshd (keyanswer.h).
 * Links no libcrypto: the key reader's front uses it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "accesskey.h"
#include "audit.h"
#include "err.h"
#include "keyanswer.h"
#include "store.h"
#include "util.h"

static int is_fingerprint(const char *s)
{
	if (strncmp(s, "SHA256:", 7) != 0 || strlen(s) != 7 + 43)
		return 0;
	for (s += 7; *s; s++) {
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '+' || *s == '/'))
			return 0;
	}
	return 1;
}

int og_key_query_ok(const char *user, const char *offered)
{
	return user != NULL && og_is_safe_name(user, OG_USER_MAX) &&
	       (offered == NULL || is_fingerprint(offered));
}

struct listing {
	struct og_key_answer *a;
	int64_t now;
	const char *offered;
	int failed;
};

static void append(struct listing *l, const char *expiry, const struct og_access_key *k)
{
	struct og_key_answer *a = l->a;
	size_t need = strlen(expiry) + strlen(k->pubkey) + strlen(k->id) + 32;
	char *p;
	int n;

	if (a->len + need > a->cap) {
		if ((p = realloc(a->text, a->cap + need + 1024)) == NULL) {
			l->failed = OG_ERR_NOMEM;
			return;
		}
		a->text = p;
		a->cap += need + 1024;
	}
	n = snprintf(a->text + a->len, a->cap - a->len, "expiry-time=\"%s\" %s otpgate:%s\n", expiry,
		     k->pubkey, k->id);
	if (n < 0 || (size_t)n >= a->cap - a->len)
		l->failed = OG_ERR_STORE;
	else
		a->len += (size_t)n;
}

static int add_valid(void *arg, const struct og_access_key *k)
{
	struct listing *l = arg;
	char expiry[32];

	if (!og_access_key_valid(k, l->now))
		return 0;
	og_access_key_expiry(k->not_after, expiry);
	append(l, expiry, k);
	l->a->listed++;
	l->a->offered_found |= l->offered != NULL && strcmp(l->offered, k->fingerprint) == 0;
	return l->failed;
}

int og_key_answer_list(struct og_store *st, const char *user, const char *offered, int64_t now,
		       struct og_key_answer *a)
{
	struct listing l = { a, now, offered, 0 };
	int r = og_store_key_list(st, user, add_valid, &l);

	if (r == OG_OK && l.failed == 0)
		return OG_OK;
	og_key_answer_free(a);
	return l.failed == OG_ERR_NOMEM ? OG_ERR_NOMEM : OG_ERR_STORE;
}

void og_key_answer_free(struct og_key_answer *a)
{
	free(a->text);
	memset(a, 0, sizeof(*a));
}

void og_key_lookup_log(size_t (*format)(const struct og_audit_event *ev, char *out, size_t cap),
		       const char *user, const char *offered, const char *result, int n,
		       long reader)
{
	struct og_audit_event ev = {
		.ts = (int64_t)time(NULL), .event = "key-lookup", .result = result,
		.reason = n > 0 ? "listed" : "none", .user = user, .service = "sshd",
		.key = offered,
	};
	char line[OG_AUDIT_LINE_MAX];

	format(&ev, line, sizeof(line));
	if (reader != 0)
		syslog(LOG_AUTHPRIV | LOG_INFO, "%s keys=%d reader=%ld", line, n, reader);
	else
		syslog(LOG_AUTHPRIV | LOG_INFO, "%s keys=%d", line, n);
}

void og_key_answer_log(const char *user, const char *offered, const struct og_key_answer *a,
		       long reader)
{
	const char *result = a == NULL ? "error" : offered && !a->offered_found ? "not-registered"
										 : "ok";

	og_key_lookup_log(og_audit_format_short, user, offered, result, a != NULL ? a->listed : 0,
			  reader);
}
