/* config.c: read otpgate.conf with libconfig and validate every setting. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libconfig.h>

#include "config.h"
#include "err.h"
#include "fileio.h"
#include "util.h"

#define CONFIG_MAX_BYTES (1 << 20)
#define DEFAULT_SPOOL "/var/lib/otpgate/audit.spool"
#define DEFAULT_REGISTRY "/var/lib/otpgate/keys.db"
/* users write there: a tree of its own, never the store's file system */
#define DEFAULT_DROP_DIR "/var/lib/otpgate-keys"

static int default_beside_store(struct og_config *c);

struct network {
	const char *name;
	struct og_cidrset set;
};

struct loader {
	const char *path;
	char *err;
	size_t errlen;
	struct og_config *cfg;
	struct network *nets;
	size_t nnets;
	og_config_problem_fn report;	/* check-config: every problem, not just the first */
	void *report_arg;
};

/* Hands the problem now in ld->err to the checker, if one listens. */
static int reported(struct loader *ld, int r)
{
	if (r != OG_OK && r != OG_ERR_NOMEM && ld->report != NULL)
		ld->report(ld->report_arg, ld->err);
	return r;
}

/*
 * Keeps the first error in *first. 1 when reading must stop: at the first
 * problem, except in a check, which goes on to the next one.
 */
static int keep(const struct loader *ld, int r, int *first)
{
	if (*first == OG_OK)
		*first = r;
	return r != OG_OK && (r == OG_ERR_NOMEM || ld->report == NULL);
}

