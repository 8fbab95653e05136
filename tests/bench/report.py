#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The bench's report, from what tests/bench/guest.sh left in one directory.

Usage: report.py DIR

DIR holds meta (key=value), the "key=value" outputs of mapsbench (cli,
parse, query), vmscope's own outputs (stats.json, maps.json), a copy of the
target's /proc/PID/maps (maps.txt), and the text of the tracefs buffer after
each traced run (trace.calib and trace.READER).

Prints the report as plain text, then one line "BENCH-JSON {...}" with the
same figures for tests/bench.sh.  Exits 1 if a consistency check failed.
"""
import json
import os
import re
import statistics
import sys

# vmscope's JSON perms and dev against the maps line's.
MAPS_RE = re.compile(r'^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) '
                     r'([0-9a-f]+:[0-9a-f]+) (\d+) ?\s*(.*)$')
# "  comm-PID  [CPU] flags  TS: EVENT: mm=HASH memcg_path=... write=..."
TRACE_RE = re.compile(r'-(\d+)\s+\[\d+\]\s+(?:\S+\s+)?([\d.]+):\s+'
                      r'(mmap_lock_acquire_returned|mmap_lock_released):'
                      r'\s+mm=(\S+)(.*)$')
ENTRIES_RE = re.compile(r'entries-in-buffer/entries-written:\s*(\d+)/(\d+)')

problems = []


def kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, sep, v = line.rstrip('\n').partition('=')
            if sep:
                out[k] = v
    return out


def reps_of(d, name, reps):
    """Merge the one-rep outputs NAME.1 .. NAME.REPS of one method."""
    out = {}
    ns = []
    for rep in range(1, reps + 1):
        r = kv(os.path.join(d, '%s.%d' % (name, rep)))
        ns.append(int(r['best_ns']))
        for k in ('entries', 'gate', 'checksum'):
            if k in r and out.setdefault(k, r[k]) != r[k]:
                problems.append('%s: %s differs between reps (%s, %s)'
                                % (name, k, out[k], r[k]))
    out['rep_ns'] = ','.join(str(x) for x in ns)
    out['best_ns'] = str(min(ns))
    return out


class Clock:
    """Trace timestamps to nanoseconds."""

    def __init__(self, name, tsc_per_us):
        self.name = name
        self.tsc_per_us = tsc_per_us

    def ns(self, ts):
        if self.name == 'x86-tsc':
            return int(ts) * 1000.0 / self.tsc_per_us
        sec, _, frac = ts.partition('.')
        return int(sec) * 10**9 + int((frac + '000000000')[:9])

    def resolution(self):
        if self.name == 'x86-tsc':
            return 'TSC ticks (%.1f per us), calibrated against ' \
                   'CLOCK_MONOTONIC_RAW' % self.tsc_per_us
        return '1 us (%s clock, printed in us)' % self.name


def read_trace(path, clock):
    """The mmap_lock events of a trace file, in order, and a lost count."""
    events = []
    lost = 0
    with open(path) as f:
        for line in f:
            if line.startswith('#'):
                m = ENTRIES_RE.search(line)
                if m:
                    lost += int(m.group(2)) - int(m.group(1))
                continue
            if 'LOST' in line and 'EVENTS' in line:
                lost += 1
                continue
            m = TRACE_RE.search(line)
            if not m:
                continue
            pid, ts, ev, mm, rest = m.groups()
            write = 'write=true' in rest
            success = 'success=false' not in rest
            events.append((int(pid), clock.ns(ts), ev, mm, write, success))
    return events, lost


def target_mm(events, pid):
    """The target's mm: what its own mprotect() locked for write."""
    mms = {e[3] for e in events if e[0] == pid and e[2] ==
           'mmap_lock_acquire_returned' and e[4] and e[5]}
    if len(mms) != 1:
        problems.append('calibration: %d mm(s) write-locked by the target '
                        '(want exactly 1)' % len(mms))
        return None
    allmms = {e[3] for e in events if e[0] == pid}
    if allmms != mms:
        problems.append('calibration: the target used other mms too: %s'
                        % sorted(allmms - mms))
    return mms.pop()


