/*
 * qr.c: the enrolment QR code (qr.h), on the terminal as the core draws it,
 * or written to a PNG (libpng) or SVG file. The files hold the
 * token's secret: the caller creates them (cli_create_file: new, mode
 * 0600, the admin's own when an org admin names it).
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "err.h"
#include "qr.h"
#include "util.h"

#define QUIET 4		/* quiet zone, in modules (the standard's minimum) */
#define PNG_SCALE 8	/* pixels per module */

int qr_print_terminal(const char *text, FILE *out)
{
	char *art = og_qr_terminal(text);

	if (art == NULL)
		return -1;
	fputs(art, out);
	og_freezero_str(art);
	return 0;
}

static int write_png(const struct og_qr *q, FILE *f)
{
	int size = (q->width + 2 * QUIET) * PNG_SCALE;
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	png_bytep row = malloc((size_t)size);
	int r = -1;

	if (png == NULL || info == NULL || row == NULL || setjmp(png_jmpbuf(png)))
		goto out;
	png_init_io(png, f);
	png_set_IHDR(png, info, (png_uint_32)size, (png_uint_32)size, 8, PNG_COLOR_TYPE_GRAY,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < size; y++) {
		for (int x = 0; x < size; x++)
			row[x] = og_qr_dark(q, x / PNG_SCALE - QUIET, y / PNG_SCALE - QUIET) ? 0 : 255;
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	r = 0;
out:
	png_destroy_write_struct(&png, &info);
	free(row);
	return r;
}

static int write_svg(const struct og_qr *q, FILE *f)
{
	int size = q->width + 2 * QUIET;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
		   "height=\"%d\" shape-rendering=\"crispEdges\">\n"
		   "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"",
		size, size, size * 8, size * 8, size, size);
	for (int y = 0; y < q->width; y++) {
		for (int x = 0; x < q->width; x++) {
			if (og_qr_dark(q, x, y))
				fprintf(f, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
		}
	}
	fputs("\"/>\n</svg>\n", f);
	return ferror(f) ? -1 : 0;
}

int qr_write_file(const char *text, const char *kind, struct og_outfile *f, const char *path)
{
	struct og_qr q;
	FILE *out = NULL;
	int fd, r = -1;

	if (og_qr_encode(text, &q) != OG_OK)
		return cli_error("cannot encode the URI as a QR code"), -1;
	/* stdio on a copy of the descriptor; the outfile fsyncs and closes its own */
	if ((fd = dup(f->fd)) >= 0 && (out = fdopen(fd, "wb")) == NULL)
		close(fd);
	if (out != NULL) {
		r = strcmp(kind, "png") == 0 ? write_png(&q, out) : write_svg(&q, out);
		if (fclose(out) != 0)
			r = -1;
	}
	if (r == 0 && og_outfile_finish(f) != OG_OK)
		r = -1;
	if (r != 0)
		cli_error("%s: cannot write the QR code", path);
	og_qr_free(&q);
	return r;
}
