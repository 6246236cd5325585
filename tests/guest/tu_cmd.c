// SPDX-License-Identifier: GPL-2.0
/*
 * tu_cmd: run a program with given stdin, environment, uid and terminals,
 * collect its exit status, stdout and stderr; a strict JSON parser.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/u-dma-buf.h>
#include "ut.h"
#include "tu_cmd.h"

#define RUN_TIMEOUT_MS	90000

struct sink {
	char *p;
	size_t len, cap;
};

static void sink_add(struct sink *s, const char *d, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;

		while (s->len + n + 1 > cap)
			cap *= 2;
		s->p = realloc(s->p, cap);
		if (!s->p)
			UT_FAIL("out of memory collecting output");
		s->cap = cap;
	}
	memcpy(s->p + s->len, d, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static void sink_done(struct sink *s, char **p, size_t *len)
{
	if (!s->p)
		sink_add(s, "", 0);
	*p = s->p;
	*len = s->len;
}

static void child(const char *const *argv, const struct tu_run_opts *o,
		  int in, int out, int err, int pts)
{
	if (dup2(in, 0) < 0 || dup2(o->pty & TU_PTY_OUT ? pts : out, 1) < 0 ||
	    dup2(o->pty & TU_PTY_ERR ? pts : err, 2) < 0)
		_exit(125);
	for (int fd = 3; fd < 64; fd++)
		close(fd);
	if (o->pty) {
		setsid();
		ioctl(o->pty & TU_PTY_ERR ? 2 : 1, TIOCSCTTY, 0);
	}
	for (const char *const *e = o->env; e && *e; e++)
		putenv((char *)*e);
	if (o->uid > 0 &&
	    (setgroups(0, NULL) || setgid((gid_t)o->uid) ||
	     setuid((uid_t)o->uid)))
		_exit(126);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

void tu_run_x(struct tu_run *r, const char *const *argv,
	      const struct tu_run_opts *opts)
{
	static const struct tu_run_opts none;
	const struct tu_run_opts *o = opts ? opts : &none;
	int pin[2], pout[2], perr[2], master = -1, pts = -1, st;
	struct sink out = { 0 }, err = { 0 };
	size_t inpos = 0, used = 0;
	struct pollfd pf[4];
	int devnull = -1;
	pid_t pid;
	int waited = 0;

	memset(r, 0, sizeof(*r));
	for (int i = 0; argv[i]; i++) {
		int n = snprintf(r->cmd + used, sizeof(r->cmd) - used, "%s%s",
				 i ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(r->cmd) - used)
			break;
		used += (size_t)n;
	}
	if (pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC) ||
	    pipe2(pin, O_CLOEXEC))
		UT_FAIL("%s: pipe: %s", r->cmd, strerror(errno));
	if (o->pty) {
		struct termios tio;

		master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master < 0 || grantpt(master) || unlockpt(master))
			UT_FAIL("%s: no pty (/dev/ptmx, devpts): %s", r->cmd,
				strerror(errno));
		pts = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (pts < 0)
			UT_FAIL("%s: opening %s: %s", r->cmd, ptsname(master),
				strerror(errno));
		/* raw: no \n -> \r\n, so the program's own \r stand out */
		if (tcgetattr(pts, &tio) == 0) {
			cfmakeraw(&tio);
			tcsetattr(pts, TCSANOW, &tio);
		}
	}
	if (!o->in) {
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull < 0)
			UT_FAIL("/dev/null: %s", strerror(errno));
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		UT_FAIL("%s: fork: %s", r->cmd, strerror(errno));
	if (pid == 0)
		child(argv, o, o->in ? pin[0] : devnull, pout[1], perr[1], pts);
	close(pout[1]);
	close(perr[1]);
	close(pin[0]);
	if (pts >= 0)
		close(pts);
	if (devnull >= 0)
		close(devnull);
	if (!o->in || o->in_len == 0) {
		close(pin[1]);
		pin[1] = -1;
	} else {
		fcntl(pin[1], F_SETFL, O_NONBLOCK);
		signal(SIGPIPE, SIG_IGN);
	}

	for (int left = RUN_TIMEOUT_MS;;) {
		int n = 0, rc;
		struct timespec t0, t1;

		if (pout[0] >= 0)
			pf[n++] = (struct pollfd){ .fd = pout[0], .events = POLLIN };
		if (perr[0] >= 0)
			pf[n++] = (struct pollfd){ .fd = perr[0], .events = POLLIN };
		if (master >= 0)
			pf[n++] = (struct pollfd){ .fd = master, .events = POLLIN };
		if (pin[1] >= 0)
			pf[n++] = (struct pollfd){ .fd = pin[1], .events = POLLOUT };
		if (n == 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = poll(pf, (nfds_t)n, left);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left -= (int)((t1.tv_sec - t0.tv_sec) * 1000 +
			      (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0 || left <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			UT_FAIL("%s: no end after %d s (stdout so far: %.2000s)",
				r->cmd, RUN_TIMEOUT_MS / 1000,
				out.p ? out.p : "");
		}
		for (int i = 0; i < n; i++) {
			char buf[65536];
			ssize_t got;

			if (!pf[i].revents)
				continue;
			if (pf[i].fd == pin[1]) {
				got = write(pin[1], (const char *)o->in + inpos,
					    o->in_len - inpos);
				if (got > 0)
					inpos += (size_t)got;
				if ((got < 0 && errno != EAGAIN) ||
				    inpos == o->in_len) {
					close(pin[1]);
					pin[1] = -1;
				}
				continue;
			}
			got = read(pf[i].fd, buf, sizeof(buf));
			if (got <= 0) {
				/* EOF, or EIO of a pty whose slave is gone */
				close(pf[i].fd);
				if (pf[i].fd == pout[0])
					pout[0] = -1;
				else if (pf[i].fd == perr[0])
					perr[0] = -1;
				else
					master = -1;
				continue;
			}
			if (pf[i].fd == pout[0] ||
			    (pf[i].fd == master && !(o->pty & TU_PTY_ERR)))
				sink_add(&out, buf, (size_t)got);
			else
				sink_add(&err, buf, (size_t)got);
		}
		/* a pty stays open as long as anyone holds it: stop at exit */
		if (master >= 0 && pout[0] < 0 && perr[0] < 0 && !waited &&
		    waitpid(pid, &st, WNOHANG) == pid) {
			char buf[65536];
			ssize_t got;

			waited = 1;
			fcntl(master, F_SETFL, O_NONBLOCK);
			while ((got = read(master, buf, sizeof(buf))) > 0) {
				if (o->pty & TU_PTY_ERR)
					sink_add(&err, buf, (size_t)got);
				else
					sink_add(&out, buf, (size_t)got);
			}
			close(master);
			master = -1;
		}
	}
	if (pin[1] >= 0)
		close(pin[1]);
	if (!waited && waitpid(pid, &st, 0) != pid)
		UT_FAIL("%s: waitpid: %s", r->cmd, strerror(errno));
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	sink_done(&out, &r->out, &r->out_len);
	sink_done(&err, &r->err, &r->err_len);
	if (r->status == 125 || r->status == 126 || r->status == 127)
		UT_FAIL("%s: could not be started (status %d: %s)", r->cmd,
			r->status, r->status == 126 ? "setuid" : r->status ==
			127 ? "exec" : "dup2");
}

void tu_udmabuf_x(struct tu_run *r, const struct tu_run_opts *o,
		  const char *fmt, ...)
{
	char line[1024], *save = NULL, *w;
	const char *argv[64];
	int n = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	argv[n++] = TU_UDMABUF;
	for (w = strtok_r(line, " ", &save); w && n < 63;
	     w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	tu_run_x(r, argv, o);
}

void tu_run_free(struct tu_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void tu_run_status_x(const struct tu_run *r, int want)
{
	if (r->status != want)
		UT_FAIL("`%s`: expected exit status %d, saw %d\n"
			"stdout: %.3000s\nstderr: %.3000s", r->cmd, want,
			r->status, r->out, r->err);
}

void tu_run_has_x(const struct tu_run *r, int err, const char *text)
{
	if (!strstr(err ? r->err : r->out, text))
		UT_FAIL("`%s`: expected \"%s\" on %s, saw:\n%.4000s", r->cmd,
			text, err ? "stderr" : "stdout", err ? r->err : r->out);
}

/* ------------------------------------------------------- old drivers */

#define ARG1_LO	(offsetof(struct seccomp_data, args[1]))	/* little endian */

void tu_emulate_old_driver_x(int how)
{
	const unsigned int deny = SECCOMP_RET_ERRNO | ENOTTY;
	struct sock_filter all[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG1_LO),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff00),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 'U' << 8, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, deny),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_filter sync[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG1_LO),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 (unsigned int)U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 (unsigned int)U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 (unsigned int)U_DMA_BUF_IOCTL_SET_SYNC, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, deny),
	};
	struct sock_fprog prog = {
		.len = how == TU_NO_IOCTLS ? sizeof(all) / sizeof(all[0]) :
					    sizeof(sync) / sizeof(sync[0]),
		.filter = how == TU_NO_IOCTLS ? all : sync,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		UT_FAIL("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		UT_FAIL("installing a seccomp filter (the kernel needs "
			"CONFIG_SECCOMP_FILTER): %s", strerror(errno));
}

/* --------------------------------------------------------------- JSON */

struct jp {
	const char *s, *p;
	char *err;
	size_t errlen;
	int depth;
};

static struct tu_json *jfail(struct jp *j, const char *what)
{
	if (j->err && !j->err[0])
		snprintf(j->err, j->errlen, "%s at offset %ld (\"%.20s\")",
			 what, (long)(j->p - j->s), j->p);
	return NULL;
}

static void jws(struct jp *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' ||
	       *j->p == '\r')
		j->p++;
}