def holds(events, mm):
    """Read holds of @mm: released.ts - acquire_returned(success).ts."""
    open_ = {}
    out = []
    writes = unmatched = 0
    for pid, ts, ev, emm, write, success in events:
        if emm != mm:
            continue
        if write:
            writes += ev == 'mmap_lock_acquire_returned' and success
            continue
        stack = open_.setdefault(pid, [])
        if ev == 'mmap_lock_acquire_returned':
            if success:
                stack.append(ts)
        elif stack:
            out.append(ts - stack.pop())
        else:
            unmatched += 1
    unmatched += sum(len(s) for s in open_.values())
    return out, writes, unmatched


def fmt_us(ns):
    return '%.1fus' % (ns / 1000.0)


FAULT_CFGS = ('unloaded', 'counters', 'complete', 'watcher', 'bpftrace')
FAULT_MODES = ('touch', 'fork')
# overhead targets, as ratios to the unloaded run
FAULT_TARGETS = {'counters': 1.05, 'watcher': 1.15}


def fault_figures(d):
    """tests/bench/faults.sh's outputs: overhead ratios and the storm."""
    meta = kv(os.path.join(d, 'fault.meta'))
    rounds = int(meta['rounds'])
    out = {'mib': int(meta['mib']), 'rounds': rounds,
           'what': {
               'touch': 'first touch of %s MiB of private anonymous '
                        'memory (MADV_NOHUGEPAGE), one write per page'
                        % meta['mib'],
               'fork': 'the parent touches %s MiB and forks; the child '
                       'writes every page (one COW copy each), timed in '
                       'the child' % meta['mib']},
           'configs': {
               'unloaded': 'no module',
               'counters': 'module loaded, no watcher',
               'complete': 'module loaded with vma_complete=1 (a '
                           'kretprobe follows each fault on other than '
                           'private anonymous memory), no watcher',
               'watcher': 'module loaded, tests/bench/watcher watching '
                          'ALL (recv() 1 MiB at a time)',
               'bpftrace': 'no module; bpftrace counting per pid: ' +
                           ', '.join(l.split('{')[0].strip() for l in
                                     open(os.path.join(d, 'fault.bpftrace'))
                                     if l.strip())},
           'bench': {}}
    for m in FAULT_MODES:
        fig = {}
        for c in FAULT_CFGS:
            wall, cpu = [], []
            for r in range(1, rounds + 1):
                f = os.path.join(d, 'fault.%s.%s.%d' % (c, m, r))
                x = kv(f)
                wall.append(int(x['best_ns']))
                cpu.append(int(x['best_cpu_ns']))
                pages = int(x['pages'])
            fig[c] = {'best_ns': min(wall), 'best_cpu_ns': min(cpu),
                      'rep_ns': wall, 'rep_cpu_ns': cpu,
                      'ns_per_page': min(wall) / pages,
                      'cpu_ns_per_page': min(cpu) / pages}
        base = fig['unloaded']
        for c in FAULT_CFGS[1:]:
            fig[c]['ratio'] = fig[c]['best_ns'] / base['best_ns']
            fig[c]['ratio_cpu'] = fig[c]['best_cpu_ns'] / base['best_cpu_ns']
        # The targets are about slowing the faulting task: its own CPU
        # time.  The wall time also holds whatever else the VM ran
        # meanwhile (a watcher's draining and reading, on a 1-CPU VM).
        bt = fig['bpftrace']['ratio_cpu']
        for c, lim in FAULT_TARGETS.items():
            fig[c]['target'] = lim
            fig[c]['target_met'] = fig[c]['ratio_cpu'] <= lim
            fig[c]['below_bpftrace'] = fig[c]['ratio_cpu'] < bt
        out['bench'][m] = fig
    # the watcher's own counts, per round
    out['watcher_rounds'] = [kv(os.path.join(d, 'fault.watcher.%d' % r))
                             for r in range(1, rounds + 1)]
    out['bpftrace_startup_s'] = [
        int(open(os.path.join(d, 'fault.bt.%d.startup_s' % r)).read())
        for r in range(1, rounds + 1)
        if os.path.exists(os.path.join(d, 'fault.bt.%d.startup_s' % r))]
    # the storm
    w = kv(os.path.join(d, 'storm.watcher'))
    b = kv(os.path.join(d, 'storm.bench'))
    ev = int(w['events'])
    drops = int(w['dropped_buffer']) + int(w['dropped_socket'])
    # SEQ counts from 0, one per event sent or lost at the socket; buffer
    # losses get no number.
    gen = (int(w['last_seq']) + 1 if ev else 0) + int(w['dropped_buffer'])
    st = {'storm_ms': int(meta['storm_ms']),
          'storm_pages': int(meta['storm_pages']),
          'touches': int(b['touches']), 'storm_ns': int(b['ns']),
          'events_delivered': ev, 'dropped_buffer': int(w['dropped_buffer']),
          'dropped_socket': int(w['dropped_socket']),
          'enobufs': int(w['enobufs']),
          'generated_by_seq': gen,
          'ring_size': int(w['ring_size']),
          'socket_rcvbuf': int(w['rcvbuf']),
          'recv_bufsize': int(w['bufsize']),
          'info_events': int(w['info_events']),
          'info_events_dropped': int(w['info_events_dropped'])}
    st['events_per_s'] = ev / (st['storm_ns'] / 1e9)
    st['faults_per_s'] = st['touches'] / (st['storm_ns'] / 1e9)
    if ev and ev + int(w['dropped_socket']) != int(w['last_seq']) + 1:
        problems.append('storm: %d delivered + %s dropped at the socket != '
                        'last seq %s + 1' % (ev, w['dropped_socket'],
                                             w['last_seq']))
    if ev + drops < st['touches']:
        problems.append('storm: %d events delivered or dropped for %d '
                        'faults of the storm' % (ev + drops, st['touches']))
    out['storm'] = st
    return out


