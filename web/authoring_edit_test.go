package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stride-tutor/stride/internal/authoring"
	"github.com/stride-tutor/stride/internal/exercises"
)

// convForm is authoredConv (web/authoring_test.go) as the editor's form.
func convForm(id, cell string) url.Values {
	return url.Values{
		"family": {"conv-by-hand"}, "mode": {"form"}, "seed": {"0"},
		"id": {id}, "title": {"Week 3 convolution"}, "summary": {""},
		"data.image":            {"1 2 3\n4 5 6\n7 8 9"},
		"data.filter":           {"1 0\n0 -1"},
		"data.cases[0].stride":  {"1"},
		"data.cases[0].padding": {"0"},
		"data.cases[0].cell":    {cell},
	}
}

func withAction(v url.Values, action string) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = x
	}
	out.Set("action", action)
	return out
}

// TestAuthorEditorSaveServeExport: an instructor previews, saves, and the
// exercise is served like a file's (practice page and check API); a change
// makes a new version while the old one stays resolvable; the export is
// the saved text, which the directory loader accepts unchanged.
func TestAuthorEditorSaveServeExport(t *testing.T) {
	e := newClassEnv(t, Config{Authoring: AuthoringConfig{Poll: -1}})
	ctx := context.Background()

	// The family chooser, then the form prefilled with the family's example.
	if w := e.get(roleInstructor, "/authoring/exercises/new"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "?family=conv-by-hand") {
		t.Fatalf("chooser: %d", w.Code)
	}
	w := e.get(roleInstructor, "/authoring/exercises/new?family=conv-by-hand")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="data.cases[0].stride"`) || !strings.Contains(w.Body.String(), "sheet-key") {
		t.Fatalf("new form: %d, no setting fields or no previewed answers", w.Code)
	}
	if w := e.get(roleInstructor, "/authoring/exercises/new?family=nope"); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "family") {
		t.Errorf("unknown family: %d", w.Code)
	}

	// Preview: the variant's parts and answers; a changed cell changes them.
	w = e.post(roleInstructor, "/authoring/exercises/new", withAction(convForm("conv-form", "[1, 2]"), "preview"))
	if w.Code != http.StatusOK || !strings.Contains(pageText(w.Body.String()), "row 1, column 2") || !strings.Contains(pageText(w.Body.String()), "−4") {
		t.Fatalf("preview: %d\n%s", w.Code, clip(pageText(w.Body.String()), 3000))
	}
	w = e.post(roleInstructor, "/authoring/exercises/new?fragment=preview", withAction(convForm("conv-form", "[2, 2]"), "preview"))
	if body := w.Body.String(); w.Code != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(pageText(body), "row 2, column 2") {
		t.Fatalf("live preview fragment: %d\n%s", w.Code, clip(body, 2000))
	}

	// Save, then it is served.
	w = e.post(roleInstructor, "/authoring/exercises/new", withAction(convForm("conv-form", "[1, 2]"), "save"))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/authoring/exercises/conv-form?saved=1" {
		t.Fatalf("save: %d %s\n%s", w.Code, w.Header().Get("Location"), clip(pageText(w.Body.String()), 2000))
	}
	v1, ok := e.app.server.catalog.Lookup("conv-form")
	if !ok || e.app.server.catalog.SourceOf("conv-form") != exercises.SourceDB {
		t.Fatal("the saved exercise is not in the catalog")
	}
	if w := e.get(roleInstructor, "/authoring/exercises/conv-form?saved=1"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Saved version "+v1.Version) {
		t.Errorf("edit page after save: %d", w.Code)
	}
	if w := do(t, e.app, http.MethodGet, "/exercises/conv-form", ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "row 1, column 2") {
		t.Errorf("practice page: %d", w.Code)
	}
	if out := checkJSON(t, e.app, "conv-form", `{"seed":0,"answers":{"dims":"2x2","cell":"4"}}`); out.Parts["dims"].Status != "correct" || out.Parts["cell"].Mistake != "conv.flipped-kernel" {
		t.Errorf("check: %+v", out.Parts)
	}
	if w := e.get(roleInstructor, "/authoring/exercises"); !strings.Contains(w.Body.String(), "conv-form") || !strings.Contains(w.Body.String(), v1.Version) {
		t.Error("the list does not show the saved exercise")
	}

	// Export: the saved text as an attachment.
	w = e.get(roleInstructor, "/authoring/exercises/conv-form/export")
	saved, err := e.st.GetAuthoredExercise(ctx, "conv-form")
	if err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusOK || w.Header().Get("Content-Disposition") != `attachment; filename="conv-form.yaml"` || w.Body.String() != string(saved.Source) {
		t.Fatalf("export: %d %q", w.Code, w.Header().Get("Content-Disposition"))
	}
	// ... which the directory loader accepts unchanged: the same variant.
	dir := t.TempDir()
	writeExercise(t, dir, "conv-form.yaml", w.Body.String())
	cat := exercises.NewCatalog()
	authoring.NewLoader(authoring.Config{Dir: dir, Catalog: cat}).Reload(ctx)
	fromFile, ok := cat.Lookup("conv-form")
	if !ok || fromFile.Version != v1.Version {
		t.Fatalf("the exported file does not load as the same version")
	}
	a, _ := fromFile.Variant(0)
	b, _ := v1.Variant(0)
	if ja, jb := mustJSON(t, a.Parts), mustJSON(t, b.Parts); ja != jb {
		t.Error("the exported file's seed-0 variant differs")
	}

	// An edit makes a new version; the old one stays resolvable.
	w = e.post(roleInstructor, "/authoring/exercises/conv-form", withAction(convForm("conv-form", "[2, 2]"), "save"))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", w.Code, clip(pageText(w.Body.String()), 2000))
	}
	v2, _ := e.app.server.catalog.Lookup("conv-form")
	if v2.Version == v1.Version {
		t.Fatal("the edit made no new version")
	}
	if old, ok := e.app.server.catalog.LookupVersion("conv-form", v1.Version); !ok || old.Version != v1.Version {
		t.Error("the old version is not resolvable")
	}
	if ev, err := e.st.GetExerciseVersion(ctx, "conv-form", v2.Version); err != nil || ev.File != "conv-form.yaml" {
		t.Errorf("the new version is not recorded: %v", err)
	}
	// A new process restores the old version from the database.
	if _, ok := newTestHandler(t, Config{Store: e.st, Authoring: AuthoringConfig{Poll: -1}}).server.catalog.LookupVersion("conv-form", v1.Version); !ok {
		t.Error("a new process cannot restore the old version")
	}

	// Edit as YAML: the text, and a problem with its line.
	if w := e.get(roleInstructor, "/authoring/exercises/conv-form/yaml"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "family: conv-by-hand") {
		t.Errorf("YAML view: %d", w.Code)
	}
	bad := strings.Replace(string(saved.Source), "padding: 0", "padding: 9", 1)
	w = e.post(roleInstructor, "/authoring/exercises/conv-form/yaml", url.Values{"yaml": {bad}, "action": {"save"}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "data.cases[0].padding") || !strings.Contains(w.Body.String(), "line ") {
		t.Errorf("invalid YAML save: %d\n%s", w.Code, clip(pageText(w.Body.String()), 2000))
	}
	// Changing the ID is refused, naming the field.
	w = e.post(roleInstructor, "/authoring/exercises/conv-form/yaml", url.Values{"yaml": {strings.Replace(string(saved.Source), "id: conv-form", "id: other", 1)}, "action": {"save"}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(pageText(w.Body.String()), "id: is \"other\"") {
		t.Errorf("ID change: %d", w.Code)
	}

	// Delete: no longer served; its versions stay.
	if w := e.post(roleInstructor, "/authoring/exercises/conv-form/delete", url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d", w.Code)
	}
	if w := do(t, e.app, http.MethodGet, "/exercises/conv-form", ""); w.Code != http.StatusNotFound {
		t.Errorf("deleted exercise: %d", w.Code)
	}
	if _, ok := e.app.server.catalog.LookupVersion("conv-form", v2.Version); !ok {
		t.Error("a deleted exercise's version is not resolvable")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAuthorEditorErrorsNameTheField: every refusal is a 4xx naming the
// field, next to its control.
func TestAuthorEditorErrorsNameTheField(t *testing.T) {
	dir := t.TempDir()
	writeExercise(t, dir, "week3.yaml", authoredConv) // a file holds conv-week3
	e := newClassEnv(t, Config{Authoring: AuthoringConfig{Dir: dir, Poll: -1}})
	for _, c := range []struct {
		name   string
		form   url.Values
		status int
		field  string // the control marked invalid
		text   string
	}{
		{"unreadable grid", func() url.Values { v := convForm("c1", "[1, 2]"); v.Set("data.image", "1 2\n3 x"); return v }(), 422, "f-data-image", `"x" in row 2 is not a number`},
		{"loader bound", func() url.Values { v := convForm("c1", "[1, 2]"); v.Set("data.cases[0].stride", "9"); return v }(), 422, "f-data-cases-0-stride", "it must be from 1 to 8"},
		{"cell outside", convForm("c1", "[5, 5]"), 422, "f-data-cases-0-cell", "outside the 2×2 output"},
		{"bad id", convForm("Bad ID", "[1, 2]"), 422, "f-id", "is not an ID"},
		{"built-in id", convForm("conv-by-hand", "[1, 2]"), 422, "f-id", "built-in"},
		{"a file's id", convForm("conv-week3", "[1, 2]"), 422, "f-id", "week3.yaml"},
		{"seed", func() url.Values { v := convForm("c1", "[1, 2]"); v.Set("seed", "-1"); return v }(), 422, "author-seed", "seed"},
		{"more fields", func() url.Values { v := convForm("c1", "[1, 2]"); v.Set("data.more", "image: [[1]]"); return v }(), 422, "f-data-more", "also a field of the form"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := e.post(roleInstructor, "/authoring/exercises/new", withAction(c.form, "save"))
			body := w.Body.String()
			if w.Code != c.status || !strings.Contains(pageText(body), c.text) {
				t.Fatalf("%d, want %d with %q:\n%s", w.Code, c.status, c.text, clip(pageText(body), 3000))
			}
			if c.field != "author-seed" && !strings.Contains(body, `id="`+c.field+`" `) || !strings.Contains(body, `href="#`+c.field+`"`) {
				t.Errorf("the error does not link to control %s", c.field)
			}
			if c.field != "author-seed" && !strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("no control is marked invalid")
			}
		})
	}
	// The same ID twice among browser exercises.
	if w := e.post(roleInstructor, "/authoring/exercises/new", withAction(convForm("twice", "[1, 2]"), "save")); w.Code != http.StatusSeeOther {
		t.Fatalf("first save: %d", w.Code)
	}
	w := e.post(roleOther, "/authoring/exercises/new", withAction(convForm("twice", "[1, 2]"), "save"))
	if w.Code != 422 || !strings.Contains(pageText(w.Body.String()), "another exercise written in the browser") {
		t.Errorf("second save with the same ID: %d", w.Code)
	}
	// A body over the bound: 413 naming the limit.
	big := convForm("big", "[1, 2]")
	big.Set("data.more", strings.Repeat("x", maxAuthorBody))
	if w := e.post(roleInstructor, "/authoring/exercises/new", withAction(big, "save")); w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "262144") {
		t.Errorf("too large: %d", w.Code)
	}
	// A form within the body bound but over a file's: 422 naming the limit.
	large := convForm("large", "[1, 2]")
	large.Set("data.more", "note: "+strings.Repeat("x", authoring.MaxFileBytes-100))
	if w := e.post(roleInstructor, "/authoring/exercises/new", withAction(large, "preview")); w.Code != 422 || !strings.Contains(w.Body.String(), "limit") {
		t.Errorf("larger than a file: %d", w.Code)
	}
}

// TestAuthorEditorOwnership: a saved exercise is changed only by its owner
// or an admin; another instructor gets 403 on every route of it and does
// not see it in their list.
func TestAuthorEditorOwnership(t *testing.T) {
	e := newClassEnv(t, Config{Authoring: AuthoringConfig{Poll: -1}})
	if w := e.post(roleInstructor, "/authoring/exercises/new", withAction(convForm("mine", "[1, 2]"), "save")); w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d", w.Code)
	}
	for _, rt := range []struct{ method, path string }{
		{http.MethodGet, "/authoring/exercises/mine"}, {http.MethodPost, "/authoring/exercises/mine"},
		{http.MethodGet, "/authoring/exercises/mine/yaml"}, {http.MethodPost, "/authoring/exercises/mine/yaml"},
		{http.MethodGet, "/authoring/exercises/mine/export"}, {http.MethodPost, "/authoring/exercises/mine/delete"},
	} {
		form := withAction(convForm("mine", "[2, 2]"), "save")
		if rt.method == http.MethodGet {
			form = nil
		}
		if w := e.serve(e.as(e.request(rt.method, rt.path, form), roleOther)); w.Code != http.StatusForbidden {
			t.Errorf("%s %s by another instructor: %d, want 403", rt.method, rt.path, w.Code)
		}
	}
	if w := e.get(roleOther, "/authoring/exercises"); strings.Contains(w.Body.String(), "/authoring/exercises/mine") {
		t.Error("another instructor's list shows it")
	}
	if _, ok := e.app.server.catalog.Lookup("mine"); !ok {
		t.Fatal("it was deleted by another instructor")
	}
	// An admin may.
	if w := e.get(roleAdmin, "/authoring/exercises"); !strings.Contains(w.Body.String(), "another instructor") {
		t.Error("the admin's list does not show others' exercises")
	}
	if w := e.get(roleAdmin, "/authoring/exercises/mine"); w.Code != http.StatusOK {
		t.Errorf("admin edit: %d", w.Code)
	}
	if w := e.post(roleAdmin, "/authoring/exercises/mine/delete", url.Values{}); w.Code != http.StatusSeeOther {
		t.Errorf("admin delete: %d", w.Code)
	}
	if w := e.get(roleInstructor, "/authoring/exercises/missing"); w.Code != http.StatusNotFound {
		t.Errorf("missing: %d", w.Code)
	}
}

// TestAuthorEditorImport: a pasted or uploaded file is checked like a file
// and saved as written, comments included.
func TestAuthorEditorImport(t *testing.T) {
	e := newClassEnv(t, Config{Authoring: AuthoringConfig{Poll: -1}})
	if w := e.get(roleInstructor, "/authoring/exercises/import"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `type="file"`) {
		t.Fatalf("import page: %d", w.Code)
	}
	src := "# my week 3\n" + authoredConv
	w := e.upload(roleInstructor, "/authoring/exercises/import?x=1", "file", "week3.yaml", []byte(src))
	// Without action=save an upload previews.
	if w.Code != http.StatusOK || !strings.Contains(pageText(w.Body.String()), "row 1, column 2") {
		t.Fatalf("upload preview: %d\n%s", w.Code, clip(pageText(w.Body.String()), 2000))
	}
	w = e.post(roleInstructor, "/authoring/exercises/import", url.Values{"yaml": {src}, "action": {"save"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/authoring/exercises/conv-week3/yaml?saved=1" {
		t.Fatalf("import save: %d %s", w.Code, w.Header().Get("Location"))
	}
	got, err := e.st.GetAuthoredExercise(context.Background(), "conv-week3")
	if err != nil || string(got.Source) != src || got.Family != "conv-by-hand" {
		t.Fatalf("saved %q, %v", got.Source, err)
	}
	if w := e.get(roleInstructor, "/authoring/exercises/conv-week3/export"); w.Body.String() != src {
		t.Error("the export is not the imported text")
	}
	// A network pasted as PyTorch prints it: the file format's text.
	lenet := "id: net\ntitle: Net\nfamily: network\ndata:\n  input_shape: [1, 8, 8]\n  pytorch: |\n    Sequential(\n      (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))\n      (1): Bogus()\n    )\n"
	w = e.post(roleInstructor, "/authoring/exercises/import", url.Values{"yaml": {lenet}, "action": {"preview"}})
	if w.Code != 422 || !strings.Contains(pageText(w.Body.String()), "data.pytorch") || !strings.Contains(pageText(w.Body.String()), "line 9: ") {
		t.Errorf("PyTorch text with an unknown layer: %d\n%s", w.Code, clip(pageText(w.Body.String()), 2000))
	}
}

// TestAuthoredExerciseOnAnotherReplica: two servers sharing one database;
// an exercise saved on one is served by the other after its poll (here a
// short interval; the wait is for the condition, with a generous bound).
func TestAuthoredExerciseOnAnotherReplica(t *testing.T) {
	e := newClassEnv(t, Config{Authoring: AuthoringConfig{Poll: -1}})
	other := newTestHandler(t, Config{Store: e.st, Authoring: AuthoringConfig{Poll: 20 * time.Millisecond}})
	t.Cleanup(func() { other.Shutdown(context.Background()) })
	if w := e.post(roleInstructor, "/authoring/exercises/new", withAction(convForm("shared", "[1, 2]"), "save")); w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d", w.Code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if w := do(t, other, http.MethodGet, "/exercises/shared", ""); w.Code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the other replica never served the saved exercise")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A change and a deletion reach it the same way (synced at once here).
	if w := e.post(roleInstructor, "/authoring/exercises/shared", withAction(convForm("shared", "[2, 2]"), "save")); w.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d", w.Code)
	}
	other.ReloadExercises(context.Background())
	if w := do(t, other, http.MethodGet, "/exercises/shared", ""); !strings.Contains(w.Body.String(), "row 2, column 2") {
		t.Error("the other replica serves the old version")
	}
	e.post(roleInstructor, "/authoring/exercises/shared/delete", url.Values{})
	other.ReloadExercises(context.Background())
	if w := do(t, other, http.MethodGet, "/exercises/shared", ""); w.Code != http.StatusNotFound {
		t.Errorf("the other replica still serves the deleted exercise: %d", w.Code)
	}
}

// TestAuthoredInBrowserInAssignments: an exercise written in the browser
// is offered in the assignment form and the print chooser; an item made
// on it keeps its version after an edit, while practice shows the new one.
func TestAuthoredInBrowserInAssignments(t *testing.T) {
	e := newClassEnv(t, Config{Authoring: AuthoringConfig{Poll: -1}})
	ctx := context.Background()
	if w := e.post(roleInstructor, "/authoring/exercises/new", withAction(convForm("db-conv", "[1, 2]"), "save")); w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d", w.Code)
	}
	v1, _ := e.app.server.catalog.Lookup("db-conv")
	course := "/courses/" + itoa(e.course.ID)
	if w := e.get(roleInstructor, course+"/assignments/new"); !strings.Contains(w.Body.String(), `value="db-conv"`) {
		t.Fatal("the assignment form does not offer it")
	}
	if w := do(t, e.app, http.MethodGet, "/print", ""); !strings.Contains(w.Body.String(), "db-conv") {
		t.Error("the print chooser does not offer it")
	}
	if w := e.post(roleInstructor, course+"/assignments", asgForm(url.Values{"item-1-exercise": {"db-conv"}, "item-1-seed-policy": {"recitation"}})); w.Code != http.StatusOK {
		t.Fatalf("create assignment: %d", w.Code)
	}
	list, err := e.st.ListAssignments(ctx, e.course.ID)
	if err != nil {
		t.Fatal(err)
	}
	var item string
	for _, s := range list {
		if s.Title != "Week 3" {
			continue
		}
		a, err := e.st.GetAssignment(ctx, s.ID)
		if err != nil || len(a.Items) != 1 || a.Items[0].ExerciseVersion != v1.Version {
			t.Fatalf("item %+v (%v), want version %s", a.Items, err, v1.Version)
		}
		item = "/my/" + itoa(a.ID) + "/" + itoa(a.Items[0].ID)
	}
	if w := e.post(roleInstructor, "/authoring/exercises/db-conv", withAction(convForm("db-conv", "[2, 2]"), "save")); w.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d", w.Code)
	}
	if w := e.get(roleInstructor, item); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "row 1, column 2") {
		t.Errorf("the item changed with the edit: %d", w.Code)
	}
	if w := do(t, e.app, http.MethodGet, "/exercises/db-conv", ""); !strings.Contains(w.Body.String(), "row 2, column 2") {
		t.Error("practice does not show the new version")
	}
}
