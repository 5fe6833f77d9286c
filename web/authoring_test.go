package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stride-tutor/stride/internal/authoring"
	"github.com/stride-tutor/stride/internal/store"
)

// authoredConv is an exercise file: a 3×3 image, a 2×2 filter, the cell in
// row 1, column 2 (2·1 + 6·(−1) = −4; the flipped filter gives 4).
const authoredConv = `id: conv-week3
title: Week 3 convolution
family: conv-by-hand
data:
  image:
    - [1, 2, 3]
    - [4, 5, 6]
    - [7, 8, 9]
  filter: [[1, 0], [0, -1]]
  cases:
    - stride: 1
      padding: 0
      cell: [1, 2]
`

func writeExercise(t testing.TB, dir, name, src string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

func checkJSON(t *testing.T, h http.Handler, id, body string) checkResponse {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/api/v1/exercises/"+id+"/check", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("check %s: %d %s", id, w.Code, w.Body.String())
	}
	var out checkResponse
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAuthoredExerciseServedLikeABuiltin: a file in the directory is an
// exercise on every public path: the catalog and home page, the exercise
// page at any seed, the check API with its diagnoses, the embed, and the
// replay over the websocket.
func TestAuthoredExerciseServedLikeABuiltin(t *testing.T) {
	dir := t.TempDir()
	writeExercise(t, dir, "week3.yaml", authoredConv)
	app := newTestHandler(t, Config{Authoring: AuthoringConfig{Dir: dir, Poll: -1}})
	for _, path := range []string{"/", "/api/v1/exercises", "/exercises/conv-week3", "/exercises/conv-week3?seed=5", "/embed/conv-week3", "/embed/conv-week3?parts=cell"} {
		w := do(t, app, http.MethodGet, path, "")
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "conv-week3") && !strings.Contains(w.Body.String(), "Week 3 convolution") {
			t.Errorf("GET %s: %d, the exercise is not on it", path, w.Code)
		}
	}
	page := do(t, app, http.MethodGet, "/exercises/conv-week3", "").Body.String()
	if !strings.Contains(page, "row 1, column 2") {
		t.Error("the exercise page does not ask for row 1, column 2")
	}
	out := checkJSON(t, app, "conv-week3", `{"seed":0,"answers":{"dims":"2x2","cell":"4"}}`)
	if out.Parts["dims"].Status != "correct" || out.Parts["cell"].Mistake != "conv.flipped-kernel" {
		t.Errorf("check: %+v", out.Parts)
	}
	if out := checkJSON(t, app, "conv-week3", `{"seed":0,"answers":{"cell":"-4"}}`); out.Parts["cell"].Status != "correct" {
		t.Errorf("right answer: %+v", out.Parts["cell"])
	}

	// The replay: the same websocket protocol, pinned to the version.
	ex, _ := app.server.catalog.Lookup("conv-week3")
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { app.Shutdown(context.Background()) })
	c := dialAnim(t, srv, nil)
	tok, _ := json.Marshal([]string{app.server.unlock.token("conv-week3", 0, "dims"), app.server.unlock.token("conv-week3", 0, "cell")})
	c.send(fmt.Sprintf(`{"type":"start","exercise":"conv-week3","version":%q,"seed":0,"part":"cell","fps":60,"unlock":%s}`, ex.Version, tok))
	if meta, steps := c.playAll(); meta.TotalSteps != 4 || len(steps) != 4 {
		t.Errorf("replay: %d steps, want 4", meta.TotalSteps)
	}
	c.send(`{"type":"start","exercise":"conv-week3","version":"0000000000000000","seed":0}`)
	if m := c.expect("error"); !strings.Contains(m.raw, "exercise") {
		t.Errorf("unknown version: %s", m.raw)
	}

	// The schema is served for editors.
	w := do(t, app, http.MethodGet, "/authoring/schema.json", "")
	var schema map[string]any
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &schema) != nil || schema["title"] == nil {
		t.Errorf("schema: %d", w.Code)
	}
}

