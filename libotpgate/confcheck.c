/*
 * confcheck.c: check-config. The reader (config.c) finds what is wrong in
 * the file; this looks at what the file names: files, directories,
 * programs, the store. It changes nothing.
 */
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libconfig.h>

#include "config.h"
#include "confcheck.h"
#include "err.h"
#include "fileio.h"
#include "store.h"
#include "util.h"

struct checker {
	const char *path;
	config_t lc;			/* the file again, for the lines of settings */
	int have_lc;
	og_finding_fn out;
	void *arg;
	int problems;
	char why[1024];			/* the last message a core check logged */
	struct og_log log;
};

static int setting_line(struct checker *ck, const char *setting)
{
	const config_setting_t *s = ck->have_lc ? config_lookup(&ck->lc, setting) : NULL;

	/* a line number: the file read is bounded */
	return s != NULL ? (int)config_setting_source_line(s) : 0;
}

static void say(struct checker *ck, int problem, const char *setting, int line, const char *fmt,
		...) __attribute__((format(printf, 5, 6)));

/* One finding about setting (at line, or looked up when 0). */
static void say(struct checker *ck, int problem, const char *setting, int line, const char *fmt,
		...)
{
	char msg[1200], text[1600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line == 0)
		line = setting_line(ck, setting);
	if (!problem)
		snprintf(text, sizeof(text), "%s: note: %s: %s", ck->path, setting, msg);
	else if (line > 0)
		snprintf(text, sizeof(text), "%s:%d: %s: %s", ck->path, line, setting, msg);
	else
		snprintf(text, sizeof(text), "%s: %s (default): %s", ck->path, setting, msg);
	ck->problems += problem != 0;
	ck->out(ck->arg, problem, text);
}

static int is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* dir's parent, in place ("/a/b" -> "/a", "/a" -> "/"). */
static void up(char *dir)
{
	char *slash = strrchr(dir, '/');

	if (slash != NULL)
		slash[slash == dir] = '\0';
}

/*
 * The directory path lives in must exist, or be one of the `made` last
 * levels that init or keyrotate create: then the one above must exist.
 */
static void dir_of(struct checker *ck, const char *setting, const char *path, int made)
{
	char dir[4096];

	og_copy(dir, sizeof(dir), path);
	up(dir);
	for (int i = 0; i <= made; i++, up(dir)) {
		if (is_dir(dir))
			return;
	}
	og_copy(dir, sizeof(dir), path);
	up(dir);
	say(ck, 1, setting, 0, "%s: directory %s does not exist%s", path, dir,
	    made ? " (nor the one above it, which init or rotate would need)" : "");
}

/* A file that exists: the core's own owner and mode rule for its kind. */
static void file_safe(struct checker *ck, const char *setting, const char *path,
		      enum og_file_kind kind)
{
	ck->why[0] = '\0';
	if (og_path_check(path, kind, &ck->log) != OG_OK)
		say(ck, 1, setting, 0, "%s", ck->why[0] ? ck->why : path);
}

/* A program run as root: a regular, executable file only root may change. */
static void program(struct checker *ck, const char *setting, const char *path)
{
	if (path == NULL)
		return;
	if (access(path, F_OK) != 0)
		say(ck, 1, setting, 0, "%s does not exist", path);
	else if (access(path, X_OK) != 0)
		say(ck, 1, setting, 0, "%s is not executable", path);
	else
		file_safe(ck, setting, path, OG_FILE_CONFIG);
}

static void check_master_key(struct checker *ck, const struct og_config *cfg, int store_exists)
{
	if (access(cfg->master_key, F_OK) == 0) {
		file_safe(ck, "master_key", cfg->master_key, OG_FILE_SECRET);
		return;
	}
	dir_of(ck, "master_key", cfg->master_key, 1);
	if (store_exists)
		say(ck, 1, "master_key", 0, "%s is missing, but the store holds data sealed under it",
		    cfg->master_key);
	else
		say(ck, 0, "master_key", 0, "%s does not exist yet: init creates it", cfg->master_key);
}

