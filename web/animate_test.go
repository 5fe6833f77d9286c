package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/websocket"

	"github.com/stride-tutor/stride/internal/compute"
	"github.com/stride-tutor/stride/internal/exercises"
)

// The recitation's image and filter.
const (
	animImage  = `[[1,3,-2,4],[0,8,6,5],[2,1,-9,0],[4,-1,3,7]]`
	animFilter = `[[1,2],[-2,-1]]`
)

// wsTerm and wsMessage decode any server message; pointers tell absent or
// null apart from zero.
type wsTerm struct {
	Channel int      `json:"channel"`
	Row     int      `json:"row"`
	Col     int      `json:"col"`
	Input   *float64 `json:"input"`
	Weight  float64  `json:"weight"`
	Padding bool     `json:"padding"`
}

type wsMessage struct {
	Type string `json:"type"`
	// meta
	TotalSteps  int            `json:"total_steps"`
	Op          string         `json:"op"`
	Label       string         `json:"label"`
	InputShape  []int          `json:"input_shape"`
	PaddedShape []int          `json:"padded_shape"`
	PaddedInput [][][]*float64 `json:"padded_input"`
	Padding     []int          `json:"padding"`
	Kernel      json.RawMessage
	KernelSize  []int   `json:"kernel_size"`
	Stride      []int   `json:"stride"`
	Dilation    []int   `json:"dilation"`
	OutputShape []int   `json:"output_shape"`
	FPS         float64 `json:"fps"`
	Paused      bool    `json:"paused"`
	// step
	Index  int `json:"index"`
	Out    []int
	Window struct{ Row, Col, Height, Width int }
	Terms  [][]wsTerm `json:"terms"`
	// Bias is a number in steps and an array in meta.
	Bias  json.RawMessage `json:"bias"`
	Value *float64        `json:"value"`
	// state
	Playing bool `json:"playing"`
	// error
	Message string `json:"message"`
	Field   string `json:"field"`

	raw string
}

// wsClient reads in the background, as a browser does, so tests can wait
// for a message with a timeout without breaking the connection (a gorilla
// read that times out leaves the connection unusable).
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	msgs chan wsMessage
	// err receives the error that ended reading (a *websocket.CloseError
	// when the server closed the connection).
	err chan error
}

// unwrapOnlyWriter wraps a ResponseWriter the way logging middleware does:
// with Unwrap but without Hijack, which gorilla cannot hijack by itself.
type unwrapOnlyWriter struct{ http.ResponseWriter }

func (u unwrapOnlyWriter) Unwrap() http.ResponseWriter { return u.ResponseWriter }

// animTestServer serves a through a chi router and a wrapping middleware,
// as the real router does, so the hijack goes through a wrapped writer.
func animTestServer(t *testing.T, a *animator) *httptest.Server {
	t.Helper()
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(unwrapOnlyWriter{w}, r)
		})
	})
	r.Get("/ws/animate", a.ServeHTTP)
	srv := httptest.NewServer(r)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Shutdown(ctx)
		srv.Close()
	})
	return srv
}

func newTestAnimator(cfg AnimatorConfig) *animator {
	a := newAnimator(cfg, exercises.NewCatalog())
	a.unlock = testUnlocker
	return a
}

func animURL(srv *httptest.Server) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws/animate"
}

func dialAnim(t *testing.T, srv *httptest.Server, header http.Header) *wsClient {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(animURL(srv), header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial: %v (HTTP %d)", err, status)
	}
	return startAnimClient(t, conn)
}

func startAnimClient(t *testing.T, conn *websocket.Conn) *wsClient {
	c := &wsClient{t: t, conn: conn, msgs: make(chan wsMessage, 4096), err: make(chan error, 1)}
	t.Cleanup(func() { conn.Close() })
	go func() {
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				c.err <- err
				close(c.msgs)
				return
			}
			var m wsMessage
			if err := json.Unmarshal(data, &m); err != nil {
				c.err <- fmt.Errorf("server sent invalid JSON %q: %v", data, err)
				close(c.msgs)
				return
			}
			m.raw = string(data)
			c.msgs <- m
		}
	}()
	return c
}

func (c *wsClient) send(msg string) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		c.t.Fatalf("send %s: %v", msg, err)
	}
}

// animPatience bounds how long a test waits for something the server is
// sure to send. It only decides when to give up on a hung server, never
// what passes, so it is generous for a busy machine under -race.
const animPatience = 30 * time.Second

// recv returns the next message, failing the test after animPatience.
func (c *wsClient) recv() wsMessage {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.t.Fatalf("connection ended: %v", <-c.err)
		}
		return m
	case <-time.After(animPatience):
		c.t.Fatalf("no message within %v", animPatience)
	}
	return wsMessage{}
}

// expect receives the next message and checks its type.
func (c *wsClient) expect(typ string) wsMessage {
	c.t.Helper()
	m := c.recv()
	if m.Type != typ {
		c.t.Fatalf("got %s, want a %q message", m.raw, typ)
	}
	return m
}

// until skips messages (steps of a playing animation) up to one of type typ.
func (c *wsClient) until(typ string) wsMessage {
	c.t.Helper()
	for {
		if m := c.recv(); m.Type == typ {
			return m
		}
	}
}

// expectQuiet checks that nothing arrives for d.
func (c *wsClient) expectQuiet(d time.Duration) {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if ok {
			c.t.Fatalf("expected silence, got %s", clip(m.raw, 300))
		}
		c.t.Fatalf("connection ended: %v", <-c.err)
	case <-time.After(d):
	}
}

// closeErr waits for the connection to end and returns the close error.
func (c *wsClient) closeErr() *websocket.CloseError {
	c.t.Helper()
	deadline := time.After(animPatience)
	for {
		select {
		case _, ok := <-c.msgs:
			if !ok {
				err := <-c.err
				var ce *websocket.CloseError
				if !errors.As(err, &ce) {
					c.t.Fatalf("connection ended with %v, not a close frame", err)
				}
				return ce
			}
		case <-deadline:
			c.t.Fatalf("connection not closed within %v", animPatience)
		}
	}
}

// playAll reads a meta and then steps until done, returning the steps.
func (c *wsClient) playAll() (wsMessage, []wsMessage) {
	c.t.Helper()
	meta := c.expect("meta")
	var steps []wsMessage
	for {
		m := c.recv()
		switch m.Type {
		case "step":
			steps = append(steps, m)
		case "done":
			return meta, steps
		default:
			c.t.Fatalf("unexpected %s while playing", m.raw)
		}
	}
}

func checkAnimSteps(t *testing.T, steps []wsMessage, n int, lastOut [3]int, lastValue float64) {
	t.Helper()
	if len(steps) != n {
		t.Fatalf("got %d steps, want %d", len(steps), n)
	}
	for i, s := range steps {
		if s.Index != i {
			t.Fatalf("step %d has index %d", i, s.Index)
		}
	}
	last := steps[n-1]
	if [3]int(last.Out) != lastOut || last.Value == nil || *last.Value != lastValue {
		t.Fatalf("last step %s, want out %v value %v", last.raw, lastOut, lastValue)
	}
}

