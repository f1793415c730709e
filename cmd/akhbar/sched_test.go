package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// schedStat is what the kernel's scheduler has counted of a process so
// far. The idle scenarios measure a few hundred milliseconds of CPU over a
// minute, which utime + stime of /proc/<pid>/stat gives in 10ms ticks (and,
// on this VM, sampled: one run's 0.05 CPU-s was 5 ticks); these are
// counted in nanoseconds at each switch, and say how often the process
// woke, which is what an idle program's cost follows.
type schedStat struct {
	// cpu is the process's CPU clock (clock_gettime of the clock
	// clock_getcpuclockid(pid) names): the threads' run time in ns,
	// exited threads included. run is the sum of the live threads' first
	// field of /proc/<pid>/task/*/schedstat, the same count without the
	// exited threads: the two agreeing says no thread came and went.
	cpu, run time.Duration
	// slices is the sum of the threads' third schedstat field, the times
	// a thread was put on a CPU: the process's wake-ups, give or take
	// the preemptions (involuntary switches) that are followed by one.
	slices int64
	// vcsw and ivcsw are the threads' voluntary (went to sleep) and
	// involuntary (preempted) context switches, from their status files.
	vcsw, ivcsw int64
	threads     int
}

// processCPUClock reads the CPU clock of another process: Linux encodes
// it as the clock id (^pid << 3) | CPUCLOCK_SCHED (2), which is what
// glibc's clock_getcpuclockid returns; the syscall package has no wrapper.
func processCPUClock(pid int) (time.Duration, error) {
	clock := (^uintptr(pid) << 3) | 2
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clock, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0, fmt.Errorf("clock_gettime of pid %d's CPU clock: %w", pid, errno)
	}
	return time.Duration(ts.Nano()), nil
}

// readSched reads pid's schedStat; reading it costs the process nothing.
func readSched(pid int) (schedStat, error) {
	var s schedStat
	cpu, err := processCPUClock(pid)
	if err != nil {
		return s, err
	}
	s.cpu = cpu
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	if err != nil || len(tasks) == 0 {
		return s, fmt.Errorf("the threads of pid %d: %v", pid, err)
	}
	for _, task := range tasks {
		data, err := os.ReadFile(filepath.Join(task, "schedstat"))
		if err != nil {
			continue // the thread ended since the listing
		}
		f := strings.Fields(string(data))
		if len(f) != 3 {
			return s, fmt.Errorf("%s/schedstat: %q", task, data)
		}
		run, err1 := strconv.ParseInt(f[0], 10, 64)
		slices, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			return s, fmt.Errorf("%s/schedstat: %q", task, data)
		}
		status, err := os.ReadFile(filepath.Join(task, "status"))
		if err != nil {
			continue
		}
		for line := range strings.SplitSeq(string(status), "\n") {
			name, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			var sum *int64
			switch name {
			case "voluntary_ctxt_switches":
				sum = &s.vcsw
			case "nonvoluntary_ctxt_switches":
				sum = &s.ivcsw
			default:
				continue
			}
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return s, fmt.Errorf("%s/status: %q: %w", task, line, err)
			}
			*sum += n
		}
		s.run += time.Duration(run)
		s.slices += slices
		s.threads++
	}
	return s, nil
}

// schedDelta is what the scheduler counted between two readings.
type schedDelta struct {
	cpu, run                    time.Duration
	slices, vcsw, ivcsw         int64
	threadsBefore, threadsAfter int
}

func (a schedStat) since(b schedStat) schedDelta {
	return schedDelta{cpu: a.cpu - b.cpu, run: a.run - b.run, slices: a.slices - b.slices,
		vcsw: a.vcsw - b.vcsw, ivcsw: a.ivcsw - b.ivcsw, threadsBefore: b.threads, threadsAfter: a.threads}
}

// per reports a window's counts per second of window.
func (d schedDelta) per(window time.Duration) string {
	s := window.Seconds()
	return fmt.Sprintf("CPU clock %.1f ms = %.3f%% of a core (live threads' schedstat %.1f ms); %.1f wake-ups/s (time slices), context switches %.1f/s voluntary, %.2f/s involuntary; threads %d → %d",
		float64(d.cpu)/1e6, 100*d.cpu.Seconds()/s, float64(d.run)/1e6, float64(d.slices)/s, float64(d.vcsw)/s, float64(d.ivcsw)/s,
		d.threadsBefore, d.threadsAfter)
}