static int fail(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE:LINE: message" into err, one line: a control byte quoted from the
 * file (a string may hold a newline) becomes '?'. */
static int fail(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	int n = snprintf(ld->err, ld->errlen, "%s:%d: ", ld->path,
			 s ? config_setting_source_line(s) : 0);
	va_list ap;

	if (n < 0 || (size_t)n >= ld->errlen)
		return OG_ERR_CONFIG;
	va_start(ap, fmt);
	vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	for (char *p = ld->err + n; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return reported(ld, OG_ERR_CONFIG);
}

static int name_in(const char *name, const char *const *names)
{
	for (; *names != NULL; names++) {
		if (strcmp(name, *names) == 0)
			return 1;
	}
	return 0;
}

/* Every child of group must be named in allowed; where names the group. */
static int check_keys(struct loader *ld, const config_setting_t *group, const char *where,
		      const char *const *allowed)
{
	int first = OG_OK;

	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *c = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(c);
		if ((name == NULL || !name_in(name, allowed)) &&
		    keep(ld, fail(ld, c, "unknown setting '%s%s%s'", where, *where ? "." : "",
				  name ? name : "?"), &first))
			return first;
	}
	return first;
}

/*
 * libconfig reads a line "@include FILE" as that file's text, which would
 * skip every check made on this one (owner, mode, size, symlink) and read
 * a relative name from the caller's working directory. So the whole
 * configuration is this one checked file: the directive is refused.
 */
static int refuse_include(struct loader *ld, const char *text)
{
	int line = 1;

	for (const char *p = text; p != NULL; line++) {
		p += strspn(p, " \t");
		if (strncmp(p, "@include", 8) == 0) {
			snprintf(ld->err, ld->errlen, "%s:%d: @include is not supported (the "
				 "configuration is this one file)", ld->path, line);
			return reported(ld, OG_ERR_CONFIG);
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return OG_OK;
}

static int want_group(struct loader *ld, const config_setting_t *s, const char *name)
{
	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return fail(ld, s, "'%s' must be a group { ... }", name);
	return OG_OK;
}

/* Optional string member; *out replaced by a copy when present. */
static int get_string(struct loader *ld, const config_setting_t *g, const char *name,
		      char **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char *copy;

	if (s == NULL)
		return OG_OK;
	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    config_setting_get_string(s)[0] == '\0')
		return fail(ld, s, "'%s' must be a non-empty string", name);
	if ((copy = strdup(config_setting_get_string(s))) == NULL)
		return OG_ERR_NOMEM;
	free(*out);
	*out = copy;
	return OG_OK;
}

static int get_int(struct loader *ld, const config_setting_t *g, const char *name,
		   long long lo, long long hi, int *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	long long v;

	if (s == NULL)
		return OG_OK;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return fail(ld, s, "'%s' must be an integer", name);
	v = config_setting_get_int64(s);
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	if (v < lo || v > hi)
		return fail(ld, s, "'%s' must be between %lld and %lld", name, lo, hi);
	*out = (int)v;
	return OG_OK;
}

static int get_bool(struct loader *ld, const config_setting_t *g, const char *name, int *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (s == NULL)
		return OG_OK;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(ld, s, "'%s' must be true or false", name);
	*out = config_setting_get_bool(s);
	return OG_OK;
}

/* Optional member that must be one of the n words; *out its index. */
static int get_word(struct loader *ld, const config_setting_t *g, const char *name,
		    const char *const *words, int n, int *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	int i;

	if (s == NULL)
		return OG_OK;
	if (config_setting_type(s) == CONFIG_TYPE_STRING &&
	    (i = og_name_find(words, n, config_setting_get_string(s))) >= 0) {
		*out = i;
		return OG_OK;
	}
	if (n == 2)
		return fail(ld, s, "'%s' must be \"%s\" or \"%s\"", name, words[0], words[1]);
	return fail(ld, s, "'%s' must be \"%s\", \"%s\" or \"%s\"", name, words[0], words[1],
		    words[2]);
}

/* A duration: a string like "10m" or a whole number of seconds. */
static int get_duration(struct loader *ld, const config_setting_t *g, const char *name,
			int64_t *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (s == NULL)
		return OG_OK;
	if (config_setting_type(s) == CONFIG_TYPE_INT) {
		if (config_setting_get_int(s) < 0 || config_setting_get_int(s) > 10 * 366 * 86400)
			return fail(ld, s, "'%s' must be between 0 and 10 years", name);
		*out = config_setting_get_int(s);
		return OG_OK;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    og_parse_duration(config_setting_get_string(s), out) != OG_OK)
		return fail(ld, s, "'%s' must be a duration such as \"90s\", \"10m\", \"2h\" or \"1d\"",
			    name);
	return OG_OK;
}

static int load_store(struct loader *ld, const config_setting_t *g)
{
	static const char *const keys[] = { "backend", "path", "conninfo", "timeout", "spool",
					    NULL };
	struct og_config *c = ld->cfg;
	int r;

	if ((r = want_group(ld, g, "store")) || (r = check_keys(ld, g, "store", keys)) ||
	    (r = get_string(ld, g, "backend", &c->store_backend)) ||
	    (r = get_string(ld, g, "path", &c->store_path)) ||
	    (r = get_string(ld, g, "conninfo", &c->store_conninfo)) ||
	    (r = get_string(ld, g, "spool", &c->store_spool)) ||
	    (r = get_duration(ld, g, "timeout", &c->store_timeout)))
		return r;
	if (c->store_timeout < 1 || c->store_timeout > 300)
		return fail(ld, config_setting_get_member(g, "timeout"),
			    "'timeout' must be between 1s and 5m");
	if (strcmp(c->store_backend, "sqlite") != 0 && strcmp(c->store_backend, "postgresql") != 0)
		return fail(ld, config_setting_get_member(g, "backend"),
			    "store backend '%.64s' is not supported (known: sqlite, postgresql)",
			    c->store_backend);
	if (strcmp(c->store_backend, "postgresql") == 0 && c->store_conninfo == NULL)
		return fail(ld, g, "store backend postgresql needs 'conninfo'");
	return OG_OK;
}

static int load_totp(struct loader *ld, const config_setting_t *g)
{
	static const char *const keys[] = { "digits", "period", "algorithm", "window", "max_drift",
					    "issuer", NULL };
	struct og_config *c = ld->cfg;
	const config_setting_t *s;
	char *algo = NULL;
	int r;

	if ((r = want_group(ld, g, "totp")) || (r = check_keys(ld, g, "totp", keys)) ||
	    (r = get_int(ld, g, "digits", 6, 8, &c->totp.digits)) ||
	    (r = get_int(ld, g, "period", 30, 60, &c->totp.period)) ||
	    (r = get_int(ld, g, "window", 0, 10, &c->window)) ||
	    (r = get_int(ld, g, "max_drift", 0, 2880, &c->max_drift)) ||
	    (r = get_string(ld, g, "issuer", &c->issuer)) ||
	    (r = get_string(ld, g, "algorithm", &algo)))
		goto out;
	if (strchr(c->issuer, ':') != NULL) {
		r = fail(ld, config_setting_get_member(g, "issuer"), "'issuer' must not contain ':'");
		goto out;
	}
	if (!og_otp_digits_ok(c->totp.digits)) {
		r = fail(ld, config_setting_get_member(g, "digits"), "'digits' must be 6 or 8");
		goto out;
	}
	if (!og_otp_period_ok(c->totp.period)) {
		r = fail(ld, config_setting_get_member(g, "period"), "'period' must be 30 or 60");
		goto out;
	}
	s = config_setting_get_member(g, "algorithm");
	if (algo != NULL && og_algo_parse(algo, &c->totp.algo) != OG_OK)
		r = fail(ld, s, "'algorithm' must be SHA1, SHA256 or SHA512");
out:
	free(algo);
	return r;
}

static int load_hotp(struct loader *ld, const config_setting_t *g)
{
	static const char *const keys[] = { "look_ahead", "resync_window", NULL };
	struct og_config *c = ld->cfg;
	int r;

	if ((r = want_group(ld, g, "hotp")) || (r = check_keys(ld, g, "hotp", keys)) ||
	    (r = get_int(ld, g, "look_ahead", 1, OG_HOTP_LOOK_AHEAD_MAX, &c->hotp_look_ahead)))
		return r;
	return get_int(ld, g, "resync_window", 2, OG_HOTP_RESYNC_WINDOW_MAX, &c->hotp_resync_window);
}

static int load_lockout(struct loader *ld, const config_setting_t *g)
{
	static const char *const keys[] = { "max_failures", "interval", "lock_for", "notify",
					    "mode", NULL };
	static const char *const modes[] = { "lock", "step-up" };
	struct og_config *c = ld->cfg;
	int r;

	if ((r = want_group(ld, g, "lockout")) || (r = check_keys(ld, g, "lockout", keys)) ||
	    (r = get_int(ld, g, "max_failures", 0, 1000, &c->max_failures)) ||
	    (r = get_duration(ld, g, "interval", &c->lock_interval)) ||
	    (r = get_duration(ld, g, "lock_for", &c->lock_for)) ||
	    (r = get_string(ld, g, "notify", &c->lock_notify)) ||
	    (r = get_word(ld, g, "mode", modes, 2, &c->lock_step_up)))
		return r;
	if (c->lock_notify != NULL && c->lock_notify[0] != '/')
		return fail(ld, config_setting_get_member(g, "notify"),
			    "'notify' must be an absolute path to a program");
	if (c->max_failures > 0 && c->lock_interval == 0)
		return fail(ld, config_setting_get_member(g, "interval"),
			    "'interval' must be longer than 0s");
	return OG_OK;
}

static int load_audit(struct loader *ld, const config_setting_t *g)
{
	static const char *const keys[] = { "syslog", "store", "jsonl", NULL };
	int r;

	if ((r = want_group(ld, g, "audit")) || (r = check_keys(ld, g, "audit", keys)) ||
	    (r = get_bool(ld, g, "syslog", &ld->cfg->audit_syslog)) ||
	    (r = get_bool(ld, g, "store", &ld->cfg->audit_store)) ||
	    (r = get_string(ld, g, "jsonl", &ld->cfg->audit_jsonl)))
		return r;
	if (ld->cfg->audit_jsonl != NULL && ld->cfg->audit_jsonl[0] != '/')
		return fail(ld, config_setting_get_member(g, "jsonl"), "'jsonl' must be an absolute path");
	return OG_OK;
}

static int load_keys(struct loader *ld, const config_setting_t *g)
{
	static const char *const keys[] = { "registry", "conninfo", "max_age", "grace", "drop_dir",
					    "notify", "check_at_login", NULL };
	struct og_config *c = ld->cfg;
	int r;

	if ((r = want_group(ld, g, "keys")) || (r = check_keys(ld, g, "keys", keys)) ||
	    (r = get_string(ld, g, "registry", &c->keys_registry)) ||
	    (r = get_string(ld, g, "conninfo", &c->keys_conninfo)) ||
	    (r = get_duration(ld, g, "max_age", &c->keys_max_age)) ||
	    (r = get_duration(ld, g, "grace", &c->keys_grace)) ||
	    (r = get_string(ld, g, "drop_dir", &c->keys_drop_dir)) ||
	    (r = get_string(ld, g, "notify", &c->keys_notify)) ||
	    (r = get_bool(ld, g, "check_at_login", &c->keys_check_at_login)))
		return r;
	if (c->keys_max_age < 1)
		return fail(ld, config_setting_get_member(g, "max_age"), "'max_age' must be at least 1s");
	if (c->keys_notify != NULL && c->keys_notify[0] != '/')
		return fail(ld, config_setting_get_member(g, "notify"),
			    "'notify' must be an absolute path to a program");
	if (c->keys_drop_dir[0] != '/')
		return fail(ld, config_setting_get_member(g, "drop_dir"),
			    "'drop_dir' must be an absolute path");
	return OG_OK;
}

static int load_removal(struct loader *ld, const config_setting_t *g)
{
	static const char *const keys[] = { "retention", NULL };
	int r;

	if ((r = want_group(ld, g, "removal")) || (r = check_keys(ld, g, "removal", keys)) ||
	    (r = get_duration(ld, g, "retention", &ld->cfg->removal_retention)))
		return r;
	return OG_OK;
}

static int load_enrol(struct loader *ld, const config_setting_t *g)
{
	static const char *const keys[] = { "pending_for", NULL };
	int r;

	if ((r = want_group(ld, g, "enrol")) || (r = check_keys(ld, g, "enrol", keys)) ||
	    (r = get_duration(ld, g, "pending_for", &ld->cfg->enrol_pending_for)))
		return r;
	if (ld->cfg->enrol_pending_for < 60)
		return fail(ld, config_setting_get_member(g, "pending_for"),
			    "'pending_for' must be at least 1m");
	return OG_OK;
}

static int load_auth(struct loader *ld, const config_setting_t *g)
{
	static const char *const keys[] = { "allow_unenrolled", "allow_no_rhost",
					    "uniform_refusals", NULL };
	int r;

	if ((r = want_group(ld, g, "auth")) || (r = check_keys(ld, g, "auth", keys)) ||
	    (r = get_bool(ld, g, "allow_unenrolled", &ld->cfg->allow_unenrolled)) ||
	    (r = get_bool(ld, g, "allow_no_rhost", &ld->cfg->allow_no_rhost)) ||
	    (r = get_bool(ld, g, "uniform_refusals", &ld->cfg->uniform_refusals)))
		return r;
	return OG_OK;
}

static int load_sessions(struct loader *ld, const config_setting_t *g)
{
	static const char *const keys[] = { "warn_multiple", "notify_multiple", NULL };
	int r;

	if ((r = want_group(ld, g, "sessions")) || (r = check_keys(ld, g, "sessions", keys)) ||
	    (r = get_bool(ld, g, "warn_multiple", &ld->cfg->sessions_warn_multiple)) ||
	    (r = get_bool(ld, g, "notify_multiple", &ld->cfg->sessions_notify_multiple)))
		return r;
	return OG_OK;
}

/* messages = "after-key" | "always" | "never": what a refused login is told. */
static int load_messages(struct loader *ld, const config_setting_t *root)
{
	static const char *const words[] = { "after-key", "always", "never" };
	int v = (int)ld->cfg->messages, r = get_word(ld, root, "messages", words, 3, &v);

	ld->cfg->messages = (enum og_messages)v;
	return r;
}

/* A list or array of strings: each element must be a string. */
static int want_string_list(struct loader *ld, const config_setting_t *s, const char *name)
{
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST)
		return fail(ld, s, "'%s' must be a list of strings [ \"...\", ... ]", name);
	for (int i = 0; i < config_setting_length(s); i++) {
		if (config_setting_type(config_setting_get_elem(s, (unsigned)i)) != CONFIG_TYPE_STRING)
			return fail(ld, s, "'%s' must hold only strings", name);
	}
	return OG_OK;
}

static int load_network(struct loader *ld, const config_setting_t *s, struct network *net)
{
	int r;

	if ((r = want_string_list(ld, s, net->name)) != OG_OK)
		return r;
	for (int j = 0; j < config_setting_length(s); j++) {
		const char *v = config_setting_get_string_elem(s, j);
		struct og_cidr cidr;
		if (og_cidr_parse(v, &cidr) != OG_OK)
			return fail(ld, s, "network '%s': '%.64s' is not an address or CIDR "
				    "(host bits must be zero)", net->name, v);
		if ((r = og_cidrset_add(&net->set, &cidr)) != OG_OK)
			return r;
	}
	return OG_OK;
}

static int load_networks(struct loader *ld, const config_setting_t *g)
{
	int r, first = OG_OK, n = config_setting_length(g);

	if ((r = want_group(ld, g, "networks")) != OG_OK)
		return r;
	if ((ld->nets = calloc((size_t)n + 1, sizeof(*ld->nets))) == NULL)
		return OG_ERR_NOMEM;
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		struct network *net = &ld->nets[ld->nnets++];
		net->name = config_setting_name(s);
		if (keep(ld, load_network(ld, s, net), &first))
			return first;
	}
	return first;
}

