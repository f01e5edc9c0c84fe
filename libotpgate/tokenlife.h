/*
 * tokenlife.h: a token's life after enrolment, the rules the tools apply:
 * a pending phone token confirmed by its current code, a drifted TOTP
 * token or an HOTP token pressed too often resynchronised from two
 * consecutive codes, a stock hardware token given
 * to a user (its secret sealed again under the user's organisation key).
 * The tools check the command line and print; what counts is decided here.
 */
#ifndef OTPGATE_TOKENLIFE_H
#define OTPGATE_TOKENLIFE_H

#include <stdint.h>
#include "config.h"
#include "crypto.h"
#include "store.h"
#include "token.h"

#define OG_RESYNC_SPAN (24 * 3600)	/* how far a hardware clock may have wandered */

/* What a confirm or a resync found. */
enum og_token_outcome {
	OG_TOKEN_DONE,		/* confirmed, or resynced: stored */
	OG_TOKEN_NONE,		/* no token to act on (none pending, none active) */
	OG_TOKEN_NO_MATCH,	/* the code(s) match no such token */
	OG_TOKEN_BAD_CODE,	/* a code is not as many digits as the token shows */
	OG_TOKEN_AMBIGUOUS,	/* two codes that match in several places (within a day,
				 * or within hotp.resync_window) */
	OG_TOKEN_TOO_FAR,	/* the drift found is beyond totp.max_drift: not stored */
};

struct og_token_result {
	enum og_token_outcome outcome;
	struct og_token token;	/* the token it is about, as it is now (the caller wipes
				 * it): after a resync, an HOTP token's og_token_counter
				 * is the next code's */
	int64_t drift;		/* resync: how far a TOTP token runs, in steps (ahead > 0) */
};

/*
 * Confirms user's pending token (enrolled within cfg->enrol_pending_for
 * of now) that shows code at now (an HOTP token: one of its next
 * hotp.look_ahead codes): it becomes active, its watermark at that code's
 * step (or counter) so the code cannot log in. OG_OK with out->outcome,
 * or a store error.
 */
int og_token_confirm(struct og_store *st, const struct og_config *cfg, const struct og_key *master,
		     const char *user, const char *code, int64_t now, struct og_token_result *out,
		     const struct og_log *log);

/*
 * Finds which of user's active tokens shows code1 and then code2: a TOTP
 * token within OG_RESYNC_SPAN of now, and stores how far it runs (within
 * cfg->max_drift); an HOTP token at two consecutive counters within
 * cfg->hotp_resync_window after its watermark, and sets its counter after
 * them. Either way the codes are spent. OG_OK with out->outcome, or a
 * store error.
 */
int og_token_resync(struct og_store *st, const struct og_config *cfg, const struct og_key *master,
		    const char *user, const char *code1, const char *code2, int64_t now,
		    struct og_token_result *out);

/*
 * Gives the stock token serial to user, in one transaction: the user made
 * known (with their organisation, or none), the secret sealed again under
 * that organisation's data key (made when it has none), the token
 * active. OG_ERR_NOTFOUND when serial is not in stock, OG_ERR_GONE when
 * the organisation is removed, else OG_OK or an error.
 */
int og_token_assign(struct og_store *st, const struct og_key *master, const char *serial,
		    const char *user, int64_t now);

#endif