func TestAnimateRecitationConv(t *testing.T) {
	srv := animTestServer(t, newTestAnimator(AnimatorConfig{}))
	c := dialAnim(t, srv, nil)

	c.send(`{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"fps":60}`)
	meta, steps := c.playAll()
	if meta.TotalSteps != 9 || meta.Op != "conv2d" || fmt.Sprint(meta.OutputShape) != "[1 3 3]" ||
		fmt.Sprint(meta.PaddedShape) != "[1 4 4]" || meta.FPS != 60 || meta.Paused {
		t.Fatalf("meta %s", meta.raw)
	}
	if string(meta.Kernel) != `[[[[1,2],[-2,-1]]]]` || fmt.Sprint(meta.KernelSize, meta.Stride, meta.Dilation, meta.Padding) != "[2 2] [1 1] [1 1] [0 0]" {
		t.Fatalf("meta geometry %s", meta.raw)
	}
	checkAnimSteps(t, steps, 9, [3]int{0, 2, 2}, -22)
	if w := steps[8].Window; w.Row != 2 || w.Col != 2 || w.Height != 2 || w.Width != 2 {
		t.Errorf("last window %+v", w)
	}
	if steps[8].Bias != nil || strings.Contains(steps[8].raw, "bias") {
		t.Errorf("a conv without bias sent a bias: %s", steps[8].raw)
	}

	c.send(`{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"padding":1,"fps":60}`)
	meta, padded := c.playAll()
	if meta.TotalSteps != 25 || fmt.Sprint(meta.PaddedShape) != "[1 6 6]" || *meta.PaddedInput[0][0][0] != 0 {
		t.Fatalf("padded meta %s", meta.raw)
	}
	checkAnimSteps(t, padded, 25, [3]int{0, 4, 4}, 7)
	if tm := padded[0].Terms[0][0]; !tm.Padding || tm.Input == nil || *tm.Input != 0 {
		t.Errorf("the first term of the padded conv should be padding 0: %+v", tm)
	}

	// With every part attempted (the tokens a check returns), the
	// exercise's replay is the full animation.
	all := unlockJSON("conv-by-hand", 0, "dims", "bottom-right", "dims-padded", "bottom-right-padded")
	c.send(`{"type":"start","exercise":"conv-by-hand","seed":0,"part":"dims-padded","fps":60,"unlock":` + all + `}`)
	meta, fromExercise := c.playAll()
	if meta.TotalSteps != 25 || meta.Label == "" {
		t.Fatalf("exercise meta %s", meta.raw)
	}
	checkAnimSteps(t, fromExercise, 25, [3]int{0, 4, 4}, 7)
	for i := range padded {
		if fromExercise[i].raw != padded[i].raw {
			t.Fatalf("exercise step %d differs:\n%s\n%s", i, fromExercise[i].raw, padded[i].raw)
		}
	}

	// Without "part" the exercise's first animation plays: the unpadded one.
	c.send(`{"type":"start","exercise":"conv-by-hand","fps":60,"unlock":` + all + `}`)
	if _, s := c.playAll(); len(s) != 9 {
		t.Fatalf("default animation has %d steps, want 9", len(s))
	}
}

func TestAnimateConvWithBiasMatchesCompute(t *testing.T) {
	input := [][][]float64{
		{{0.1, -1.7, 2.3, 0.5, 1}, {3.25, -0.4, 0.9, -2.2, 1.1}, {0.7, 0.3, -1.5, 2.8, -0.6}, {1.9, -2.4, 0.2, 0.05, 3.3}},
		{{-0.8, 1.4, 0.6, -1.1, 2.5}, {0.35, 2.2, -0.9, 1.6, -0.3}, {-1.2, 0.8, 1.7, -0.5, 0.4}, {2.1, -0.7, -1.8, 0.9, 1.3}},
	}
	kernel := [][][][]float64{
		{{{0.5, -1, 0.25}, {1.5, 0.1, -0.3}}, {{-0.2, 0.7, 1.1}, {0.4, -0.6, 0.9}}},
		{{{1, 0, -1}, {0.3, 0.3, 0.3}}, {{-1.25, 0.5, 0.75}, {0.2, -0.1, 0.05}}},
		{{{0.01, 0.02, 0.03}, {0.04, 0.05, 0.06}}, {{-0.07, -0.08, -0.09}, {0.1, 0.11, 0.12}}},
	}
	bias := []float64{0.3, -1.1, 2.5}
	want, err := compute.Conv2D(compute.ConvSpec{Input: input, Kernel: kernel, Bias: bias,
		Stride: compute.Pair{H: 1, W: 2}, Padding: compute.Square(1), Dilation: compute.Pair{H: 2, W: 1}})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(input)
	k, _ := json.Marshal(kernel)
	b, _ := json.Marshal(bias)

	srv := animTestServer(t, newTestAnimator(AnimatorConfig{}))
	c := dialAnim(t, srv, nil)
	c.send(fmt.Sprintf(`{"type":"start","op":"conv2d","input":%s,"kernel":%s,"bias":%s,"stride":[1,2],"padding":1,"dilation":[2,1],"fps":60}`, in, k, b))
	meta, steps := c.playAll()
	n := len(want) * len(want[0]) * len(want[0][0])
	if meta.TotalSteps != n || len(steps) != n {
		t.Fatalf("meta says %d steps, got %d, want %d", meta.TotalSteps, len(steps), n)
	}
	if fmt.Sprint(meta.OutputShape) != fmt.Sprint([]int{len(want), len(want[0]), len(want[0][0])}) {
		t.Fatalf("output shape %v", meta.OutputShape)
	}
	for _, s := range steps {
		o := s.Out
		if s.Value == nil || *s.Value != want[o[0]][o[1]][o[2]] {
			t.Fatalf("step %d at %v: value %v, compute.Conv2D gives %v", s.Index, o, s.Value, want[o[0]][o[1]][o[2]])
		}
		if string(s.Bias) != fmt.Sprint(bias[o[0]]) {
			t.Fatalf("step %d: bias %s, want %v", s.Index, s.Bias, bias[o[0]])
		}
		if len(s.Terms) != 2 || len(s.Terms[0]) != 6 {
			t.Fatalf("step %d: terms %d×%d, want 2 channels × 6", s.Index, len(s.Terms), len(s.Terms[0]))
		}
	}
}