def print_faults(f):
    p = print
    p('')
    p('Fault-path overhead, best of %d rounds (%d MiB; ratios to the '
      'unloaded run, wall / faulting thread CPU time)'
      % (f['rounds'], f['mib']))
    for m in FAULT_MODES:
        fig = f['bench'][m]
        p('  %s: %s' % (m, f['what'][m]))
        for c in FAULT_CFGS:
            x = fig[c]
            line = '    %-9s %8.1f ns/page  cpu %8.1f ns/page' % (
                c, x['ns_per_page'], x['cpu_ns_per_page'])
            if c != 'unloaded':
                line += '   x%.3f  cpu x%.3f' % (x['ratio'], x['ratio_cpu'])
            if c in FAULT_TARGETS:
                line += '  (cpu target <= %.2f: %s; below bpftrace: %s)' % (
                    x['target'], 'met' if x['target_met'] else 'NOT met',
                    'yes' if x['below_bpftrace'] else 'NO')
            p(line)
    p('  bpftrace took %s s to attach (per round)'
      % ', '.join(map(str, f['bpftrace_startup_s'])))
    st = f['storm']
    p('Event throughput: a %d ms storm over %d pages (%d faults, %.0f/s), '
      'one watcher of ALL' % (st['storm_ms'], st['storm_pages'],
                              st['touches'], st['faults_per_s']))
    p('  delivered %d events (%.0f/s); dropped %d in the buffers, %d at '
      'the socket (ENOBUFS %d); generated %d (seq + buffer drops)'
      % (st['events_delivered'], st['events_per_s'], st['dropped_buffer'],
         st['dropped_socket'], st['enobufs'], st['generated_by_seq']))
    p('  buffers: ring_size %d events per CPU; socket SO_RCVBUF %d B; '
      'recv() %d B' % (st['ring_size'], st['socket_rcvbuf'],
                       st['recv_bufsize']))


