/* cmd_audit.c: the audit trail, filtered by user and time, as text or JSON. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "err.h"
#include "timefmt.h"
#include "trail.h"
#include "util.h"

struct filter {
	const char *user;
	int64_t since;
	int json;
	long shown;
};

/* A row as syslog and the JSON-lines file showed it: its stored values
 * unescaped, and escaped again by the same rule. */
static int show_row(void *arg, const struct og_audit_row *row)
{
	const struct og_audit_event *ev = &row->ev;
	struct filter *f = arg;
	struct og_audit_copy given;
	char ts[OG_TIME_LEN], line[OG_AUDIT_JSON_MAX];

	if (ev->ts < f->since || (f->user && (ev->user == NULL || strcmp(ev->user, f->user) != 0)))
		return 0;
	f->shown++;
	og_audit_decode(ev, &given);
	if (!f->json) {
		og_time_utc(ev->ts, ts);
		og_audit_format(&given.ev, line, sizeof(line));
		printf("%s %s\n", ts, line);
		return 0;
	}
	og_audit_json(&given.ev, line, sizeof(line));
	printf("%s\n", line);
	return 0;
}

/* audit verify: the whole chain, the name mappings and the erasures (the
 * superuser's: its scope is the whole store). */
int cmd_audit_verify(struct cli *c, const struct cli_args *a)
{
	struct og_trail_report rep;
	char head[2 * OG_CHAIN_LEN + 1], ts[OG_TIME_LEN];
	int r;

	(void)a;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	r = og_trail_verify(c->st, &rep);
	if (r == OG_ERR_IO)
		return 1;	/* the master key's loader said why */
	if (r != OG_OK && r != OG_ERR_CRYPTO)
		return cli_error("audit verify: %s", rep.why[0] ? rep.why : "cannot read the trail"), 1;
	if (r == OG_ERR_CRYPTO && rep.bad_ts > 0) {	/* a mac that does not follow */
		og_time_utc(rep.bad_ts, ts);
		cli_error("audit verify: entry %lld (%s): %s (%lld entries before it are intact)",
			  (long long)rep.bad_id, ts, rep.why, (long long)rep.entries);
		return 1;
	}
	if (r == OG_ERR_CRYPTO && rep.bad_id > 0)
		return cli_error("audit verify: entry %lld: %s", (long long)rep.bad_id, rep.why), 1;
	if (r == OG_ERR_CRYPTO)
		return cli_error("audit verify: %s", rep.why), 1;
	og_hex_encode(rep.head, sizeof(rep.head), head);
	printf("audit trail intact: %lld entries, %lld names (%lld erased); head %s\n",
	       (long long)rep.entries, (long long)rep.subjects, (long long)rep.erased, head);
	return 0;
}

/* audit [--user USER] [--since TIME] [--json]: an org admin must name a
 * user of their organisation (the scope check saw to that). */
int cmd_audit(struct cli *c, const struct cli_args *a)
{
	struct filter f = { cli_opt(a, "user"), 0, cli_flag(a, "json"), 0 };
	const char *since = cli_opt(a, "since");

	if ((f.user != NULL && !og_is_safe_name(f.user, OG_USER_MAX)) ||
	    (since != NULL && og_time_parse(since, (int64_t)time(NULL), &f.since) != OG_OK))
		return cli_error("usage: otpgate-provision audit [--user USER] [--since TIME]"
				 " [--json] (TIME: as audit prints it, 2026-01-31T09:00:00Z, or a"
				 " duration back, like 2h)"), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if (og_store_audit_list(c->st, show_row, &f) != OG_OK)
		return cli_error("cannot read the audit trail"), 1;
	return 0;
}