func TestAnimatePooling(t *testing.T) {
	input := [][][]float64{{{-1, -2, -3, -4, -5}, {-6, 7, -8, 9, -10}, {-11, -12, -13, -14, -15}, {16, -17, 18, -19, 20}, {-21, -22, -23, -24, -25}}}
	in, _ := json.Marshal(input)
	srv := animTestServer(t, newTestAnimator(AnimatorConfig{}))
	c := dialAnim(t, srv, nil)

	c.send(fmt.Sprintf(`{"type":"start","op":"maxpool2d","input":%s,"kernel_size":3,"stride":2,"padding":1,"fps":60}`, in))
	meta, steps := c.playAll()
	if meta.Op != "maxpool2d" || meta.Kernel != nil || fmt.Sprint(meta.PaddedShape) != "[1 7 7]" || len(steps) != 9 {
		t.Fatalf("maxpool meta %s, %d steps", meta.raw, len(steps))
	}
	if meta.PaddedInput[0][0][0] != nil || meta.PaddedInput[0][1][1] == nil || *meta.PaddedInput[0][1][1] != -1 {
		t.Fatalf("max-pool padding must be null in padded_input: %s", meta.raw)
	}
	maxWant, err := compute.Pool2D(compute.PoolSpec{Op: compute.MaxPool, Input: input, KernelSize: compute.Square(3),
		Stride: compute.Square(2), Padding: compute.Square(1)})
	if err != nil {
		t.Fatal(err)
	}
	sawPadding := false
	for _, s := range steps {
		if *s.Value != maxWant[s.Out[0]][s.Out[1]][s.Out[2]] {
			t.Fatalf("max step %d: %v, want %v", s.Index, *s.Value, maxWant[s.Out[0]][s.Out[1]][s.Out[2]])
		}
		for _, tm := range s.Terms[0] {
			if tm.Padding != (tm.Input == nil) {
				t.Fatalf("max step %d: padding terms must have input null and only they: %s", s.Index, s.raw)
			}
			sawPadding = sawPadding || tm.Padding
		}
	}
	if !sawPadding || !strings.Contains(steps[0].raw, `"input":null,"weight":1,"padding":true`) {
		t.Fatalf("no padding term was sent as null: %s", steps[0].raw)
	}

	c.send(fmt.Sprintf(`{"type":"start","op":"avgpool2d","input":%s,"kernel_size":[3,2],"stride":[1,2],"padding":[1,1],"fps":60}`, in))
	meta, steps = c.playAll()
	avgWant, err := compute.Pool2D(compute.PoolSpec{Op: compute.AvgPool, Input: input, KernelSize: compute.Pair{H: 3, W: 2},
		Stride: compute.Pair{H: 1, W: 2}, Padding: compute.Square(1)})
	if err != nil {
		t.Fatal(err)
	}
	if *meta.PaddedInput[0][0][0] != 0 || len(steps) != meta.TotalSteps || meta.TotalSteps != len(avgWant[0])*len(avgWant[0][0]) {
		t.Fatalf("avgpool meta %s, %d steps", meta.raw, len(steps))
	}
	for _, s := range steps {
		if *s.Value != avgWant[s.Out[0]][s.Out[1]][s.Out[2]] {
			t.Fatalf("avg step %d: %v, want %v", s.Index, *s.Value, avgWant[s.Out[0]][s.Out[1]][s.Out[2]])
		}
	}

	// An exercise's pooling animation.
	c.send(`{"type":"start","exercise":"cnn-shape-table","part":"maxpool-1","fps":60}`)
	if meta, steps := c.playAll(); meta.Op != "maxpool2d" || len(steps) != meta.TotalSteps {
		t.Fatalf("exercise pooling meta %s with %d steps", meta.raw, len(steps))
	}
}

func TestAnimateControls(t *testing.T) {
	srv := animTestServer(t, newTestAnimator(AnimatorConfig{}))
	c := dialAnim(t, srv, nil)
	padded := `{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"padding":1`

	// Controls before any start are errors.
	c.send(`{"type":"play"}`)
	if e := c.expect("error"); e.Field != "type" {
		t.Fatalf("play before start: %s", e.raw)
	}

	// Start paused: no steps until asked.
	c.send(padded + `,"fps":20,"paused":true}`)
	if m := c.expect("meta"); !m.Paused || m.FPS != 20 {
		t.Fatalf("paused meta %s", m.raw)
	}
	c.expectQuiet(300 * time.Millisecond)

	// step sends exactly one step, then the state.
	c.send(`{"type":"step"}`)
	if s := c.expect("step"); s.Index != 0 {
		t.Fatalf("step gave %s", s.raw)
	}
	if st := c.expect("state"); st.Playing || st.Index != 0 || st.FPS != 20 {
		t.Fatalf("state after step %s", st.raw)
	}
	c.expectQuiet(300 * time.Millisecond)

	// seek jumps and pauses; back re-sends the step before.
	c.send(`{"type":"seek","index":7}`)
	if s := c.expect("step"); s.Index != 7 || fmt.Sprint(s.Out) != "[0 1 2]" {
		t.Fatalf("seek gave %s", s.raw)
	}
	c.expect("state")
	c.send(`{"type":"back"}`)
	if s := c.expect("step"); s.Index != 6 {
		t.Fatalf("back gave %s", s.raw)
	}
	if st := c.expect("state"); st.Index != 6 || st.Playing {
		t.Fatalf("state after back %s", st.raw)
	}

	// play continues from the next step; pause stops the steps.
	c.send(`{"type":"play"}`)
	if st := c.expect("state"); !st.Playing || st.Index != 6 {
		t.Fatalf("state after play %s", st.raw)
	}
	if s := c.expect("step"); s.Index != 7 {
		t.Fatalf("play continued with %s", s.raw)
	}
	c.send(`{"type":"pause"}`)
	st := c.until("state")
	if st.Playing {
		t.Fatalf("state after pause %s", st.raw)
	}
	c.expectQuiet(300 * time.Millisecond)

	// speed: at 0.5 fps the step after the first takes 2 s, so nothing
	// follows it soon; at 60 fps the rest arrive in order, then done.
	c.send(`{"type":"speed","fps":0.5}`)
	if st := c.expect("state"); st.FPS != 0.5 || st.Playing {
		t.Fatalf("state after speed %s", st.raw)
	}
	c.send(`{"type":"play"}`)
	c.expect("state")
	next := c.expect("step").Index
	c.expectQuiet(300 * time.Millisecond)
	c.send(`{"type":"speed","fps":60}`)
	c.expect("state")
	for i := next + 1; i < 25; i++ {
		if s := c.expect("step"); s.Index != i {
			t.Fatalf("got step %d, want %d", s.Index, i)
		}
	}
	c.expect("done")
	c.expectQuiet(200 * time.Millisecond)

	// step at the end is an error; play after done starts over.
	c.send(`{"type":"step"}`)
	if e := c.expect("error"); e.Field != "type" {
		t.Fatalf("step at the end: %s", e.raw)
	}
	c.send(`{"type":"play"}`)
	if st := c.expect("state"); !st.Playing || st.Index != -1 {
		t.Fatalf("play after done: %s", st.raw)
	}
	if s := c.expect("step"); s.Index != 0 {
		t.Fatalf("play after done restarted at %d", s.Index)
	}

	// restart goes back to before step 0 and plays.
	c.send(`{"type":"pause"}`)
	c.until("state")
	c.send(`{"type":"restart"}`)
	if st := c.expect("state"); !st.Playing || st.Index != -1 {
		t.Fatalf("restart: %s", st.raw)
	}
	if s := c.expect("step"); s.Index != 0 {
		t.Fatalf("restart began at %d", s.Index)
	}

	// A new start replaces the running animation: after its meta, only its
	// own 9 steps arrive, then done.
	c.send(`{"type":"speed","fps":20}`)
	c.until("state")
	c.send(`{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"fps":60}`)
	if m := c.until("meta"); m.TotalSteps != 9 {
		t.Fatalf("replacement meta %s", m.raw)
	}
	for i := range 9 {
		if s := c.expect("step"); s.Index != i || s.Out[1] > 2 || s.Out[2] > 2 {
			t.Fatalf("after the new start got %s, want its step %d", s.raw, i)
		}
	}
	c.expect("done")
	c.expectQuiet(200 * time.Millisecond)
}

