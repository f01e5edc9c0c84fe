/*
 * lookup.c: authorized-keys USER [FINGERPRINT], for sshd's
 * AuthorizedKeysCommand. Runs as the unprivileged AuthorizedKeysCommandUser
 * and opens only the key registry, read-only. Prints USER's valid keys with
 * sshd's own expiry-time set to each key's not-after; on any error prints
 * nothing (fail closed). Every lookup is logged with the key sshd was
 * offered. Nothing here needs libcrypto: the front links it (see
 * docs/architecture.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "accesskey.h"
#include "config.h"
#include "err.h"
#include "lookup.h"
#include "store.h"
#include "util.h"

static void log_to_syslog(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	syslog(LOG_AUTHPRIV | prio, "%s", msg);
}

/* "SHA256:" and 43 base64 characters, as sshd's %f gives it. */
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

int keys_lookup_args_ok(int n, const char *user, const char *offered)
{
	return n >= 1 && n <= 2 && og_is_safe_name(user, OG_USER_MAX) &&
	       (n == 1 || (offered != NULL && is_fingerprint(offered)));
}

/* The answer, gathered before anything is printed: a lookup prints all of
 * it or nothing. A user has at most two valid keys (og_access_key_register),
 * so it is small; it grows only for a registry that says otherwise. */
struct lookup {
	char *buf;
	size_t len, cap;
	int64_t now;
	const char *offered;
	int printed;
	int offered_found;
	int failed;
};

static void append(struct lookup *lk, const char *expiry, const struct og_access_key *k)
{
	size_t need = strlen(expiry) + strlen(k->pubkey) + strlen(k->id) + 32;
	char *p;
	int n;

	if (lk->len + need > lk->cap) {
		if ((p = realloc(lk->buf, lk->cap + need + 1024)) == NULL) {
			lk->failed = 1;
			return;
		}
		lk->buf = p;
		lk->cap += need + 1024;
	}
	n = snprintf(lk->buf + lk->len, lk->cap - lk->len, "expiry-time=\"%s\" %s otpgate:%s\n",
		     expiry, k->pubkey, k->id);
	if (n < 0 || (size_t)n >= lk->cap - lk->len)
		lk->failed = 1;
	else
		lk->len += (size_t)n;
}

static int print_valid(void *arg, const struct og_access_key *k)
{
	struct lookup *lk = arg;
	char expiry[32];

	if (!og_access_key_valid(k, lk->now))
		return 0;
	og_access_key_expiry(k->not_after, expiry);
	append(lk, expiry, k);
	lk->printed++;
	lk->offered_found |= lk->offered != NULL && strcmp(lk->offered, k->fingerprint) == 0;
	return lk->failed;
}

void keys_log_lookup(size_t (*format)(const struct og_audit_event *ev, char *out, size_t cap),
		     const char *user, const char *offered, const char *result, int n)
{
	struct og_audit_event ev = {
		.ts = (int64_t)time(NULL), .event = "key-lookup", .result = result,
		.reason = n > 0 ? "listed" : "none", .user = user, .service = "sshd",
		.key = offered,
	};
	char line[OG_AUDIT_LINE_MAX];

	format(&ev, line, sizeof(line));
	syslog(LOG_AUTHPRIV | LOG_INFO, "%s keys=%d", line, n);
}

/* Lists user's keys into lk from the registry, opened read-only by open.
 * OG_OK, OG_ERR_NOTFOUND from open (elsewhere), or OG_ERR_STORE. */
static int list_keys(const struct og_config *cfg, const struct og_log *log, const char *user,
		     keys_open_fn *open, struct lookup *lk)
{
	struct og_store *st = NULL;
	int r;

	if ((r = open(cfg, log, &st)) == OG_ERR_NOTFOUND)
		return r;	/* not on a backend open serves */
	if (r == OG_OK)
		r = og_store_key_list(st, user, print_valid, lk);
	og_store_close(st);
	return r == OG_OK && !lk->failed ? OG_OK : OG_ERR_STORE;
}

int keys_lookup(const char *config_path, const char *user, const char *offered, keys_open_fn *open)
{
	struct og_config cfg = { 0 };	/* og_config_free takes it as it is */
	struct og_log log = { log_to_syslog, NULL, 0 };
	struct lookup lk = { .now = (int64_t)time(NULL), .offered = offered };
	char err[512];
	int r = 1, lr;

	if (og_config_load(config_path, &cfg, err, sizeof(err), &log) != OG_OK) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err);
		goto out;
	}
	if ((lr = list_keys(&cfg, &log, user, open, &lk)) == OG_ERR_NOTFOUND) {
		r = KEYS_LOOKUP_ELSEWHERE;
		goto out;
	}
	if (lr != OG_OK) {
		keys_log_lookup(og_audit_format_short, user, offered, "error", 0);
		goto out;
	}
	keys_log_lookup(og_audit_format_short, user, offered,
			offered && !lk.offered_found ? "not-registered" : "ok", lk.printed);
	r = fwrite(lk.buf, 1, lk.len, stdout) == lk.len && fflush(stdout) == 0 ? 0 : 1;
out:
	free(lk.buf);
	og_config_free(&cfg);
	return r;
}
