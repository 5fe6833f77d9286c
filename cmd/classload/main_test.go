package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/web"
)

// TestClassLoadSmall runs a small class against SQLite: every acknowledged
// attempt must be found, once, and the report must say so.
func TestClassLoadSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a database and records a few hundred attempts")
	}
	var out, errOut bytes.Buffer
	code := run([]string{"-students", "12", "-window", "200ms", "-wrong", "0.5", "-retry", "0.3", "-data-dir", t.TempDir()}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"database        sqlite", "0 errors", "lost 0, duplicated 0, stored without acknowledgement 0", "result          OK"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	// Retries were planned, so some checks were answered by an earlier record.
	if strings.Contains(out.String(), " 0 answered by an earlier record") {
		t.Errorf("no retried check was deduplicated:\n%s", out.String())
	}
}

func TestClassLoadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-students", "0"}, {"-window", "0s"}, {"-wrong", "2"}, {"-mode", "nope"},
		{"-database-url", "mysql://x"}, {"-writers", "-2"}, {"extra"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut.String())
		}
	}
}

func TestPlanStudent(t *testing.T) {
	subs := planStudent(newRand(3), 1000, 0, 0)
	parts := 0
	for _, it := range assignmentItems {
		parts += len(it.parts)
	}
	if len(subs) != parts {
		t.Fatalf("%d checks with no wrong tries and no retries, want one per part (%d)", len(subs), parts)
	}
	keys := map[string]bool{}
	for i, s := range subs {
		if !s.right || s.retry || keys[s.key] {
			t.Errorf("check %d: %+v", i, s)
		}
		keys[s.key] = true
		if i > 0 && s.at < subs[i-1].at {
			t.Errorf("check %d at %v before the previous one at %v", i, s.at, subs[i-1].at)
		}
	}
	all := planStudent(newRand(3), 1000, 1, 1)
	if len(all) != 4*parts {
		t.Errorf("%d checks with every part wrong once and every check retried, want %d", len(all), 4*parts)
	}
	for i := 1; i < len(all); i += 2 {
		if !all[i].retry || all[i].key != all[i-1].key {
			t.Errorf("check %d is not a retry of check %d: %+v %+v", i, i-1, all[i], all[i-1])
		}
	}
}

// TestClassLoadHTTP runs a small class through the real handler (personal
// links, the JSON check API recording attempts): every acknowledged check
// must be stored once, under its key and part.
func TestClassLoadHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("serves a class over HTTP")
	}
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	app, err := web.NewHandler(web.Config{Store: st, TrustedProxyHeader: "X-Real-IP", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app)
	defer srv.Close()
	var out, errOut bytes.Buffer
	code := run([]string{"-mode", "http", "-url", srv.URL, "-data-dir", dir, "-students", "6", "-window", "300ms", "-retry", "0.3"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"mode            http", "0 errors", "lost 0, duplicated 0, stored without acknowledgement 0", "result          OK"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
