// Package loadtest holds what Stride's load tools (cmd/wsload,
// cmd/attackbench, cmd/pagebench) share: nearest-rank percentiles, the
// open-file limit, and memory readings of a server process from /proc.
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
