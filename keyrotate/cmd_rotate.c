/*
 * cmd_rotate.c: the scheduled rotation (systemd timer). For every key:
 * past its not-after -> expired, with no successor; otherwise the current
 * key older than keys.max_age -> a successor (server-issued keys: a new
 * pair delivered to the user's drop location; the user's own keys: the
 * user is notified to add a new one) and the old key to grace until now +
 * keys.grace, unless the user is removed from the store. Every step is its
 * own compare-and-set on the key's state, so the run is idempotent, safe
 * beside another run (on this host or another one of the fleet) and picks
 * up where a crashed run stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "commands.h"
#include "err.h"
#include "notify.h"
#include "status.h"
#include "util.h"

#define BATCH 200	/* state changes per transaction: one commit, not one each */

/* A user told to add a new key, once the batch that moved it is committed. */
struct notice {
	char user[OG_USER_MAX + 1], id[OG_ID_LEN + 1], when[32], fp[OG_FP_LEN];
};

struct rotation {
	struct cli *c;
	int64_t now;
	int dry_run;
	int in_batch;		/* state changes in the open transaction */
	struct notice notices[BATCH];
	int nnotices;
	long checked, rotated, graced, expired, failed;
};

/* Starts keys.notify for n; a program that cannot be started (logged by
 * og_notify) is audited and counts as a failed step. */
static void notify_user(struct rotation *ro, const struct notice *n)
{
	char why[256];
	struct og_audit_event ev = {
		.event = "notify", .result = "failure", .reason = "key-expiring", .user = n->user,
		.key = n->fp, .detail = why,
	};

	if (og_notify(ro->c->cfg.keys_notify, "key-expiring", n->user, n->id, n->when, why,
		      sizeof(why), &ro->c->log) == OG_OK)
		return;
	cli_audit_event(ro->c, &ev);
	ro->failed++;
}

/* Commits the open batch, if any. */
static void batch_end(struct rotation *ro)
{
	if (ro->in_batch == 0)
		return;
	if (og_store_commit(ro->c->st) != OG_OK) {
		cli_error("a batch of %d key changes could not be committed", ro->in_batch);
		og_store_rollback(ro->c->st);
		ro->failed++;
		ro->nnotices = 0;	/* nothing happened: nobody is told */
	}
	for (int i = 0; i < ro->nnotices; i++)
		notify_user(ro, &ro->notices[i]);
	ro->nnotices = 0;
	ro->in_batch = 0;
}

/*
 * Compare-and-set of k's state inside the open batch (opening one if
 * needed). OG_ERR_NOTFOUND: another run changed the key first.
 */
static int change_state(struct rotation *ro, const struct og_access_key *k,
			enum og_access_key_state expect, enum og_access_key_state state, int64_t not_after)
{
	if (ro->in_batch == 0 && og_store_begin(ro->c->st) != OG_OK) {
		ro->failed++;
		return OG_ERR_STORE;
	}
	ro->in_batch++;
	return og_store_key_set_state(ro->c->st, k->id, expect, state, not_after);
}

/* Commits the batch once it is full. */
static void batch_check(struct rotation *ro)
{
	if (ro->in_batch >= BATCH)
		batch_end(ro);
}

static void step_log(struct rotation *ro, const struct og_access_key *k, const char *what)
{
	printf("%s%s %s key %s (%s): %s\n", ro->dry_run ? "would: " : "", k->user, k->origin, k->id,
	       k->fingerprint, what);
}

/* A server-issued key: a new pair, delivered first, then registered. */
static void issue_successor(struct rotation *ro, const struct og_access_key *k)
{
	struct og_sshkey key = { 0 };
	struct og_access_key row;
	char comment[300], path[4200], id[OG_ID_LEN + 1];
	char *pem = NULL;

	step_log(ro, k, "replaced by a new key");
	if (ro->dry_run) {
		ro->rotated++;
		return;
	}
	batch_end(ro);	/* registering a successor is a transaction of its own */
	snprintf(comment, sizeof(comment), "%s@otpgate", k->user);
	if (og_random_id(id) != OG_OK || og_sshkey_generate_ed25519(comment, &key, &pem) != OG_OK ||
	    keys_deliver(ro->c, k->user, id, pem, path, sizeof(path)) != 0) {
		ro->failed++;
		goto out;
	}
	if (keys_register(ro->c, id, k->user, &key, "issued", ro->now, &row) != 0) {
		keys_withdraw(ro->c, k->user, id);
		ro->failed++;
		goto out;
	}
	keys_audit(ro->c, "rotate", "success", k->user, row.fingerprint, k->id);
	ro->rotated++;
out:
	og_freezero_str(pem);
	og_sshkey_free(&key);
}

