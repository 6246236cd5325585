// SPDX-License-Identifier: GPL-2.0
/*
 * udmabuf bench: the experiment of the seeds' Table 1 and Table 2.
 *
 * For every sync_mode (0..7), with and without O_SYNC, and every size: map
 * the first SIZE bytes of a buffer and time check_buf (write every byte of
 * a 256-byte block, read the block back and compare, block by block over
 * the whole size, 9 passes) and clear_buf (99 memsets of the whole size),
 * as the seeds' sample programs do.  Printed as the seeds' tables, or as
 * CSV; --svg draws them as a bar chart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "udmabuf.h"

#define MAX_SIZES	8
#define NMODES		8
#define BLOCK		256

static const char bench_usage[] =
"usage: udmabuf bench [NAME] [--sizes LIST] [--modes LIST]\n"
"                     [--passes CHECK,CLEAR] [--repeat N] [--csv] [--svg FILE]\n"
"\n"
"The seeds' experiment (their Table 1 and Table 2): for every sync_mode,\n"
"with and without O_SYNC, and every size, the time of check_buf (write\n"
"every byte of a 256-byte block, read it back and compare, block by block;\n"
"9 passes) and of clear_buf (99 memsets), through a mapping of the buffer.\n"
"Without NAME a temporary buffer of the largest size is created through\n"
"/dev/u-dma-buf-mgr and deleted afterwards; with NAME that buffer is used\n"
"and its sync_mode is given back at the end.  Needs root (sync_mode is\n"
"set through sysfs).\n"
"\n"
"On arm64, clear_buf is skipped for sync_mode 1 with O_SYNC and for\n"
"sync_mode 5: they map Device memory (uncached), where memset (DC ZVA)\n"
"faults on a board, as the established driver's test program skips them\n"
"(the manuals' tables have figures for them; on 32-bit ARM they are\n"
"measured, and a figure that faults shows SIGBUS).  On x86 the driver maps every mode write-back, so all rows\n"
"measure cached memory.\n"
"Under QEMU the caches are not modelled: only a board's figures mean\n"
"something.\n"
"\n"
"  -s, --sizes LIST     sizes, comma separated (default 1M,5M,10M)\n"
"  -m, --modes LIST     sync modes, e.g. 0-7 (default) or 0,1,5\n"
"  -p, --passes C,Z     passes of check_buf and clear_buf (default 9,99)\n"
"  -r, --repeat N       run every figure N times, show the best (default 1)\n"
"  -c, --csv            CSV on stdout instead of the tables:\n"
"                       table,sync_mode,o_sync,size_bytes,seconds,errors,note\n"
"  -g, --svg FILE       also draw the figures as an SVG bar chart\n"
"  -q, --quiet          no progress lines on a terminal\n"
"  -h, --help           this text\n";

enum cell_state { CELL_NONE, CELL_DONE, CELL_SKIPPED, CELL_FAULT };

struct cell {
	enum cell_state state;
	double sec;
	unsigned long errors;
};

struct bench {
	uint64_t sizes[MAX_SIZES];
	int nsizes;
	int modes[NMODES];
	int nmodes;
	int passes[2];		/* check_buf, clear_buf */
	int repeat;
	int arm64, x86, qemu;	/* arm64: an arm64 kernel (Device-nGnRnE) */
	struct utsname uts;
	char path[300];		/* how the buffer is opened */
	char name[128];
	char driver[32];
	uint64_t dma_addr;
	int coherent;
	struct cell cell[2][NMODES][2][MAX_SIZES];	/* table, mode, O_SYNC, size */
};

static const char *const table_name[2] = { "check_buf", "clear_buf" };

/* ------------------------------------------------------ the workload */

