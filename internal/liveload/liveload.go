// Package liveload drives live class sessions (issue 14) over real HTTP
// and websockets, as a room does: instructors start sessions and press
// controls, students join with the code, follow the session's websocket
// and answer within a window. It measures the fan-out latency from an
// instructor's action (just before its POST) to the arrival of the new
// state at each student, and checks that every student got every state,
// (or a later one that includes it), and that the instructor's counts agree with the answers recorded, also
// when instructor and students are on different replicas.
//
// cmd/liveload is its command line; cmd/server's two-process test uses it
// on a small room.
package liveload

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/live"
	"github.com/stride-tutor/stride/internal/loadtest"
	"github.com/stride-tutor/stride/internal/store"
)

// Config is one run.
type Config struct {
	// Store is the database the servers use; the run seeds an instructor,
	// a course and an assignment in it directly.
	Store *store.Store
	// InstructorURLs are the servers (replicas) instructors use, session i
	// on InstructorURLs[i % len]; StudentURLs those students use, student
	// j of a session on StudentURLs[j % len] (default: InstructorURLs).
	InstructorURLs []string
	StudentURLs    []string
	Sessions       int
	Students       int // per session
	// Window: every student answers once at a random time within it.
	Window time.Duration
	// ActionEvery is the pace of the instructors' controls during the
	// window (reveal and hide, alternately).
	ActionEvery time.Duration
	// NextEvery: after every NextEvery reveal/hide pairs an instructor
	// moves on to the next question (next, then unlock at once), as a
	// class does; students answer the question current for them. 0 never
	// moves on (every answer to the first question).
	NextEvery int
	// RandomPhase starts each instructor's pace at a random offset within
	// ActionEvery; by default every instructor presses at the same moment
	// (the worst case: every room's fan-out in the same burst).
	RandomPhase bool
	// WrongShare of students answer with the flipped kernel.
	WrongShare float64
	// NoAnswers: students only follow the session (fan-out alone).
	NoAnswers bool
	// FormAnswers posts answers as the no-JavaScript page does (POST
	// /live/{code}?q=0, a whole page rendered per answer) instead of to
	// the JSON answer endpoint (POST /live/{code}/answer, what the page
	// does with JavaScript).
	FormAnswers bool
	// ClientHeader carries each student's own address (the servers run
	// with -trusted-proxy-header set to it), so per-client limits see a
	// room, not one client.
	ClientHeader string
	// RawClient reads the students' sockets with one epoll loop per core
	// instead of a goroutine and gorilla connection each (raw.go; Linux
	// only): the load generator shares the cores with the servers.
	RawClient bool
	// Refetch: each student's page follows every new state as the page's
	// script does (follow.go: in place, the reveal fragment, or the whole
	// page; one request at a time, again if a newer state came
	// meanwhile); Report.Rendered is then the fan-out to the students'
	// pages, RenderedBy the same per kind of action.
	Refetch bool
	// HTTPConns bounds the keep-alive connections to each server that
	// the students' requests share (joins, answers, page and fragment
	// fetches); requests beyond wait for one. Default 1024: the client's
	// open files stay near one per student (its socket) plus this.
	HTTPConns int
	// Parallel bounds concurrent joins and connections while setting up.
	Parallel int
	// Settle is how long to wait after the window for counts to agree.
	Settle time.Duration
	// Progress hears what the run is doing (may be nil).
	Progress io.Writer
	// PIDs are the servers' process ids on this machine (memory per
	// student), in the order of the union of the URLs; may be empty.
	PIDs map[string]int
}

