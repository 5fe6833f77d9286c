// Package loadtest holds what Stride's load tools (cmd/wsload,
// cmd/attackbench, cmd/pagebench) share: nearest-rank percentiles, the
// open-file limit, and memory and CPU readings of a process from /proc.
package loadtest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// Percentile is the nearest-rank percentile p (0 < p ≤ 100) of sorted
// values: the smallest value with at least p % of the values at or below
// it. An empty slice gives 0.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100 + 0.999999999)
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// ProcMemory is what /proc/PID/status says about a process's memory.
type ProcMemory struct {
	// RSS is the resident set now (VmRSS); HWM its peak since the process
	// started (VmHWM). Both in bytes.
	RSS, HWM int64
}

// ParseProcStatus reads VmRSS and VmHWM from the text of /proc/PID/status.
func ParseProcStatus(r io.Reader) (ProcMemory, error) {
	var m ProcMemory
	var haveRSS, haveHWM bool
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		var dst *int64
		switch {
		case strings.HasPrefix(line, "VmRSS:"):
			dst, haveRSS = &m.RSS, true
		case strings.HasPrefix(line, "VmHWM:"):
			dst, haveHWM = &m.HWM, true
		default:
			continue
		}
		fields := strings.Fields(line[strings.IndexByte(line, ':')+1:])
		if len(fields) != 2 || fields[1] != "kB" {
			return ProcMemory{}, fmt.Errorf("unexpected line %q", line)
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || kb < 0 {
			return ProcMemory{}, fmt.Errorf("unexpected line %q", line)
		}
		*dst = kb * 1024
	}
	if err := sc.Err(); err != nil {
		return ProcMemory{}, err
	}
	if !haveRSS || !haveHWM {
		return ProcMemory{}, fmt.Errorf("no VmRSS or VmHWM line (is this Linux?)")
	}
	return m, nil
}

// ReadProcMemory reads VmRSS and VmHWM of process pid (Linux only).
func ReadProcMemory(pid int) (ProcMemory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ProcMemory{}, err
	}
	defer f.Close()
	m, err := ParseProcStatus(f)
	if err != nil {
		return ProcMemory{}, fmt.Errorf("/proc/%d/status: %w", pid, err)
	}
	return m, nil
}

// clockTicks is the unit of utime and stime in /proc/PID/stat (USER_HZ),
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// ParseProcStat reads the CPU time (user plus system) a process has used
// from the text of /proc/PID/stat. The command name, in parentheses, may
// hold spaces and parentheses itself, so fields are counted from the last
// closing parenthesis. The resolution is a clock tick, 10 ms.
func ParseProcStat(s string) (time.Duration, error) {
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return 0, fmt.Errorf("no command name in %q", clip(s, 60))
	}
	// After ") ": state is field 3, utime field 14, stime field 15.
	fields := strings.Fields(s[end+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("too few fields in %q", clip(s, 60))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil || utime < 0 || stime < 0 {
		return 0, fmt.Errorf("utime %q, stime %q are not tick counts", fields[11], fields[12])
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// ReadProcCPU reads the CPU time process pid has used (Linux only); pid 0
// means this process.
func ReadProcCPU(pid int) (time.Duration, error) {
	path := fmt.Sprintf("/proc/%d/stat", pid)
	if pid == 0 {
		path = "/proc/self/stat"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	d, err := ParseProcStat(string(data))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
