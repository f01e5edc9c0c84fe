/* cmd_enrol.c: create a virtual TOTP (or, with --hotp, HOTP) token and show it to the phone app. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "commands.h"
#include "err.h"
#include "otpauth.h"
#include "token.h"
#include "util.h"

#define SECRET_BYTES 20	/* 160 bits, RFC 4226's recommendation */

struct enrol_opts {
	const char *user, *org, *issuer, *qr;
	struct og_otp_params params;
	int json;
};

/* Reads the parsed options, with the configuration's defaults. */
static int read_opts(struct cli *c, const struct cli_args *a, struct enrol_opts *o)
{
	const char *v;

	o->params = c->cfg.totp;
	o->params.t0 = 0;
	o->user = a->arg[0];
	o->org = (v = cli_opt(a, "org")) ? v : "";
	o->issuer = (v = cli_opt(a, "issuer")) ? v : c->cfg.issuer;
	o->qr = (v = cli_opt(a, "qr")) ? v : isatty(STDOUT_FILENO) ? "terminal" : "none";
	o->json = cli_flag(a, "json");
	if ((v = cli_opt(a, "algorithm")) && og_algo_parse(v, &o->params.algo) != OG_OK)
		return cli_error("--algorithm must be SHA1, SHA256 or SHA512"), 2;
	if ((v = cli_opt(a, "digits")) != NULL && og_otp_digits_parse(v, &o->params.digits) != OG_OK)
		return cli_error("--digits must be 6 or 8"), 2;
	if ((v = cli_opt(a, "period")) != NULL && og_otp_period_parse(v, &o->params.period) != OG_OK)
		return cli_error("--period must be 30 or 60"), 2;
	if (cli_flag(a, "hotp") && v != NULL)
		return cli_error("--period is for TOTP tokens: an HOTP token counts its codes"), 2;
	if (cli_flag(a, "hotp")) {
		o->params.otp_kind = OG_OTP_HOTP;
		o->params.period = 30;	/* unused */
	}
	if (!og_is_safe_name(o->user, OG_USER_MAX))
		return cli_error("user '%.64s' is not a valid name", o->user), 2;
	if (o->org[0] != '\0' && !og_is_safe_name(o->org, OG_ORG_MAX))
		return cli_error("organisation '%.64s' is not a valid name", o->org), 2;
	if (o->issuer[0] == '\0' || strchr(o->issuer, ':') != NULL || strlen(o->issuer) > 100)
		return cli_error("--issuer must be 1 to 100 characters without ':'"), 2;
	if (strcmp(o->qr, "terminal") != 0 && strcmp(o->qr, "none") != 0 &&
	    !((strncmp(o->qr, "png:", 4) == 0 || strncmp(o->qr, "svg:", 4) == 0) && o->qr[4] != '\0'))
		return cli_error("--qr must be terminal, none, png:FILE or svg:FILE"), 2;
	return 0;
}

/* The QR code's file, for --qr png:FILE or svg:FILE: written before the
 * token is stored, so that no token exists without it. */
static int write_qr(struct cli *c, const char *qr, const char *uri, struct og_outfile *f)
{
	char kind[4] = { qr[0], qr[1], qr[2], '\0' };

	if (strchr(qr, ':') == NULL)
		return 0;
	if (cli_create_file(c, qr + 4, 0600, f) != OG_OK)
		return -1;
	if (qr_write_file(uri, kind, f, qr + 4) != 0) {
		og_outfile_remove(f);
		return -1;
	}
	return 0;
}

/* Seals and stores the token in one transaction. */
static int store_token(struct cli *c, const struct enrol_opts *o, const unsigned char *secret,
		       struct og_token *t)
{
	struct og_key master = { 0 }, dek = { 0 };
	char dek_id[OG_ID_LEN + 1];
	int64_t now = (int64_t)time(NULL);
	int r;

