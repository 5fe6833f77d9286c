package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// report prints the legitimate users' latency per phase, the server's
// memory, what each attack achieved, and the verdict against issue 8's
// targets.
func report(w io.Writer, cfg config, tg target, ph *phases, mem *memSampler, atk attackResult) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tlegitimate traffic\trequests\tp50\tp99\tmax\tfailed\t")
	var attackP99 []string
	var worst time.Duration
	for _, p := range ph.order {
		for _, k := range kinds {
			s := p.kinds[k].summary()
			failed := fmt.Sprint(s.Failed)
			if s.Failed > 0 {
				failed += " (" + failuresOf(s) + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n", p.name, k, s.N, ms(s.P50), ms(s.P99), ms(s.Max), failed)
			if p.name == "attack" && isHTTPKind(k) {
				attackP99 = append(attackP99, fmt.Sprintf("%s %s", shortKind(k), ms(s.P99)))
				worst = max(worst, s.P99)
			}
		}
	}
	tw.Flush()

	fmt.Fprintln(w)
	if tg.pid == 0 {
		fmt.Fprintln(w, "server memory: not measured (give -pid with -url)")
	} else {
		fmt.Fprintf(w, "server memory (RSS, MiB): at start %.1f", mib(mem.first.RSS))
		var attackPeak int64
		for _, p := range ph.order {
			fmt.Fprintf(w, "; %s peak %.1f", p.name, mib(p.rssPeak))
			if p.name == "attack" {
				attackPeak = max(attackPeak, p.rssPeak)
			}
			if p.name == "after" {
				// Memory the attack phase grew shows at the start of
				// the next phase too; count it against the attack.
				attackPeak = max(attackPeak, p.rssPeak)
			}
		}
		last := ph.order[len(ph.order)-1]
		fmt.Fprintf(w, "; VmHWM at the end %.1f\n", mib(last.hwmEnd))
		defer func() {
			verdict(w, "server RSS during and after the attacks < 256 MiB", attackPeak < targetRSS,
				fmt.Sprintf("peak %.1f MiB (VmHWM over the whole run %.1f MiB)", mib(attackPeak), mib(last.hwmEnd)))
		}()
	}

	// The server's own view of the same requests, from its histograms:
	// time inside the handler stack, without waiting to be accepted or
	// scheduled before the first byte was read.
	fmt.Fprintln(w, "server-side latency, all clients (the attacker's formula checks included in check), from its histograms; p99 as the bucket bound it is under:")
	for _, p := range ph.order {
		if p.metrics0 == "" || p.metrics1 == "" {
			continue
		}
		var parts []string
		for _, r := range []struct{ name, method, route string }{
			{"page", "GET", "/exercises/{id}"},
			{"check", "POST", "/api/v1/exercises/{id}/check"},
			{"healthz", "GET", "/healthz"},
		} {
			labels := map[string]string{"method": r.method, "route": r.route}
			const name = "stride_http_request_duration_seconds"
			d := parseHistogram(p.metrics1, name, labels).since(parseHistogram(p.metrics0, name, labels))
			if d.count <= 0 {
				continue
			}
			parts = append(parts, fmt.Sprintf("%s %d requests, p99 ≤ %s, %d over 100 ms",
				r.name, d.count, bucketText(d.quantileBound(0.99)), d.count-d.buckets[0.1]))
		}
		fmt.Fprintf(w, "  %-8s  %s\n", p.name, strings.Join(parts, "; "))
	}
	fmt.Fprint(w, "CPU, cores busy on average:")
	for i, p := range ph.order {
		sep := ";"
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(w, "%s %s: server %.2f, attackbench %.2f", sep, p.name,
			p.cores(p.serverCPU0, p.serverCPU1), p.cores(p.selfCPU0, p.selfCPU1))
	}
	if atk.Process == "separate" {
		fmt.Fprintln(w, " (of 2 on the standard machine; attackbench is the legitimate users)")
		if atk.Wall > 0 {
			fmt.Fprintf(w, "attacker process (pid %d): %.2f cores on average over its %.1f s\n", atk.PID,
				float64(atk.CPU)/float64(atk.Wall), atk.Wall.Seconds())
		}
	} else {
		fmt.Fprintln(w, " (of 2 on the standard machine; attackbench is the legitimate users plus the attacker, in one process)")
	}

	fmt.Fprintln(w, "\nattacks, all at once from 127.66.0.1 during the attack phase:")
	fmt.Fprintf(w, "  random 30 KB methods   %s; /metrics %s → %s",
		formatOutcomes(atk.Methods), size(atk.MetricsBefore), size(atk.MetricsAfter))
	if atk.MetricsScrapes > 0 {
		fmt.Fprintf(w, ", %d scrapes during the attack, slowest %s", atk.MetricsScrapes, ms(atk.MetricsSlowest))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  huge playground GETs   %d connections that never read (%s)\n", atk.SlowConnected, formatOutcomes(atk.Slow))
	fmt.Fprintf(w, "  seek floods            %d sockets (%d connections, each reopened when closed), %d seeks sent, %d messages (%s) received; %s\n",
		cfg.seekSockets, atk.SeekConns, atk.SeekSent, atk.SeekRecv, size(int(atk.SeekBytes)), formatOutcomes(atk.Seek))
	fmt.Fprintf(w, "  idle streams           %d tried, at most %d open at once; %s\n", cfg.attackStreams, atk.StreamsPeak, formatOutcomes(atk.Streams))
	fmt.Fprintf(w, "  512-token formulas     %d workers: %s\n", cfg.formulaWorkers, formatOutcomes(atk.Formula))
	fmt.Fprintf(w, "  8.6 M multiply-adds    %d workers: %s\n", cfg.convWorkers, formatOutcomes(atk.Conv))
	fmt.Fprintf(w, "  1.2 MB conv2d answers  %d workers: %s; %s read\n", cfg.bigRespWorkers, formatOutcomes(atk.BigResp), size(int(atk.BigRespBytes)))

	fmt.Fprintln(w, "\ntargets (issue 8):")
	verdict(w, "legitimate p99 during the attacks < 100 ms", worst < targetP99 && worst > 0, strings.Join(attackP99, ", "))
}

func verdict(w io.Writer, what string, ok bool, detail string) {
	mark := "MISSED"
	if ok {
		mark = "met"
	}
	fmt.Fprintf(w, "  %-52s %-6s %s\n", what, mark, detail)
}

func isHTTPKind(k string) bool {
	for _, h := range httpKinds {
		if h == k {
			return true
		}
	}
	return false
}

func shortKind(k string) string {
	switch k {
	case kindPage:
		return "page"
	case kindCheck:
		return "check"
	case kindHealthz:
		return "healthz"
	case kindControl:
		return "seek"
	}
	return k
}

// failuresOf lists a series' failed outcomes.
func failuresOf(s summary) string {
	failed := map[string]int{}
	for k, v := range s.Outcomes {
		if !isSuccess(k) {
			failed[k] = v
		}
	}
	return formatOutcomes(failed)
}

// bucketText shows a histogram bound in seconds as milliseconds.
func bucketText(le float64) string {
	if math.IsInf(le, 1) {
		return "∞"
	}
	return strconv.FormatFloat(le*1000, 'f', -1, 64) + " ms"
}

func size(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
