/* cmd_register.c: issue (we generate the pair) and add (the user's own key). */
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "commands.h"
#include "err.h"
#include "fileio.h"
#include "util.h"

/* Keys are for users the bastion knows (in the store or in NSS) and has
 * not removed: a removed user's keys end, and none are made for them. */
static int check_user(struct cli *c, const char *user)
{
	struct og_user_state us;
	int r, known, removed;

	if (!og_is_safe_name(user, OG_USER_MAX))
		return cli_error("user '%.64s' is not a valid name", user), -1;
	r = og_store_user_state(c->st, user, &us);
	known = r == OG_OK && us.known;
	removed = r == OG_OK && us.removed_at > 0;
	og_store_user_state_wipe(&us);
	if (r != OG_OK)
		return cli_error("%s: cannot read the user from the store", user), -1;
	if (removed)
		return cli_error("user '%s' is removed (restore them first)", user), -1;
	if (!known && getpwnam(user) == NULL)
		return cli_error("unknown user '%s' (not in the store, not a local user)", user), -1;
	return 0;
}

static void print_registered(const struct og_access_key *row, const char *where)
{
	char expiry[32];

	og_access_key_expiry(row->not_after, expiry);
	printf("key %s for %s: %s %s, valid until %s%s%s\n", row->id, row->user, row->type,
	       row->fingerprint, expiry, where ? ", private key in " : "", where ? where : "");
}

/* Writes the private key to a new file named on the command line, mode
 * 0600 (see cli_create_file). */
static int write_out(struct cli *c, const char *path, const char *pem, struct og_outfile *f)
{
	if (cli_create_file(c, path, 0600, f) != OG_OK)
		return -1;
	if (og_write_all(f->fd, pem, strlen(pem)) != OG_OK || og_outfile_finish(f) != OG_OK) {
		og_outfile_remove(f);
		return cli_error("%s: cannot write the private key", path), -1;
	}
	return 0;
}

int cmd_issue(struct cli *c, const struct cli_args *a)
{
	const char *out = cli_opt(a, "out"), *user = a->arg[0];
	struct og_outfile of = OG_OUTFILE_INIT;
	char comment[300], where[4200], id[OG_ID_LEN + 1];
	struct og_sshkey key = { 0 };
	struct og_access_key row;
	int64_t now = (int64_t)time(NULL);
	char *pem = NULL;
	int r = 1;

	if (keys_open(c) != 0 || check_user(c, user) != 0)
		return 1;
	snprintf(comment, sizeof(comment), "%s@otpgate", user);
	if (og_random_id(id) != OG_OK || og_sshkey_generate_ed25519(comment, &key, &pem) != OG_OK) {
		cli_error("cannot generate a key pair");
		goto out;
	}
	/* the private half reaches its place before the public half is registered */
	if (out != NULL ? write_out(c, out, pem, &of) != 0
			: keys_deliver(c, user, id, pem, where, sizeof(where)) != 0)
		goto out;
	if (keys_register(c, id, user, &key, "issued", now, &row) != 0) {
		if (out != NULL)
			og_outfile_remove(&of);
		else
			keys_withdraw(c, user, id);
		goto out;
	}
	keys_audit(c, "issue", "success", user, row.fingerprint, row.id);
	print_registered(&row, out ? out : where);
	r = 0;
out:
	og_outfile_close(&of);
	og_freezero_str(pem);
	og_sshkey_free(&key);
	return r;
}

/* Reads the first key line of a public key file, refusing unsafe files. */
static int read_pubkey(struct cli *c, const char *path, struct og_sshkey *key)
{
	char *text = NULL, *line, *save = NULL, msg[1024] = "";
	struct og_log capture = { og_log_capture, msg, 0 };
	const char *why = "no key line";
	size_t len;
	int r = -1;

	(void)c;
	if (og_file_read(path, OG_FILE_CONFIG, OG_SSHKEY_LINE_MAX, &text, &len, &capture) != OG_OK)
		return cli_error("%s", msg[0] ? msg : path), -1;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (line[strspn(line, " \t\r")] == '\0' || line[strspn(line, " \t")] == '#')
			continue;
		if (og_sshkey_parse(line, key, &why) == OG_OK)
			r = 0;
		break;
	}
	if (r != 0)
		cli_error("%s: not accepted: %s", path, why);
	free(text);
	return r;
}

int cmd_add(struct cli *c, const struct cli_args *a)
{
	const char *user = a->arg[0];
	struct og_sshkey key = { 0 };
	struct og_access_key row;
	char id[OG_ID_LEN + 1];
	int r = 1;

	if (keys_open(c) != 0 || check_user(c, user) != 0 || read_pubkey(c, a->arg[1], &key) != 0)
		goto out;
	if (og_random_id(id) != OG_OK ||
	    keys_register(c, id, user, &key, "added", (int64_t)time(NULL), &row) != 0) {
		keys_audit(c, "add", "failure", user, key.fingerprint, NULL);
		goto out;
	}
	keys_audit(c, "add", "success", user, row.fingerprint, row.id);
	print_registered(&row, NULL);
	r = 0;
out:
	og_sshkey_free(&key);
	return r;
}