// Report is what a run measured.
type Report struct {
	Sessions, Students int
	SetupTime          time.Duration // starting sessions, joining, connecting
	JoinErrors         int
	JoinRetries        int // joins refused busy (503) and tried again
	FirstErr           string
	// Fanout is, per action, the latency to the last student of its
	// session (sorted); Delivery every single delivery's latency (sorted).
	Fanout, Delivery []time.Duration
	Actions          int
	// Missed counts state versions a student never received, nor any
	// later one; Superseded those it got only as part of a later one.
	Missed, Superseded int
	// Dropped counts student sockets closed by the server mid-run;
	// StaffDrops instructors' sockets (reopened).
	Dropped, StaffDrops int
	// ControlErrors counts instructor actions refused even after retries.
	ControlErrors int
	// ControlLatency is each control POST's round trip (sorted): the
	// database transaction and the queueing on this server's pages are
	// inside it, the other replicas' read and every socket write are not.
	ControlLatency []time.Duration
	// Rendered is, per action, the latency to the last student's page
	// fetched after it (Config.Refetch; sorted); RefetchErrors counts
	// fetches that failed.
	Rendered      []time.Duration
	RefetchErrors int
	// RenderedBy is Rendered per kind of action (the step the contract
	// asks of a page that followed the class: StepInPlace for pause,
	// resume and hide, StepReveal for a reveal, StepPage for unlock and
	// next). Steps counts the steps the pages took (a page that missed a
	// state takes one step for several), RevealRefused the reveal
	// fragments answered 409 (the page followed the newer state, or
	// fetched the page when none came within RevealRefusalWait).
	RenderedBy    map[Step][]time.Duration
	Steps         map[Step]int
	RevealRefused int
	// PageWhy counts the whole-page fetches by their reason, PagesBy by
	// the instructor's action that made the state fetched for (the
	// newest one the page applied; "" when unknown: the first state).
	PageWhy map[string]int
	PagesBy map[string]int
	// Errors counts every error by its kind (the message up to its
	// detail, e.g. "answer: 503 Service Unavailable").
	Errors map[string]int
	// ClientFiles is the most files this load generator held open at once
	// during the run (sampled every 250 ms; Linux only, else 0).
	ClientFiles int
	// ClientCPU is this load generator's own CPU time during the run
	// (it shares the machine's cores with the servers).
	ClientCPU time.Duration
	// Answers posted, recorded (200), failed, and their latencies.
	// Unanswered counts students who never answered: their page showed
	// no form for a question the room takes answers to (a student answers
	// only what its page lets it) until the window and Settle had passed.
	Answers, AnswerErrors int
	Unanswered            int
	AnswerLatency         []time.Duration
	// CountsAgree: within Settle, each instructor's last counts show
	// every answering student and every student has the last state;
	// CountsWait is how long that took after the last action.
	CountsAgree bool
	CountsWait  time.Duration
	CountsOff   []string
	// Memory per server: RSS before the students and after they
	// connected, and students connected to it.
	Memory []ServerMemory
	Wall   time.Duration
	// Rooms are the sessions as the run left them, and StaffCookie the
	// instructor's sign-in (for a test to look again after a restart;
	// never print it).
	Rooms       []Room
	StaffCookie *http.Cookie

	mu sync.Mutex // guards the fields above while the run goes on
}

// Room is one session at the end of the run.
type Room struct {
	ID, CourseID int64
	Code         string
	Version      int64 // the last state version the instructor caused
	Answered     int   // students whose answer was recorded
}

// ServerMemory is one server's memory cost of its students.
type ServerMemory struct {
	URL           string
	PID           int
	Before, After int64
	Students      int
	// CPU is the server's CPU time (user and system) during the run
	// phase (after setup).
	CPU time.Duration
}

// PerStudent is the RSS growth per connected student.
func (m ServerMemory) PerStudent() int64 {
	if m.Students == 0 {
		return 0
	}
	return (m.After - m.Before) / int64(m.Students)
}

// answers are the conv-by-hand recitation answers: right, and the
// flipped-kernel mistake.
type answers struct{ dims, right, flipped string }

func recitationAnswers() (answers, error) {
	e, ok := exercises.NewCatalog().Lookup("conv-by-hand")
	if !ok {
		return answers{}, errors.New("conv-by-hand is not in the catalog")
	}
	v, err := e.Variant(0)
	if err != nil {
		return answers{}, err
	}
	d, ok1 := v.Part("dims")
	br, ok2 := v.Part("bottom-right")
	if !ok1 || !ok2 {
		return answers{}, errors.New("conv-by-hand lacks dims or bottom-right")
	}
	a := answers{dims: d.Answer, right: br.Answer}
	for _, c := range []string{"22", "20", "18", "14", "1", "2", "7"} {
		if vd := br.Check(c); vd.Status == exercises.StatusIncorrect {
			a.flipped = c
			if vd.Mistake != "" {
				break
			}
		}
	}
	if a.flipped == "" {
		return answers{}, errors.New("no wrong answer for bottom-right")
	}
	return a, nil
}

// session is one live session of the run.
type session struct {
	i      int
	base   string // the instructor's server
	course int64
	id     int64
	code   string
	client *http.Client
	staff  *websocket.Conn
	// staffDrops counts the instructor's socket closed by the server and
	// reopened (as the page does), staffDone stops that at the end.
	staffDrops int
	staffDone  bool
	students   []*student
	// sent[v] is when the action producing version v was posted.
	mu   sync.Mutex
	sent map[int64]time.Time
	// answering counts its students' answers in flight.
	answering sync.WaitGroup
	// counts is the latest counts the instructor saw.
	counts live.Counts
	// answered is how many of its students got an answer recorded,
	// answeredQ the same per question, question the question the
	// instructor is on (the counts are the current question's).
	answered  int
	answeredQ map[int]int
	question  int
	// kind[v] is the step the action producing version v asks of a page,
	// act[v] that action.
	act  map[int64]live.Action
	kind map[int64]Step
	// items is the assignment's number of questions.
	items int
}