// TestAuthoredExerciseReload: an edited file serves its new version at
// once (cached pages of the old one are not served), an invalid edit
// keeps the old version serving, and a file whose ID is a built-in's is
// refused.
func TestAuthoredExerciseReload(t *testing.T) {
	dir := t.TempDir()
	app := newTestHandler(t, Config{Authoring: AuthoringConfig{Dir: dir, Poll: -1}})
	if w := do(t, app, http.MethodGet, "/exercises/conv-week3", ""); w.Code != http.StatusNotFound {
		t.Fatalf("before the file: %d", w.Code)
	}
	writeExercise(t, dir, "week3.yaml", authoredConv)
	app.ReloadExercises(context.Background())
	if w := do(t, app, http.MethodGet, "/exercises/conv-week3", ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "row 1, column 2") {
		t.Fatalf("after the file: %d", w.Code)
	}
	do(t, app, http.MethodGet, "/", "") // cache the home page with the old title
	writeExercise(t, dir, "week3.yaml", strings.Replace(strings.Replace(authoredConv, "cell: [1, 2]", "cell: [2, 2]", 1), "Week 3 convolution", "Week 3 conv, edited", 1))
	app.ReloadExercises(context.Background())
	if w := do(t, app, http.MethodGet, "/exercises/conv-week3", ""); !strings.Contains(w.Body.String(), "row 2, column 2") {
		t.Error("the edited file's page is not served (a stale cached page?)")
	}
	if w := do(t, app, http.MethodGet, "/", ""); !strings.Contains(w.Body.String(), "Week 3 conv, edited") {
		t.Error("the home page still lists the old title")
	}
	writeExercise(t, dir, "week3.yaml", strings.Replace(authoredConv, "filter: [[1, 0], [0, -1]]", "filter: [[1, 0]]", 1))
	writeExercise(t, dir, "clash.yaml", strings.Replace(authoredConv, "id: conv-week3", "id: conv-by-hand", 1))
	app.ReloadExercises(context.Background())
	if w := do(t, app, http.MethodGet, "/exercises/conv-week3", ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "row 2, column 2") {
		t.Errorf("after an invalid edit the last valid version does not serve: %d", w.Code)
	}
	st := app.server.authoring.loader.Status()
	if st.ErrorsCount != 2 || st.Files[0].Error == nil || st.Files[0].Error.Field != "id" || st.Files[1].Error == nil || st.Files[1].Error.Field != "data.filter" {
		t.Errorf("status %+v", st)
	}
	// The built-in is untouched.
	if out := checkJSON(t, app, "conv-by-hand", `{"seed":0,"answers":{"bottom-right":"-22"}}`); out.Parts["bottom-right"].Status != "correct" {
		t.Errorf("built-in: %+v", out.Parts)
	}
}

