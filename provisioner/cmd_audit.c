/* cmd_audit.c: the audit trail, filtered by user and time, as text or JSON. */
#include <getopt.h>
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

static int show_row(void *arg, const struct og_audit_row *row)
{
	const struct og_audit_event *ev = &row->ev;
	struct filter *f = arg;
	char ts[OG_TIME_LEN], line[4096];

	if (ev->ts < f->since || (f->user && (ev->user == NULL || strcmp(ev->user, f->user) != 0)))
		return 0;
	f->shown++;
	if (!f->json) {
		og_time_utc(ev->ts, ts);
		og_audit_format(ev, line, sizeof(line));
		printf("%s %s\n", ts, line);
		return 0;
	}
	og_audit_json(ev, line, sizeof(line));
	printf("%s\n", line);
	return 0;
}

/* audit verify: the whole chain, the name mappings and the erasures. */
static int verify(struct cli *c)
{
	struct og_trail_report rep;
	char head[2 * OG_CHAIN_LEN + 1], ts[OG_TIME_LEN];
	int r;

	if (cli_open(c, 0) != OG_OK)
		return 1;
	if (strcmp(c->role, "superuser") != 0) {
		cli_audit(c, "audit-verify", "failure", NULL, NULL, "forbidden");
		return cli_error("audit verify: only the superuser checks the whole trail"), 1;
	}
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

int cmd_audit(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, 'u' }, { "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 },
	};
	struct filter f = { NULL, 0, 0, 0 };
	int ch;

	if (argc == 2 && strcmp(argv[1], "verify") == 0)
		return verify(c);
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'u' && og_is_safe_name(optarg, 256))
			f.user = optarg;
		else if (ch == 's' && og_time_parse(optarg, (int64_t)time(NULL), &f.since) == OG_OK)
			continue;
		else if (ch == 'j')
			f.json = 1;
		else
			return cli_error("usage: otpgate-provision audit [--user USER] [--since TIME]"
					 " [--json] (TIME: as audit prints it, 2026-01-31T09:00:00Z, or a"
					 " duration back, like 2h)"), 2;
	}
	if (optind != argc)
		return cli_error("usage: otpgate-provision audit [--user USER] [--since TIME] [--json] | audit verify"), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if (strcmp(c->role, "org-admin") == 0 && f.user == NULL)
		return cli_error("an organisation's admin must name --user"), 2;
	if (f.user != NULL && !cli_may_manage(c, f.user, "audit"))
		return 1;
	if (og_store_audit_list(c->st, show_row, &f) != OG_OK)
		return cli_error("cannot read the audit trail"), 1;
	return 0;
}