type student struct {
	i      int
	base   string
	addr   string
	client *http.Client
	ws     *websocket.Conn // the gorilla client's; nil with the raw client
	open   bool            // the socket opened
	mu     sync.Mutex
	got    map[int64]time.Time // state version -> arrival
	closed bool
	// track: the states are decoded (Config.Refetch or NextEvery);
	// state is the newest one received.
	track    bool
	state    live.State
	hasState bool
	// With Config.Refetch (follow.go): page and reveal are the URLs
	// fetched (reveal ends in "?q="), pg what the page shows, applied the
	// version it shows, following whether a step is under way, rendered
	// when each version was on the page.
	page, reveal string
	header       string
	pg           page
	pageInit     bool
	applied      int64
	following    bool
	rendered     map[int64]time.Time
	refetch      *sync.WaitGroup
	rep          *Report
	// joinRetries counts joins refused busy and tried again.
	joinRetries int
	// actionOf names the instructor's action that made version v.
	actionOf func(v int64) string
	// changed is closed (and replaced) whenever state or pg changes:
	// a student waiting to answer looks again.
	changed chan struct{}
}

// noteChangeLocked wakes those waiting for the student's page to change;
// st.mu is held.
func (st *student) noteChangeLocked() {
	close(st.changed)
	st.changed = make(chan struct{})
}

// waitAnswerable waits until the student's page shows a form the room
// takes answers to, as a real student does before answering, and returns
// its question; false if none came by deadline. With Config.Refetch that
// is the modelled page (follow.go, applied up to the newest state);
// otherwise the class's current question in the newest state.
func (st *student) waitAnswerable(ctx context.Context, deadline time.Time) (int, bool) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		st.mu.Lock()
		q, ok := st.answerableLocked()
		ch := st.changed
		st.mu.Unlock()
		if ok {
			return q, true
		}
		select {
		case <-ctx.Done():
			return 0, false
		case <-timer.C:
			return 0, false
		case <-ch:
		}
	}
}

// answerableLocked is waitAnswerable's test; st.mu is held.
func (st *student) answerableLocked() (int, bool) {
	if !st.hasState {
		return 0, false
	}
	if st.rendered != nil {
		return st.pg.q, st.pageInit && st.applied >= st.state.Version && answerable(st.pg, st.state)
	}
	return st.state.Question, st.state.Answerable(st.state.Question)
}

