/*
 * cmd_session.c: sessions [USER] [--json] lists the sessions open on
 * every bastion of the store (an org admin: their organisation's); close
 * ID ends one on this bastion. The rules (what is live, what may be
 * signalled) are the core's (session.h).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "err.h"
#include "json.h"
#include "session.h"
#include "timefmt.h"
#include "util.h"

struct shown {
	const char *user, *org, *host;	/* filters: NULL for any; host: this bastion */
	int json;
	long n;
};

static void print_json(const struct og_session_row *s, int here)
{
	printf("{\"id\":\"%s\",\"user\":", s->id);
	og_json_quote(stdout, s->user);
	printf(",\"org\":");
	og_json_quote(stdout, s->org);
	printf(",\"source\":");
	og_json_quote(stdout, s->source);
	printf(",\"host\":");
	og_json_quote(stdout, s->host);
	printf(",\"service\":");
	og_json_quote(stdout, s->service);
	printf(",\"tty\":");
	og_json_quote(stdout, s->tty);
	printf(",\"pid\":%lld,\"started\":%lld,\"this_host\":%s}\n", (long long)s->pid,
	       (long long)s->started, here ? "true" : "false");
}

static int show(void *arg, const struct og_session_row *s)
{
	struct shown *sh = arg;
	enum og_session_state st = og_session_state(sh->host, s);
	char since[OG_TIME_LEN];

	if ((sh->user && strcmp(s->user, sh->user) != 0) || (sh->org && strcmp(s->org, sh->org) != 0) ||
	    st == OG_SESSION_GONE)
		return 0;
	sh->n++;
	if (sh->json)
		return print_json(s, st == OG_SESSION_LIVE), 0;
	og_time_utc(s->started, since);
	printf("%s %-16s %-20s %-16s %-12s %s pid %lld\n", s->id, s->user, s->source, s->host,
	       s->tty[0] ? s->tty : "-", since, (long long)s->pid);
	return 0;
}

int cmd_sessions(struct cli *c, const struct cli_args *a)
{
	struct shown sh = { a->arg[0], NULL, NULL, cli_flag(a, "json"), 0 };

	if (sh.user != NULL && !og_is_safe_name(sh.user, OG_USER_MAX))
		return cli_error("usage: otpgate-provision sessions [USER] [--json]"), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	sh.org = og_admin_view(&c->admin);
	sh.host = c->cfg.host;
	if (og_store_session_list(c->st, NULL, show, &sh) != OG_OK)
		return cli_error("cannot list sessions"), 1;
	if (!sh.json && sh.n == 0)
		fprintf(stderr, "no open sessions%s%s\n", sh.user ? " of " : "", sh.user ? sh.user : "");
	return 0;
}

/* What close did, told and audited. */
static int closed(struct cli *c, const struct og_session_row *s, enum og_session_end end)
{
	char detail[OG_ID_LEN + OG_HOST_MAX + 64];

	snprintf(detail, sizeof(detail), "session %s, process %lld on %s", s->id, (long long)s->pid,
		 s->host);
	switch (end) {
	case OG_SESSION_OTHER_HOST:
		cli_audit(c, "close", "failure", s->user, NULL, detail);
		return cli_error("session %s runs on host %s, not here: close it there", s->id,
				 s->host), 1;
	case OG_SESSION_WAS_GONE:
		cli_audit(c, "close", "success", s->user, NULL, detail);
		printf("session %s of %s had ended already (process %lld is gone); forgotten\n", s->id,
		       s->user, (long long)s->pid);
		return 0;
	case OG_SESSION_SHARED:
		cli_audit(c, "close", "failure", s->user, NULL, detail);
		return cli_error("session %s: process %lld (%s) holds other open sessions too, which"
				 " SIGHUP would end as well: nothing done; end it through %s",
				 s->id, (long long)s->pid, s->service, s->service), 1;
	case OG_SESSION_STILL:
		cli_audit(c, "close", "failure", s->user, NULL, detail);
		return cli_error("session %s: process %lld got SIGHUP but still runs", s->id,
				 (long long)s->pid), 1;
	case OG_SESSION_ENDED:
		break;
	}
	cli_audit(c, "close", "success", s->user, NULL, detail);
	printf("closed session %s of %s from %s (process %lld got SIGHUP and ended)\n", s->id, s->user,
	       s->source, (long long)s->pid);
	return 0;
}

int cmd_close(struct cli *c, const struct cli_args *a)
{
	const char *id = a->arg[0];
	struct og_session_row s;
	enum og_session_end end;
	int r;

	if (!og_session_id_ok(id))
		return cli_error("usage: otpgate-provision close ID (a session id, as 'sessions'"
				 " lists it)"), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if ((r = og_store_session_get(c->st, id, &s)) == OG_ERR_NOTFOUND)
		return cli_error("no open session %s", id), 1;
	if (r != OG_OK || (r = og_session_hangup(c->st, c->cfg.host, &s, &end)) != OG_OK)
		return cli_error("cannot close session %s: %s", id, og_strerror(r)), 1;
	return closed(c, &s, end);
}