/* The user's own key: into grace, and the user is told to add a new one. */
static void ask_for_successor(struct rotation *ro, const struct og_access_key *k)
{
	int64_t until = og_access_key_grace_until(k, ro->now, ro->c->cfg.keys_grace);
	char when[32];

	og_access_key_expiry(until, when);
	step_log(ro, k, "in grace; the user must add a new key");
	if (ro->dry_run) {
		ro->graced++;
		return;
	}
	if (change_state(ro, k, OG_ACCESS_KEY_ACTIVE, OG_ACCESS_KEY_GRACE, until) == OG_OK) {
		struct notice *n = &ro->notices[ro->nnotices++];
		keys_audit(ro->c, "grace", "success", k->user, k->fingerprint, when);
		og_copy(n->user, sizeof(n->user), k->user);
		og_copy(n->id, sizeof(n->id), k->id);
		og_copy(n->when, sizeof(n->when), when);
		og_copy(n->fp, sizeof(n->fp), k->fingerprint);
		ro->graced++;
	}
	batch_check(ro);
}

/* A key past its not-after: expired, from either valid state. */
static void expire_key(struct rotation *ro, const struct og_access_key *k)
{
	if (ro->dry_run) {
		step_log(ro, k, "expired");
		ro->expired++;
	} else if (change_state(ro, k, OG_ACCESS_KEY_ACTIVE, OG_ACCESS_KEY_EXPIRED,
				k->not_after) == OG_OK ||
		   change_state(ro, k, OG_ACCESS_KEY_GRACE, OG_ACCESS_KEY_EXPIRED, k->not_after) == OG_OK) {
		step_log(ro, k, "expired");
		keys_audit(ro->c, "expire", "success", k->user, k->fingerprint, k->id);
		ro->expired++;
	}
	batch_check(ro);
}

/* 1 if k's user is removed from the store, 0 if not, -1 if the store cannot say. */
static int user_removed(struct rotation *ro, const struct og_access_key *k)
{
	struct og_user_state us;
	int r, removed;

	r = og_store_user_state(ro->c->st, k->user, &us);
	removed = r == OG_OK && us.removed_at > 0;
	og_store_user_state_wipe(&us);
	if (r != OG_OK)
		return cli_error("%s: cannot read the user from the store", k->user), -1;
	return removed;
}

/* A current key past max_age and still valid: a successor, unless the user is removed. */
static void replace_key(struct rotation *ro, const struct og_access_key *k)
{
	int removed = user_removed(ro, k);

	if (removed < 0)
		ro->failed++;
	else if (removed)
		step_log(ro, k, "no successor: the user is removed");
	else if (strcmp(k->origin, "issued") == 0)
		issue_successor(ro, k);
	else
		ask_for_successor(ro, k);
}

/* What is due for k (og_access_key_due): expiry, or a successor. */
static void rotate_key(struct rotation *ro, const struct og_access_key *k)
{
	enum og_rotation_step due = og_access_key_due(k, ro->now, ro->c->cfg.keys_max_age);

	ro->checked++;
	if (due == OG_ROTATE_EXPIRE)
		expire_key(ro, k);
	else if (due == OG_ROTATE_REPLACE)
		replace_key(ro, k);
}

/* One rotation at a time on this host; other hosts are held off by the CAS. */
static int take_lock(struct cli *c)
{
	char path[4200];
	int fd;

	if (keys_make_drop(c) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/.rotate.lock", c->cfg.keys_drop_dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 ||
	    flock(fd, LOCK_EX) != 0)
		return cli_error("%s: cannot lock: %s", path, strerror(errno)), -1;
	return fd;
}

int cmd_rotate(struct cli *c, const struct cli_args *a)
{
	struct rotation ro = { .c = c, .now = (int64_t)time(NULL), .dry_run = cli_flag(a, "dry-run") };
	const char *user = cli_opt(a, "user");
	struct user_keys uk;
	char summary[160];
	int lock;

	if (user != NULL && !og_is_safe_name(user, OG_USER_MAX))
		return cli_error("usage: otpgate-keyrotate rotate [--dry-run] [--user USER]"), 2;
	if (keys_open(c) != 0 || (lock = take_lock(c)) < 0)
		return 1;
	if (keys_load(c, user, &uk) != 0) {
		close(lock);
		return 1;
	}
	for (size_t i = 0; i < uk.n; i++)
		rotate_key(&ro, &uk.v[i]);
	batch_end(&ro);
	keys_free(&uk);
	close(lock);
	snprintf(summary, sizeof(summary), "%ld keys checked, %ld rotated, %ld user keys to grace, "
		 "%ld expired, %ld failed", ro.checked, ro.rotated, ro.graced, ro.expired, ro.failed);
	printf("rotate%s: %s\n", ro.dry_run ? " (dry run)" : "", summary);
	/* a full run is recorded: status reports the last one and its result */
	if (!ro.dry_run && user == NULL)
		keys_audit(c, OG_ROTATE_RUN, ro.failed > 0 ? "failure" : "success", NULL, NULL, summary);
	return ro.failed > 0 ? 1 : 0;
}