	if ((r = cli_master_key(c, &master)) != OG_OK)
		return r;
	if ((r = og_store_begin(c->st)) == OG_OK &&
	    (r = og_store_user_ensure(c->st, o->user, o->org, now)) == OG_OK &&
	    (r = og_token_dek(c->st, &master, o->org, now, dek_id, &dek)) == OG_OK) {
		r = og_token_build(&dek, dek_id, o->user, NULL, "virtual", secret, SECRET_BYTES,
				   &o->params, now, t);
		og_key_wipe(&dek);
		og_token_start(t, 0, 0);	/* an HOTP app's first code is counter 0's (or 1's) */
		t->state = OG_TOKEN_PENDING;	/* until confirm proves the device has it */
		if (r == OG_OK)
			r = og_store_token_add(c->st, t);
	}
	og_key_wipe(&master);
	if (r == OG_OK)
		return og_store_commit(c->st);
	og_store_rollback(c->st);
	if (r == OG_ERR_EXISTS)
		cli_error("user '%s' belongs to another organisation", o->user);
	else
		cli_error("cannot store token: %s", og_strerror(r));
	return r;
}

int cmd_enrol(struct cli *c, const struct cli_args *a)
{
	struct og_outfile qf = OG_OUTFILE_INIT;
	struct enrol_opts o;
	struct og_otpauth u;
	struct og_token t;
	char uri[1024], what[64];
	int hotp, r;

	memset(&o, 0, sizeof(o));
	memset(&u, 0, sizeof(u));
	memset(&t, 0, sizeof(t));
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if ((r = read_opts(c, a, &o)) != 0)
		return r;
	hotp = o.params.otp_kind == OG_OTP_HOTP;
	snprintf(u.issuer, sizeof(u.issuer), "%s", o.issuer);
	snprintf(u.account, sizeof(u.account), "%s", o.user);
	u.params = o.params;
	u.secret_len = SECRET_BYTES;
	r = 1;
	/* the URI is built first: a token is never stored that cannot be shown */
	if (og_random(u.secret, SECRET_BYTES) != OG_OK)
		goto out;
	if (og_otpauth_build(&u, uri, sizeof(uri)) < 0) {
		cli_error("issuer or user name too long for a URI");
		goto out;
	}
	if (write_qr(c, o.qr, uri, &qf) != 0)
		goto out;
	if (store_token(c, &o, u.secret, &t) != OG_OK) {
		og_outfile_remove(&qf);
		goto out;
	}
	cli_audit(c, "enrol", "success", o.user, t.serial, hotp ? "virtual hotp token"
							       : "virtual token");
	if (o.json) {
		printf("{\"user\":\"%s\",\"org\":\"%s\",\"serial\":\"%s\",\"state\":\"pending\","
		       "\"otp_kind\":\"%s\",\"uri\":\"%s\"}\n", o.user, o.org, t.serial,
		       og_otp_kind_name(o.params.otp_kind), uri);
	} else {
		if (strcmp(o.qr, "terminal") == 0)
			qr_print_terminal(uri, stdout);
		printf("%s\n", uri);
		if (hotp)
			snprintf(what, sizeof(what), "HOTP, %s, %d digits, counter 0",
				 og_algo_name(o.params.algo), o.params.digits);
		else
			snprintf(what, sizeof(what), "%s, %d digits, %d s",
				 og_algo_name(o.params.algo), o.params.digits, o.params.period);
		fprintf(stderr, "enrolled %s: token %s (%s), pending until "
			"'otpgate-provision confirm %s CODE' within %lld min\n", o.user, t.serial,
			what, o.user, (long long)(c->cfg.enrol_pending_for / 60));
	}
	r = 0;
out:
	og_outfile_close(&qf);
	OPENSSL_cleanse(&u, sizeof(u));
	OPENSSL_cleanse(uri, sizeof(uri));
	OPENSSL_cleanse(&t, sizeof(t));
	return r;
}
