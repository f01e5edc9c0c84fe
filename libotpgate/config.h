/* config.h: otpgate.conf, read with libconfig and validated strictly. */
#ifndef OTPGATE_CONFIG_H
#define OTPGATE_CONFIG_H

#include <stdint.h>
#include "cidr.h"
#include "log.h"
#include "otp.h"

#define OG_DEFAULT_CONFIG "/etc/otpgate/otpgate.conf"

enum og_match_kind { OG_MATCH_ANY, OG_MATCH_USER, OG_MATCH_GROUP, OG_MATCH_ORG };

/* messages: when a refused login is told why (see og_login_message). */
enum og_messages {
	OG_MESSAGES_AFTER_KEY,	/* only once sshd accepted the user's public key */
	OG_MESSAGES_ALWAYS,
	OG_MESSAGES_NEVER,
};

struct og_rule {
	enum og_match_kind kind;
	char *name;			/* NULL for OG_MATCH_ANY */
	struct og_cidrset allow;	/* resolved from networks and CIDRs */
	int line;
};

struct og_config {
	char *path;
	/* store */
	char *store_backend;		/* "sqlite" or "postgresql" */
	char *store_path;		/* sqlite: the database file */
	char *store_conninfo;		/* postgresql: libpq connection string */
	char *store_spool;		/* audit rows the store could not take wait here */
	int64_t store_timeout;		/* seconds: lock wait, connect, statement */
	char *master_key;
	/* totp defaults for new tokens, and verification window */
	struct og_otp_params totp;
	int window;
	int max_drift;			/* steps a token's learnt drift may reach, either way */
	/* hotp: the counters after the last accepted that a code may be of, and
	 * how many a resync searches */
	int hotp_look_ahead;
	int hotp_resync_window;
	char *issuer;
	/* policy */
	struct og_rule *rules;
	size_t nrules;
	/* lockout */
	int max_failures;		/* 0 disables lockout */
	int64_t lock_interval;		/* seconds over which failures count */
	int64_t lock_for;		/* seconds; 0 = until an admin unlocks */
	char *lock_notify;		/* command run on lockout, or NULL */
	int lock_step_up;		/* lockout.mode "step-up": failure mode, not a lock */
	/* audit */
	int audit_syslog;
	int audit_store;
	char *audit_jsonl;		/* a JSON-lines file for a SIEM, or NULL */
	/* removal */
	int64_t removal_retention;	/* removed users' data is purged after this */
	/* enrolment */
	int64_t enrol_pending_for;	/* a new phone token must be confirmed within this */
	/* SSH access keys (otpgate-keyrotate) */
	char *keys_registry;		/* sqlite: the key registry, readable by the key reader */
	char *keys_conninfo;		/* postgresql: the key reader's connection (default conninfo) */
	int64_t keys_max_age;		/* rotate keys older than this (seconds) */
	int64_t keys_grace;		/* a replaced key stays valid this long */
	char *keys_drop_dir;		/* new private keys are delivered under DROP/USER/;
					 * default /var/lib/otpgate-keys, never beside the store */
	char *keys_notify;		/* run for user keys that must be replaced, or NULL */
	int keys_check_at_login;	/* the module refuses keys the registry does not hold valid */
	/* auth rollout options */
	int allow_unenrolled;
	int allow_no_rhost;
	/* every refusal after the prompt, as PAM_AUTH_ERR (what a client learns) */
	int uniform_refusals;
	/* what a refused login is told on its terminal */
	enum og_messages messages;
	/* sessions: a user's sessions from several source addresses */
	int sessions_warn_multiple;	/* warn on the terminal */
	int sessions_notify_multiple;	/* and start lockout.notify */
	/* this bastion's name in audit entries (default: the host name) */
	char *host;
};

/*
 * Reads and validates path. Unknown keys, wrong types and bad values are
 * errors; err gets one line "FILE:LINE: message". The file is refused when
 * group/world writable. On success *cfg must be freed with og_config_free.
 */
int og_config_load(const char *path, struct og_config *cfg, char *err, size_t errlen,
		   const struct og_log *log);
void og_config_free(struct og_config *cfg);

/* One problem in a config, as "FILE:LINE: message" (check-config). */
typedef void (*og_config_problem_fn)(void *arg, const char *problem);

/* Like og_config_load, but hands every problem it finds to report, not
 * only the first: each unknown setting, each bad network, each bad rule
 * (within one setting group, its first problem). */
int og_config_load_all(const char *path, struct og_config *cfg, og_config_problem_fn report,
		       void *arg);

/* How messages name the store: the SQLite path, or "postgresql" (never
 * the conninfo, which may hold a password). */
const char *og_config_store_name(const struct og_config *cfg);

#endif