// TestAuthoredExerciseInAssignments: the assignment form lists authored
// exercises; an item made on a version keeps it after the file changes
// (the learner's page, the check API and the recorded attempt), while
// practice shows the new version; the status page shows instructors the
// files and their errors.
func TestAuthoredExerciseInAssignments(t *testing.T) {
	dir := t.TempDir()
	writeExercise(t, dir, "week3.yaml", authoredConv)
	e := newClassEnv(t, Config{Authoring: AuthoringConfig{Dir: dir, Poll: -1}})
	ctx := context.Background()
	course := "/courses/" + itoa(e.course.ID)
	if w := e.get(roleInstructor, course+"/assignments/new"); !strings.Contains(w.Body.String(), `value="conv-week3"`) {
		t.Fatal("the assignment form does not list the authored exercise")
	}
	w := e.post(roleInstructor, course+"/assignments", asgForm(url.Values{"item-1-exercise": {"conv-week3"}, "item-1-seed-policy": {"recitation"}}))
	if w.Code != http.StatusOK {
		t.Fatalf("create: %d", w.Code)
	}
	list, err := e.st.ListAssignments(ctx, e.course.ID)
	if err != nil {
		t.Fatal(err)
	}
	var a store.Assignment
	for _, s := range list {
		if s.Title == "Week 3" {
			a, err = e.st.GetAssignment(ctx, s.ID)
		}
	}
	v1 := authoring.Version([]byte(authoredConv))
	if err != nil || len(a.Items) != 1 || a.Items[0].ExerciseVersion != v1 {
		t.Fatalf("item %+v (%v), want version %s", a.Items, err, v1)
	}
	saved, err := e.st.GetExerciseVersion(ctx, "conv-week3", v1)
	if err != nil || string(saved.Source) != authoredConv {
		t.Fatalf("saved version: %v", err)
	}

	writeExercise(t, dir, "week3.yaml", strings.Replace(authoredConv, "cell: [1, 2]", "cell: [2, 2]", 1))
	e.app.ReloadExercises(ctx)
	item := fmt.Sprintf("/my/%d/%d", a.ID, a.Items[0].ID)
	if w := e.get(roleInstructor, item); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "row 1, column 2") {
		t.Errorf("the item page changed with the file: %d", w.Code)
	}
	if w := do(t, e.app, http.MethodGet, "/exercises/conv-week3", ""); !strings.Contains(w.Body.String(), "row 2, column 2") {
		t.Error("practice does not show the new version")
	}
	// A new process restores the old version from the database.
	restored, ok := newTestHandler(t, Config{Store: e.st, Authoring: AuthoringConfig{Dir: dir, Poll: -1}}).server.catalog.LookupVersion("conv-week3", v1)
	if !ok || restored.Version != v1 {
		t.Error("a new process could not restore the pinned version")
	}

	// Instructors see the files; with a problem, its line and field.
	writeExercise(t, dir, "broken.yaml", "id: broken\ntitle: B\nfamily: output-size\ndata:\n  input_width: 3\n  kernel: x\n")
	e.app.ReloadExercises(ctx)
	w = e.get(roleInstructor, "/authoring")
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "broken.yaml") || !strings.Contains(body, "line 6, data.kernel") || !strings.Contains(body, "conv-week3") {
		t.Errorf("status page: %d\n%s", w.Code, clip(body, 2000))
	}
	w = e.get(roleInstructor, "/authoring/status.json")
	var st authoring.Status
	if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil || st.ErrorsCount != 1 || len(st.Files) != 2 {
		t.Errorf("status JSON: %v %+v", err, st)
	}
	if w := e.get(roleAnonymous, "/authoring/status.json"); w.Code != http.StatusSeeOther {
		t.Errorf("anonymous status: %d, want a redirect to sign in", w.Code)
	}
}

// TestAuthoredExamplesRender: every shipped example file, copied into the
// directory, renders its exercise page (seed 0 and another), its embed
// and its API variant, and its own answers check as right.
func TestAuthoredExamplesRender(t *testing.T) {
	dir := t.TempDir()
	entries, err := fs.ReadDir(authoring.Examples(), ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		src, _ := fs.ReadFile(authoring.Examples(), e.Name())
		writeExercise(t, dir, e.Name(), string(src))
	}
	app := newTestHandler(t, Config{Authoring: AuthoringConfig{Dir: dir, Poll: -1}})
	if st := app.server.authoring.loader.Status(); st.ErrorsCount != 0 || len(st.Files) != len(entries) {
		t.Fatalf("status %+v", st)
	}
	for _, ex := range app.server.catalog.Authored() {
		for _, path := range []string{"/exercises/" + ex.ID, "/exercises/" + ex.ID + "?seed=3", "/embed/" + ex.ID, "/api/v1/exercises/" + ex.ID + "?seed=3"} {
			if w := do(t, app, http.MethodGet, path, ""); w.Code != http.StatusOK {
				t.Errorf("GET %s: %d", path, w.Code)
			}
		}
		v, err := ex.Variant(3)
		if err != nil {
			t.Fatal(err)
		}
		answers := map[string]string{}
		for _, p := range v.Parts {
			if p.Kind != "self-check" {
				answers[p.ID] = p.Input
			}
		}
		body, _ := json.Marshal(map[string]any{"seed": 3, "answers": answers})
		if out := checkJSON(t, app, ex.ID, string(body)); out.Correct != out.Max {
			t.Errorf("%s: its own answers score %d of %d", ex.ID, out.Correct, out.Max)
		}
	}
}
