/*
 * cmd_lookup.c: authorized-keys USER [FINGERPRINT] in the full tool: what
 * the front (front.c) hands over, a registry on PostgreSQL and arguments
 * it does not take (refused here, logged with a bounded, escaped note;
 * nothing printed). The lookup itself: lookup.c. --daemon is taken and
 * left alone: the front has asked otpgated already.
 */
#include <syslog.h>

#include "commands.h"
#include "keyanswer.h"
#include "lookup.h"

int cmd_authorized_keys(struct cli *c, const struct cli_args *a)
{
	const char *daemon = NULL;
	int skip = keys_daemon_arg(a->n, a->arg, &daemon);
	const char *user = skip < a->n ? a->arg[skip] : NULL;
	const char *offered = skip + 1 < a->n ? a->arg[skip + 1] : NULL;
	int r = 1;

	openlog("otpgate-keyrotate", LOG_PID, LOG_AUTHPRIV);
	if (keys_lookup_args_ok(a->n - skip, user, offered))
		r = keys_lookup(c->config_path, user, offered, og_store_open_registry);
	else
		og_key_lookup_log(og_audit_format, user ? user : "", offered, "refused", 0, 0);
	closelog();
	return r;
}
