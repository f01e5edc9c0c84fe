/* qr.c: a QR code on the terminal, two modules per character cell. */
#include <stdio.h>
#include <qrencode.h>

#include "commands.h"

#define QUIET 2	/* quiet zone, in modules */

/* 1 if the module at (x, y) is dark; outside the symbol is light. */
static int dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->data[y * q->width + x] & 1;
}

int qr_print_terminal(const char *text, FILE *out)
{
	/* light modules are drawn as white blocks, so it scans on dark terminals */
	static const char *const cell[4] = { "\u2588", "\u2580", "\u2584", " " };
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);

	if (q == NULL)
		return -1;
	for (int y = -QUIET; y < q->width + QUIET; y += 2) {
		for (int x = -QUIET; x < q->width + QUIET; x++) {
			int top = dark(q, x, y), bottom = dark(q, x, y + 1);
			fputs(cell[top * 2 + bottom], out);
		}
		fputc('\n', out);
	}
	QRcode_free(q);
	return 0;
}
