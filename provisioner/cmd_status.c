/*
 * cmd_status.c: status [--json] [--within DURATION], for monitoring. The
 * exit status is the Nagios one: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
 * (a usage error). It opens the store itself, so that a store it cannot
 * reach is a CRITICAL line of the report, not an error of the tool; it
 * needs no admin role and reports only counts, never names.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "err.h"
#include "json.h"
#include "spool.h"
#include "status.h"
#include "timefmt.h"
#include "util.h"

#define NAGIOS_UNKNOWN 3

static void print_text(const struct og_status *s)
{
	const char *sep = "";

	printf("OTPGATE %s - ", og_status_level_name(s->level));
	for (int i = 0; i < s->nchecks; i++) {
		if (s->level != OG_LEVEL_OK && s->checks[i].level == s->level) {
			printf("%s%s: %s", sep, s->checks[i].name, s->checks[i].text);
			sep = "; ";
		}
	}
	if (s->level == OG_LEVEL_OK)
		printf("%d checks ok", s->nchecks);
	printf("\n");
	for (int i = 0; i < s->nchecks; i++)
		printf("%-8s %-10s %s\n", og_status_level_name(s->checks[i].level), s->checks[i].name,
		       s->checks[i].text);
}

static void print_fs_json(const struct og_status *s)
{
	for (int i = 0; i < s->nfs; i++) {
		printf("%s{\"path\":", i ? "," : "");
		og_json_quote(stdout, s->fs[i].path);
		printf(",\"free_bytes\":%lld,\"free_pct\":%lld,\"free_inodes_pct\":%lld}",
		       (long long)s->fs[i].free_bytes, (long long)s->fs[i].free_pct,
		       (long long)s->fs[i].free_inodes_pct);
	}
}

static void print_json(const struct og_status *s)
{
	char head[2 * OG_CHAIN_LEN + 1];

	og_hex_encode(s->head.mac, sizeof(s->head.mac), head);
	printf("{\"status\":\"%s\",\"exit\":%d,\"checks\":[", og_status_level_name(s->level), s->level);
	for (int i = 0; i < s->nchecks; i++) {
		printf("%s{\"name\":\"%s\",\"status\":\"%s\",\"text\":", i ? "," : "",
		       s->checks[i].name, og_status_level_name(s->checks[i].level));
		og_json_quote(stdout, s->checks[i].text);
		printf("}");
	}
	printf("],\"store\":{\"reachable\":%s,\"schema\":%d},"
	       "\"audit\":{\"entries\":%lld,\"last_id\":%lld,\"last_ts\":%lld,\"head\":\"%s\"},"
	       "\"spool\":{\"rows\":%lld,\"oldest\":%lld,\"dead\":%lld},\"pending_overdue\":%lld,"
	       "\"locked_users\":%lld,\"keys\":{\"within\":%lld,\"expiring\":%lld,"
	       "\"users_losing_last_key\":%lld},\"rotate\":{\"last\":%lld,\"result\":",
	       s->store_ok ? "true" : "false", s->schema, (long long)s->head.entries,
	       (long long)s->head.last_id, (long long)s->head.last_ts,
	       s->head.mac_ok ? head : "", (long long)s->spool_rows, (long long)s->spool_oldest,
	       (long long)s->spool_dead,
	       (long long)s->pending_overdue, (long long)s->locked_users, (long long)s->within,
	       (long long)s->keys_expiring, (long long)s->users_losing_keys,
	       (long long)s->rotate_ts);
	og_json_quote(stdout, s->rotate_ts ? s->rotate_result : NULL);
	printf(",\"detail\":");
	og_json_quote(stdout, s->rotate_ts ? s->rotate_detail : NULL);
	printf("},\"disk\":[");
	print_fs_json(s);
	printf("]}\n");
}

/* A config that cannot be read fails every login: CRITICAL, said as such. */
static int config_critical(const char *why, int json)
{
	if (json) {
		printf("{\"status\":\"CRITICAL\",\"exit\":2,\"checks\":[{\"name\":\"config\","
		       "\"status\":\"CRITICAL\",\"text\":");
		og_json_quote(stdout, why);
		printf("}]}\n");
	} else {
		printf("OTPGATE CRITICAL - config: %s\nCRITICAL config     %s\n", why, why);
	}
	return OG_LEVEL_CRITICAL;
}

/* status [--json] [--within DURATION]: open to whoever can read the config
 * and the store (scope OG_SCOPE_OPEN), as it reports counts, never names. A
 * usage error is UNKNOWN (the command table says so for the parse). */
int cmd_status(struct cli *c, const struct cli_args *a)
{
	const char *within_opt = cli_opt(a, "within");
	struct og_status s;
	char err[512], why[1024] = "";
	struct og_log capture = { og_log_capture, why, 0 };
	int64_t within = 14 * 86400;
	int json = cli_flag(a, "json");

	if (within_opt != NULL && og_parse_duration(within_opt, &within) != OG_OK) {
		cli_error("usage: otpgate-provision status [--json] [--within DURATION]"
			  " ('%.64s' is not a duration, like 14d)", within_opt);
		return NAGIOS_UNKNOWN;
	}
	if (og_config_load(c->config_path, &c->cfg, err, sizeof(err), NULL) != OG_OK)
		return config_critical(err, json);
	c->cfg_loaded = 1;
	/* the store's own message, caught rather than printed, goes in the report */
	c->log = capture;
	if (og_store_open(&c->cfg, &c->log, 0, &c->st) != OG_OK)
		c->st = NULL;
	else	/* as every opener does: what waits in the spool goes in first */
		og_spool_flush(c->cfg.store_spool, c->st, &c->log);
	og_status_gather(&c->cfg, c->st, why, (int64_t)time(NULL), within, &s);
	if (json)
		print_json(&s);
	else
		print_text(&s);
	return s.level;
}
