/*
 * cmd_lookup.c: authorized-keys USER [FINGERPRINT], for sshd's
 * AuthorizedKeysCommand. Runs as the unprivileged AuthorizedKeysCommandUser
 * and opens only the key registry. Prints USER's valid keys with sshd's own
 * expiry-time set to each key's not-after; on any error prints nothing
 * (fail closed). Every lookup is logged with the key sshd was offered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "commands.h"
#include "config.h"
#include "err.h"
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

struct lookup {
	FILE *out;		/* a memory buffer: printed only when all went well */
	int64_t now;
	const char *offered;
	int printed;
	int offered_found;
};

static int print_valid(void *arg, const struct og_access_key *k)
{
	struct lookup *lk = arg;
	char expiry[32];

	if (!og_access_key_valid(k, lk->now))
		return 0;
	og_access_key_expiry(k->not_after, expiry);
	fprintf(lk->out, "expiry-time=\"%s\" %s otpgate:%s\n", expiry, k->pubkey, k->id);
	lk->printed++;
	lk->offered_found |= lk->offered != NULL && strcmp(lk->offered, k->fingerprint) == 0;
	return 0;
}

/* One key=value line for the audit trail (syslog: the reader cannot write the store). */
static void log_lookup(const char *user, const char *offered, const char *result, int n)
{
	struct og_audit_event ev = {
		.ts = (int64_t)time(NULL), .event = "key-lookup", .result = result,
		.reason = n > 0 ? "listed" : "none", .user = user, .service = "sshd",
		.key = offered,
	};
	char line[OG_AUDIT_LINE_MAX];

	og_audit_format(&ev, line, sizeof(line));
	syslog(LOG_AUTHPRIV | LOG_INFO, "%s keys=%d", line, n);
}

int cmd_authorized_keys(struct cli *c, const struct cli_args *a)
{
	const char *user = a->arg[0], *offered = a->arg[1];
	struct og_config cfg = { 0 };	/* og_config_free takes it as it is */
	struct og_store *st = NULL;
	struct og_log log = { log_to_syslog, NULL, 0 };
	struct lookup lk = { NULL, (int64_t)time(NULL), NULL, 0, 0 };
	char err[512], *buf = NULL;
	size_t len = 0;
	int r = 1;

	openlog("otpgate-keyrotate", LOG_PID, LOG_AUTHPRIV);
	/* hostile arguments: log a bounded, escaped note and print nothing */
	if (a->n < 1 || a->n > 2 || !og_is_safe_name(user, OG_USER_MAX) ||
	    (offered != NULL && !is_fingerprint(offered))) {
		log_lookup(user ? user : "", offered, "refused", 0);
		goto out;
	}
	lk.offered = offered;
	if (og_config_load(c->config_path, &cfg, err, sizeof(err), &log) != OG_OK) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err);
		goto out;
	}
	if ((lk.out = open_memstream(&buf, &len)) == NULL ||
	    og_store_open_registry(&cfg, &log, &st) != OG_OK ||
	    og_store_key_list(st, user, print_valid, &lk) != OG_OK || fflush(lk.out) != 0) {
		log_lookup(user, lk.offered, "error", 0);
		goto out;
	}
	log_lookup(user, lk.offered, lk.offered && !lk.offered_found ? "not-registered" : "ok",
		   lk.printed);
	r = fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 1;
out:
	if (lk.out != NULL)
		fclose(lk.out);
	free(buf);
	og_store_close(st);
	og_config_free(&cfg);
	closelog();
	return r;
}
