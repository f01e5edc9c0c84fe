/*
 * lookup.c: authorized-keys USER [FINGERPRINT], for sshd's
 * AuthorizedKeysCommand. Runs as the unprivileged AuthorizedKeysCommandUser
 * and opens only the key registry, read-only. Prints USER's valid keys
 * (keyanswer.h); on any error prints nothing (fail closed). Every lookup
 * is logged with the key sshd was offered. Nothing here needs libcrypto:
 * the front links it (see docs/architecture.md).
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "keyanswer.h"
#include "log.h"
#include "lookup.h"
#include "store.h"

int keys_daemon_arg(int n, const char *const *args, const char **socket)
{
	if (n >= 2 && strcmp(args[0], "--daemon") == 0) {
		*socket = args[1];
		return 2;
	}
	if (n >= 1 && strncmp(args[0], "--daemon=", 9) == 0) {
		*socket = args[0] + 9;
		return 1;
	}
	return 0;
}

int keys_lookup_args_ok(int n, const char *user, const char *offered)
{
	return n >= 1 && n <= 2 && og_key_query_ok(user, n == 2 ? offered : NULL) &&
	       (n == 1 || offered != NULL);
}

/* Lists user's keys into a from the registry, opened read-only by open.
 * OG_OK, OG_ERR_NOTFOUND from open (elsewhere), or another error. */
static int list_keys(const struct og_config *cfg, const struct og_log *log, const char *user,
		     const char *offered, keys_open_fn *open, struct og_key_answer *a)
{
	struct og_store *st = NULL;
	int r;

	if ((r = open(cfg, log, &st)) == OG_ERR_NOTFOUND)
		return r;	/* not on a backend open serves */
	if (r == OG_OK)
		r = og_key_answer_list(st, user, offered, (int64_t)time(NULL), a);
	og_store_close(st);
	return r;
}

int keys_print(const struct og_key_answer *a)
{
	if (a->len > 0 && fwrite(a->text, 1, a->len, stdout) != a->len)
		return 1;
	return fflush(stdout) == 0 ? 0 : 1;
}

int keys_lookup(const char *config_path, const char *user, const char *offered, keys_open_fn *open)
{
	struct og_config cfg = { 0 };	/* og_config_free takes it as it is */
	struct og_log log = { og_log_authpriv, NULL, 0 };
	struct og_key_answer a = { 0 };
	char err[512];
	int r = 1, lr;

	if (og_config_load(config_path, &cfg, err, sizeof(err), &log) != OG_OK) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err);
		goto out;
	}
	if ((lr = list_keys(&cfg, &log, user, offered, open, &a)) == OG_ERR_NOTFOUND) {
		r = KEYS_LOOKUP_ELSEWHERE;
		goto out;
	}
	og_key_answer_log(user, offered, lr == OG_OK ? &a : NULL, 0);
	if (lr == OG_OK)
		r = keys_print(&a);
out:
	og_key_answer_free(&a);
	og_config_free(&cfg);
	return r;
}