static const struct network *find_network(const struct loader *ld, const char *name)
{
	for (size_t i = 0; i < ld->nnets; i++) {
		if (strcmp(ld->nets[i].name, name) == 0)
			return &ld->nets[i];
	}
	return NULL;
}

static int parse_match(struct loader *ld, const config_setting_t *s, struct og_rule *rule)
{
	static const struct { const char *prefix; enum og_match_kind kind; } kinds[] = {
		{ "user:", OG_MATCH_USER }, { "group:", OG_MATCH_GROUP }, { "org:", OG_MATCH_ORG },
	};
	const char *m = config_setting_get_string(s);

	if (strcmp(m, "*") == 0) {
		rule->kind = OG_MATCH_ANY;
		return OG_OK;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t plen = strlen(kinds[i].prefix);
		if (strncmp(m, kinds[i].prefix, plen) == 0 && m[plen] != '\0') {
			rule->kind = kinds[i].kind;
			rule->name = strdup(m + plen);
			return rule->name ? OG_OK : OG_ERR_NOMEM;
		}
	}
	return fail(ld, s, "'match' must be \"user:NAME\", \"group:NAME\", \"org:NAME\" or \"*\"");
}

static int load_rule(struct loader *ld, const config_setting_t *g, struct og_rule *rule)
{
	static const char *const keys[] = { "match", "allow_from", NULL };
	const config_setting_t *m, *from;
	int r;

	rule->line = (int)config_setting_source_line(g);	/* the file is bounded */
	if ((r = want_group(ld, g, "policy rule")) || (r = check_keys(ld, g, "policy", keys)))
		return r;
	m = config_setting_get_member(g, "match");
	from = config_setting_get_member(g, "allow_from");
	if (m == NULL || config_setting_type(m) != CONFIG_TYPE_STRING)
		return fail(ld, g, "policy rule needs 'match' (a string)");
	if (from == NULL)
		return fail(ld, g, "policy rule needs 'allow_from' (a list)");
	if ((r = parse_match(ld, m, rule)) || (r = want_string_list(ld, from, "allow_from")))
		return r;
	for (int i = 0; i < config_setting_length(from); i++) {
		const char *v = config_setting_get_string_elem(from, i);
		const struct network *net = find_network(ld, v);
		struct og_cidr cidr;
		if (net != NULL) {
			for (size_t j = 0; j < net->set.n; j++) {
				if ((r = og_cidrset_add(&rule->allow, &net->set.v[j])) != OG_OK)
					return r;
			}
		} else if (og_cidr_parse(v, &cidr) == OG_OK) {
			if ((r = og_cidrset_add(&rule->allow, &cidr)) != OG_OK)
				return r;
		} else {
			return fail(ld, from, "'%.64s' is neither a network in 'networks' nor a CIDR", v);
		}
	}
	return OG_OK;
}

