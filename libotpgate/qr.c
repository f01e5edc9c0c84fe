/* qr.c: a text as a QR code, and as a terminal draws it. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <qrencode.h>

#include "err.h"
#include "qr.h"
#include "util.h"

#define BORDER 2	/* light modules around the symbol on a terminal */

int og_qr_encode(const char *text, struct og_qr *q)
{
	QRcode *c = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	size_t n;

	memset(q, 0, sizeof(*q));
	if (c == NULL)
		return OG_ERR_INVALID;
	n = (size_t)c->width * (size_t)c->width;
	if ((q->dark = malloc(n)) != NULL) {
		q->width = c->width;
		for (size_t i = 0; i < n; i++)
			q->dark[i] = c->data[i] & 1;
	}
	OPENSSL_cleanse(c->data, n);
	QRcode_free(c);
	return q->dark != NULL ? OG_OK : OG_ERR_NOMEM;
}

int og_qr_dark(const struct og_qr *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->dark[y * q->width + x];
}

void og_qr_free(struct og_qr *q)
{
	og_freezero(q->dark, (size_t)q->width * (size_t)q->width);
	memset(q, 0, sizeof(*q));
}

char *og_qr_terminal(const char *text)
{
	/* a cell: its top module and its bottom one; light is a block */
	static const char *const cell[4] = { "\u2588", "\u2580", "\u2584", " " };
	struct og_qr q;
	size_t cols, rows, o = 0, cap;
	char *out;

	if (og_qr_encode(text, &q) != OG_OK)
		return NULL;
	cols = (size_t)q.width + 2 * BORDER;
	rows = (cols + 1) / 2;
	cap = rows * (cols * 3 + 1) + 1;	/* 3 bytes a cell in UTF-8, and the newlines */
	if ((out = malloc(cap)) != NULL) {
		for (int y = -BORDER; y < q.width + BORDER; y += 2) {
			for (int x = -BORDER; x < q.width + BORDER; x++) {
				const char *c = cell[og_qr_dark(&q, x, y) * 2 + og_qr_dark(&q, x, y + 1)];
				size_t n = strlen(c);
				memcpy(out + o, c, n);
				o += n;
			}
			out[o++] = '\n';
		}
		out[o] = '\0';
	}
	og_qr_free(&q);
	return out;
}