func newKey() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Run runs the load and reports; an error means the run could not be set
// up at all.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if len(cfg.InstructorURLs) == 0 || cfg.Sessions < 1 || cfg.Students < 1 {
		return nil, errors.New("liveload: need a server URL, a session and a student")
	}
	if len(cfg.StudentURLs) == 0 {
		cfg.StudentURLs = cfg.InstructorURLs
	}
	if cfg.Parallel < 1 {
		cfg.Parallel = 32
	}
	if cfg.ActionEvery <= 0 {
		cfg.ActionEvery = 2 * time.Second
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 15 * time.Second
	}
	if cfg.HTTPConns < 1 {
		cfg.HTTPConns = 1024
	}
	if cfg.ClientHeader == "" {
		cfg.ClientHeader = "X-Real-IP"
	}
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}
	ans, err := recitationAnswers()
	if err != nil {
		return nil, err
	}
	if _, err := loadtest.RaiseFileLimit(); err != nil {
		return nil, fmt.Errorf("raise the open-file limit: %w", err)
	}
	rep := &Report{Sessions: cfg.Sessions, Students: cfg.Students, RenderedBy: map[Step][]time.Duration{}, Steps: map[Step]int{},
		PageWhy: map[string]int{}, PagesBy: map[string]int{}, Errors: map[string]int{}}
	start := time.Now()

	// Seed: an instructor with a sign-in session, a course, an assignment.
	st := cfg.Store
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	u, err := st.CreateUser(ctx, store.NewUser{Email: "liveload-" + tag + "@example.invalid", Name: "Live load", Role: store.RoleInstructor, PasswordHash: "-"})
	if err != nil {
		return nil, err
	}
	token, _, err := st.CreateSession(ctx, u.ID, time.Now().Add(2*time.Hour))
	if err != nil {
		return nil, err
	}
	rep.StaffCookie = &http.Cookie{Name: "stride_session", Value: token}
	course, err := st.CreateCourse(ctx, store.NewCourse{Title: "Live load " + tag, TimeZone: "UTC", CreatedBy: u.ID})
	if err != nil {
		return nil, err
	}
	// Two questions, or as many as the instructors may move on to (the
	// same item each time, so the answers are the same).
	item := store.NewItem{ExerciseID: "conv-by-hand", Parts: []string{"dims", "bottom-right"}, SeedPolicy: store.SeedRecitation, Points: 2}
	items := []store.NewItem{item, item}
	if cfg.NextEvery > 0 {
		ticks := int(cfg.Window / cfg.ActionEvery)
		for len(items) < min(store.MaxItems, 2+ticks/(2*cfg.NextEvery+1)) {
			items = append(items, item)
		}
	}
	a, err := st.CreateAssignment(ctx, store.NewAssignment{CourseID: course.ID, Title: "Recitation", CreatedBy: u.ID, Items: items,
		Settings: store.Settings{TimeZone: "UTC", Feedback: store.ShowImmediately, Solutions: store.ShowNever, LateCounts: true, Score: store.ScoreBest}})
	if err != nil {
		return nil, err
	}

	// One pool of keep-alive connections, bounded per server: ten
	// thousand students fetching their pages at once must not open ten
	// thousand more files on top of their sockets (a per-student
	// connection would double the client's files: "too many open files"
	// at 10,000 students), and a connection is reused rather than closed
	// and opened again for the next burst.
	tr := &http.Transport{DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxConnsPerHost: cfg.HTTPConns, MaxIdleConnsPerHost: cfg.HTTPConns, MaxIdleConns: 4 * cfg.HTTPConns, IdleConnTimeout: time.Minute}
	// The instructors' browsers are not in the students' pool: a control
	// POST that waited here behind ten thousand page fetches would time
	// the load generator's queue, not the server (each instructor makes
	// one request at a time, so this pool holds at most one connection
	// per session and server).
	staffTr := &http.Transport{DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConnsPerHost: cfg.Sessions, MaxIdleConns: 4 * cfg.Sessions, IdleConnTimeout: time.Minute}
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	clientOn := func(tr *http.Transport) *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second, CheckRedirect: noRedirect}
	}
	newClient := func() *http.Client { return clientOn(tr) }

	// Start the sessions, as their instructors.
	sessions := make([]*session, cfg.Sessions)
	for i := range sessions {
		s := &session{i: i, base: strings.TrimRight(cfg.InstructorURLs[i%len(cfg.InstructorURLs)], "/"), course: course.ID, client: clientOn(staffTr),
			sent: map[int64]time.Time{}, answeredQ: map[int]int{}, kind: map[int64]Step{}, act: map[int64]live.Action{}, items: len(items)}
		bu, err := url.Parse(s.base)
		if err != nil {
			return nil, fmt.Errorf("server URL %q: %w", s.base, err)
		}
		s.client.Jar.SetCookies(bu, []*http.Cookie{{Name: "stride_session", Value: token}})
		resp, err := s.client.PostForm(fmt.Sprintf("%s/courses/%d/assignments/%d/live", s.base, course.ID, a.ID), url.Values{})
		if err != nil {
			return nil, fmt.Errorf("start session %d: %w", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		prefix := fmt.Sprintf("/courses/%d/live/", course.ID)
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, prefix) {
			return nil, fmt.Errorf("start session %d: %s to %q", i, resp.Status, loc)
		}
		if s.id, err = strconv.ParseInt(loc[strings.Index(loc, prefix)+len(prefix):], 10, 64); err != nil {
			return nil, fmt.Errorf("start session %d: location %q", i, loc)
		}
		ls, err := st.GetLiveSession(ctx, s.id)
		if err != nil {
			return nil, err
		}
		s.code = ls.Code
		sessions[i] = s
	}
	fmt.Fprintf(progress, "liveload: %d sessions started\n", len(sessions))

	// Memory before the students (after the sessions started).
	servers := map[string]*ServerMemory{}
	var order []string
	for _, u := range append(append([]string{}, cfg.InstructorURLs...), cfg.StudentURLs...) {
		u = strings.TrimRight(u, "/")
		if _, ok := servers[u]; !ok {
			servers[u] = &ServerMemory{URL: u, PID: cfg.PIDs[u]}
			order = append(order, u)
		}
	}
	for _, m := range servers {
		if m.PID > 0 {
			if pm, err := loadtest.ReadProcMemory(m.PID); err == nil {
				m.Before = pm.RSS
			}
		}
	}

	// Staff sockets.
	for _, s := range sessions {
		ws, err := dial(ctx, s.client, s.base, fmt.Sprintf("/courses/%d/live/%d/ws", course.ID, s.id), "", "")
		if err != nil {
			return nil, fmt.Errorf("session %d staff socket: %w", s.i, err)
		}
		s.staff = ws
		go s.readStaff(ctx)
	}

	var raw rawPollers
	if cfg.RawClient {
		if raw, err = newRawPollers(); err != nil {
			return nil, fmt.Errorf("raw client: %w", err)
		}
		defer raw.stop()
	}

	// Students join (POST /join) and connect, cfg.Parallel at a time.
	sem := make(chan struct{}, cfg.Parallel)
	var wg, refetches sync.WaitGroup
	n := 0
	for _, s := range sessions {
		s.students = make([]*student, cfg.Students)
		for j := range s.students {
			st := &student{i: j, base: strings.TrimRight(cfg.StudentURLs[j%len(cfg.StudentURLs)], "/"),
				addr: fmt.Sprintf("10.%d.%d.%d", (n>>16)&255, (n>>8)&255, n&255), client: newClient(), got: map[int64]time.Time{},
				changed: make(chan struct{})}
			// States are decoded for the page model and for answering what
			// the page shows.
			st.track = cfg.Refetch || cfg.NextEvery > 0 || !cfg.NoAnswers
			if cfg.Refetch {
				st.page, st.reveal = st.base+"/live/"+s.code, st.base+"/live/"+s.code+"/reveal?q="
				st.header, st.rendered, st.refetch, st.rep = cfg.ClientHeader, map[int64]time.Time{}, &refetches, rep
			}
			n++
			st.actionOf = s.actionOf
			s.students[j] = st
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				err := st.join(ctx, s.code, cfg.ClientHeader, raw)
				rep.mu.Lock()
				defer rep.mu.Unlock()
				rep.JoinRetries += st.joinRetries
				if err == nil {
					servers[st.base].Students++
				} else {
					rep.JoinErrors++
					rep.noteErrLocked(err)
				}
			}()
		}
	}
	wg.Wait()
	rep.SetupTime = time.Since(start)
	fmt.Fprintf(progress, "liveload: %d students joined and connected in %v (%d errors)\n", n-rep.JoinErrors, rep.SetupTime.Round(time.Millisecond), rep.JoinErrors)
	for _, m := range servers {
		if m.PID > 0 {
			if pm, err := loadtest.ReadProcMemory(m.PID); err == nil {
				m.After = pm.RSS
			}
		}
	}
	for _, u := range order {
		rep.Memory = append(rep.Memory, *servers[u])
	}

	// The run: each instructor unlocks, then reveals and hides every
	// ActionEvery during the window, then pauses and resumes; each
	// student answers once at a random time in the window (after the
	// unlock reached them).
	runStart := time.Now()
	self0, _ := loadtest.ReadProcCPU(os.Getpid())
	cpu0 := map[string]time.Duration{}
	for _, u := range order {
		if pid := servers[u].PID; pid > 0 {
			cpu0[u], _ = loadtest.ReadProcCPU(pid)
		}
	}
	files := sampleFiles(250 * time.Millisecond)
	var rwg sync.WaitGroup
	for _, s := range sessions {
		for _, stu := range s.students {
			if !stu.open || cfg.NoAnswers {
				continue
			}
			rwg.Add(1)
			s.answering.Add(1)
			go func() {
				defer rwg.Done()
				defer s.answering.Done()
				at := time.Duration(mrand.Int64N(int64(cfg.Window)))
				select {
				case <-ctx.Done():
					return
				case <-time.After(at):
				}
				// A student answers what its page shows with a form (not
				// a question between `next` and `unlock`, nor before the
				// first unlock): wait for that, bounded.
				q, ok := stu.waitAnswerable(ctx, runStart.Add(cfg.Window+cfg.Settle))
				if !ok {
					rep.mu.Lock()
					rep.Unanswered++
					rep.mu.Unlock()
					return
				}
				wrong := mrand.Float64() < cfg.WrongShare
				t0 := time.Now()
				err := stu.answer(ctx, s.code, cfg.ClientHeader, ans, q, wrong, cfg.FormAnswers)
				d := time.Since(t0)
				rep.mu.Lock()
				defer rep.mu.Unlock()
				rep.Answers++
				if err != nil {
					rep.AnswerErrors++
					rep.noteErrLocked(err)
					return
				}
				rep.AnswerLatency = append(rep.AnswerLatency, d)
				s.mu.Lock()
				s.answered++
				s.answeredQ[q]++
				s.mu.Unlock()
			}()
		}
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			s.instruct(ctx, cfg, rep)
		}()
	}
	rwg.Wait()

	// Counts agree: every instructor sees every answering student.
	deadline := time.Now().Add(cfg.Settle)
	settleStart := time.Now()
	for {
		var off []string
		for _, s := range sessions {
			s.mu.Lock()
			if s.counts.Answered != s.answeredQ[s.question] {
				off = append(off, fmt.Sprintf("session %d: instructor sees %d answered question %d, %d recorded", s.i, s.counts.Answered, s.question+1, s.answeredQ[s.question]))
			}
			var last int64
			for v := range s.sent {
				last = max(last, v)
			}
			s.mu.Unlock()
			behind := 0
			for _, stu := range s.students {
				if stu.open && !stu.hasFrom(last) {
					behind++
				}
			}
			if behind > 0 {
				off = append(off, fmt.Sprintf("session %d: %d students lack version %d", s.i, behind, last))
			}
		}
		if len(off) == 0 {
			rep.CountsAgree, rep.CountsWait = true, time.Since(settleStart)
			break
		}
		if time.Now().After(deadline) {
			rep.CountsOff = off
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	refetches.Wait()
	rep.ClientFiles = files()

	// Latencies: per action, to the last student; and every delivery.
	for _, s := range sessions {
		s.mu.Lock()
		for v, t0 := range s.sent {
			last := time.Duration(-1)
			for _, stu := range s.students {
				if !stu.open {
					continue
				}
				stu.mu.Lock()
				at, ok := stu.got[v]
				if !ok {
					// A replica that hears several changes at once
					// reads the state once: the student gets the
					// newest, which carries this change too.
					for w, t := range stu.got {
						if w > v && (!ok || t.Before(at)) {
							at, ok = t, true
						}
					}
					if ok {
						rep.Superseded++
					}
				}
				closed := stu.closed
				stu.mu.Unlock()
				if !ok {
					if !closed {
						rep.Missed++
					}
					continue
				}
				d := max(at.Sub(t0), 0)
				rep.Delivery = append(rep.Delivery, d)
				last = max(last, d)
			}
			if last >= 0 {
				rep.Fanout = append(rep.Fanout, last)
			}
			if cfg.Refetch {
				if d, ok := lastRendered(s.students, v, t0); ok {
					rep.Rendered = append(rep.Rendered, d)
					rep.RenderedBy[s.kind[v]] = append(rep.RenderedBy[s.kind[v]], d)
				}
			}
		}
		rep.Actions += len(s.sent)
		room := Room{ID: s.id, CourseID: s.course, Code: s.code, Answered: s.answered}
		for v := range s.sent {
			room.Version = max(room.Version, v)
		}
		rep.Rooms = append(rep.Rooms, room)
		s.staffDone = true
		staffWS := s.staff
		rep.StaffDrops += s.staffDrops
		s.mu.Unlock()
		_ = staffWS.Close()
		for _, stu := range s.students {
			if stu.open {
				stu.mu.Lock()
				if stu.closed {
					rep.Dropped++
				}
				stu.mu.Unlock()
			}
			if stu.ws != nil {
				_ = stu.ws.Close()
			}
		}
	}
	for i, m := range rep.Memory {
		if m.PID > 0 {
			if c, err := loadtest.ReadProcCPU(m.PID); err == nil {
				rep.Memory[i].CPU = c - cpu0[m.URL]
			}
		}
	}
	if self1, err := loadtest.ReadProcCPU(os.Getpid()); err == nil {
		rep.ClientCPU = self1 - self0
	}
	sortDurations(rep.Fanout)
	sortDurations(rep.ControlLatency)
	sortDurations(rep.Rendered)
	for _, d := range rep.RenderedBy {
		sortDurations(d)
	}
	sortDurations(rep.Delivery)
	sortDurations(rep.AnswerLatency)
	rep.Wall = time.Since(runStart)
	tr.CloseIdleConnections()
	return rep, nil
}

// join posts the join form and opens the student's socket: read by raw's
// pollers if there are any, else by a goroutine of its own.
func (st *student) join(ctx context.Context, code, header string, raw rawPollers) error {
	// A join the server refuses as busy (503: its work queue is full) is
	// tried again, as a student would, up to joinTries times.
	const joinTries = 5
	for try := 1; ; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, st.base+"/join",
			strings.NewReader(url.Values{"code": {code}, "nickname": {"S" + strconv.Itoa(st.i)}}.Encode()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(header, st.addr)
		resp, err := st.client.Do(req)
		if err != nil {
			return fmt.Errorf("join: %w", err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable && try < joinTries {
			st.joinRetries++
			time.Sleep(time.Duration(try) * 500 * time.Millisecond)
			continue
		}
		if resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("join: %s %s", resp.Status, clip(string(body), 200))
		}
		break
	}
	if raw != nil {
		if err := dialRaw(ctx, st.client, st.base, "/live/"+code+"/ws", header, st.addr, st, raw); err != nil {
			return fmt.Errorf("student socket: %w", err)
		}
		st.open = true
		return nil
	}
	ws, err := dial(ctx, st.client, st.base, "/live/"+code+"/ws", header, st.addr)
	if err != nil {
		return fmt.Errorf("student socket: %w", err)
	}
	st.ws, st.open = ws, true
	go st.read()
	return nil
}

// dialRaw opens a websocket on base+path as dial does and hands it to a
// raw poller, which reads it for st.
func dialRaw(ctx context.Context, c *http.Client, base, path, header, addr string, st *student, raw rawPollers) error {
	u, err := url.Parse(base + path)
	if err != nil {
		return err
	}
	h := http.Header{}
	for _, ck := range c.Jar.Cookies(u) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	if addr != "" {
		h.Set(header, addr)
	}
	conn, err := (&net.Dialer{Timeout: 30 * time.Second}).DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return err
	}
	left, err := rawHandshake(conn, u, h)
	if err != nil {
		conn.Close()
		return err
	}
	return raw.add(conn, left, st)
}

// read records the arrival of every state version. Ten thousand readers
// share the machine's cores with the servers, so a frame is read into one
// reused buffer and only its version is parsed (stateVersion), not the
// whole message.
func (st *student) read() {
	var buf bytes.Buffer
	for {
		_, r, err := st.ws.NextReader()
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		now := time.Now()
		if err != nil {
			st.markClosed()
			return
		}
		st.received(buf.Bytes(), now)
	}
}

// received records the arrival of message b at at, if it is a state;
// with Config.Refetch the page follows it (follow.go), starting a step if
// none is under way.
func (st *student) received(b []byte, at time.Time) {
	v, ok := stateVersion(b)
	if !ok {
		return
	}
	var state live.State
	if st.track {
		if state, ok = stateOf(b); !ok {
			return
		}
	}
	st.mu.Lock()
	if _, ok := st.got[v]; !ok {
		st.got[v] = at
	}
	start := false
	if st.track && (!st.hasState || v > st.state.Version) {
		st.state, st.hasState = state, true
		st.noteChangeLocked()
	}
	if st.rendered != nil {
		if !st.pageInit {
			// The first message is the snapshot of the state the page
			// was loaded in (the join's redirect): nothing to fetch.
			st.pg, st.pageInit, st.applied = pageFor(state), true, v
			st.rendered[v] = at
			st.noteChangeLocked()
		}
		start = v > st.applied && !st.following
		if start {
			st.following = true
			st.refetch.Add(1)
		}
	}
	st.mu.Unlock()
	if start {
		go st.follow()
	}
}

// lastRendered is the latency from t0 to the last student's page fetched
// after version v; ok is false if some open student has none.
func lastRendered(students []*student, v int64, t0 time.Time) (time.Duration, bool) {
	last := time.Duration(-1)
	for _, stu := range students {
		if !stu.open {
			continue
		}
		stu.mu.Lock()
		at, ok := stu.rendered[v]
		closed := stu.closed
		stu.mu.Unlock()
		if !ok {
			if closed {
				continue
			}
			return 0, false
		}
		last = max(last, max(at.Sub(t0), 0))
	}
	return last, last >= 0
}

// markClosed notes that the server closed the student's socket.
func (st *student) markClosed() {
	st.mu.Lock()
	st.closed = true
	st.mu.Unlock()
}

// stateVersion returns the version of a state message
// ({"type":"state","state":{…,"version":N}…}, docs/LIVE.md) without
// decoding the rest; ok is false for any other message.
func stateVersion(b []byte) (int64, bool) {
	const prefix, field = `{"type":"state","state":{`, `"version":`
	if !bytes.HasPrefix(b, []byte(prefix)) {
		return 0, false
	}
	i := bytes.Index(b, []byte(field))
	if i < 0 {
		return 0, false
	}
	b = b[i+len(field):]
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	v, err := strconv.ParseInt(string(b[:n]), 10, 64)
	return v, err == nil
}

// hasFrom reports whether the student got version v or a later one, or
// its socket closed.
func (st *student) hasFrom(v int64) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	for w := range st.got {
		if w >= v {
			return true
		}
	}
	return st.closed
}