static int load_policy(struct loader *ld, const config_setting_t *l)
{
	struct og_config *c = ld->cfg;
	int n = config_setting_length(l), first = OG_OK;

	if (config_setting_type(l) != CONFIG_TYPE_LIST)
		return fail(ld, l, "'policy' must be a list of rules ( { ... }, ... )");
	if ((c->rules = calloc((size_t)n + 1, sizeof(*c->rules))) == NULL)
		return OG_ERR_NOMEM;
	for (int i = 0; i < n; i++) {
		c->nrules++;
		if (keep(ld, load_rule(ld, config_setting_get_elem(l, (unsigned)i), &c->rules[i]),
			 &first))
			return first;
	}
	return first;
}

/* The host name, as audit entries have always named the bastion. */
static char *default_host(void)
{
	char name[256] = "";

	if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0')
		snprintf(name, sizeof(name), "unknown");
	return strdup(name);
}

/* host = "NAME": how audit entries name this bastion. */
static int load_host(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *s = config_setting_get_member(root, "host");
	int r = get_string(ld, root, "host", &ld->cfg->host);

	if (r == OG_OK && s != NULL && !og_is_safe_name(ld->cfg->host, 255))
		return fail(ld, s,
			    "'host' must be a name of letters, digits and . _ @ + - (at most 255)");
	return r;
}

