/*
 * enrol.h: a user enrols their own device at the PAM prompt, with the
 * invitation an administrator made (invite.h). The rules are here; the
 * module only converses:
 *
 *  1. At "Verification code: " a user with no active token types their
 *     invitation code. The login's source, policy and lock were checked
 *     as for any login (an invitation never widens where a user may come
 *     from); a code that is no open invitation of theirs is a failure
 *     counted towards the lock ("bad-invitation", "invitation-used",
 *     "invitation-expired"). Where the application cannot show the user
 *     text (a VPN), a right code is refused ("enrol-needs-ssh") and left
 *     unspent, with a notice to enrol over SSH.
 *  2. The invitation is taken, atomically with a new pending token made
 *     here (its secret from the CSPRNG, sealed under the organisation's
 *     data key like any other): og_login_verify gives OG_ENROL. The front
 *     end shows og_enrol_text (the QR code, the otpauth URI and the secret
 *     in base32) and asks for the new device's code.
 *  3. og_enrol_finish checks that code: the right one activates the token
 *     (its watermark at that code, which cannot log in again), clears the
 *     user's failures and lets the login through (event=enrol
 *     result=success reason=invite). A wrong one is a counted failure;
 *     after OG_ENROL_TRIES of them, or no answer, the token is deleted
 *     and the invitation stays spent.
 */
#ifndef OTPGATE_ENROL_H
#define OTPGATE_ENROL_H

#include <stddef.h>
#include <stdint.h>
#include "attempt.h"
#include "crypto.h"
#include "token.h"

#define OG_ENROL_TRIES 2		/* codes of the new device a user may type */
#define OG_ENROL_SECRET 20		/* bytes: 160 bits, RFC 4226's recommendation */
#define OG_ENROL_URI_MAX 1024

struct og_ctx;
struct og_login;

/* An invitation taken at a login: the new device, until it is confirmed. */
struct og_enrolment {
	int tries;			/* its codes typed so far */
	struct og_token token;		/* the pending token the invitation made ("" none) */
	unsigned char secret[OG_ENROL_SECRET];
	char uri[OG_ENROL_URI_MAX];	/* the otpauth URI of the secret */
};

/*
 * After the prompt (og_login_verify calls it): code, shaped like an
 * invitation code, from a user with no active token, as attempt a (master
 * is wiped). OG_ENROL with l->enrol filled in, or a refusal audited.
 */
enum og_verdict og_enrol_take(struct og_ctx *ctx, struct og_login *l, struct og_attempt *a,
			      struct og_key *master, const char *code);

/*
 * What the user is shown after OG_ENROL: a line saying what to do, the
 * QR code as a terminal draws it (qr.h), the otpauth URI and the secret in
 * base32 for entering by hand, each line ending in '\n'. A malloc'd
 * string the caller wipes and frees (og_freezero_str), or NULL.
 */
char *og_enrol_text(const struct og_login *l);

/*
 * The new device's code (NULL: no answer), answered_at. OG_ALLOW: the
 * token is active and the login goes through. OG_ENROL: wrong, and a try
 * is left (ask again). Else a refusal, the token deleted. Audited as event
 * "enrol" with the token's serial.
 */
enum og_verdict og_enrol_finish(struct og_ctx *ctx, struct og_login *l, const char *code,
				int64_t answered_at);

/* Wipes an enrolment's secret, URI and token. */
void og_enrol_wipe(struct og_enrolment *e);

#endif