/* the seeds' check_buf: returns the number of bytes read back wrong */
static unsigned long check_buf(volatile unsigned char *buf, size_t size,
			       int passes)
{
	unsigned long errors = 0;

	for (int p = 0; p < passes; p++) {
		for (size_t at = 0; at < size; at += BLOCK) {
			size_t len = size - at < BLOCK ? size - at : BLOCK;
			volatile unsigned char *q = buf + at;

			/* cppcheck-suppress knownConditionTrueFalse ; len > 0 */
			for (size_t k = 0; k < len; k++)
				q[k] = (unsigned char)k;
			/* cppcheck-suppress knownConditionTrueFalse ; len > 0 */
			for (size_t k = 0; k < len; k++)
				if (q[k] != (unsigned char)k)
					errors++;
		}
	}
	return errors;
}

/* the seeds' clear_buf: memset of the whole size, again and again */
static void clear_buf(unsigned char *buf, size_t size, int passes)
{
	for (int p = 0; p < passes; p++) {
		memset(buf, 0, size);
		/* every memset happens: the memory is observed in between */
		__asm__ __volatile__("" : : "r"(buf) : "memory");
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------- faults and interruptions */

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;

static void on_fault(int sig)
{
	if (fault_armed)
		siglongjmp(fault_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* what an interruption must undo: prepared before, done in the handler */
static int cleanup_fd = -1;		/* the manager */
static char tmp_name[64];		/* the temporary buffer */
static char cleanup_cmd[100];		/* "delete <tmp_name>" */
static char mode_attr[400];		/* sync_mode of a user's buffer */
static char mode_old[16];

static void cleanup_now(void)
{
	ssize_t n;

	if (cleanup_fd >= 0 && cleanup_cmd[0]) {
		n = write(cleanup_fd, cleanup_cmd, strlen(cleanup_cmd));
		(void)n;	/* nothing more can be done in a handler */
		cleanup_cmd[0] = '\0';
	}
	if (mode_attr[0]) {
		int fd = open(mode_attr, O_WRONLY | O_CLOEXEC);

		if (fd >= 0) {
			n = write(fd, mode_old, strlen(mode_old));
			(void)n;
			close(fd);
		}
		mode_attr[0] = '\0';
	}
}

static void on_stop(int sig)
{
	cleanup_now();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ----------------------------------------------------------- measure */

static int is_device_memory(const struct bench *b, int mode, int o_sync)
{
	return b->arm64 && ((o_sync && mode == 1) || mode == 5);
}

/* one figure: 0, or an exit status after a message */
static int measure(struct bench *b, int t, int o_sync, size_t size,
		   struct cell *c)
{
	struct udmabuf_buffer *volatile buf;
	struct udmabuf_map *volatile map;
	unsigned char *p;
	double t0, t1;
	int sig;

	buf = udmabuf_buffer_open(b->path, o_sync ? UDMABUF_OPEN_SYNC : 0);
	if (!buf) {
		msg("bench: cannot open %s: %s", b->path, strerror(errno));
		return EX_FAIL;
	}
	map = udmabuf_buffer_map(buf, 0, size, 0);
	if (!map) {
		msg("bench: cannot map %zu bytes of %s: %s", size, b->path,
		    strerror(errno));
		udmabuf_buffer_close(buf);
		return EX_FAIL;
	}
	p = udmabuf_map_get_addr(map);
	sig = sigsetjmp(fault_jmp, 1);
	if (sig) {
		fault_armed = 0;
		c->state = CELL_FAULT;
	} else {
		unsigned long e = 0;

		fault_armed = 1;
		t0 = now();
		if (t == 0)
			e = check_buf(p, size, b->passes[0]);
		else
			clear_buf(p, size, b->passes[1]);
		t1 = now();
		fault_armed = 0;
		if (c->state != CELL_DONE || t1 - t0 < c->sec)
			c->sec = t1 - t0;
		c->errors += e;
		c->state = CELL_DONE;
	}
	udmabuf_map_unmap(map);
	udmabuf_buffer_close(buf);
	return 0;
}

static int run(struct bench *b, struct udmabuf_buffer *ctl, int quiet)
{
	int show = !quiet && isatty(STDERR_FILENO);
	char hs[32];

	for (int mi = 0; mi < b->nmodes; mi++) {
		int mode = b->modes[mi], r;

		r = udmabuf_buffer_set_sync_mode(ctl, mode);
		if (r) {
			msg("bench: cannot set sync_mode %d of %s: %s%s", mode,
			    b->name, strerror(-r), r == -EACCES ||
			    r == -EPERM ? " (run as root)" : "");
			return r == -EACCES || r == -EPERM ? EX_PERM : EX_FAIL;
		}
		for (int k = 0; k < 2 * 2 * b->nsizes; k++) {
			int o = k / (2 * b->nsizes), si = k / 2 % b->nsizes;
			int t = k % 2;
			struct cell *c = &b->cell[t][mi][o][si];

			if (t == 1 && is_device_memory(b, mode, o)) {
				c->state = CELL_SKIPPED;
				continue;
			}
			if (show)
				fprintf(stderr, "\rbench: sync_mode %d, O_SYNC %s, %s, %s   ",
					mode, o ? "yes" : "no",
					human_size(b->sizes[si], hs, sizeof(hs)),
					table_name[t]);
			for (int n = 0; n < b->repeat && c->state != CELL_FAULT;
			     n++) {
				r = measure(b, t, o, (size_t)b->sizes[si], c);
				if (r)
					return r;
			}
		}
	}
	if (show)
		fprintf(stderr, "\r%60s\r", "");
	return 0;
}

/* ------------------------------------------------------------ output */

static const char *cell_text(const struct cell *c, char *buf, size_t len)
{
	switch (c->state) {
	case CELL_DONE:
		/* the seeds' 3 decimals; more for small figures */
		snprintf(buf, len, c->sec >= 0.1 ? "%.3f%s" : "%.5f%s", c->sec,
			 c->errors ? "!" : "");
		break;
	case CELL_SKIPPED:
		snprintf(buf, len, "skipped*");
		break;
	case CELL_FAULT:
		snprintf(buf, len, "SIGBUS");
		break;
	default:
		snprintf(buf, len, "-");
	}
	return buf;
}

static int any_state(const struct bench *b, enum cell_state s)
{
	for (int t = 0; t < 2; t++)
		for (int mi = 0; mi < b->nmodes; mi++)
			for (int o = 0; o < 2; o++)
				for (int si = 0; si < b->nsizes; si++)
					if (b->cell[t][mi][o][si].state == s)
						return 1;
	return 0;
}

static int any_errors(const struct bench *b)
{
	for (int mi = 0; mi < b->nmodes; mi++)
		for (int o = 0; o < 2; o++)
			for (int si = 0; si < b->nsizes; si++)
				if (b->cell[0][mi][o][si].errors)
					return 1;
	return 0;
}

static const char note_arm[] =
"* skipped on arm64: sync_mode 1 with O_SYNC and sync_mode 5 map the buffer\n"
"  as Device memory (uncached), where memset faults (SIGBUS, DC ZVA) on a\n"
"  board; the established driver's test program skips them too.  QEMU does\n"
"  not fault.";
static const char note_x86[] =
"x86: the driver maps every sync_mode write-back (DMA is coherent and PAT\n"
"refuses other kinds of RAM aliases), so every row measures cached memory.";
static const char note_qemu[] =
"QEMU: the caches are not modelled, uncached and cached accesses cost the\n"
"same; these times say nothing about a board (see the seeds' ZYNQ figures).";

static void print_header(const struct bench *b, FILE *f)
{
	fprintf(f, "udmabuf bench: the seeds' Table 1 (check_buf) and Table 2 (clear_buf)\n");
	fprintf(f, "machine %s, kernel %s, driver %s%s\n", b->uts.machine,
		b->uts.release, b->driver[0] ? b->driver : "unknown",
		b->qemu ? ", under QEMU" : "");
	fprintf(f, "buffer %s, DMA address 0x%" PRIx64 ", dma_coherent %s\n",
		b->name, b->dma_addr, b->coherent < 0 ? "unknown" :
		b->coherent ? "yes" : "no");
	fprintf(f, "check_buf: %d passes of write and compare in %d-byte blocks; "
		"clear_buf: %d memsets\n", b->passes[0], BLOCK, b->passes[1]);
	fprintf(f, "each figure: seconds (wall clock), the best of %d run%s\n",
		b->repeat, b->repeat == 1 ? "" : "s");
}

static void print_tables(const struct bench *b, FILE *f)
{
	char hs[32], ct[32];

	print_header(b, f);
	for (int t = 0; t < 2; t++) {
		fprintf(f, "\nTable %d: %s [sec]\n", t + 1, table_name[t]);
		fprintf(f, "%9s  %-13s", "sync_mode", "O_SYNC");
		for (int si = 0; si < b->nsizes; si++)
			fprintf(f, "  %10s", human_size(b->sizes[si], hs,
							 sizeof(hs)));
		fputc('\n', f);
		for (int mi = 0; mi < b->nmodes; mi++) {
			for (int o = 0; o < 2; o++) {
				if (o)
					fprintf(f, "%9s  %-13s", "", "Specified");
				else
					fprintf(f, "%9d  %-13s", b->modes[mi],
						"Not specified");
				for (int si = 0; si < b->nsizes; si++)
					fprintf(f, "  %10s",
						cell_text(&b->cell[t][mi][o][si],
							  ct, sizeof(ct)));
				fputc('\n', f);
			}
		}
	}
	fputc('\n', f);
	if (any_state(b, CELL_SKIPPED))
		fprintf(f, "%s\n", note_arm);
	if (any_state(b, CELL_FAULT))
		fprintf(f, "SIGBUS: the access faulted (Device memory on a board); no figure.\n");
	if (any_errors(b))
		fprintf(f, "! check_buf read back bytes that differ from what it wrote.\n");
	if (b->x86)
		fprintf(f, "%s\n", note_x86);
	if (b->qemu)
		fprintf(f, "%s\n", note_qemu);
}

static void print_csv(const struct bench *b, FILE *f)
{
	fprintf(f, "table,sync_mode,o_sync,size_bytes,seconds,errors,note\n");
	for (int t = 0; t < 2; t++)
		for (int mi = 0; mi < b->nmodes; mi++)
			for (int o = 0; o < 2; o++)
				for (int si = 0; si < b->nsizes; si++) {
					const struct cell *c = &b->cell[t][mi][o][si];

					fprintf(f, "%s,%d,%d,%" PRIu64 ",", table_name[t],
						b->modes[mi], o, b->sizes[si]);
					if (c->state == CELL_DONE)
						fprintf(f, "%.6f,%lu,\n", c->sec,
							c->errors);
					else
						fprintf(f, ",,%s\n",
							c->state == CELL_SKIPPED ?
							"skipped-device-memory-on-arm64" :
							c->state == CELL_FAULT ?
							"sigbus" : "not-run");
				}
}

/* ---------------------------------------------------------------- SVG */

#define PANEL_W		380
#define PANEL_H		250
#define M_LEFT		58
#define M_RIGHT		12
#define M_TOP		30
#define M_BOTTOM	44
#define HEAD_H		92
#define COLOR_NO	"#4e79a7"
#define COLOR_YES	"#e15759"

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

/* a tick step of 1, 2 or 5 times a power of ten, about max/4 */
static double nice_step(double max)
{
	double raw = max / 4, mag = 1;

	if (raw <= 0)
		return 1;
	while (mag > raw)
		mag /= 10;
	while (mag * 10 <= raw)
		mag *= 10;
	if (raw <= mag)
		return mag;
	if (raw <= 2 * mag)
		return 2 * mag;
	if (raw <= 5 * mag)
		return 5 * mag;
	return 10 * mag;
}

static void svg_panel(const struct bench *b, FILE *f, int t, int si,
		      double px, double py)
{
	double x0 = px + M_LEFT, y0 = py + M_TOP;
	double pw = PANEL_W - M_LEFT - M_RIGHT, ph = PANEL_H - M_TOP - M_BOTTOM;
	double max = 0, step, top, gw, bw;
	char hs[32];

	for (int mi = 0; mi < b->nmodes; mi++)
		for (int o = 0; o < 2; o++) {
			const struct cell *c = &b->cell[t][mi][o][si];

			if (c->state == CELL_DONE && c->sec > max)
				max = c->sec;
		}
	if (max <= 0)
		max = 1e-3;
	step = nice_step(max);
	top = step;
	while (top < max * 1.02)
		top += step;

	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"pt\">Table %d: %s, %s</text>\n",
		px + M_LEFT, py + 18, t + 1, table_name[t],
		human_size(b->sizes[si], hs, sizeof(hs)));
	/* grid and y axis */
	for (int k = 0; k * step <= top + step / 2; k++) {
		double v = k * step;
		double y = y0 + ph - v / top * ph;

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n",
			x0, y, x0 + pw, y);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"yl\">%.3g</text>\n",
			x0 - 6, y + 4, v);
	}
	fprintf(f, "<text transform=\"translate(%.1f %.1f) rotate(-90)\" class=\"at\">seconds</text>\n",
		px + 14, y0 + ph / 2);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"at\">sync_mode</text>\n",
		x0 + pw / 2, py + PANEL_H - 8);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n",
		x0, y0 + ph, x0 + pw, y0 + ph);

	gw = pw / b->nmodes;
	bw = gw * 0.36;
	for (int mi = 0; mi < b->nmodes; mi++) {
		double gx = x0 + mi * gw;

		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"xl\">%d</text>\n",
			gx + gw / 2, y0 + ph + 16, b->modes[mi]);
		for (int o = 0; o < 2; o++) {
			const struct cell *c = &b->cell[t][mi][o][si];
			double bx = gx + gw * 0.14 + o * bw;

			if (c->state == CELL_DONE) {
				double h = c->sec / top * ph;

				if (h < 0.5)
					h = 0.5;
				fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
					"<title>sync_mode %d, O_SYNC %s, %s: %.3f s</title></rect>\n",
					bx, y0 + ph - h, bw, h,
					o ? COLOR_YES : COLOR_NO, b->modes[mi],
					o ? "specified" : "not specified",
					human_size(b->sizes[si], hs, sizeof(hs)),
					c->sec);
			} else {
				const char *why = c->state == CELL_SKIPPED ?
						  "skipped" : c->state == CELL_FAULT ?
						  "SIGBUS" : "not run";

				fprintf(f, "<text transform=\"translate(%.1f %.1f) rotate(-90)\" class=\"skip\">%s"
					"<title>sync_mode %d, O_SYNC %s: %s</title></text>\n",
					bx + bw / 2 + 3, y0 + ph - 4, why,
					b->modes[mi],
					o ? "specified" : "not specified", why);
			}
		}
	}
}