func (st *student) has(v int64) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, ok := st.got[v]
	return ok
}

// answer posts the answer to question index q: to the JSON answer
// endpoint as the page's script does, or (formPost) as the page's form
// does without JavaScript.
func (st *student) answer(ctx context.Context, code, header string, a answers, q int, wrong, formPost bool) error {
	br := a.right
	if wrong {
		br = a.flipped
	}
	var req *http.Request
	var err error
	if formPost {
		form := url.Values{"attempt_key": {newKey()}, "a.dims": {a.dims}, "a.bottom-right": {br}}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, st.base+"/live/"+code+"?q="+strconv.Itoa(q), strings.NewReader(form.Encode()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		body, _ := json.Marshal(map[string]any{"question": q, "key": newKey(), "answers": map[string]string{"dims": a.dims, "bottom-right": br}})
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, st.base+"/live/"+code+"/answer", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", st.base) // the page's own origin
	}
	req.Header.Set(header, st.addr)
	resp, err := st.client.Do(req)
	if err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("answer: %s %s", resp.Status, clip(string(body), 200))
	}
	return nil
}

// instruct presses the controls of one session.
func (s *session) instruct(ctx context.Context, cfg Config, rep *Report) {
	// control posts one action that changes the state to version; a
	// refused POST (503 when the server is busy) is retried a few times,
	// so the versions stay in step with the server's.
	addr := fmt.Sprintf("10.255.%d.%d", (s.i>>8)&255, s.i&255)
	control := func(act live.Action, version int64) bool {
		var err error
		for try := 0; try < 5; try++ {
			if try > 0 {
				time.Sleep(200 * time.Millisecond)
			}
			t0 := time.Now()
			s.mu.Lock()
			s.sent[version] = t0
			s.kind[version] = stepOf(act)
			s.act[version] = act
			s.mu.Unlock()
			var req *http.Request
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/courses/%d/live/%d", s.base, s.course, s.id),
				strings.NewReader(url.Values{"action": {string(act)}}.Encode()))
			if err != nil {
				break
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(cfg.ClientHeader, addr)
			var resp *http.Response
			if resp, err = s.client.Do(req); err != nil {
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusSeeOther {
				rep.mu.Lock()
				rep.ControlLatency = append(rep.ControlLatency, time.Since(t0))
				rep.mu.Unlock()
				return true
			}
			err = fmt.Errorf("control %s: %s", act, resp.Status)
		}
		s.mu.Lock()
		delete(s.sent, version)
		s.mu.Unlock()
		rep.noteErr(err)
		rep.mu.Lock()
		rep.ControlErrors++
		rep.mu.Unlock()
		return false
	}
	if cfg.RandomPhase {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(mrand.Int64N(int64(cfg.ActionEvery)))):
		}
	}
	v := int64(1)
	for !control(live.ActUnlock, v) {
		if ctx.Err() != nil {
			return
		}
	}
	t := time.NewTicker(cfg.ActionEvery)
	defer t.Stop()
	end := time.After(cfg.Window)
	reveal := true
	pairs := 0 // reveal/hide pairs on this question
	for {
		select {
		case <-ctx.Done():
			return
		case <-end:
			// Pause once every student has answered (answers posted
			// while paused are refused, by design).
			s.answering.Wait()
			if control(live.ActPause, v+1) {
				v++
				time.Sleep(cfg.ActionEvery / 2)
				if control(live.ActResume, v+1) {
					v++
				}
			}
			return
		case <-t.C:
			s.mu.Lock()
			q := s.question
			s.mu.Unlock()
			if reveal && cfg.NextEvery > 0 && pairs >= cfg.NextEvery && q+1 < s.items {
				// Move on, and unlock the new question at once.
				if control(live.ActNext, v+1) {
					v++
					pairs = 0
					s.mu.Lock()
					s.question++
					s.mu.Unlock()
					if control(live.ActUnlock, v+1) {
						v++
					}
				}
				continue
			}
			act := live.ActHide
			if reveal {
				act = live.ActReveal
			}
			if control(act, v+1) {
				v++
				reveal = !reveal
				if reveal {
					pairs++
				}
			}
		}
	}
}

