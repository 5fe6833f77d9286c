package live

import (
	"strconv"
	"testing"
)

// BenchmarkHubControl measures one control fanned out to 200 student
// subscribers (a transaction on the session's row in SQLite, then encode
// once and queue on each channel; the readers drain in their own
// goroutines), without sockets.
func BenchmarkHubControl(b *testing.B) {
	for _, n := range []int{200} {
		b.Run(strconv.Itoa(n)+"-students", func(b *testing.B) {
			e := newEnv(b, sqliteConfig(b), 10)
			h := e.hub(e.manager(e.st, NewLocalBus(), Config{MaxStudents: n}))
			done := make(chan struct{})
			for i := 0; i < n; i++ {
				s, _ := h.Subscribe(bg, RoleStudent, 0)
				go func() {
					for range s.C {
					}
					done <- struct{}{}
				}()
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				act := ActResume
				if i%2 == 0 {
					act = ActPause
				}
				if _, err := h.Control(bg, act); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			h.closeAll()
			for i := 0; i < n; i++ {
				<-done
			}
		})
	}
}
