package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkLiveFanout is one instructor control through the whole server
// path, in process: the control POST (session and assignment reads, the
// state transaction, the hub's queueing), then every student's writer
// goroutine and socket write, until each of 200 student sockets (clients
// in this process, reading raw frames) has the new state. CPU per op is
// the server's per fan-out plus the clients' reads.
func BenchmarkLiveFanout(b *testing.B) {
	const students = 200
	e := newLiveEnvTB(b)
	arrived := make(chan struct{}, students)
	var conns []*websocket.Conn
	for i := range students {
		d := e.device()
		r := d.post("/join", url.Values{"code": {e.ls.Code}, "nickname": {"S" + string(rune('a'+i%26))}})
		if r.code != http.StatusSeeOther {
			b.Fatalf("join: %d", r.code)
		}
		ws := e.dial(d, "/live/"+e.ls.Code+"/ws")
		conns = append(conns, ws)
		if _, _, err := ws.ReadMessage(); err != nil { // the snapshot
			b.Fatal(err)
		}
		go func() {
			for {
				_, msg, err := ws.ReadMessage()
				if err != nil {
					return
				}
				if bytes.HasPrefix(msg, []byte(`{"type":"state"`)) {
					arrived <- struct{}{}
				}
			}
		}()
	}
	// The per-session control rate (5 a second) would refuse most of a
	// benchmark's controls: its clock moves a second per control here.
	ls := e.app.server.live
	var tick time.Time
	ls.mu.Lock()
	ls.now = func() time.Time { tick = tick.Add(time.Second); return tick }
	ls.mu.Unlock()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		act := "pause"
		if i%2 == 1 {
			act = "resume"
		}
		if r := e.staff.post(e.teachURL(), url.Values{"action": {act}}); r.code != http.StatusSeeOther {
			b.Fatalf("control: %d", r.code)
		}
		for range students {
			<-arrived
		}
	}
	b.StopTimer()
	for _, ws := range conns {
		ws.Close()
	}
}

// BenchmarkLiveStudentRefetch is what one student's page costs the server
// after a state change of the room that needs a form (docs/LIVE.md "A
// student page follows the class in place": an unlock, a resume of a page
// drawn paused): live.js fetches the page rendered for the class now
// (GET /live/{code}?q=0) and swaps it in. A room of 200 makes 200 of these
// per such action; liveload's -refetch models them. The student has not
// answered, so after the first fetch the exercise comes from the live page
// cache (web/live_page.go), as for a room moved to a new question.
func BenchmarkLiveStudentRefetch(b *testing.B) { benchStudentPage(b, false) }

// BenchmarkLiveStudentRefetchUncached is BenchmarkLiveStudentRefetch with
// the live page cache off: every fetch renders the exercise, as every page
// did before the cache; its baseline in the same run.
func BenchmarkLiveStudentRefetchUncached(b *testing.B) { benchStudentPage(b, true) }

// benchStudentPage measures one student's fetches of the open question's
// page, with the live page cache on or off.
func benchStudentPage(b *testing.B, cacheOff bool) {
	e := newLiveEnvTB(b)
	e.app.server.live.pages.off.Store(cacheOff)
	d := e.device()
	if r := d.post("/join", url.Values{"code": {e.ls.Code}, "nickname": {"S"}}); r.code != http.StatusSeeOther {
		b.Fatalf("join: %d", r.code)
	}
	if r := e.staff.post(e.teachURL(), url.Values{"action": {"unlock"}}); r.code != http.StatusSeeOther {
		b.Fatalf("unlock: %d", r.code)
	}
	page := "/live/" + e.ls.Code + "?q=0"
	if r := d.get(page); r.code != http.StatusOK || !bytes.Contains([]byte(r.body), []byte(`data-live-role="student"`)) {
		b.Fatalf("student page: %d\n%s", r.code, r.body[:min(len(r.body), 300)])
	}
	size := 0
	b.ResetTimer()
	cpu0 := processCPU(b)
	for i := 0; i < b.N; i++ {
		r := d.get(page)
		if r.code != http.StatusOK {
			b.Fatalf("student page: %d", r.code)
		}
		size = len(r.body)
	}
	// CPU, not wall time: the machine is shared (BENCHMARKS.md); the
	// client's reads are in it too, as in BenchmarkLiveStudentReveal.
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(size), "resp-bytes")
}

