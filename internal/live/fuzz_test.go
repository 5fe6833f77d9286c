package live

import "testing"

// FuzzParseNotice: any payload on the channel (a newer release's, a
// stray NOTIFY) is parsed or refused, never crashes, and what parses
// encodes back to an equal notice.
func FuzzParseNotice(f *testing.F) {
	for _, s := range []string{"n1 71d6f9a8091a state 2 1", "n1 e876544150d2 answer 2 4", "n1 a answer 2 4,17,30", "n1 a join 9 0", "n1 a join 9 1,", "n1 a answer 3 +4,05", "n1 a player 1 3", "n2 a state 1 1", "", "n1  state 1 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNotice(s)
		if err != nil {
			return
		}
		again, err := ParseNotice(n.String())
		if err != nil || !again.Equal(n) {
			t.Fatalf("%q parsed to %+v, which encodes to %q and parses to %+v, %v", s, n, n.String(), again, err)
		}
	})
}