static int set_defaults(struct og_config *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->host = default_host();
	c->path = strdup(path);
	c->store_backend = strdup("sqlite");
	c->store_path = strdup("/var/lib/otpgate/otpgate.db");
	c->master_key = strdup("/etc/otpgate/master.key");
	c->issuer = strdup("otpgate");
	c->store_spool = strdup(DEFAULT_SPOOL);
	c->store_timeout = 5;
	c->keys_registry = strdup(DEFAULT_REGISTRY);
	c->keys_drop_dir = strdup(DEFAULT_DROP_DIR);
	c->keys_max_age = 90 * 86400;
	c->enrol_pending_for = 3600;
	c->removal_retention = 30 * 86400;
	c->keys_grace = 7 * 86400;
	c->totp.algo = OG_SHA1;
	c->totp.digits = 6;
	c->totp.period = 30;
	c->window = 1;
	c->max_drift = OG_MAX_DRIFT_DEFAULT;
	c->hotp_look_ahead = OG_HOTP_LOOK_AHEAD_DEFAULT;
	c->hotp_resync_window = OG_HOTP_RESYNC_WINDOW_DEFAULT;
	c->max_failures = 5;
	c->lock_interval = 600;
	c->lock_for = 900;
	c->audit_syslog = 1;
	c->audit_store = 1;
	c->uniform_refusals = 1;
	c->messages = OG_MESSAGES_AFTER_KEY;
	c->sessions_warn_multiple = 1;
	if (!c->path || !c->store_backend || !c->store_path || !c->store_spool || !c->master_key ||
	    !c->issuer || !c->keys_registry || !c->keys_drop_dir || !c->host)
		return OG_ERR_NOMEM;
	return OG_OK;
}

