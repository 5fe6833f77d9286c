package loadtest

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 99, 0},
		{"one value", ms(7), 50, 7 * time.Millisecond},
		{"one value p99", ms(7), 99, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of four is the largest", ms(1, 2, 3, 4), 99, 4 * time.Millisecond},
		{"p50 of 1..100", ms(hundred...), 50, 50 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 100, 100 * time.Millisecond},
		{"tiny p is the min", ms(hundred...), 0.001, 1 * time.Millisecond},
	}
	for _, tc := range tests {
		if got := Percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf("%s: Percentile(p=%v) = %v, want %v", tc.name, tc.p, got, tc.want)
		}
	}
}

func TestParseProcStatus(t *testing.T) {
	const status = `Name:	stride
Umask:	0022
State:	S (sleeping)
VmPeak:	 1261364 kB
VmSize:	 1261364 kB
VmLck:	       0 kB
VmHWM:	  118124 kB
VmRSS:	   20480 kB
RssAnon:	    9000 kB
Threads:	7
`
	m, err := ParseProcStatus(strings.NewReader(status))
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS != 20480*1024 || m.HWM != 118124*1024 {
		t.Errorf("got %+v", m)
	}
	for name, bad := range map[string]string{
		"no VmHWM":     "VmRSS:\t 10 kB\n",
		"no VmRSS":     "VmHWM:\t 10 kB\n",
		"empty":        "",
		"other unit":   "VmHWM:\t 10 MB\nVmRSS:\t 10 kB\n",
		"not a number": "VmHWM:\t ten kB\nVmRSS:\t 10 kB\n",
		"negative":     "VmHWM:\t -1 kB\nVmRSS:\t 10 kB\n",
		"no unit":      "VmHWM:\t 10\nVmRSS:\t 10 kB\n",
	} {
		if _, err := ParseProcStatus(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseProcStat(t *testing.T) {
	// A command name with spaces and parentheses; utime 250, stime 50 ticks.
	stat := "1234 (my (odd) cmd) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 8 0 100 1000000 500"
	got, err := ParseProcStat(stat)
	if err != nil || got != 3*time.Second {
		t.Fatalf("ParseProcStat = %v, %v; want 3s", got, err)
	}
	for _, bad := range []string{"", "1234 no parens", "1 (x) S 1 2", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 ab 50 0"} {
		if _, err := ParseProcStat(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if runtime.GOOS != "linux" {
		return
	}
	if d, err := ReadProcCPU(0); err != nil || d < 0 {
		t.Errorf("ReadProcCPU(self) = %v, %v", d, err)
	}
}
