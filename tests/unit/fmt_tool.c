// SPDX-License-Identifier: GPL-2.0
/*
 * Expose userspace/format.c to the Python tests:
 *   fmt_tool json-escape     stdin bytes -> one JSON string on stdout
 *   fmt_tool size BYTES      vs_format_size()
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "json-escape")) {
		static char buf[1 << 20];
		size_t n = fread(buf, 1, sizeof(buf), stdin);

		vs_json_string(stdout, buf, n);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "size")) {
		char out[32];

		vs_format_size(strtoull(argv[2], NULL, 0), out, sizeof(out));
		printf("%s\n", out);
		return 0;
	}
	fprintf(stderr, "usage: fmt_tool json-escape | size BYTES\n");
	return 2;
}
