package live

import (
	"strconv"
	"testing"
)

// BenchmarkHubControl measures one control fanned out to 200 student
// subscribers (encode once, queue on each channel; the readers drain in
// their own goroutines), without sockets.
func BenchmarkHubControl(b *testing.B) {
	for _, n := range []int{200} {
		b.Run(strconv.Itoa(n)+"-students", func(b *testing.B) {
			h, _ := NewManager(Config{MaxStudents: n}).Hub(1, 10)
			done := make(chan struct{})
			for i := 0; i < n; i++ {
				s, _ := h.Subscribe(RoleStudent, int64(i+1))
				go func() {
					for range s.C {
					}
					done <- struct{}{}
				}()
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%2 == 0 {
					h.Control(ActPause)
				} else {
					h.Control(ActResume)
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
