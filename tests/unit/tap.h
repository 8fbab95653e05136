/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP output for the host unit tests: "ok N - name",
 * "not ok N - name", "ok N - name # SKIP why", and the plan at the end.
 */
#ifndef VMSCOPE_TAP_H
#define VMSCOPE_TAP_H

#include <stdarg.h>
#include <stdio.h>

#define TAP_PRINTF(a, b) __attribute__((__format__(__printf__, a, b)))

static int tap_n, tap_failed;

static inline TAP_PRINTF(2, 3)
int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

static inline TAP_PRINTF(2, 3)
void tap_skip(const char *name, const char *why, ...)
{
	va_list ap;

	printf("ok %d - %s # SKIP ", ++tap_n, name);
	va_start(ap, why);
	vprintf(why, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline TAP_PRINTF(1, 2)
void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* VMSCOPE_TAP_H */