static struct tu_json *jnew(enum tu_json_type t)
{
	struct tu_json *v = calloc(1, sizeof(*v));

	if (!v)
		UT_FAIL("out of memory parsing JSON");
	v->type = t;
	return v;
}

static void jput(char **buf, size_t *len, size_t *cap, char c)
{
	if (*len + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			UT_FAIL("out of memory parsing JSON");
	}
	(*buf)[(*len)++] = c;
	(*buf)[*len] = '\0';
}

/* a string at j->p (at its opening quote): its text, or NULL */
static char *jstring(struct jp *j)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (*j->p != '"')
		return (char *)jfail(j, "expected a string");
	j->p++;
	jput(&buf, &len, &cap, 'x');	/* allocate */
	len = 0;
	buf[0] = '\0';
	for (;;) {
		unsigned char c = (unsigned char)*j->p;

		if (c == '"') {
			j->p++;
			return buf;
		}
		if (c < 0x20) {
			free(buf);
			return (char *)jfail(j, c ? "control character in a string" :
					    "unterminated string");
		}
		if (c != '\\') {
			jput(&buf, &len, &cap, (char)c);
			j->p++;
			continue;
		}
		j->p++;
		switch (*j->p) {
		case '"': case '\\': case '/':
			jput(&buf, &len, &cap, *j->p);
			break;
		case 'b':
			jput(&buf, &len, &cap, '\b');
			break;
		case 'f':
			jput(&buf, &len, &cap, '\f');
			break;
		case 'n':
			jput(&buf, &len, &cap, '\n');
			break;
		case 'r':
			jput(&buf, &len, &cap, '\r');
			break;
		case 't':
			jput(&buf, &len, &cap, '\t');
			break;
		case 'u': {
			unsigned int u = 0;

			for (int i = 1; i <= 4; i++) {
				char h = j->p[i];

				if (!isxdigit((unsigned char)h)) {
					free(buf);
					return (char *)jfail(j, "bad \\u escape");
				}
				u = u * 16 + (unsigned int)(isdigit((unsigned char)h) ?
					h - '0' : (h | 0x20) - 'a' + 10);
			}
			j->p += 4;
			if (u < 0x80) {
				jput(&buf, &len, &cap, (char)u);
			} else if (u < 0x800) {
				jput(&buf, &len, &cap, (char)(0xc0 | (u >> 6)));
				jput(&buf, &len, &cap, (char)(0x80 | (u & 0x3f)));
			} else {
				jput(&buf, &len, &cap, (char)(0xe0 | (u >> 12)));
				jput(&buf, &len, &cap, (char)(0x80 | ((u >> 6) & 0x3f)));
				jput(&buf, &len, &cap, (char)(0x80 | (u & 0x3f)));
			}
			break;
		}
		default:
			free(buf);
			return (char *)jfail(j, "bad escape");
		}
		j->p++;
	}
}