static int write_svg(const struct bench *b, const char *file)
{
	int cols = b->nsizes;
	double w = cols * PANEL_W < 760 ? 760 : cols * PANEL_W;
	double notes = 0;
	FILE *f = fopen(file, "w");
	char line[512];

	if (!f) {
		msg("bench: cannot create %s: %s", file, strerror(errno));
		return errno == EACCES ? EX_PERM : EX_FAIL;
	}
	if (any_state(b, CELL_SKIPPED))
		notes += 16;
	if (b->qemu)
		notes += 16;
	if (b->x86)
		notes += 16;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n",
		w, HEAD_H + 2.0 * PANEL_H + notes + 12, w,
		HEAD_H + 2.0 * PANEL_H + notes + 12);
	fprintf(f, "<style>\n"
		".title{font-size:17px;font-weight:bold}\n"
		".sub{font-size:12px;fill:#444}\n"
		".pt{font-size:13px;font-weight:bold}\n"
		".yl{font-size:10px;text-anchor:end;fill:#333}\n"
		".xl{font-size:11px;text-anchor:middle;fill:#333}\n"
		".at{font-size:11px;text-anchor:middle;fill:#555}\n"
		".grid{stroke:#ddd;stroke-width:1}\n"
		".axis{stroke:#333;stroke-width:1}\n"
		".skip{font-size:10px;fill:#999}\n"
		".leg{font-size:12px}\n"
		".note{font-size:11px;fill:#555}\n"
		"</style>\n");
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"12\" y=\"24\" class=\"title\">check_buf and clear_buf per sync_mode, "
		"with and without O_SYNC (shorter is faster)</text>\n");
	snprintf(line, sizeof(line), "%s, kernel %s, driver %s%s; best of %d run%s; "
		 "check_buf %d passes, clear_buf %d memsets",
		 b->uts.machine, b->uts.release,
		 b->driver[0] ? b->driver : "unknown",
		 b->qemu ? " (QEMU)" : "", b->repeat, b->repeat == 1 ? "" : "s",
		 b->passes[0], b->passes[1]);
	fprintf(f, "<text x=\"12\" y=\"44\" class=\"sub\">");
	xml_text(f, line);
	fprintf(f, "</text>\n");
	fprintf(f, "<rect x=\"12\" y=\"58\" width=\"14\" height=\"14\" fill=\"%s\"/>"
		"<text x=\"32\" y=\"70\" class=\"leg\">O_SYNC not specified</text>\n",
		COLOR_NO);
	fprintf(f, "<rect x=\"200\" y=\"58\" width=\"14\" height=\"14\" fill=\"%s\"/>"
		"<text x=\"220\" y=\"70\" class=\"leg\">O_SYNC specified</text>\n",
		COLOR_YES);
	for (int t = 0; t < 2; t++)
		for (int si = 0; si < b->nsizes; si++)
			svg_panel(b, f, t, si, si * PANEL_W,
				  HEAD_H + t * PANEL_H);
	notes = HEAD_H + 2.0 * PANEL_H + 8;
	if (any_state(b, CELL_SKIPPED)) {
		fprintf(f, "<text x=\"12\" y=\"%.0f\" class=\"note\">skipped: clear_buf (memset) "
			"on Device memory (arm64, sync_mode 1 with O_SYNC, sync_mode 5) faults on a board; "
			"the established test program skips it too.</text>\n", notes);
		notes += 16;
	}
	if (b->x86) {
		fprintf(f, "<text x=\"12\" y=\"%.0f\" class=\"note\">x86: every sync_mode is mapped "
			"write-back (coherent DMA, PAT).</text>\n", notes);
		notes += 16;
	}
	if (b->qemu)
		fprintf(f, "<text x=\"12\" y=\"%.0f\" class=\"note\">QEMU does not model caches: "
			"these times say nothing about a board.</text>\n", notes);
	fprintf(f, "</svg>\n");
	if (fclose(f)) {
		msg("bench: writing %s failed: %s", file, strerror(errno));
		return EX_FAIL;
	}
	return 0;
}