def main():
    d = sys.argv[1]
    meta = kv(os.path.join(d, 'meta'))
    reps = int(meta['reps'])
    bufsize = int(meta['bufsize'])
    pid = int(meta['pid'])
    timing = meta.get('timing', 'wallclock')
    if timing.startswith('icount'):
        timing_note = ('QEMU TCG with -icount shift=%s: guest time counts '
                       'executed instructions (%d ns each), so the figures '
                       'are deterministic and blind to host load, but they '
                       'are instruction counts, not wall time'
                       % (timing[6:], 1 << int(timing[6:])))
    else:
        timing_note = ('QEMU TCG (multi-threaded), guest wall time: '
                       'emulated, and skewed by any other load on the host')
    report = {
        'kernel': meta['kernel'],
        'timing': timing,
        'timing_note': timing_note,
        'vmas_requested': int(meta['vmas_requested']),
        'repetitions': reps,
        'buffer_sizes': {
            'proc_read_parse': bufsize,
            'proc_read_traced': [bufsize, int(meta['bufsize2']), 'cat'],
            'bare_dump_recv': bufsize,
            'cat': 131072,
        },
        'target': {'region_start': meta['region_start'],
                   'region_end': meta['region_end']},
    }

    # --- the target and the consistency of the three walks ------------
    stats = json.load(open(os.path.join(d, 'stats.json')))
    vmas = int(stats['map_count'])
    cli = reps_of(d, 'cli', reps)
    parse = reps_of(d, 'parse', reps)
    query = reps_of(d, 'query', reps)
    bare = reps_of(d, 'dump', reps)
    dump = json.load(open(os.path.join(d, 'maps.json')))
    with open(os.path.join(d, 'maps.txt')) as f:
        maps = [l.rstrip('\n') for l in f]
    gate = [l for l in maps if l.endswith(' [vsyscall]')]
    maps = [l for l in maps if not l.endswith(' [vsyscall]')]
    report['vmas'] = vmas
    report['vmas_target_counted'] = int(meta['vmas_target'])
    report['checks'] = {
        'map_count': vmas,
        'proc_maps_lines': int(parse['entries']) + int(parse['gate']),
        'proc_maps_vsyscall_lines': int(parse['gate']),
        'procmap_query_vmas': int(query['entries']),
        'vmscope_dump_vmas': len(dump),
        'proc_parse_checksum': parse['checksum'],
        'procmap_query_checksum': query['checksum'],
        'bare_dump_vmas': int(bare['entries']),
        'bare_dump_checksum': bare['checksum'],
    }
    if int(parse['entries']) != vmas:
        problems.append('/proc/PID/maps: %s lines besides [vsyscall], '
                        'map_count is %d' % (parse['entries'], vmas))
    if int(query['entries']) != vmas:
        problems.append('PROCMAP_QUERY: %s VMAs, map_count is %d'
                        % (query['entries'], vmas))
    if parse['checksum'] != query['checksum']:
        problems.append('/proc parse and PROCMAP_QUERY checksums differ')
    if parse['checksum'] != bare['checksum']:
        problems.append('/proc parse and bare vmscope dump checksums '
                        'differ')
    if int(bare['entries']) != vmas:
        problems.append('bare vmscope dump: %s VMAs, map_count is %d'
                        % (bare['entries'], vmas))
    if len(dump) != vmas:
        problems.append('vmscope maps --json: %d VMAs, map_count is %d'
                        % (len(dump), vmas))
    if vmas != int(meta['vmas_requested']):
        problems.append('the target has %d VMAs, not %s'
                        % (vmas, meta['vmas_requested']))
    # vmscope's dump against the maps text, field by field.
    diffs = []
    for i, (line, v) in enumerate(zip(maps, dump)):
        m = MAPS_RE.match(line)
        if not m:
            diffs.append('maps line %d unparsable: %r' % (i, line))
            continue
        want = (int(m.group(1), 16), int(m.group(2), 16), m.group(3),
                int(m.group(4), 16), m.group(5), int(m.group(6)),
                m.group(7))
        got = (v.get('start'), v.get('end'), v.get('perms'),
               v.get('offset'), v.get('dev'), v.get('inode'),
               v.get('name'))
        if want != got:
            diffs.append('VMA %d: maps %r, vmscope %r' % (i, want, got))
    report['checks']['vmscope_vs_maps_mismatches'] = len(diffs)
    if diffs:
        problems.append('vmscope maps --json differs from /proc/PID/maps '
                        'in %d VMAs, e.g. %s' % (len(diffs), diffs[0]))
    report['checks']['vsyscall_in_maps'] = bool(gate)

    # --- 2. full-dump throughput --------------------------------------
    def method(r, what):
        best = int(r['best_ns'])
        return {'what': what, 'best_ns': best,
                'ns_per_vma': best / vmas,
                'rep_ns': [int(x) for x in r['rep_ns'].split(',')]}

    tp = {
        'vmscope_cli': method(cli, meta['cli_cmd']),
        'proc_read_parse': method(parse,
                          'open, read() %d B at a time, parse, '
                                  'close' % bufsize),
        'procmap_query': method(query,
                                'open, PROCMAP_QUERY COVERING_OR_NEXT '
                                'with a name buffer until ENOENT, close'),
        'vmscope_bare_dump': method(bare,
                                    'supplementary: socket, resolve the '
                                    'family, VMA_GET dump with recv() %d B '
                                    'at a time, take every attribute, close '
                                    '(no libnl, no output)' % bufsize),
    }
    vs = tp['vmscope_cli']['best_ns']
    tp['ratio_proc_over_vmscope'] = tp['proc_read_parse']['best_ns'] / vs
    tp['ratio_procmap_query_over_vmscope'] = \
        tp['procmap_query']['best_ns'] / vs
    tp['target_proc_3x_met'] = tp['ratio_proc_over_vmscope'] >= 3
    tp['target_procmap_query_1_5x_met'] = \
        tp['ratio_procmap_query_over_vmscope'] >= 1.5
    bd = tp['vmscope_bare_dump']['best_ns']
    tp['supplementary_ratio_proc_over_bare_dump'] = \
        tp['proc_read_parse']['best_ns'] / bd
    tp['supplementary_ratio_procmap_query_over_bare_dump'] = \
        tp['procmap_query']['best_ns'] / bd
    report['throughput'] = tp

    # --- 3. mmap_lock holds on the target's mm ------------------------
    clock = Clock(meta['trace_clock'], float(meta.get('tsc_per_us') or 0))
    truns = int(meta['trace_runs'])
    ev, lost = read_trace(os.path.join(d, 'trace.calib'), clock)
    mm = target_mm(ev, pid)
    lk = {'trace_clock': meta['trace_clock'],
          'resolution': clock.resolution(), 'runs_per_reader': truns,
          'target_mm_hash': mm, 'readers': {}}
    proc_readers = ['proc_read_%d' % bufsize,
                    'proc_read_%s' % meta['bufsize2'], 'proc_cat']
    readers = [
        ('vmscope_cli', meta['cli_cmd']),
        (proc_readers[0], 'mapsbench parse, read() %d B' % bufsize),
        (proc_readers[1], 'mapsbench parse, read() %s B' % meta['bufsize2']),
        (proc_readers[2], 'cat /proc/PID/maps (128 KiB reads)'),
        ('vmscope_bare', 'mapsbench dump, recv() %d B' % bufsize),
        ('procmap_query', 'mapsbench query (one hold per ioctl)'),
    ]
    # On 7.2 (not 6.1 or 6.12), /proc/PID/maps and PROCMAP_QUERY walk under
    # per-VMA locks and RCU and take the mmap_lock only to fall back: there
    # they have no hold to compare with.  vmscope's readers must
    # always show holds (that is what checks the tracing itself).
    lockless_ok = set(proc_readers) | {'procmap_query'}
    for name, what in readers:
        allh = []
        runs = []
        lockless = name in lockless_ok and mm and all(
            not holds(read_trace(os.path.join(d, 'trace.%s.%d'
                                              % (name, run)), clock)[0],
                      mm)[0]
            for run in range(1, truns + 1))
        for run in range(1, truns + 1):
            ev, lost = read_trace(os.path.join(d, 'trace.%s.%d'
                                               % (name, run)), clock)
            if lost:
                problems.append('trace of %s run %d lost %d events'
                                % (name, run, lost))
            h, writes, unmatched = holds(ev, mm) if mm else ([], 0, 0)
            if not h and not lockless:
                problems.append('no read hold of the target mm by %s '
                                '(run %d)' % (name, run))
            if writes or unmatched:
                problems.append('%s run %d: %d write holds, %d unmatched '
                                'events on the target mm'
                                % (name, run, writes, unmatched))
            runs.append({'holds': len(h),
                         'max_ns': round(max(h)) if h else None,
                         'median_ns': round(statistics.median(h))
                         if h else None,
                         'total_ns': round(sum(h)), 'events': len(ev),
                         'lost_events': lost})
            allh += h
        r = {'what': what, 'runs': runs, 'takes_mmap_lock': not lockless}
        if allh:
            allh.sort()
            r.update({
                'holds_per_run': statistics.median(x['holds']
                                                   for x in runs),
                'max_ns': round(allh[-1]),
                'median_ns': round(statistics.median(allh)),
                'p99_ns': round(allh[min(len(allh) - 1,
                                         int(0.99 * len(allh)))]),
                'median_of_run_max_ns': round(statistics.median(
                    x['max_ns'] for x in runs if x['max_ns'])),
            })
        lk['readers'][name] = r
    cmp_ = {}
    d_ = lk['readers']['vmscope_cli']
    for name in proc_readers:
        p_ = lk['readers'][name]
        if d_.get('max_ns') and p_.get('max_ns'):
            cmp_[name] = {
                'ratio_vmscope_over_proc_max':
                    d_['max_ns'] / p_['max_ns'],
                'ratio_vmscope_over_proc_median_of_run_max':
                    d_['median_of_run_max_ns'] / p_['median_of_run_max_ns'],
                'ratio_vmscope_over_proc_p99': d_['p99_ns'] / p_['p99_ns'],
                'ratio_vmscope_over_proc_median':
                    d_['median_ns'] / p_['median_ns'],
                'met': d_['max_ns'] <= p_['max_ns'],
            }
    lk['vmscope_vs_proc'] = cmp_
    lk['proc_takes_mmap_lock'] = any(lk['readers'][n]['takes_mmap_lock']
                                     for n in proc_readers)
    # None: not applicable, /proc takes no mmap_lock to compare with.
    lk['target_no_worse_than_proc_met'] = \
        (bool(cmp_) and all(c['met'] for c in cmp_.values())) \
        if lk['proc_takes_mmap_lock'] else None
    report['mmap_lock'] = lk
    if os.path.exists(os.path.join(d, 'fault.meta')):
        report['faults'] = fault_figures(d)
    report['problems'] = problems

    # --- the text report -----------------------------------------------
    p = print
    p('')
    p('vmscope bench on %s' % report['kernel'])
    p('=' * 60)
    p('timing: ' + timing_note)
    p('target: pid %d, %d VMAs (mm->map_count; region %s-%s)'
      % (pid, vmas, meta['region_start'], meta['region_end']))
    p('checks: /proc maps %d lines (%d [vsyscall]), PROCMAP_QUERY %d, '
      'vmscope CLI %d, bare dump %d VMAs; checksums /proc %s, '
      'PROCMAP_QUERY %s, bare dump %s; CLI vs maps field mismatches: %d'
      % (report['checks']['proc_maps_lines'], len(gate),
         report['checks']['procmap_query_vmas'], len(dump),
         int(bare['entries']), parse['checksum'], query['checksum'],
         bare['checksum'], len(diffs)))
    p('')
    p('Full-dump throughput, best of %d (ns per VMA over %d VMAs)'
      % (reps, vmas))
    for k, label in (('vmscope_cli', 'vmscope maps --json (whole CLI)'),
                     ('proc_read_parse',
                      '/proc read+parse (%d KiB reads)' % (bufsize >> 10)),
                     ('procmap_query', 'PROCMAP_QUERY loop'),
                     ('vmscope_bare_dump',
                      '[suppl.] bare netlink dump, no CLI')):
        t = tp[k]
        p('  %-36s %9.1f ns/VMA  (best %.2f ms; reps %s ms)'
          % (label, t['ns_per_vma'], t['best_ns'] / 1e6,
             ' '.join('%.1f' % (x / 1e6) for x in t['rep_ns'])))
    p('  /proc ÷ vmscope          = %.2fx  (target >= 3x: %s)'
      % (tp['ratio_proc_over_vmscope'],
         'met' if tp['target_proc_3x_met'] else 'NOT met'))
    p('  PROCMAP_QUERY ÷ vmscope  = %.2fx  (target >= 1.5x: %s)'
      % (tp['ratio_procmap_query_over_vmscope'],
         'met' if tp['target_procmap_query_1_5x_met'] else 'NOT met'))
    p('  [suppl.] /proc ÷ bare dump = %.2fx, PROCMAP_QUERY ÷ bare dump '
      '= %.2fx' % (tp['supplementary_ratio_proc_over_bare_dump'],
                   tp['supplementary_ratio_procmap_query_over_bare_dump']))
    p('')
    p('Read holds of the target mm\'s mmap_lock (tracefs mmap_lock events, '
      'mm=%s), %d runs per reader' % (mm, truns))
    p('  resolution: %s' % clock.resolution())
    p('  %-22s %9s %10s %10s %10s  %s' % ('reader', 'holds/run', 'median',
                                         'p99', 'max', 'max of each run'))
    for name, _ in readers:
        r = lk['readers'][name]
        if r.get('max_ns'):
            p('  %-22s %9d %10s %10s %10s  %s'
              % (name, r['holds_per_run'], fmt_us(r['median_ns']),
                 fmt_us(r['p99_ns']), fmt_us(r['max_ns']),
                 ', '.join(fmt_us(x['max_ns']) for x in r['runs']
                           if x['max_ns'])))
        elif not r['takes_mmap_lock']:
            p('  %-22s no mmap_lock taken (per-VMA locks)' % name)
        else:
            p('  %-22s no holds traced' % name)
    for name, c in cmp_.items():
        p('  vmscope ÷ %-17s max %.2f (target <= 1: %s); median of run '
          'maxima %.2f, p99 %.2f, median %.2f'
          % (name, c['ratio_vmscope_over_proc_max'],
             'met' if c['met'] else 'NOT met',
             c['ratio_vmscope_over_proc_median_of_run_max'],
             c['ratio_vmscope_over_proc_p99'],
             c['ratio_vmscope_over_proc_median']))
    if not lk['proc_takes_mmap_lock']:
        p('  /proc/PID/maps took no mmap_lock here (per-VMA locks): the '
          '"no worse than /proc" target does not apply; vmscope\'s holds '
          'stand alone')
    if 'faults' in report:
        print_faults(report['faults'])
    if problems:
        p('')
        p('PROBLEMS:')
        for x in problems:
            p('  - ' + x)
    p('')
    print('BENCH-JSON ' + json.dumps(report, sort_keys=True))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
