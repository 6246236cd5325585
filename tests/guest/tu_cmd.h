/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tu_cmd: running the udmabuf command in tests (t_cmd.c, t_lib.c) and
 * checking its JSON.  Functions ending in _x fail the test on error.
 */
#ifndef TU_CMD_H
#define TU_CMD_H

#include <stddef.h>
#include <stdint.h>

#define TU_UDMABUF	"/bin/udmabuf"

/* what a run gave: exit status (128 + signal if killed), stdout, stderr */
struct tu_run {
	int status;
	char *out;		/* NUL-terminated */
	size_t out_len;
	char *err;		/* NUL-terminated */
	size_t err_len;
	char cmd[512];		/* the command line, for messages */
};

#define TU_PTY_OUT	1	/* stdout is a terminal (a pty) */
#define TU_PTY_ERR	2	/* stderr is a terminal (a pty) */

struct tu_run_opts {
	const void *in;		/* stdin data; NULL: /dev/null */
	size_t in_len;
	const char *const *env;	/* extra "KEY=VALUE", NULL-terminated */
	int uid;		/* > 0: run as this uid and gid */
	int pty;		/* TU_PTY_*: what goes to a pty */
};

/* run argv[0] with argv; fails the test if it cannot be started */
void tu_run_x(struct tu_run *r, const char *const *argv,
	      const struct tu_run_opts *o);
/* /bin/udmabuf with the words of the formatted line (split on spaces) */
void tu_udmabuf_x(struct tu_run *r, const struct tu_run_opts *o,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tu_run_free(struct tu_run *r);
/* fail unless the exit status is want; the output is in the message */
void tu_run_status_x(const struct tu_run *r, int want);
/* fail unless stderr (err) or stdout (!err) contains text */
void tu_run_has_x(const struct tu_run *r, int err, const char *text);

/*
 * Emulate older drivers for the rest of this test process and what it
 * starts (a seccomp filter, inherited across fork and exec):
 *   TU_NO_IOCTLS     every 'U' ioctl fails with ENOTTY, as on the
 *                    established driver before v4.7 (sysfs only);
 *   TU_OLD_SYNC_IOCTLS  the _IOW codes of requests 5, 6 and 9 fail with
 *                    ENOTTY, as on the first v4.7 release (it had _IOR).
 */
#define TU_NO_IOCTLS		0
#define TU_OLD_SYNC_IOCTLS	1
void tu_emulate_old_driver_x(int how);

/* ---- JSON ---- */
enum tu_json_type {
	TU_JSON_NULL, TU_JSON_BOOL, TU_JSON_NUM, TU_JSON_STR, TU_JSON_ARR,
	TU_JSON_OBJ,
};

struct tu_json {
	enum tu_json_type type;
	int boolean;
	char *text;		/* a number's digits, or a string */
	size_t n;		/* items of an array or object */
	struct tu_json **item;
	char **key;		/* an object's keys */
};

/* strict RFC 8259 (no duplicate keys); NULL and a reason in err */
struct tu_json *tu_json_parse(const char *s, char *err, size_t errlen);
void tu_json_free(struct tu_json *j);
/* an object's member or NULL */
const struct tu_json *tu_json_get(const struct tu_json *obj, const char *key);

struct tu_json *tu_json_parse_x(const char *s);
/* members that must exist and have the type */
uint64_t tu_json_u64_x(const struct tu_json *obj, const char *key);
const char *tu_json_str_x(const struct tu_json *obj, const char *key);
int tu_json_bool_x(const struct tu_json *obj, const char *key);
const struct tu_json *tu_json_type_x(const struct tu_json *obj,
				     const char *key, enum tu_json_type t);

#endif /* TU_CMD_H */