/* ----------------------------------------------------------- options */

static int parse_sizes(struct bench *b, const char *s)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int ok = copy != NULL;

	b->nsizes = 0;
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; ok && tok;
	     tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (b->nsizes == MAX_SIZES || parse_size(tok, &v) || v == 0 ||
		    v > (uint64_t)SIZE_MAX)
			ok = 0;
		else
			b->sizes[b->nsizes++] = v;
	}
	free(copy);
	return ok && b->nsizes ? 0 : -1;
}

static int parse_modes(struct bench *b, const char *s)
{
	int seen[NMODES] = { 0 };
	const char *p = s;

	while (*p) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p || lo < 0 || lo >= NMODES)
			return -1;
		p = end;
		if (*p == '-') {
			hi = strtol(p + 1, &end, 10);
			if (end == p + 1 || hi < lo || hi >= NMODES)
				return -1;
			p = end;
		}
		for (long m = lo; m <= hi; m++)
			seen[m] = 1;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	b->nmodes = 0;
	for (int m = 0; m < NMODES; m++)
		if (seen[m])
			b->modes[b->nmodes++] = m;
	return b->nmodes ? 0 : -1;
}

static int parse_passes(struct bench *b, const char *s)
{
	char *end;
	long c = strtol(s, &end, 10), z;

	if (end == s || *end != ',' || c < 1 || c > 1000000)
		return -1;
	s = end + 1;
	z = strtol(s, &end, 10);
	if (end == s || *end || z < 1 || z > 1000000)
		return -1;
	b->passes[0] = (int)c;
	b->passes[1] = (int)z;
	return 0;
}