static struct tu_json *jvalue(struct jp *j);

static struct tu_json *jcontainer(struct jp *j, int obj)
{
	struct tu_json *v = jnew(obj ? TU_JSON_OBJ : TU_JSON_ARR);
	char close = obj ? '}' : ']';

	if (++j->depth > 64) {
		tu_json_free(v);
		return jfail(j, "nested too deeply");
	}
	j->p++;
	jws(j);
	if (*j->p == close) {
		j->p++;
		j->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct tu_json *item;

		jws(j);
		if (obj) {
			key = jstring(j);
			if (!key)
				goto bad;
			for (size_t i = 0; i < v->n; i++)
				if (!strcmp(v->key[i], key)) {
					free(key);
					jfail(j, "duplicate key");
					goto bad;
				}
			jws(j);
			if (*j->p != ':') {
				free(key);
				jfail(j, "expected ':'");
				goto bad;
			}
			j->p++;
		}
		item = jvalue(j);
		if (!item) {
			free(key);
			goto bad;
		}
		/* an array of pointers: its element is a pointer */
		/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
		v->item = realloc(v->item, (v->n + 1) * sizeof(*v->item));
		v->key = realloc(v->key, (v->n + 1) * sizeof(*v->key));
		if (!v->item || !v->key)
			UT_FAIL("out of memory parsing JSON");
		v->item[v->n] = item;
		v->key[v->n] = key;
		v->n++;
		jws(j);
		if (*j->p == ',') {
			j->p++;
			jws(j);
			if (*j->p == close) {
				jfail(j, "trailing comma");
				goto bad;
			}
			continue;
		}
		if (*j->p == close) {
			j->p++;
			j->depth--;
			return v;
		}
		jfail(j, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		goto bad;
	}
bad:
	tu_json_free(v);
	return NULL;
}

static struct tu_json *jnumber(struct jp *j)
{
	const char *start = j->p;
	struct tu_json *v;