static int load_sections(struct loader *ld, const config_setting_t *root)
{
	static const char *const keys[] = { "store", "master_key", "totp", "hotp", "networks",
					    "policy", "lockout", "audit", "auth", "keys", "enrol", "removal",
					    "host", "sessions", "messages", NULL };
	/* in this order: the policy names networks */
	static const struct {
		const char *name;
		int (*load)(struct loader *ld, const config_setting_t *g);
	} sections[] = {
		{ "store", load_store }, { "totp", load_totp }, { "hotp", load_hotp },
		{ "networks", load_networks },
		{ "policy", load_policy }, { "lockout", load_lockout }, { "audit", load_audit },
		{ "auth", load_auth }, { "keys", load_keys }, { "enrol", load_enrol },
		{ "removal", load_removal }, { "sessions", load_sessions },
	};
	const config_setting_t *s;
	int first = OG_OK;

	if (keep(ld, check_keys(ld, root, "", keys), &first) ||
	    keep(ld, get_string(ld, root, "master_key", &ld->cfg->master_key), &first) ||
	    keep(ld, load_host(ld, root), &first) || keep(ld, load_messages(ld, root), &first))
		return first;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if ((s = config_setting_get_member(root, sections[i].name)) != NULL &&
		    keep(ld, sections[i].load(ld, s), &first))
			return first;
	}
	if (first != OG_OK)
		return first;
	if (ld->cfg->keys_conninfo == NULL && ld->cfg->store_conninfo != NULL &&
	    (ld->cfg->keys_conninfo = strdup(ld->cfg->store_conninfo)) == NULL)
		return OG_ERR_NOMEM;
	return default_beside_store(ld->cfg);
}

/* Replaces *field, if it still holds the built-in default, by NAME in the
 * directory of the SQLite store, so one store.path moves the files that
 * belong with it (the spool and the key registry). The drop location,
 * where users can write, stays apart. */
static int beside(const struct og_config *c, char **field, const char *dflt, const char *name)
{
	const char *slash = strrchr(c->store_path, '/');
	size_t dirlen = slash ? (size_t)(slash - c->store_path) : 1;
	char *p;

	if (strcmp(*field, dflt) != 0 || strcmp(c->store_backend, "sqlite") != 0)
		return OG_OK;
	if ((p = malloc(dirlen + strlen(name) + 2)) == NULL)
		return OG_ERR_NOMEM;
	snprintf(p, dirlen + strlen(name) + 2, "%.*s/%s", (int)dirlen,
		 slash ? c->store_path : ".", name);
	free(*field);
	*field = p;
	return OG_OK;
}

