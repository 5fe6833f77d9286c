package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The durability test: a child process (this test binary, re-executed)
// records attempts and prints the id of each as soon as RecordAttempt
// returned, which is when Stride would acknowledge it to the student. The
// parent SIGKILLs the child in mid-stream, reopens the database and must
// find every acknowledged attempt.

const durabilityEnv = "STRIDE_STORE_DURABILITY_CHILD"

// durabilityJob is what the parent tells the child.
type durabilityJob struct {
	DataDir   string
	URL       string
	LearnerID int64
	ItemID    int64
}

// TestDurabilityChild is the child's side; it does nothing in a normal run.
func TestDurabilityChild(t *testing.T) {
	raw := os.Getenv(durabilityEnv)
	if raw == "" {
		t.Skip("helper process for TestDurabilityAfterSIGKILL")
	}
	var job durabilityJob
	if err := json.Unmarshal([]byte(raw), &job); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: job.DataDir, DatabaseURL: job.URL})
	if err != nil {
		t.Fatal(err)
	}
	// Record until killed, from several goroutines at once so that group
	// commit batches them and the kill lands inside a batch. os.Stdout is
	// unbuffered: each line leaves the process in one write when Fprintf
	// returns (the mutex keeps lines whole).
	var mu sync.Mutex
	for g := range durabilityWriters {
		go func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("dur-%d-%d", g, i)
				a, _, err := s.RecordAttempt(ctx, attempt(job.LearnerID, job.ItemID, "a", key, float64(i%2)))
				mu.Lock()
				if err != nil {
					fmt.Fprintf(os.Stdout, "error %v\n", err)
					os.Exit(3)
				}
				fmt.Fprintf(os.Stdout, "ack %d %s\n", a.ID, a.IdempotencyKey)
				mu.Unlock()
			}
		}()
	}
	select {}
}

// durabilityWriters is how many goroutines of the child record at once.
const durabilityWriters = 8

func TestDurabilityAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := b.open(t)
			s := openMigrated(t, cfg)
			f := newFixture(t, s, Settings{})
			job, err := json.Marshal(durabilityJob{DataDir: cfg.DataDir, URL: cfg.DatabaseURL, LearnerID: f.learners[0].ID, ItemID: f.assignment.Items[0].ID})
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestDurabilityChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), durabilityEnv+"="+string(job))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Kill after a stream of acknowledgements, while the child is
			// writing its next ones; then read whatever it printed before dying.
			const killAfter = 200
			acked := map[int64]string{}
			sc := bufio.NewScanner(out)
			killed := false
			for sc.Scan() {
				line := sc.Text()
				var id int64
				var key string
				if _, err := fmt.Sscanf(line, "ack %d %s", &id, &key); err != nil {
					if !strings.HasPrefix(line, "ack") && !strings.HasPrefix(line, "error") {
						continue // go test's own output
					}
					t.Fatalf("child: %s", line)
				}
				acked[id] = key
				if len(acked) == killAfter && !killed {
					if err := cmd.Process.Kill(); err != nil { // SIGKILL
						t.Fatal(err)
					}
					killed = true
				}
			}
			err = cmd.Wait()
			if !killed {
				t.Fatalf("child ended before it was killed (%v) after %d acks", err, len(acked))
			}
			if ps := cmd.ProcessState; ps == nil || ps.Success() || !strings.Contains(ps.String(), "killed") {
				t.Fatalf("child state %v, want killed", ps)
			}
			// Reopen (SQLite recovers from the WAL) and look for every ack.
			r, err := Open(ctx, Config{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			stored := map[int64]string{}
			var after int64
			for {
				page, err := r.ListAttempts(ctx, AttemptFilter{LearnerID: f.learners[0].ID, AfterID: after, Limit: MaxListAttempts})
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				for _, a := range page {
					stored[a.ID] = a.IdempotencyKey
				}
				after = page[len(page)-1].ID
			}
			for id, key := range acked {
				if stored[id] != key {
					t.Errorf("acknowledged attempt %d (%s) is missing after SIGKILL (found %q)", id, key, stored[id])
				}
			}
			t.Logf("%d acknowledged, %d stored after SIGKILL", len(acked), len(stored))
			if len(stored) < len(acked) {
				t.Errorf("%d stored < %d acknowledged", len(stored), len(acked))
			}
		})
	}
}

// BenchmarkRecordAttempt measures durable RecordAttempt calls (acknowledged
// after a synced commit) from 64 goroutines (32 per CPU on two cores), on
// each backend, with group commit (the default) and with a transaction per
// call ("-percall").
//
//	go test ./internal/store -run '^$' -bench RecordAttempt -benchtime 5s
func BenchmarkRecordAttempt(b *testing.B) {
	for _, mode := range []string{"sqlite", "sqlite-percall", "postgres", "postgres-percall"} {
		b.Run(mode, func(b *testing.B) {
			name, perCall := strings.CutSuffix(mode, "-percall")
			cfg := Config{}
			if name == "sqlite" {
				cfg.DataDir = b.TempDir()
			} else {
				if os.Getenv(pgEnv) == "" {
					b.Skip(pgEnv + " is not set")
				}
				cfg = benchPostgres(b)
			}
			if perCall {
				cfg.AttemptWriters = -1
			}
			ctx := context.Background()
			s, err := Open(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if err := s.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			u, _ := s.CreateUser(ctx, NewUser{Email: "b@example.edu", Role: RoleInstructor})
			c, _ := s.CreateCourse(ctx, NewCourse{Title: "B", TimeZone: "UTC", CreatedBy: u.ID})
			a, err := s.CreateAssignment(ctx, NewAssignment{CourseID: c.ID, Title: "B", Settings: defaultSettings(),
				Items: []NewItem{{ExerciseID: "conv-by-hand", SeedPolicy: SeedPerLearner, Points: 1}}})
			if err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			b.SetParallelism(64 / runtime.GOMAXPROCS(0))
			cpu0 := benchCPU(b)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				l, err := s.CreateLearner(ctx, NewLearner{CourseID: c.ID, Source: SourceSelf, Name: "L"})
				if err != nil {
					b.Error(err)
					return
				}
				for pb.Next() {
					i := next.Add(1)
					if _, _, err := s.RecordAttempt(ctx, attempt(l.ID, a.Items[0].ID, "a", "b-"+strconv.FormatInt(i, 10), 1)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			// This process's CPU per attempt (writer, callers, GC; not
			// PostgreSQL's): on a shared machine it says more than ns/op.
			b.ReportMetric(float64((benchCPU(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
			if batches, n := s.AttemptBatchStats(); batches > 0 {
				b.ReportMetric(float64(n)/float64(batches), "attempts/batch")
			}
		})
	}
}

// benchCPU is this process's user and system CPU time so far.
func benchCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchPostgres makes a fresh schema for a benchmark.
func benchPostgres(b *testing.B) Config {
	base := os.Getenv(pgEnv)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	schema := "stride_bench_" + strconv.FormatInt(int64(os.Getpid()), 10) + "_" + strconv.Itoa(b.N)
	if _, err := admin.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return Config{DatabaseURL: base + sep + "search_path=" + schema}
}
