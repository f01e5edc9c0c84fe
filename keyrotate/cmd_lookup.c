/*
 * cmd_lookup.c: authorized-keys USER [FINGERPRINT] in the full tool: what
 * the front (front.c) hands over, a registry on PostgreSQL and arguments
 * it does not take (refused here, logged with a bounded, escaped note;
 * nothing printed). The lookup itself: lookup.c.
 */
#include <syslog.h>

#include "commands.h"
#include "lookup.h"

int cmd_authorized_keys(struct cli *c, const struct cli_args *a)
{
	const char *user = a->arg[0], *offered = a->arg[1];
	int r = 1;

	openlog("otpgate-keyrotate", LOG_PID, LOG_AUTHPRIV);
	if (keys_lookup_args_ok(a->n, user, offered))
		r = keys_lookup(c->config_path, user, offered, og_store_open_registry);
	else
		keys_log_lookup(og_audit_format, user ? user : "", offered, "refused", 0);
	closelog();
	return r;
}