// sampleFiles counts the files this process holds open every period
// until the returned function is called, which returns the most seen (0
// where /proc/self/fd cannot be read).
func sampleFiles(period time.Duration) func() int {
	count := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			return 0
		}
		return len(ents)
	}
	stop, done := make(chan struct{}), make(chan int)
	go func() {
		most := count()
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-stop:
				done <- max(most, count())
				return
			case <-t.C:
				most = max(most, count())
			}
		}
	}()
	return func() int {
		close(stop)
		return <-done
	}
}

// actionOf names the action that made version v ("?" if none is known).
func (s *session) actionOf(v int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.act[v]; ok {
		return string(a)
	}
	return "?"
}

// stepOf is the step action act asks of a student page that shows the
// current question with its form (follow.go).
//
// The instructors here move on only to a question not yet unlocked, which
// the page draws in place (`next`); its `unlock` then asks for the page.
func stepOf(act live.Action) Step {
	switch act {
	case live.ActReveal:
		return StepReveal
	case live.ActUnlock, live.ActUnlockAll, live.ActPrev:
		return StepPage
	}
	return StepInPlace
}

// readStaff keeps the instructor's latest counts. A socket the server
// drops (its queue full) is reopened, as the page does; the snapshot that
// comes first resyncs the counts.
func (s *session) readStaff(ctx context.Context) {
	for {
		s.mu.Lock()
		ws := s.staff
		s.mu.Unlock()
		_, b, err := ws.ReadMessage()
		if err != nil {
			s.mu.Lock()
			done := s.staffDone
			if !done {
				s.staffDrops++
			}
			s.mu.Unlock()
			if done || ctx.Err() != nil {
				return
			}
			nws, err := dial(ctx, s.client, s.base, fmt.Sprintf("/courses/%d/live/%d/ws", s.course, s.id), "", "")
			if err != nil {
				return
			}
			s.mu.Lock()
			if s.staffDone {
				s.mu.Unlock()
				_ = nws.Close()
				return
			}
			s.staff = nws
			s.mu.Unlock()
			continue
		}
		var m live.Message
		if json.Unmarshal(b, &m) != nil || m.Counts == nil {
			continue
		}
		s.mu.Lock()
		s.counts = *m.Counts
		s.mu.Unlock()
	}
}

// dial opens a websocket on base+path with the client's cookies.
func dial(ctx context.Context, c *http.Client, base, path, header, addr string) (*websocket.Conn, error) {
	u, err := url.Parse(base + path)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	for _, ck := range c.Jar.Cookies(u) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	if addr != "" {
		h.Set(header, addr)
	}
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	d := websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 256}
	ws, resp, err := d.DialContext(ctx, u.String(), h)
	if err != nil {
		if resp != nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
			return nil, fmt.Errorf("%w: %s %s", err, resp.Status, b)
		}
		return nil, err
	}
	return ws, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func sortDurations(d []time.Duration) { slices.Sort(d) }

func (r *Report) noteErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.noteErrLocked(err)
}

func (r *Report) noteErrLocked(err error) {
	if err == nil {
		return
	}
	if r.FirstErr == "" {
		r.FirstErr = err.Error()
	}
	if r.Errors != nil {
		r.Errors[errorKind(err.Error())]++
	}
}

// errorKind is an error's message up to the body it quotes (a page or a
// JSON error), at most 80 bytes.
func errorKind(msg string) string {
	if i := strings.IndexAny(msg, "<{"); i >= 0 {
		msg = msg[:i]
	}
	return clip(strings.TrimSpace(msg), 80)
}
