/*
 * tokenfmt.c: what the tools show of a token's codes, the same in list,
 * show and export: its OTP kind, algorithm and digits, then a TOTP
 * token's period and drift or an HOTP token's counter. Never a secret.
 */
#include <stdio.h>

#include "commands.h"

void token_otp_json(const struct og_token *t, char *out, size_t cap)
{
	const struct og_otp_params *p = &t->params;

	if (p->otp_kind == OG_OTP_HOTP)
		snprintf(out, cap, "\"otp_kind\":\"hotp\",\"algorithm\":\"%s\",\"digits\":%d,"
			 "\"counter\":%lld", og_algo_name(p->algo), p->digits,
			 (long long)og_token_counter(t));
	else
		snprintf(out, cap, "\"otp_kind\":\"totp\",\"algorithm\":\"%s\",\"digits\":%d,"
			 "\"period\":%d,\"drift\":%lld", og_algo_name(p->algo), p->digits,
			 p->period, (long long)t->drift);
}

void token_otp_text(const struct og_token *t, char *out, size_t cap)
{
	const struct og_otp_params *p = &t->params;

	if (p->otp_kind == OG_OTP_HOTP)
		snprintf(out, cap, "hotp %s %d digits, counter %lld", og_algo_name(p->algo),
			 p->digits, (long long)og_token_counter(t));
	else
		snprintf(out, cap, "totp %s %d digits %d s, drift %lld", og_algo_name(p->algo),
			 p->digits, p->period, (long long)t->drift);
}
