package live

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// BenchmarkControlBurst is the liveload pattern in process: 50 sessions of
// one server, every instructor pressing a control at the same moment (the
// load tool's instructors start together and keep a common pace). One op is
// the whole burst; "slowest-ms" is the latency of its slowest control
// (transaction, then the fan-out to 200 queued students), which is the
// fan-out p99 the load tool sees before any socket. "db" runs the same
// burst on the store alone (UpdateLiveState), to split the time between
// the database and the hub.
func BenchmarkControlBurst(b *testing.B) {
	const sessions, students = 50, 200
	for _, mode := range []string{"db", "hub"} {
		b.Run(mode, func(b *testing.B) {
			e := newEnv(b, sqliteConfig(b), 2)
			m := e.manager(e.st, NewLocalBus(), Config{MaxStudents: students})
			ids := []int64{e.ls.ID}
			for i := 1; i < sessions; i++ {
				ls, err := e.st.CreateLiveSession(bg, e.course.ID, e.a.ID, e.ls.CreatedBy, fmt.Sprintf("BENCH%d", i))
				if err != nil {
					b.Fatal(err)
				}
				ids = append(ids, ls.ID)
			}
			var hubs []*Hub
			var drain sync.WaitGroup
			if mode == "hub" {
				for _, id := range ids {
					h, err := m.Hub(bg, id, e.itemIDs)
					if err != nil {
						b.Fatal(err)
					}
					hubs = append(hubs, h)
					for range students {
						s, err := h.Subscribe(bg, RoleStudent, 0)
						if err != nil {
							b.Fatal(err)
						}
						drain.Add(1)
						go func() {
							defer drain.Done()
							for range s.C {
							}
						}()
					}
				}
			}
			var slowest time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				act := ActResume
				if i%2 == 0 {
					act = ActPause
				}
				var wg sync.WaitGroup
				var mu sync.Mutex
				lat := time.Duration(0)
				for k, id := range ids {
					wg.Add(1)
					go func() {
						defer wg.Done()
						t0 := time.Now()
						var err error
						if mode == "hub" {
							_, err = hubs[k].Control(bg, act)
						} else {
							_, _, err = e.st.UpdateLiveState(context.Background(), id, func(ls *store.LiveState) bool {
								ls.Paused = act == ActPause
								ls.Version++
								return true
							})
						}
						d := time.Since(t0)
						if err != nil {
							b.Error(err)
						}
						mu.Lock()
						lat = max(lat, d)
						mu.Unlock()
					}()
				}
				wg.Wait()
				slowest += lat
			}
			b.StopTimer()
			b.ReportMetric(float64(slowest.Microseconds())/1000/float64(b.N), "slowest-ms")
			for _, h := range hubs {
				h.closeAll()
			}
			drain.Wait()
		})
	}
}
