/*
 * qr.h: a QR code of a text (libqrencode, error correction M), and the way
 * a terminal shows it: two modules per character cell with Unicode half
 * blocks, light modules drawn as blocks so that it scans on a dark
 * terminal. One drawing for the tools (enrol --qr terminal) and for the
 * module (a user enrolling at the prompt). The text is an enrolment URI,
 * which holds a secret: everything here is wiped when freed.
 */
#ifndef OTPGATE_QR_H
#define OTPGATE_QR_H

#include <stddef.h>

struct og_qr {
	int width;		/* modules on a side */
	unsigned char *dark;	/* width * width, row by row: 1 dark, 0 light */
};

/* Encodes text. OG_OK, OG_ERR_INVALID (too long for a QR code) or OG_ERR_NOMEM. */
int og_qr_encode(const char *text, struct og_qr *q);

/* 1 if the module at (x, y) is dark; outside the symbol it is light. */
int og_qr_dark(const struct og_qr *q, int x, int y);

/* Wipes and frees the modules. */
void og_qr_free(struct og_qr *q);

/*
 * The terminal drawing of text's QR code, with a light border of two
 * modules: lines of equal width, each ending in '\n'. A malloc'd string
 * the caller wipes and frees (og_freezero_str), or NULL.
 */
char *og_qr_terminal(const char *text);

#endif
