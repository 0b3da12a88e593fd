package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of /proc/PID/stat's utime and stime (USER_HZ,
// 100 on Linux).
const clockTick = 10 * time.Millisecond

// selfCPU is this process's user+system CPU time, all threads.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the user+system CPU time of process pid, from
// /proc/PID/stat (in clock ticks of 10 ms).
func procCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(raw)
}

func parseStatCPU(raw []byte) (time.Duration, error) {
	// The command name (field 2) is in parentheses and may hold spaces:
	// fields are counted after its closing parenthesis.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed stat line %q", raw)
	}
	f := strings.Fields(string(raw[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed stat line %q", raw)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed stat line %q", raw)
	}
	return time.Duration(ut+st) * clockTick, nil
}

// postgresCPU sums the CPU time of the PostgreSQL server's processes:
// the postmaster, its auxiliary processes (WAL writer, checkpointer,
// background writer…), and the backends connected to database (with
// their parallel workers and autovacuum workers on it) — not the backends
// of other databases, so that another job using the same server (the
// test suite on causerie_test) is not counted. It returns the CPU by pid:
// a block's share is the difference of two snapshots, counting a backend
// that appeared meanwhile from zero.
func postgresCPU(database string) map[int]time.Duration {
	type proc struct {
		pid   int
		title string
	}
	var procs []proc
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(d + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		cmd, err := os.ReadFile(d + "/cmdline")
		if err != nil {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(d))
		procs = append(procs, proc{pid, string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '}))})
	}
	ours := map[int]bool{}
	kinds := map[int]postgresKind{}
	leaders := map[int]int{}
	for _, p := range procs {
		k, db, leader := postgresTitle(p.title)
		kinds[p.pid], leaders[p.pid] = k, leader
		if k == pgShared || (k == pgBackend && db == database) {
			ours[p.pid] = true
		}
	}
	out := map[int]time.Duration{}
	for _, p := range procs {
		if !ours[p.pid] && !(kinds[p.pid] == pgParallel && ours[leaders[p.pid]]) {
			continue
		}
		if cpu, err := procCPU(p.pid); err == nil {
			out[p.pid] = cpu
		}
	}
	return out
}

type postgresKind int

const (
	pgShared   postgresKind = iota // the postmaster, an auxiliary process
	pgBackend                      // a client's backend, or an autovacuum worker, on a database
	pgParallel                     // a parallel worker of a backend
)

// postgresTitle reads a postgres process's title: "postgres: [CLUSTER:
// ]WHAT", WHAT being "USER DATABASE HOST(PORT) STATE" for a client's
// backend, "autovacuum worker DATABASE", "parallel worker for PID N", or
// an auxiliary process's name ("checkpointer", "walwriter"…); the
// postmaster's title is its command line. It returns the kind, the
// database of a backend and the leader of a parallel worker.
func postgresTitle(title string) (kind postgresKind, database string, leader int) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(title), "postgres: ")
	if !ok {
		return pgShared, "", 0 // the postmaster
	}
	f := strings.Fields(rest)
	if len(f) > 0 && strings.HasSuffix(f[0], ":") {
		f = f[1:] // the cluster's name (Debian sets cluster_name = '15/main')
	}
	switch {
	case len(f) >= 5 && f[0] == "parallel" && f[1] == "worker" && f[2] == "for" && f[3] == "PID":
		n, _ := strconv.Atoi(f[4])
		return pgParallel, "", n
	case len(f) >= 3 && f[0] == "autovacuum" && f[1] == "worker":
		return pgBackend, f[2], 0
	case len(f) >= 3 && (strings.Contains(f[2], "(") || f[2] == "[local]"):
		return pgBackend, f[1], 0
	}
	return pgShared, "", 0
}

// cpuDelta is after − before, summed over the processes of after.
func cpuDelta(before, after map[int]time.Duration) time.Duration {
	var d time.Duration
	for pid, a := range after {
		d += a - before[pid]
	}
	return d
}

// quantile is the q-quantile (nearest rank) of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func sortedCopy(d []time.Duration) []time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s
}
