#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run inside a VM as root: which of the functions the fault and
# copy-on-write hooks want exist on the running kernel and can take a
# kprobe, and the fault tracepoints' format.  This is what README's
# "Kernel API differences" table reports for each kernel.
#   tests/vm-run.sh LANE -- tests/kernel-facts.sh
# Prints one line per function: name, its /proc/kallsyms type (or
# "absent": inlined or renamed), whether it is on the kprobe blacklist
# (NOKPROBE_SYMBOL and such), and whether a tracefs kprobe registers on it.
# A module's register_kprobe() takes any text symbol off the blacklist;
# tracefs also refuses notrace functions (a static inline that kept an
# out-of-line copy is one), so "tracefs: fails" with a symbol present and
# not blacklisted still means a module can probe it.
set -u
tr=/sys/kernel/tracing
dbg=/sys/kernel/debug
[ -e "$tr/kprobe_events" ] || mount -t tracefs nodev "$tr"
[ -e "$dbg/kprobes" ] || mount -t debugfs nodev "$dbg"
echo "kernel $(uname -r)"
for fn in handle_mm_fault do_wp_page wp_page_reuse wp_page_copy \
	  wp_page_shared folio_add_new_anon_rmap page_add_new_anon_rmap \
	  unmap_vmas vm_area_free exit_mmap do_user_addr_fault \
	  lock_vma_under_rcu; do
	# Exact name, or a compiler clone of it (.constprop.0, .isra.0).
	syms=$(awk -v f="$fn" '$3 == f || index($3, f ".") == 1 { print $2 " " $3 }' \
		/proc/kallsyms | sort -u | tr '\n' ',' | sed 's/,$//')
	if echo "p:vmscope_facts $fn" >>"$tr/kprobe_events" 2>/dev/null; then
		kp=ok
		echo "-:vmscope_facts" >>"$tr/kprobe_events"
	else
		kp=fails
	fi
	bl=no
	awk -v f="$fn" '$2 == f { found = 1 } END { exit !found }' \
		"$dbg/kprobes/blacklist" 2>/dev/null && bl=yes
	printf '%-24s kallsyms: %-28s blacklisted: %-3s tracefs: %s\n' \
		"$fn" "${syms:-absent}" "$bl" "$kp"
done
for ev in exceptions/page_fault_user exceptions/page_fault_kernel \
	  mmap/exit_mmap; do
	if [ -e "$tr/events/$ev/format" ]; then
		echo "tracepoint $ev: $(grep -E '^	field:' "$tr/events/$ev/format" |
			sed -n 's/.*field:\([^;]*\);.*/\1/p' | grep -v common_ |
			tr '\n' ',' | sed 's/,$//')"
	else
		echo "tracepoint $ev: absent"
	fi
done