// BenchmarkLiveStudentReveal is what one student's page costs the server
// when the instructor reveals the answer, now that the page applies the
// reveal in place: GET /live/{code}/reveal?q=0 (the reveal fragment,
// web/live_reveal.go) instead of the whole page (BenchmarkLiveStudentRefetch).
// The room shares the recitation's seed, so after the first fetch the
// fragment's parts come from the render cache, as for 199 of a room's 200.
func BenchmarkLiveStudentReveal(b *testing.B) {
	e := newLiveEnvTB(b)
	d := e.device()
	if r := d.post("/join", url.Values{"code": {e.ls.Code}, "nickname": {"S"}}); r.code != http.StatusSeeOther {
		b.Fatalf("join: %d", r.code)
	}
	for _, act := range []string{"unlock", "reveal"} {
		if r := e.staff.post(e.teachURL(), url.Values{"action": {act}}); r.code != http.StatusSeeOther {
			b.Fatalf("%s: %d", act, r.code)
		}
	}
	frag := "/live/" + e.ls.Code + "/reveal?q=0"
	if r := d.get(frag); r.code != http.StatusOK || !bytes.Contains([]byte(r.body), []byte(`"solution_html"`)) {
		b.Fatalf("reveal fragment: %d\n%s", r.code, r.body[:min(len(r.body), 300)])
	}
	size := 0
	b.ResetTimer()
	cpu0 := processCPU(b)
	for i := 0; i < b.N; i++ {
		r := d.get(frag)
		if r.code != http.StatusOK {
			b.Fatalf("reveal fragment: %d", r.code)
		}
		size = len(r.body)
	}
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(size), "resp-bytes")
}

// BenchmarkLiveStudentRefetchRevealed is what a reveal cost one student's
// page before the reveal fragment: the whole page again, rendered revealed
// (worked solutions open, the player following): the baseline of
// BenchmarkLiveStudentReveal.
func BenchmarkLiveStudentRefetchRevealed(b *testing.B) {
	e := newLiveEnvTB(b)
	d := e.device()
	if r := d.post("/join", url.Values{"code": {e.ls.Code}, "nickname": {"S"}}); r.code != http.StatusSeeOther {
		b.Fatalf("join: %d", r.code)
	}
	for _, act := range []string{"unlock", "reveal"} {
		if r := e.staff.post(e.teachURL(), url.Values{"action": {act}}); r.code != http.StatusSeeOther {
			b.Fatalf("%s: %d", act, r.code)
		}
	}
	page := "/live/" + e.ls.Code + "?q=0"
	if r := d.get(page); r.code != http.StatusOK || !strings.Contains(liveStatusLine(r.body), "revealed the answer") {
		b.Fatalf("revealed student page: %d\n%s", r.code, r.body[:min(len(r.body), 300)])
	}
	size := 0
	b.ResetTimer()
	cpu0 := processCPU(b)
	for i := 0; i < b.N; i++ {
		r := d.get(page)
		if r.code != http.StatusOK {
			b.Fatalf("student page: %d", r.code)
		}
		size = len(r.body)
	}
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(size), "resp-bytes")
}

// BenchmarkLiveRoomFreshQuestion is a room of 40 students moved to a
// question none of them has answered, each fetching the page once (what
// live.js does on "next" or "unlock"): the cache is emptied before each
// op, so an op is one render and 39 hits (with the cache) or 40 renders
// (with it off, the "off" sub-benchmark). cpu-µs/page is per fetch.
func BenchmarkLiveRoomFreshQuestion(b *testing.B) {
	const students = 40
	for _, off := range []bool{false, true} {
		name := "cached"
		if off {
			name = "off"
		}
		b.Run(name, func(b *testing.B) {
			e := newLiveEnvTB(b)
			c := e.app.server.live.pages
			c.off.Store(off)
			var ds []*device
			for range students {
				d := e.device()
				if r := d.post("/join", url.Values{"code": {e.ls.Code}, "nickname": {"S"}}); r.code != http.StatusSeeOther {
					b.Fatalf("join: %d", r.code)
				}
				ds = append(ds, d)
			}
			if r := e.staff.post(e.teachURL(), url.Values{"action": {"unlock"}}); r.code != http.StatusSeeOther {
				b.Fatalf("unlock: %d", r.code)
			}
			page := "/live/" + e.ls.Code
			size := 0
			b.ResetTimer()
			cpu0 := processCPU(b)
			for i := 0; i < b.N; i++ {
				c.entries.mu.Lock()
				c.entries.order.Init()
				clear(c.entries.entries)
				c.entries.used = 0
				c.entries.mu.Unlock()
				for _, d := range ds {
					r := d.get(page)
					if r.code != http.StatusOK {
						b.Fatalf("student page: %d", r.code)
					}
					size = len(r.body)
				}
			}
			b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N*students), "cpu-µs/page")
			b.ReportMetric(float64(size), "resp-bytes")
		})
	}
}