/* The store can be opened and holds this version's schema (or none yet). */
static void check_reach(struct checker *ck, const struct og_config *cfg, const char *setting)
{
	int found, want;

	ck->why[0] = '\0';
	if (og_store_probe(cfg, &ck->log, &found, &want) != OG_OK)
		say(ck, 1, setting, 0, "%s", ck->why[0] ? ck->why : "the store cannot be opened");
	else if (found == 0)
		say(ck, strcmp(cfg->store_backend, "sqlite") == 0, setting, 0,
		    "the store has no schema yet: init creates it");
	else if (found != want)
		say(ck, 1, setting, 0, "the store has schema version %d, this release %d: run "
		    "'otpgate-provision migrate'", found, want);
}

/* 1 when the store exists (a SQLite file; a PostgreSQL database always). */
static int check_store(struct checker *ck, const struct og_config *cfg)
{
	if (strcmp(cfg->store_backend, "postgresql") == 0) {
		check_reach(ck, cfg, "store.conninfo");
		return 1;
	}
	if (access(cfg->store_path, F_OK) == 0) {
		check_reach(ck, cfg, "store.path");
		if (access(cfg->keys_registry, F_OK) == 0)
			file_safe(ck, "keys.registry", cfg->keys_registry, OG_FILE_CONFIG);
		return 1;
	}
	dir_of(ck, "store.path", cfg->store_path, 1);
	dir_of(ck, "keys.registry", cfg->keys_registry, 1);
	say(ck, 0, "store.path", 0, "%s does not exist yet: init creates it", cfg->store_path);
	return 0;
}

static void check_paths(struct checker *ck, const struct og_config *cfg)
{
	dir_of(ck, "store.spool", cfg->store_spool, 1);
	if (!is_dir(cfg->keys_drop_dir))
		dir_of(ck, "keys.drop_dir", cfg->keys_drop_dir, 1);
	if (cfg->audit_jsonl != NULL)
		dir_of(ck, "audit.jsonl", cfg->audit_jsonl, 0);
	program(ck, "lockout.notify", cfg->lock_notify);
	program(ck, "keys.notify", cfg->keys_notify);
}

static void check_policy(struct checker *ck, const struct og_config *cfg)
{
	if (cfg->nrules == 0)
		say(ck, 0, "policy", 0, "no rules: every login is refused");
	for (size_t i = 0; i < cfg->nrules; i++) {
		if (cfg->rules[i].kind == OG_MATCH_GROUP && getgrnam(cfg->rules[i].name) == NULL)
			say(ck, 0, "policy", cfg->rules[i].line, "group %.100s does not exist on this "
			    "host: the rule matches nobody", cfg->rules[i].name);
	}
}

static void parse_problem(void *arg, const char *problem)
{
	struct checker *ck = arg;

	ck->problems++;
	ck->out(ck->arg, 1, problem);
}

/* The file read again (it was just read and checked), for setting lines. */
static void read_lines(struct checker *ck)
{
	char *text = NULL;
	size_t len;

	if (og_file_read(ck->path, OG_FILE_CONFIG, 1 << 20, &text, &len, NULL) != OG_OK)
		return;
	config_init(&ck->lc);
	ck->have_lc = config_read_string(&ck->lc, text) == CONFIG_TRUE;
	if (!ck->have_lc)
		config_destroy(&ck->lc);
	free(text);
}

int og_config_check(const char *path, og_finding_fn out, void *arg)
{
	struct checker ck = { .path = path, .out = out, .arg = arg };
	struct og_config cfg;

	ck.log = (struct og_log){ og_log_capture, ck.why, 0 };
	if (og_config_load_all(path, &cfg, parse_problem, &ck) != OG_OK)
		return ck.problems > 0 ? ck.problems : 1;
	read_lines(&ck);
	check_master_key(&ck, &cfg, check_store(&ck, &cfg));
	check_paths(&ck, &cfg);
	check_policy(&ck, &cfg);
	if (ck.have_lc)
		config_destroy(&ck.lc);
	og_config_free(&cfg);
	return ck.problems;
}
