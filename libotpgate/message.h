/*
 * message.h: what a login tells the person at the terminal. A refusal
 * gets one line saying why and what to do, when the messages setting
 * allows it: "after-key" (the default) only once sshd accepted the user's
 * public key, so a client that has not authenticated learns nothing;
 * "always"; "never". The front end shows the line (PAM_ERROR_MSG).
 */
#ifndef OTPGATE_MESSAGE_H
#define OTPGATE_MESSAGE_H

#include <stddef.h>
#include "auth.h"

#define OG_MESSAGE_MAX 256

/* Shown before failure mode's second prompt (it is only reached with a
 * right code, whatever the messages setting). */
#define OG_MESSAGE_NEXT_CODE "otpgate: too many failed logins put this account in failure mode:" \
	" wait for your device to show its next code and enter it (or a recovery code)."

/* Shown after a wrong code from the device a user enrols with their
 * invitation, before they are asked again (only reached with a right
 * invitation code, whatever the messages setting). */
#define OG_MESSAGE_ENROL_RETRY "otpgate: that code does not match your new device: one more try."

/*
 * The line a refused login l is told (into buf, cap bytes), or NULL: none
 * for its reason, or the messages setting does not allow one. Reasons told:
 * locked (until when), failure mode (two codes needed), no device
 * enrolled, a device not yet confirmed, a source address the policy
 * refuses (naming it), a code already used, an invitation used or expired.
 * A wrong code is told nothing. A right invitation code where no QR code
 * can be shown (enrol.h) is told to enrol over SSH, whatever the setting:
 * only its holder gets there.
 */
const char *og_login_message(const struct og_ctx *ctx, const struct og_login *l, char *buf,
			     size_t cap);

#endif
