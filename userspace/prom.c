// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope CLI: "stats --prometheus", the per-process counters in the
 * Prometheus text exposition format (version 0.0.4), as node_exporter's
 * textfile collector reads it.  Nothing here talks to the kernel.
 */
#include <inttypes.h>
#include <stdio.h>

#include <linux/vmscope.h>

#include "cli.h"
#include "format.h"

/* The Prometheus counters of "stats --prometheus", in output order. */
static const struct {
	const char *key;	/* the metric is vmscope_<key>_total */
	int attr;
	const char *help;
} vs_prom_metrics[] = {
	{ "min_flt", VMSCOPE_PROC_A_MIN_FLT,
	  "Minor page faults of the process, as /proc/PID/stat field 10." },
	{ "maj_flt", VMSCOPE_PROC_A_MAJ_FLT,
	  "Major page faults of the process, as /proc/PID/stat field 12." },
	{ "faults", VMSCOPE_PROC_A_FAULTS,
	  "Hardware page faults on user addresses since vmscope loaded." },
	{ "faults_read", VMSCOPE_PROC_A_FAULTS_READ,
	  "Hardware page faults on a read access." },
	{ "faults_write", VMSCOPE_PROC_A_FAULTS_WRITE,
	  "Hardware page faults on a write access." },
	{ "faults_exec", VMSCOPE_PROC_A_FAULTS_EXEC,
	  "Hardware page faults on an instruction fetch." },
	{ "faults_prot", VMSCOPE_PROC_A_FAULTS_PROT,
	  "Hardware page faults on a present page (protection faults)." },
	{ "faults_kernel", VMSCOPE_PROC_A_FAULTS_KERNEL,
	  "Hardware page faults on user addresses taken in kernel mode." },
	{ "cow_faults", VMSCOPE_PROC_A_COW_FAULTS,
	  "Write-protect faults on private mappings." },
	{ "cow_copies", VMSCOPE_PROC_A_COW_COPIES,
	  "Pages copied by copy-on-write, zero-page copies included." },
	{ "cow_reuses", VMSCOPE_PROC_A_COW_REUSES,
	  "Write faults that reused an exclusive page." },
	{ "cow_zero", VMSCOPE_PROC_A_COW_ZERO,
	  "Copy-on-write copies made from the shared zero page." },
	{ "cow_unshare", VMSCOPE_PROC_A_COW_UNSHARE,
	  "Unshare faults." },
	{ "vma_overflow", VMSCOPE_PROC_A_VMA_OVERFLOW,
	  "Events missing from the per-VMA counters: the VMA table was full." },
};

/*
 * The counters of n processes in the Prometheus text exposition format:
 * one HELP and TYPE per metric, then one sample per process that has it,
 * labelled with its pid and comm.  A metric no process has is left out.
 */
void vs_stats_prometheus(FILE *f, const struct vs_proc *p, size_t n)
{
	unsigned int m;
	size_t i;

	for (m = 0; m < ARRAY_SIZE(vs_prom_metrics); m++) {
		uint64_t bit = 1ULL << vs_prom_metrics[m].attr;
		int head = 0;

		for (i = 0; i < n; i++) {
			if (!(p[i].has & bit))
				continue;
			if (!head) {
				fprintf(f, "# HELP vmscope_%s_total ",
					vs_prom_metrics[m].key);
				vs_prom_help(f, vs_prom_metrics[m].help);
				fprintf(f, "\n# TYPE vmscope_%s_total counter\n",
					vs_prom_metrics[m].key);
				head = 1;
			}
			fprintf(f, "vmscope_%s_total{pid=\"%" PRIu64 "\",comm=",
				vs_prom_metrics[m].key,
				p[i].val[VMSCOPE_PROC_A_PID]);
			vs_prom_label(f, p[i].comm);
			fprintf(f, "} %" PRIu64 "\n",
				p[i].val[vs_prom_metrics[m].attr]);
		}
	}
}