static int default_beside_store(struct og_config *c)
{
	int r;

	if ((r = beside(c, &c->store_spool, DEFAULT_SPOOL, "audit.spool")) != OG_OK ||
	    (r = beside(c, &c->keys_registry, DEFAULT_REGISTRY, "keys.db")) != OG_OK)
		return r;
	return OG_OK;
}

/*
 * libconfig reads a C string: whatever follows a NUL byte would be dropped
 * without a word (a setting, a whole policy rule). So a NUL anywhere is an
 * error naming its line and byte offset.
 */
static int refuse_nul(struct loader *ld, const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);
	int line = 1;

	if (nul == NULL)
		return OG_OK;
	for (const char *p = text; p < nul; p++)
		line += *p == '\n';
	snprintf(ld->err, ld->errlen, "%s:%d: a NUL byte at byte offset %zu (the file must be text)",
		 ld->path, line, (size_t)(nul - text));
	return reported(ld, OG_ERR_CONFIG);
}

/* Reads and checks ld->path into ld->cfg; problems go to ld->err (and the checker). */
static int load(struct loader *ld)
{
	char why[1024];
	struct og_log capture = { og_log_capture, why, 0 };
	config_t lc;
	char *text = NULL;
	size_t len;
	int r;

	config_init(&lc);	/* destroyed at out, used or not */
	snprintf(ld->err, ld->errlen, "%s: cannot be read", ld->path);
	if ((r = set_defaults(ld->cfg, ld->path)) != OG_OK)
		goto out;
	/* the file check's own message (which names what is wrong) becomes err */
	why[0] = '\0';
	if ((r = og_file_read(ld->path, OG_FILE_CONFIG, CONFIG_MAX_BYTES, &text, &len,
			      &capture)) != OG_OK) {
		snprintf(ld->err, ld->errlen, "%s", why[0] ? why : ld->path);
		r = reported(ld, r);
		goto out;
	}
	if ((r = refuse_nul(ld, text, len)) != OG_OK)
		goto out;
	if ((r = refuse_include(ld, text)) != OG_OK)
		goto out;
	if (config_read_string(&lc, text) != CONFIG_TRUE) {
		snprintf(ld->err, ld->errlen, "%s:%d: %s", ld->path, config_error_line(&lc),
			 config_error_text(&lc));
		r = reported(ld, OG_ERR_CONFIG);
		goto out;
	}
	r = load_sections(ld, config_root_setting(&lc));
out:
	config_destroy(&lc);
	for (size_t i = 0; i < ld->nnets; i++)
		og_cidrset_free(&ld->nets[i].set);
	free(ld->nets);
	free(text);
	if (r != OG_OK)
		og_config_free(ld->cfg);
	else if (ld->errlen > 0)
		ld->err[0] = '\0';
	return r;
}

int og_config_load(const char *path, struct og_config *cfg, char *err, size_t errlen,
		   const struct og_log *log)
{
	(void)log;	/* every problem is reported through err, once */
	struct loader ld = { path, err, errlen, cfg, NULL, 0, NULL, NULL };

	return load(&ld);
}

int og_config_load_all(const char *path, struct og_config *cfg, og_config_problem_fn report,
		       void *arg)
{
	char err[1024];
	struct loader ld = { path, err, sizeof(err), cfg, NULL, 0, report, arg };

	return load(&ld);
}

void og_config_free(struct og_config *c)
{
	for (size_t i = 0; i < c->nrules; i++) {
		free(c->rules[i].name);
		og_cidrset_free(&c->rules[i].allow);
	}
	free(c->rules);
	free(c->path);
	free(c->store_backend);
	free(c->store_path);
	free(c->store_conninfo);
	free(c->store_spool);
	free(c->master_key);
	free(c->issuer);
	free(c->lock_notify);
	free(c->audit_jsonl);
	free(c->keys_registry);
	free(c->keys_conninfo);
	free(c->keys_drop_dir);
	free(c->keys_notify);
	free(c->host);
	memset(c, 0, sizeof(*c));
}

const char *og_config_store_name(const struct og_config *c)
{
	return strcmp(c->store_backend, "sqlite") == 0 ? c->store_path : c->store_backend;
}
