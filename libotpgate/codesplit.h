/*
 * codesplit.h: an answer that is the password followed by the code, as
 * OpenVPN and other one-prompt clients send it (pam_otpgate's `combined`).
 */
#ifndef OTPGATE_CODESPLIT_H
#define OTPGATE_CODESPLIT_H

#include <stddef.h>

/*
 * Splits answer in place: its last digits bytes are the code, copied into
 * code (cap bytes), and answer keeps the password in front of it (the
 * code's bytes in answer are wiped, so freeing it leaves none). An answer
 * shorter than digits is left whole (all password) and the code is "".
 * OG_OK, or OG_ERR_INVALID (answer whole, code "" when cap > 0) when
 * digits is not 1 to cap - 1.
 */
int og_code_split(char *answer, int digits, char *code, size_t cap);

#endif