func TestAnimateInvalidMessages(t *testing.T) {
	srv := animTestServer(t, newTestAnimator(AnimatorConfig{}))
	c := dialAnim(t, srv, nil)
	conv := func(extra string) string {
		return `{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + extra + `}`
	}
	big := "[" + strings.Repeat("["+strings.Repeat("0,", 64)+"0],", 64) + "[" + strings.Repeat("0,", 64) + "0]]"
	cases := []struct {
		name, msg, field string
	}{
		{"malformed JSON", `{"type":"start",`, "body"},
		{"not an object", `[1,2]`, "body"},
		{"missing type", `{"op":"conv2d"}`, "type"},
		{"unknown type", `{"type":"jump"}`, "type"},
		{"unknown field", `{"type":"play","speed":3}`, "speed"},
		{"field of another type", `{"type":"pause","fps":3}`, "fps"},
		{"ragged input", `{"type":"start","op":"conv2d","input":[[1,2],[3]],"kernel":[[1]]}`, "input[1]"},
		{"missing op", `{"type":"start","input":[[1]]}`, "op"},
		{"unknown op", `{"type":"start","op":"conv3d","input":[[1]],"kernel":[[1]]}`, "op"},
		{"kernel larger than input", `{"type":"start","op":"conv2d","input":[[1]],"kernel":[[1,2],[3,4]]}`, "kernel"},
		{"pool with kernel values", `{"type":"start","op":"maxpool2d","input":[[1]],"kernel":[[1]]}`, "kernel"},
		{"avg pool dilation", `{"type":"start","op":"avgpool2d","input":[[1,2],[3,4]],"kernel_size":2,"dilation":2}`, "dilation"},
		{"fps too high", conv(`,"fps":100`), "fps"},
		{"fps too low", conv(`,"fps":0.1`), "fps"},
		{"fps not a number", conv(`,"fps":"fast"`), "fps"},
		{"too large to animate", `{"type":"start","op":"conv2d","input":` + big + `,"kernel":[[1]]}`, "input"},
		{"unknown exercise", `{"type":"start","exercise":"no-such-thing"}`, "exercise"},
		{"exercise without animation", `{"type":"start","exercise":"conv-output-size"}`, "exercise"},
		{"unknown part", `{"type":"start","exercise":"conv-by-hand","part":"nope"}`, "part"},
		{"part without animation", `{"type":"start","exercise":"cnn-shape-table","part":"conv"}`, "part"},
		{"negative seed", `{"type":"start","exercise":"conv-by-hand","seed":-1}`, "seed"},
		{"exercise and op", `{"type":"start","exercise":"conv-by-hand","op":"conv2d"}`, "op"},
		{"seed without exercise", conv(`,"seed":3`), "seed"},
		{"control before start", `{"type":"step"}`, "type"},
		{"seek without index", `{"type":"seek"}`, "index"},
		{"speed out of range", `{"type":"speed","fps":61}`, "fps"},
	}
	for _, tc := range cases {
		c.send(tc.msg)
		e := c.expect("error")
		if e.Field != tc.field || e.Message == "" {
			t.Errorf("%s: got %s, want field %q", tc.name, e.raw, tc.field)
		}
	}
	// The socket still works: a valid start, then errors about its controls.
	c.send(conv(`,"paused":true`))
	c.expect("meta")
	c.send(`{"type":"seek","index":9}`)
	if e := c.expect("error"); e.Field != "index" || !strings.Contains(e.Message, "0 to 8") {
		t.Errorf("seek out of range: %s", e.raw)
	}
	c.send(`{"type":"back"}`)
	if e := c.expect("error"); e.Field != "type" {
		t.Errorf("back before the first step: %s", e.raw)
	}
	c.send(`{"type":"seek","index":8}`)
	if s := c.expect("step"); s.Index != 8 || *s.Value != -22 {
		t.Errorf("seek 8: %s", s.raw)
	}
	c.expect("state")
	// An invalid start leaves the current animation alone.
	c.send(`{"type":"start","op":"conv2d"}`)
	c.expect("error")
	c.send(`{"type":"back"}`)
	if s := c.expect("step"); s.Index != 7 {
		t.Errorf("back after an invalid start: %s", s.raw)
	}
}

func TestAnimateReadLimit(t *testing.T) {
	for _, limit := range []int64{0, 1024} { // the 16 KiB default, and a configured limit
		srv := animTestServer(t, newTestAnimator(AnimatorConfig{ReadLimit: limit}))
		c := dialAnim(t, srv, nil)
		size := limit
		if size == 0 {
			size = defaultAnimReadLimit
		}
		// A message just under the limit is read (and answered: fps is out
		// of range).
		c.send(`{"type":"start","op":"conv2d","input":[[` + strings.Repeat("1,", int(size/2)-60) + `1]],"kernel":[[1]],"fps":100}`)
		if e := c.expect("error"); e.Field != "fps" {
			t.Fatalf("under the limit: %s", e.raw)
		}
		c.send(`{"type":"start","op":"conv2d","input":[[` + strings.Repeat("1,", int(size/2)) + `1]],"kernel":[[1]]}`)
		if ce := c.closeErr(); ce.Code != websocket.CloseMessageTooBig {
			t.Fatalf("limit %d: close code %d, want 1009", size, ce.Code)
		}
	}
}

func TestAnimateOrigin(t *testing.T) {
	a := newTestAnimator(AnimatorConfig{AllowedOrigins: []string{"https://LMS.example.edu/"}})
	srv := animTestServer(t, a)
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		origin string
		proto  string // X-Forwarded-Proto, as a TLS-terminating proxy sets it
		ok     bool
	}{
		{"", "", true},
		{srv.URL, "", true}, // the request's own origin
		{"https://lms.example.edu", "", true},
		{"https://evil.example", "", false},
		{"https://lms.example.edu:8443", "", false},
		{"null", "", false},
		// Scheme and port count, not only the host name.
		{"https://" + host, "", false},
		{"http://" + host + "0", "", false},
		{"ws://" + host, "", false},
		{"https://" + host, "https", true},
		{srv.URL, "https", false},
	} {
		h := http.Header{}
		if tc.origin != "" {
			h.Set("Origin", tc.origin)
		}
		if tc.proto != "" {
			h.Set("X-Forwarded-Proto", tc.proto)
		}
		conn, resp, err := websocket.DefaultDialer.Dial(animURL(srv), h)
		if tc.ok {
			if err != nil {
				t.Errorf("origin %q refused: %v", tc.origin, err)
				continue
			}
			conn.Close()
			continue
		}
		if err == nil {
			conn.Close()
			t.Errorf("origin %q allowed", tc.origin)
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q: %v, want HTTP 403", tc.origin, err)
		}
	}

	anyOrigin := animTestServer(t, newTestAnimator(AnimatorConfig{AllowedOrigins: []string{"*"}}))
	dialAnim(t, anyOrigin, http.Header{"Origin": {"https://anywhere.example"}})
}

func TestAnimateStreamCap(t *testing.T) {
	a := newTestAnimator(AnimatorConfig{MaxStreams: 2})
	srv := animTestServer(t, a)
	first := dialAnim(t, srv, nil)
	dialAnim(t, srv, nil)
	third := dialAnim(t, srv, nil)
	ce := third.closeErr()
	if ce.Code != websocket.CloseTryAgainLater || !strings.Contains(ce.Text, "server busy: 2 animation streams are open") {
		t.Fatalf("third connection closed with %d %q, want 1013 and the reason", ce.Code, ce.Text)
	}
	if n := a.Active(); n != 2 {
		t.Fatalf("Active() = %d, want 2", n)
	}
	// Closing one frees a slot.
	first.conn.Close()
	animWaitFor(t, "a slot to be freed", func() bool { return a.Active() == 1 })
	c := dialAnim(t, srv, nil)
	c.send(`{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"fps":60}`)
	c.expect("meta")
}

// animWaitFor polls cond until it holds, failing after animPatience.
func animWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(animPatience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAnimateNoLeaks(t *testing.T) {
	a := newTestAnimator(AnimatorConfig{})
	// Short timeouts so that a silent client is noticed quickly. Nothing
	// below depends on them beyond that: the test waits for events.
	a.timing = animTiming{ping: 50 * time.Millisecond, pongWait: 500 * time.Millisecond,
		writeWait: 500 * time.Millisecond, closeGrace: 100 * time.Millisecond}
	srv := animTestServer(t, a)
	start := `{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"padding":1,"fps":60}`
	baseline := runtime.NumGoroutine()

	open := func() *websocket.Conn {
		t.Helper()
		conn, _, err := websocket.DefaultDialer.Dial(animURL(srv), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.WriteMessage(websocket.TextMessage, []byte(start)); err != nil {
			t.Fatal(err)
		}
		// The meta proves the stream is open; after it, the client reads
		// nothing more.
		if _, _, err := conn.ReadMessage(); err != nil {
			t.Fatal(err)
		}
		return conn
	}
	// A client that stops reading: it never answers pings, and the server
	// ends the stream when its pong deadline passes.
	silent := open()
	defer silent.Close()
	// A client whose TCP connection vanishes mid-animation.
	gone := open()
	gone.NetConn().Close()

	animWaitFor(t, "Active() to return to 0", func() bool { return a.Active() == 0 })
	animWaitFor(t, "goroutines to return to the baseline", func() bool {
		return runtime.NumGoroutine() <= baseline
	})
}

func TestAnimateShutdown(t *testing.T) {
	a := newTestAnimator(AnimatorConfig{})
	srv := animTestServer(t, a)
	c := dialAnim(t, srv, nil)
	c.send(`{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"fps":5}`)
	c.expect("meta")
	idle := dialAnim(t, srv, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		a.Shutdown(ctx)
		close(done)
	}()
	for _, cl := range []*wsClient{c, idle} {
		if ce := cl.closeErr(); ce.Code != websocket.CloseGoingAway || ce.Text != "server shutting down" {
			t.Fatalf("closed with %d %q, want 1001", ce.Code, ce.Text)
		}
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	if n := a.Active(); n != 0 {
		t.Fatalf("Active() = %d after Shutdown", n)
	}
	// Later connections are turned away with 1001 too.
	late := dialAnim(t, srv, nil)
	if ce := late.closeErr(); ce.Code != websocket.CloseGoingAway {
		t.Fatalf("late connection closed with %d", ce.Code)
	}
}

func TestAnimateNotAWebsocket(t *testing.T) {
	srv := animTestServer(t, newTestAnimator(AnimatorConfig{}))
	resp, err := http.Get(srv.URL + "/ws/animate")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("plain GET: HTTP %d, want 400", resp.StatusCode)
	}
}

func TestAnimateJSONFloatMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, 1, -22, 0.1, 1e-7, -1.5e-9, 123456789, 1e21, 1.7976931348623157e308, 5e-324, 2.5e20} {
		want, _ := json.Marshal(f)
		if got := string(appendJSONFloat(nil, f)); got != string(want) {
			t.Errorf("appendJSONFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

// TestAnimateNoMemoryLeak runs many slow and vanishing clients and requires
// the heap to return to where it was once they are gone: a dropped stream
// keeps no buffers, traces or queued messages alive.
//
// Every client reads (and so answers pings) until all of its round's
// streams are open, which the test learns from each stream's meta, not
// from the clock; only then does half of them vanish and the other half
// stop reading. The pong and write deadlines therefore only have to outlast
// the scheduling delays of a client that is reading (they are 10 s, since a
// 3 s pong deadline was seen to be missed once in 30 runs under -race at
// load average 28), not the time it takes to open a hundred streams.
func TestAnimateNoMemoryLeak(t *testing.T) {
	// Every stream comes from 127.0.0.1, so the per-client cap must admit
	// a whole round.
	a := newTestAnimator(AnimatorConfig{MaxStreamsPerClient: 1000})
	a.timing = animTiming{ping: 100 * time.Millisecond, pongWait: 10 * time.Second,
		writeWait: 10 * time.Second, closeGrace: 100 * time.Millisecond}
	srv := animTestServer(t, a)
	start := []byte(`{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"padding":1,"fps":60}`)
	type client struct {
		conn    *websocket.Conn
		stopped chan struct{} // closed when its reader has returned
	}
	// round opens n streams and drops them: all vanish, or (silent) half
	// vanish and half stop reading and wait out the pong deadline.
	round := func(n int, silent bool) {
		// opened receives nil when a stream's meta arrives, or why its
		// connection ended before.
		opened := make(chan error, n)
		clients := make([]client, n)
		for i := range clients {
			conn, _, err := websocket.DefaultDialer.Dial(animURL(srv), nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := conn.WriteMessage(websocket.TextMessage, start); err != nil {
				t.Fatal(err)
			}
			c := client{conn: conn, stopped: make(chan struct{})}
			clients[i] = c
			go func() {
				defer close(c.stopped)
				first := true
				for {
					// Reading is what answers the server's pings.
					if _, _, err := c.conn.ReadMessage(); err != nil {
						if first {
							opened <- err
						}
						return
					}
					if first {
						first = false
						opened <- nil
					}
				}
			}()
		}
		deadline := time.After(animPatience)
		for range n {
			select {
			case err := <-opened:
				if err != nil {
					t.Fatalf("a stream ended before its meta: %v", err)
				}
			case <-deadline:
				t.Fatalf("not every stream of %d sent its meta within %v", n, animPatience)
			}
		}
		if got := a.Active(); got != n {
			t.Fatalf("Active() = %d with %d streams open and reading", got, n)
		}
		// Half vanish abruptly; the other half stop reading (a read
		// deadline in the past ends the reader, the TCP connection stays
		// open) and time out.
		for i, c := range clients {
			if i%2 == 0 || !silent {
				c.conn.NetConn().Close()
			} else {
				_ = c.conn.SetReadDeadline(time.Now())
			}
		}
		for _, c := range clients {
			<-c.stopped
		}
		animWaitFor(t, "every stream to end", func() bool { return a.Active() == 0 })
		for _, c := range clients {
			c.conn.Close()
		}
	}
	round(10, false) // warm pools and one-time allocations
	before := animHeap()
	round(100, true)
	after := animHeap()
	if after > before+2<<20 {
		t.Errorf("heap grew from %d to %d bytes after 100 dropped streams", before, after)
	}
}

// bigStepAnimation is a start whose single step has the largest number of
// terms an animation allows (a 64×64 kernel over a 2×2 input padded by 31:
// 4,096 terms), paused, as in the seek-flood attack of issue 8.
func bigStepAnimation() string {
	row := "[" + strings.Repeat("9,", 63) + "9]"
	kernel := "[" + strings.Repeat(row+",", 63) + row + "]"
	return `{"type":"start","op":"conv2d","input":[[1,2],[3,4]],"kernel":` + kernel + `,"padding":31,"paused":true}`
}

// animHeap returns the live heap after garbage collection.
func animHeap() uint64 {
	var m runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestAnimateSeekFloodIsBounded floods a paused 4,096-term animation with
// seeks. Refills are made negligible, so the work is counted exactly rather
// than timed: the start costs 1+16 units and every seek 1+8, so a burst of
// 100 units pays for the start and 9 seeks; every later seek is refused
// without being answered, the run of refusals gets one error, memory stays
// flat while the flood goes on, and once the patience of 2,000 refusals is
// spent the connection is closed with 1008.
func TestAnimateSeekFloodIsBounded(t *testing.T) {
	a := newTestAnimator(AnimatorConfig{})
	const never = 1e-9 // a refill rate that adds nothing within a test
	a.budget = animBudget{unitRate: never, unitBurst: 100, byteRate: never, byteBurst: 1 << 20,
		dropRate: never, dropBurst: 2000}
	srv := animTestServer(t, a)
	conn, _, err := websocket.DefaultDialer.Dial(animURL(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.WriteMessage(websocket.TextMessage, []byte(bigStepAnimation())); err != nil {
		t.Fatal(err)
	}
	var first struct {
		Type       string `json:"type"`
		TotalSteps int    `json:"total_steps"`
	}
	if err := conn.ReadJSON(&first); err != nil || first.Type != "meta" || first.TotalSteps != 1 {
		t.Fatalf("first answer %+v, %v; want the meta of 1 step", first, err)
	}
	// The reader counts what arrives and keeps nothing, so the heap
	// measures the server alone.
	type tally struct {
		steps, states, errs, other, bytes, maxStep int
		end                                        error
	}
	done := make(chan tally, 1)
	go func() {
		var n tally
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				n.end = err
				done <- n
				return
			}
			n.bytes += len(data)
			switch {
			case bytes.HasPrefix(data, []byte(`{"type":"step"`)):
				n.steps++
				n.maxStep = max(n.maxStep, len(data))
			case bytes.HasPrefix(data, []byte(`{"type":"state"`)):
				n.states++
			case bytes.HasPrefix(data, []byte(`{"type":"error"`)) && bytes.Contains(data, []byte("too many messages")):
				n.errs++
			default:
				n.other++
			}
		}
	}()

	seek := []byte(`{"type":"seek","index":0}`)
	flood := func(n int) {
		for range n {
			if err := conn.WriteMessage(websocket.TextMessage, seek); err != nil {
				return // the server has closed the connection
			}
		}
	}
	before := animHeap()
	flood(1500)
	// Exactly 9 seeks fit the budget; wait until the other 1,491 have been
	// read and refused (an event, not a delay).
	animWaitFor(t, "the flood to be refused", func() bool { return a.refused.Load() == 1491 })
	if grown := int64(animHeap()) - int64(before); grown > 1<<20 {
		t.Errorf("the heap grew by %d bytes during a flood of 1,500 seeks", grown)
	}
	if n := a.Active(); n != 1 {
		t.Fatalf("Active() = %d during the flood; the connection should still be open", n)
	}
	flood(600) // 2,091 refusals: more than the patience

	var n tally
	select {
	case n = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the connection was not closed within 30 s of exceeding the patience")
	}
	var ce *websocket.CloseError
	if !errors.As(n.end, &ce) || ce.Code != websocket.ClosePolicyViolation || ce.Text != animOverBudgetReason {
		t.Fatalf("connection ended with %v, want close 1008 %q", n.end, animOverBudgetReason)
	}
	// Seeks queued behind each other are coalesced, so fewer may be
	// answered; the one error for the run of refusals may be dropped with
	// the queue when the connection closes first.
	if n.steps < 1 || n.steps > 9 || n.states != n.steps || n.errs > 1 || n.other != 0 {
		t.Fatalf("answered %d steps, %d states, %d budget errors, %d others; want 1 to 9 steps, as many states, at most 1 error",
			n.steps, n.states, n.errs, n.other)
	}
	if n.maxStep < 4096*40 {
		t.Fatalf("the largest step was %d bytes; the test needs 4,096-term steps", n.maxStep)
	}
	if limit := 9*(n.maxStep+100) + 1000; n.bytes > limit {
		t.Fatalf("sent %d bytes after the meta in answer to 2,100 seeks, want at most %d", n.bytes, limit)
	}
	animWaitFor(t, "the connection to be released", func() bool { return a.Active() == 0 })
}

// TestReaderBudget drives the buckets with a synthetic clock: the budget is
// a rate, not a quota, and patience runs out only for a client that keeps
// exceeding.
func TestReaderBudget(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	r := newReaderBudget(animBudget{unitRate: 10, unitBurst: 3, byteRate: 100, byteBurst: 200,
		dropRate: 1, dropBurst: 2}, t0)
	steps := []struct {
		name  string
		ms    int
		bytes int
		units float64
		want  bool
	}{
		{"burst 1", 0, 10, 1, true},
		{"burst 2", 0, 10, 1, true},
		{"a large answer does not fit the last unit", 0, 10, 2, false},
		{"burst 3", 0, 10, 1, true},
		{"empty", 0, 10, 1, false},
		{"100 ms refill one unit", 100, 10, 1, true},
		{"too many bytes at once", 100, 201, 1, false},
		{"refill never exceeds the burst", 10_000, 10, 4, false},
		{"a full burst after a long pause", 10_000, 10, 2, true},
		{"bytes: the rest of the burst of 200 (refused messages' bytes count)", 10_000, 180, 0, true},
		{"bytes spent", 10_000, 20, 0, false},
		{"bytes refill at 100 per second", 10_200, 20, 0, true},
	}
	for _, s := range steps {
		got := r.admit(s.bytes, at(s.ms)) && r.take(s.units)
		if got != s.want {
			t.Fatalf("%s: accepted %v, want %v", s.name, got, s.want)
		}
	}
	// Patience: a burst of 2 refusals, refilling one a second.
	p := newReaderBudget(animBudget{dropRate: 1, dropBurst: 2}, t0)
	for i, want := range []bool{true, true, false} {
		if got := p.refuse(t0); got != want {
			t.Fatalf("refusal %d at once: stay open %v, want %v", i+1, got, want)
		}
	}
	q := newReaderBudget(animBudget{dropRate: 1, dropBurst: 2}, t0)
	for i := range 10 {
		if !q.refuse(at(1000 * i)) {
			t.Fatalf("one refusal a second closed the connection at refusal %d", i+1)
		}
	}
}

// TestAnimatePerClientCap checks the per-client stream cap: the client's
// N+1th stream is closed with 1013 and the reason, another client is not
// affected, and closing a stream frees its slot.
func TestAnimatePerClientCap(t *testing.T) {
	a := newTestAnimator(AnimatorConfig{MaxStreamsPerClient: 2,
		ClientKey: func(r *http.Request) string { return r.Header.Get("X-Test-Client") }})
	srv := animTestServer(t, a)
	from := func(client string) http.Header { return http.Header{"X-Test-Client": {client}} }
	startAndMeta := func(c *wsClient) {
		t.Helper()
		c.send(`{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"paused":true}`)
		c.expect("meta")
	}
	first := dialAnim(t, srv, from("a"))
	startAndMeta(first)
	startAndMeta(dialAnim(t, srv, from("a")))
	third := dialAnim(t, srv, from("a"))
	ce := third.closeErr()
	if ce.Code != websocket.CloseTryAgainLater || !strings.Contains(ce.Text, "too many animation streams from your address: 2 are open") {
		t.Fatalf("third stream of a client closed with %d %q, want 1013 and the reason", ce.Code, ce.Text)
	}
	startAndMeta(dialAnim(t, srv, from("b")))
	if n := a.Active(); n != 3 {
		t.Fatalf("Active() = %d, want 3", n)
	}
	first.conn.Close()
	animWaitFor(t, "the client's slot to be freed", func() bool { return a.Active() == 2 })
	startAndMeta(dialAnim(t, srv, from("a")))
	a.mu.Lock()
	counts := fmt.Sprint(a.perClient)
	a.mu.Unlock()
	if counts != "map[a:2 b:1]" {
		t.Fatalf("per-client counts %s, want map[a:2 b:1]", counts)
	}
}

// TestAnimatePerClientCapProxyHeader runs the cap through the real handler:
// a trusted proxy header tells clients apart only when it is configured.
func TestAnimatePerClientCapProxyHeader(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		secondOK     bool
	}{
		{"header not trusted", "", false},
		{"header trusted", "X-Real-IP", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := newTestHandler(t, Config{MaxStreamsPerClient: 1, TrustedProxyHeader: tc.header})
			srv := httptest.NewServer(app)
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				app.Shutdown(ctx)
				srv.Close()
			})
			startAndMeta := func(c *wsClient) {
				t.Helper()
				c.send(`{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"paused":true}`)
				c.expect("meta")
			}
			startAndMeta(dialAnim(t, srv, http.Header{"X-Real-IP": {"192.0.2.1"}}))
			second := dialAnim(t, srv, http.Header{"X-Real-IP": {"192.0.2.2"}})
			if tc.secondOK {
				startAndMeta(second)
				return
			}
			if ce := second.closeErr(); ce.Code != websocket.CloseTryAgainLater {
				t.Fatalf("second stream from the same peer closed with %d, want 1013", ce.Code)
			}
		})
	}
}

// TestAnimateSharedFrames checks that streams playing the same animation
// share its encoded steps whatever their pace, that the steps are the ones
// a stream computes alone, and that the shared copy is freed with the last
// stream.
func TestAnimateSharedFrames(t *testing.T) {
	a := newTestAnimator(AnimatorConfig{})
	srv := animTestServer(t, a)
	padded := `{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"padding":1`
	first := dialAnim(t, srv, nil)
	first.send(padded + `,"fps":60}`)
	_, steps1 := first.playAll()
	second := dialAnim(t, srv, nil)
	second.send(padded + `,"fps":30}`)
	_, steps2 := second.playAll()
	other := dialAnim(t, srv, nil)
	other.send(`{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"fps":60}`)
	other.playAll()

	a.frames.mu.Lock()
	entries := len(a.frames.byKey)
	var refs []int
	for _, f := range a.frames.byKey {
		refs = append(refs, f.refs)
	}
	a.frames.mu.Unlock()
	if entries != 2 || !(fmt.Sprint(refs) == "[2 1]" || fmt.Sprint(refs) == "[1 2]") {
		t.Fatalf("%d shared animations with refs %v, want 2 with refs 2 and 1", entries, refs)
	}
	// The second stream was served from the copy the first one stored;
	// both must equal what the trace gives when encoded afresh.
	tr, err := compute.NewConvTrace(compute.ConvSpec{
		Input:   [][][]float64{{{1, 3, -2, 4}, {0, 8, 6, 5}, {2, 1, -9, 0}, {4, -1, 3, 7}}},
		Kernel:  [][][][]float64{{{{1, 2}, {-2, -1}}}},
		Padding: compute.Square(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range steps1 {
		st, err := tr.Step(i)
		if err != nil {
			t.Fatal(err)
		}
		want := string(appendAnimStep(nil, &st))
		if steps1[i].raw != want || steps2[i].raw != want {
			t.Fatalf("step %d:\nfirst  %s\nsecond %s\nwant   %s", i, steps1[i].raw, steps2[i].raw, want)
		}
	}
	if a.frames.used.Load() <= 0 {
		t.Fatal("no encoded step was kept for sharing")
	}

	for _, c := range []*wsClient{first, second, other} {
		c.conn.Close()
	}
	animWaitFor(t, "every stream to end", func() bool { return a.Active() == 0 })
	a.frames.mu.Lock()
	left := len(a.frames.byKey)
	a.frames.mu.Unlock()
	if left != 0 || a.frames.used.Load() != 0 {
		t.Fatalf("after every stream ended, %d shared animations and %d bytes are held", left, a.frames.used.Load())
	}
}

// TestAnimateFrameCacheBound checks that the shared copies and their tables
// never exceed their byte budget: a stream whose steps do not fit is served
// encoded afresh, correctly.
func TestAnimateFrameCacheBound(t *testing.T) {
	a := newTestAnimator(AnimatorConfig{})
	a.frames = newFrameCache(1000) // room for a few steps of ~300 bytes
	srv := animTestServer(t, a)
	c := dialAnim(t, srv, nil)
	c.send(`{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"padding":1,"fps":60}`)
	_, steps := c.playAll()
	checkAnimSteps(t, steps, 25, [3]int{0, 4, 4}, 7)
	if used := a.frames.used.Load(); used <= 25*8 || used > 1000 {
		t.Fatalf("shared copies hold %d bytes, want more than the 200-byte table and at most 1000", used)
	}

	// A budget smaller than the step table shares nothing, and the steps
	// are still right.
	b := newTestAnimator(AnimatorConfig{})
	b.frames = newFrameCache(100)
	c = dialAnim(t, animTestServer(t, b), nil)
	c.send(`{"type":"start","op":"conv2d","input":` + animImage + `,"kernel":` + animFilter + `,"padding":1,"fps":60}`)
	_, steps = c.playAll()
	checkAnimSteps(t, steps, 25, [3]int{0, 4, 4}, 7)
	b.frames.mu.Lock()
	entries := len(b.frames.byKey)
	b.frames.mu.Unlock()
	if used := b.frames.used.Load(); used != 0 || entries != 0 {
		t.Fatalf("with a 100-byte budget, %d bytes and %d animations are shared", used, entries)
	}
}

func TestAnimFrameKey(t *testing.T) {
	an, werr := requestAnimation(&animClientMessage{Op: "conv2d", Input: json.RawMessage(animImage), Kernel: json.RawMessage(animFilter)})
	if werr != nil {
		t.Fatal(werr)
	}
	key := func(an *animSpec, fps float64, paused bool) animFrameKey {
		b, err := marshalAnimMessage(an.meta(fps, paused))
		if err != nil {
			t.Fatal(err)
		}
		return animFrameKeyOf(b)
	}
	if key(an, 2, false) != key(an, 60, true) {
		t.Error("the player settings changed the key")
	}
	labelled := *an
	labelled.label = `a label with ,"fps": in it`
	if key(&labelled, 2, false) == key(an, 2, false) {
		t.Error("a different meta gave the same key")
	}
	other, werr := requestAnimation(&animClientMessage{Op: "conv2d", Input: json.RawMessage(animImage), Kernel: json.RawMessage(`[[1,2],[-2,-2]]`)})
	if werr != nil {
		t.Fatal(werr)
	}
	if key(other, 2, false) == key(an, 2, false) {
		t.Error("a different kernel gave the same key")
	}
}

// TestAnimClock checks the clock's promises: a writer is never woken
// before its due time, is woken after it, several due times are each
// served, and the clock's goroutine stops once nothing is filed.
func TestAnimClock(t *testing.T) {
	var k animClock
	wakes := make([]chan struct{}, 5)
	dues := make([]time.Time, len(wakes))
	now := time.Now()
	for i := range wakes {
		wakes[i] = make(chan struct{}, 1)
		dues[i] = now.Add(time.Duration(i*7) * time.Millisecond) // the first is due at once
		k.at(dues[i], wakes[i])
	}
	for i, w := range wakes {
		select {
		case <-w:
			if at := time.Now(); at.Before(dues[i]) {
				t.Fatalf("entry %d woken %v before it was due", i, dues[i].Sub(at))
			}
		case <-time.After(animPatience):
			t.Fatalf("entry %d never woken", i)
		}
	}
	animWaitFor(t, "the clock to stop when idle", func() bool {
		k.mu.Lock()
		defer k.mu.Unlock()
		return !k.running && k.filed == 0
	})
	// It starts again for the next entry.
	w := make(chan struct{}, 1)
	k.at(time.Now(), w)
	select {
	case <-w:
	case <-time.After(animPatience):
		t.Fatal("the restarted clock never woke its entry")
	}
}

// TestAnimateOutputBudget plays an animation of 1,024-term steps (about
// 60 KB each) at 60 fps with an output budget of 1,000 bytes a second: the
// first step follows the meta, and the next one is due a minute later, not
// 17 ms. Without the budget some 30 steps would arrive during the quiet
// half second below; with it a slow machine can only make the test pass.
func TestAnimateOutputBudget(t *testing.T) {
	a := newTestAnimator(AnimatorConfig{})
	a.budget.outRate = 1000
	srv := animTestServer(t, a)
	c := dialAnim(t, srv, nil)
	row := "[" + strings.Repeat("1,", 31) + "1]"
	kernel := "[" + strings.Repeat(row+",", 31) + row + "]"
	c.send(`{"type":"start","op":"conv2d","input":[[1,2],[3,4]],"kernel":` + kernel + `,"padding":31,"fps":60}`)
	if m := c.expect("meta"); m.TotalSteps != 33*33 {
		t.Fatalf("meta %d steps, want %d", m.TotalSteps, 33*33)
	}
	if s := c.expect("step"); s.Index != 0 || len(s.raw) < 1024*40 {
		t.Fatalf("first step %d of %d bytes", s.Index, len(s.raw))
	}
	c.expectQuiet(500 * time.Millisecond)
	// Steps asked for one by one are charged to the message budget
	// instead, and are answered at once.
	c.send(`{"type":"step"}`)
	if s := c.until("step"); s.Index != 1 {
		t.Fatalf("step gave %d", s.Index)
	}
	if st := c.expect("state"); st.Playing || st.Index != 1 {
		t.Fatalf("state after step %s", st.raw)
	}
}

// TestAnimScheduleNext: a stream woken late sends the steps that came due
// meanwhile and keeps its schedule; one further behind than
// animMaxCatchUp re-anchors instead of bursting.
func TestAnimScheduleNext(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC)
	const gap = 100 * time.Millisecond
	for _, c := range []struct {
		name string
		late time.Duration // how late the writer woke for the step due at t0
		// sent is how many steps go out at once (the one due at t0
		// included); next is when the following step is due.
		sent int
		next time.Time
	}{
		{"on time", 0, 1, t0.Add(gap)},
		{"late by less than a gap", 60 * time.Millisecond, 1, t0.Add(gap)},
		{"late by 3.5 gaps: catch up", 350 * time.Millisecond, 4, t0.Add(4 * gap)},
		{"late by exactly animMaxCatchUp", animMaxCatchUp, 11, t0.Add(11 * gap)},
		{"late by more: re-anchor", animMaxCatchUp + gap + time.Millisecond, 1, t0.Add(animMaxCatchUp + gap + time.Millisecond)},
	} {
		p := animPlayer{nextAt: t0}
		now := t0.Add(c.late)
		sent := 1
		for p.scheduleNext(gap, now) {
			sent++
			if sent > 100 {
				t.Fatalf("%s: no end to catching up", c.name)
			}
		}
		if sent != c.sent || !p.nextAt.Equal(c.next) {
			t.Errorf("%s: %d steps at once, next due at +%v; want %d, +%v",
				c.name, sent, p.nextAt.Sub(t0), c.sent, c.next.Sub(t0))
		}
	}
}