	if (*j->p == '-')
		j->p++;
	if (*j->p == '0') {
		j->p++;
	} else if (*j->p >= '1' && *j->p <= '9') {
		while (isdigit((unsigned char)*j->p))
			j->p++;
	} else {
		return jfail(j, "bad number");
	}
	if (*j->p == '.') {
		j->p++;
		if (!isdigit((unsigned char)*j->p))
			return jfail(j, "bad fraction");
		while (isdigit((unsigned char)*j->p))
			j->p++;
	}
	if (*j->p == 'e' || *j->p == 'E') {
		j->p++;
		if (*j->p == '+' || *j->p == '-')
			j->p++;
		if (!isdigit((unsigned char)*j->p))
			return jfail(j, "bad exponent");
		while (isdigit((unsigned char)*j->p))
			j->p++;
	}
	v = jnew(TU_JSON_NUM);
	v->text = strndup(start, (size_t)(j->p - start));
	return v;
}

static struct tu_json *jvalue(struct jp *j)
{
	struct tu_json *v;

	jws(j);
	switch (*j->p) {
	case '{':
		return jcontainer(j, 1);
	case '[':
		return jcontainer(j, 0);
	case '"': {
		char *s = jstring(j);

		if (!s)
			return NULL;
		v = jnew(TU_JSON_STR);
		v->text = s;
		return v;
	}
	case 't':
		if (strncmp(j->p, "true", 4))
			break;
		j->p += 4;
		v = jnew(TU_JSON_BOOL);
		v->boolean = 1;
		return v;
	case 'f':
		if (strncmp(j->p, "false", 5))
			break;
		j->p += 5;
		return jnew(TU_JSON_BOOL);
	case 'n':
		if (strncmp(j->p, "null", 4))
			break;
		j->p += 4;
		return jnew(TU_JSON_NULL);
	default:
		if (*j->p == '-' || isdigit((unsigned char)*j->p))
			return jnumber(j);
	}
	return jfail(j, "unexpected character");
}

struct tu_json *tu_json_parse(const char *s, char *err, size_t errlen)
{
	struct jp j = { .s = s, .p = s, .err = err, .errlen = errlen };
	struct tu_json *v;

	if (err && errlen)
		err[0] = '\0';
	v = jvalue(&j);
	if (!v)
		return NULL;
	jws(&j);
	if (*j.p) {
		tu_json_free(v);
		return jfail(&j, "text after the value");
	}
	return v;
}

void tu_json_free(struct tu_json *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		tu_json_free(v->item[i]);
		if (v->key)
			free(v->key[i]);
	}
	free(v->item);
	free(v->key);
	free(v->text);
	free(v);
}

const struct tu_json *tu_json_get(const struct tu_json *obj, const char *key)
{
	if (!obj || obj->type != TU_JSON_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (!strcmp(obj->key[i], key))
			return obj->item[i];
	return NULL;
}

struct tu_json *tu_json_parse_x(const char *s)
{
	char err[160];
	struct tu_json *v = tu_json_parse(s, err, sizeof(err));

	if (!v)
		UT_FAIL("invalid JSON: %s; the text:\n%.4000s", err, s);
	return v;
}

static const char *const type_name[] = {
	"null", "boolean", "number", "string", "array", "object",
};

const struct tu_json *tu_json_type_x(const struct tu_json *obj,
				     const char *key, enum tu_json_type t)
{
	const struct tu_json *v = tu_json_get(obj, key);

	if (!v)
		UT_FAIL("JSON: no member \"%s\"", key);
	if (v->type != t)
		UT_FAIL("JSON: \"%s\" is a %s, expected a %s", key,
			type_name[v->type], type_name[t]);
	return v;
}

uint64_t tu_json_u64_x(const struct tu_json *obj, const char *key)
{
	const struct tu_json *v = tu_json_type_x(obj, key, TU_JSON_NUM);
	unsigned long long u;
	char *end;

	errno = 0;
	u = strtoull(v->text, &end, 10);
	if (errno || *end || v->text[0] == '-')
		UT_FAIL("JSON: \"%s\" is %s, expected an unsigned integer",
			key, v->text);
	return u;
}

const char *tu_json_str_x(const struct tu_json *obj, const char *key)
{
	return tu_json_type_x(obj, key, TU_JSON_STR)->text;
}

int tu_json_bool_x(const struct tu_json *obj, const char *key)
{
	return tu_json_type_x(obj, key, TU_JSON_BOOL)->boolean;
}