/* does the file start with (or, for a list of strings, hold) text? */
static int file_has(const char *path, const char *text)
{
	char buf[256];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* device-tree string lists: NUL separated */
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	return strstr(buf, text) != NULL;
}

static int under_qemu(void)
{
	/* x86 (DMI), and QEMU's arm and riscv "virt" machines */
	return file_has("/sys/class/dmi/id/sys_vendor", "QEMU") ||
	       file_has("/proc/device-tree/compatible", "linux,dummy-virt") ||
	       file_has("/proc/device-tree/compatible", "riscv-virtio");
}

int cmd_bench(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "sizes", required_argument, NULL, 's' },
		{ "modes", required_argument, NULL, 'm' },
		{ "passes", required_argument, NULL, 'p' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "csv", no_argument, NULL, 'c' },
		{ "svg", required_argument, NULL, 'g' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct udmabuf_manager *mgr = NULL;
	struct udmabuf_buffer *ctl = NULL;
	const char *svg = NULL, *user = NULL;
	int csv = 0, quiet = 0, c, r, old_mode = -1;
	struct bench *b = calloc(1, sizeof(*b));
	uint64_t max = 0;
	char *end;

	if (!b) {
		msg("out of memory");
		return EX_FAIL;
	}
	parse_sizes(b, "1M,5M,10M");
	parse_modes(b, "0-7");
	b->passes[0] = 9;	/* the seeds' while (--n > 0) from n = 10 */
	b->passes[1] = 99;	/* and from n = 100 */
	b->repeat = 1;
	while ((c = getopt_long(argc, argv, "s:m:p:r:cg:qh", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_sizes(b, optarg)) {
				msg("bench: bad --sizes '%s': up to %d sizes "
				    "such as 1M,5M,10M", optarg, MAX_SIZES);
				free(b);
				return EX_USAGE;
			}
			break;
		case 'm':
			if (parse_modes(b, optarg)) {
				msg("bench: bad --modes '%s': numbers 0..7 and "
				    "ranges, such as 0-7 or 0,1,5", optarg);
				free(b);
				return EX_USAGE;
			}
			break;
		case 'p':
			if (parse_passes(b, optarg)) {
				msg("bench: bad --passes '%s': two counts "
				    "CHECK,CLEAR such as 9,99", optarg);
				free(b);
				return EX_USAGE;
			}
			break;
		case 'r':
			b->repeat = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || b->repeat < 1 ||
			    b->repeat > 1000) {
				msg("bench: bad --repeat '%s': 1..1000", optarg);
				free(b);
				return EX_USAGE;
			}
			break;
		case 'c':
			csv = 1;
			break;
		case 'g':
			svg = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			fputs(bench_usage, c == 'h' ? stdout : stderr);
			free(b);
			return c == 'h' ? EX_OK : EX_USAGE;
		}
	}
	if (optind + 1 < argc) {
		msg("bench: too many arguments");
		fputs(bench_usage, stderr);
		free(b);
		return EX_USAGE;
	}
	if (optind < argc)
		user = argv[optind];
	for (int i = 0; i < b->nsizes; i++)
		if (b->sizes[i] > max)
			max = b->sizes[i];

	uname(&b->uts);
	/* "armv8l": a 32-bit program on an arm64 kernel */
	b->arm64 = !strcmp(b->uts.machine, "aarch64") ||
		   !strncmp(b->uts.machine, "armv8", 5);
	b->x86 = !strcmp(b->uts.machine, "x86_64") ||
		 (b->uts.machine[0] == 'i' && strstr(b->uts.machine, "86"));
	b->qemu = under_qemu();

	if (user) {
		r = open_buffer(user, 0, &ctl);
		if (r)
			goto out;
		if (udmabuf_buffer_get_size(ctl) < max) {
			char hs[32], hb[32];

			msg("bench: '%s' has %s, the largest size asked for is %s "
			    "(--sizes, or leave NAME out for a temporary buffer)",
			    user, human_size(udmabuf_buffer_get_size(ctl), hb,
					     sizeof(hb)),
			    human_size(max, hs, sizeof(hs)));
			r = EX_USAGE;
			goto out;
		}
		old_mode = udmabuf_buffer_get_sync_mode(ctl);
		if (old_mode >= 0) {
			snprintf(mode_attr, sizeof(mode_attr), "%s/sync_mode",
				 udmabuf_buffer_get_sysfs_path(ctl));
			snprintf(mode_old, sizeof(mode_old), "%d", old_mode);
		}
		snprintf(b->path, sizeof(b->path), "%s",
			 udmabuf_buffer_get_path(ctl));
	} else {
		r = open_manager(&mgr);
		if (r)
			goto out;
		snprintf(tmp_name, sizeof(tmp_name), "udmabuf-bench-%d",
			 (int)getpid());
		/* process-owned where the driver has it: gone if we die */
		r = udmabuf_manager_create(mgr, tmp_name, max, "auto-delete=1");
		if (r == -EINVAL)
			r = udmabuf_manager_create(mgr, tmp_name, max, NULL);
		if (r) {
			char hs[32];

			msg("bench: cannot create a temporary buffer of %s: %s%s",
			    human_size(max, hs, sizeof(hs)), strerror(-r),
			    r == -ENOMEM ? " (try smaller --sizes)" : "");
			r = r == -EACCES || r == -EPERM ? EX_PERM : EX_FAIL;
			goto out;
		}
		cleanup_fd = udmabuf_manager_get_fd(mgr);
		snprintf(cleanup_cmd, sizeof(cleanup_cmd), "delete %s",
			 tmp_name);
		r = open_buffer(tmp_name, 0, &ctl);
		if (r)
			goto out;
		snprintf(b->path, sizeof(b->path), "%s",
			 udmabuf_buffer_get_path(ctl));
	}
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGHUP, on_stop);
	signal(SIGBUS, on_fault);
	signal(SIGSEGV, on_fault);
	snprintf(b->name, sizeof(b->name), "%s", udmabuf_buffer_get_name(ctl));
	snprintf(b->driver, sizeof(b->driver), "%s",
		 udmabuf_buffer_get_driver_version(ctl) ?
		 udmabuf_buffer_get_driver_version(ctl) : "");
	b->dma_addr = udmabuf_buffer_get_dma_addr(ctl);
	b->coherent = udmabuf_buffer_is_dma_coherent(ctl);

	r = run(b, ctl, quiet);
	if (!r) {
		if (csv)
			print_csv(b, stdout);
		else
			print_tables(b, stdout);
		if (svg)
			r = write_svg(b, svg);
		if (!r && any_errors(b)) {
			msg("bench: check_buf read back wrong bytes");
			r = EX_FAIL;
		}
	}
out:
	if (ctl && old_mode >= 0)
		udmabuf_buffer_set_sync_mode(ctl, old_mode);
	mode_attr[0] = '\0';
	udmabuf_buffer_close(ctl);
	if (mgr) {
		if (cleanup_cmd[0]) {
			cleanup_cmd[0] = '\0';
			udmabuf_manager_delete(mgr, tmp_name);
		}
		udmabuf_manager_close(mgr);
	}
	free(b);
	return r;
}
