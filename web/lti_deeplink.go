package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// LTI deep linking (issue 12 §2): an instructor's LtiDeepLinkingRequest
// launch opens Stride's picker; what they choose goes back to the LMS as a
// signed LtiDeepLinkingResponse of ltiResourceLink items.
//
// The picker is bound to the verified request, not to a cookie (none
// reaches Stride inside the LMS frame): the launch stores the request as a
// single-use grant (only a hash of its 256-bit token is kept; it expires
// after dlLifetime) and opens /lti/deeplink?dl=<token>. The picker's form
// carries the token; submitting it uses the grant up, so a response is
// signed at most once per request.
//
// Exercises the instructor picks become one new assignment of the LMS
// course's Stride course (created by the launch, like any launch's), one
// item per exercise, so every later launch records attempts and has a
// gradebook column. Each content item's custom parameters name its item
// with a signed target (stride_target=/my/<assignment>/<item>?sig=…, the
// same as `stride lti link` prints), which the resource link launch
// already serves.

const (
	// dlLifetime bounds how long the picker of one request stays usable.
	dlLifetime = time.Hour
	// dlParam carries the picker's grant token.
	dlParam = "dl"
	// maxPickerForm bounds the picker's form.
	maxPickerForm = 64 << 10
	// defaultDLTitle names the assignment that holds picked exercises.
	defaultDLTitle = "From the LMS"
)

// dlGrant is what a deep linking launch leaves for the picker.
type dlGrant struct {
	PlatformID   int64                `json:"platform"`
	Issuer       string               `json:"iss"`
	ClientID     string               `json:"client"`
	DeploymentID string               `json:"deployment"`
	CourseID     int64                `json:"course"`
	UserID       int64                `json:"user"`
	Settings     lti.DeepLinkSettings `json:"settings"`
}

// ltiExtra serves deep linking, dynamic registration and the admin pages
// of LMS platforms: pages shown inside the LMS frame need the embedding
// frame-ancestors.
type ltiExtra struct {
	*ltiHandlers
	ancestors string
}

// mountLTIExtras registers the routes of web/lti_deeplink.go,
// web/lti_register.go and web/admin_lti.go.
func (h *ltiHandlers) mountLTIExtras(r chi.Router, cfg Config) {
	anc := strings.Join(cfg.FrameAncestors, " ")
	if anc == "" {
		anc = strings.Join(DefaultFrameAncestors(), " ")
	}
	x := &ltiExtra{ltiHandlers: h, ancestors: anc}
	s := h.s
	s.handle(r, http.MethodGet, "/lti/deeplink", policyPublic, x.pickerPage)
	s.handle(r, http.MethodPost, "/lti/deeplink", policyPublic, x.pickerSubmit)
	s.handle(r, http.MethodGet, "/lti/register", policyPublic, x.register)
	s.handle(r, http.MethodPost, "/lti/register", policyAdmin, x.registerConfirmed)
	x.mountAdmin(r)
}

// frameable lets the LMS frame this response, and lets its form post to
// formTarget (an origin) when not empty.
func (x *ltiExtra) frameable(w http.ResponseWriter, formTarget string) {
	csp := contentSecurityPolicy(x.ancestors)
	if formTarget != "" {
		csp = strings.Replace(csp, "form-action 'self'", "form-action 'self' "+formTarget, 1)
	}
	w.Header().Set("Content-Security-Policy", csp)
}

// deepLinkLaunch answers a verified LtiDeepLinkingRequest: an instructor of
// the LMS course gets the picker.
func (h *ltiHandlers) deepLinkLaunch(w http.ResponseWriter, r *http.Request, l *lti.Launch) {
	ctx := r.Context()
	if !l.IsInstructor() {
		h.s.classError(w, r, http.StatusForbidden, "LTI launch refused", "Only the course's instructors choose Stride content for the LMS.")
		return
	}
	if l.ContextID == "" {
		h.s.classError(w, r, http.StatusBadRequest, "LTI launch refused", "The deep linking request names no course (context claim); add Stride content from inside a course.")
		return
	}
	course, err := h.s.store.EnsureLTICourse(ctx, store.LTIContext{Issuer: l.Platform.Issuer, DeploymentID: l.DeploymentID,
		ContextID: l.ContextID, Title: l.ContextTitle}, "UTC")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.s.store.EnsureLTIInstructor(ctx, course.ID, store.LTIPerson{Issuer: l.Platform.Issuer, Sub: l.Sub, Name: l.Name, Email: l.Email})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	payload, err := json.Marshal(dlGrant{PlatformID: l.Platform.ID, Issuer: l.Platform.Issuer, ClientID: l.Platform.ClientID,
		DeploymentID: l.DeploymentID, CourseID: course.ID, UserID: u.ID, Settings: *l.DeepLink})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	token, err := store.NewToken()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.s.store.CreateLTIGrant(ctx, store.GrantDeepLink, token, payload, h.s.now().Add(dlLifetime)); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			h.s.classError(w, r, http.StatusBadRequest, "LTI launch refused", "The deep linking request is larger than Stride keeps.")
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, h.s.base+"/lti/deeplink?"+dlParam+"="+url.QueryEscape(token), http.StatusSeeOther)
}

// grantExpired answers a picker whose grant is unknown, used or expired.
func (x *ltiExtra) grantExpired(w http.ResponseWriter, r *http.Request) {
	x.frameable(w, "")
	x.s.classError(w, r, http.StatusForbidden, "This picker has expired",
		"The choice was already sent to the LMS, or the picker was open for more than an hour. Open Stride's content picker again from the LMS.")
}

// loadGrant reads the picker's grant without using it.
func (x *ltiExtra) loadGrant(r *http.Request, token string) (dlGrant, bool, error) {
	b, err := x.s.store.LTIGrant(r.Context(), store.GrantDeepLink, token)
	if errors.Is(err, store.ErrNotFound) {
		return dlGrant{}, false, nil
	}
	if err != nil {
		return dlGrant{}, false, err
	}
	var g dlGrant
	if err := json.Unmarshal(b, &g); err != nil {
		return dlGrant{}, false, fmt.Errorf("deep linking grant: %w", err)
	}
	return g, true, nil
}

// pickerProps builds the picker for a grant; the form's values are those
// of sel (the defaults when nil).
func (x *ltiExtra) pickerProps(r *http.Request, token string, g dlGrant, sel *dlSelection) (templates.LTIPickerProps, error) {
	ctx := r.Context()
	c, err := x.s.store.GetCourse(ctx, g.CourseID)
	if err != nil {
		return templates.LTIPickerProps{}, err
	}
	p := templates.LTIPickerProps{Links: x.s.links(), Action: x.s.base + "/lti/deeplink", Token: token, CourseTitle: c.Title,
		Multiple: g.Settings.Multiple(), Title: defaultDLTitle, SeedPolicy: string(store.SeedPerLearner), Seed: "0"}
	if sel != nil {
		p.Title, p.SeedPolicy, p.Seed, p.Errors = sel.title, sel.seedPolicy, sel.seed, sel.errs
	}
	_, parts := x.s.exerciseOptions()
	for _, e := range x.s.catalog.All() {
		pe := templates.PickerExercise{ID: e.ID, Title: e.Title, Section: e.Section, Parts: parts[e.ID], Points: "1"}
		if sel != nil {
			pe.Checked = slices.Contains(sel.exercises, e.ID)
			pe.PartsChecked = sel.parts[e.ID]
			if v, ok := sel.points[e.ID]; ok {
				pe.Points = v
			}
		}
		p.Exercises = append(p.Exercises, pe)
	}
	as, err := x.s.store.ListAssignments(ctx, g.CourseID)
	if err != nil {
		return templates.LTIPickerProps{}, err
	}
	for _, a := range as {
		if a, err = x.s.store.GetAssignment(ctx, a.ID); err != nil { // with its items
			return templates.LTIPickerProps{}, err
		}
		pa := templates.PickerAssignment{Title: a.Title}
		for _, it := range a.Items {
			label := fmt.Sprintf("Item %d: %s (%s points)", it.Position+1, x.exerciseTitle(it.ExerciseID), strconv.FormatFloat(it.Points, 'f', -1, 64))
			pa.Items = append(pa.Items, templates.PickerItem{ID: it.ID, Label: label, Checked: sel != nil && slices.Contains(sel.items, it.ID)})
		}
		p.Assignments = append(p.Assignments, pa)
	}
	return p, nil
}

func (x *ltiExtra) exerciseTitle(id string) string {
	if e, ok := x.s.catalog.Lookup(id); ok {
		return e.Title
	}
	return id
}

// pickerPage shows the picker of a deep linking request.
func (x *ltiExtra) pickerPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get(dlParam)
	g, ok, err := x.loadGrant(r, token)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if !ok {
		x.grantExpired(w, r)
		return
	}
	p, err := x.pickerProps(r, token, g, nil)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	x.frameable(w, "")
	x.s.render(w, r, http.StatusOK, templates.LTIPicker(p))
}

// dlSelection is the picker's form, read and checked.
type dlSelection struct {
	exercises  []string
	parts      map[string][]string
	points     map[string]string
	seedPolicy string
	seed       string
	title      string
	items      []int64
	newItems   []store.NewItem
	chosen     []store.Item // existing items, with their assignments
	assignment map[int64]store.Assignment
	errs       []templates.FieldError
}

func (sel *dlSelection) fail(field, msg string) {
	sel.errs = append(sel.errs, templates.FieldError{Field: field, Message: msg})
}

// readSelection reads the picker's form: exercises with their parts and
// points, the numbers policy, the assignment title, and existing items of
// the grant's course.
func (x *ltiExtra) readSelection(r *http.Request, g dlGrant) (*dlSelection, error) {
	f := r.PostForm
	sel := &dlSelection{parts: map[string][]string{}, points: map[string]string{}, assignment: map[int64]store.Assignment{},
		seedPolicy: f.Get("seed_policy"), seed: strings.TrimSpace(f.Get("seed")), title: strings.TrimSpace(f.Get("title"))}
	_, known := x.s.exerciseOptions()
	for _, id := range f["exercise"] {
		if slices.Contains(sel.exercises, id) {
			continue
		}
		if _, ok := known[id]; !ok {
			sel.fail("exercises", fmt.Sprintf("Exercises: %q is not in the catalog.", clip(id, 64)))
			continue
		}
		sel.exercises = append(sel.exercises, id)
	}
	if len(sel.exercises) > store.MaxItems {
		sel.fail("exercises", fmt.Sprintf("Exercises: choose at most %d.", store.MaxItems))
	}
	var seed uint64
	switch store.SeedPolicy(sel.seedPolicy) {
	case store.SeedRecitation, store.SeedPerLearner:
	case store.SeedShared:
		var err error
		if seed, err = strconv.ParseUint(sel.seed, 10, 64); err != nil || seed > exercises.MaxSeed {
			sel.fail("seed", fmt.Sprintf("Seed: %q is not a whole number from 0 to %d.", clip(sel.seed, 30), uint64(exercises.MaxSeed)))
		}
	default:
		sel.fail("seed_policy", "Numbers: choose the recitation's, one set for everyone, or different numbers for each student.")
	}
	if sel.title == "" {
		sel.title = defaultDLTitle
	}
	if len(sel.title) > 200 {
		sel.fail("title", "Name: at most 200 bytes.")
	}
	for _, id := range sel.exercises {
		// Pinned to the authored version in use now, as the assignment
		// form's items are: a later edit of the file must not change what
		// the LMS's students answer.
		ni, _ := x.s.itemFor(id)
		ni.SeedPolicy, ni.Seed, ni.Points = store.SeedPolicy(sel.seedPolicy), int64(seed), 1
		for _, p := range known[id] { // the exercise's own order
			if slices.Contains(f["parts-"+id], p) {
				ni.Parts = append(ni.Parts, p)
			}
		}
		for _, p := range f["parts-"+id] {
			if !slices.Contains(known[id], p) {
				sel.fail("parts-"+id, fmt.Sprintf("Parts: %q is not a part of %s.", clip(p, 64), id))
			}
		}
		sel.parts[id] = ni.Parts
		pts := strings.TrimSpace(f.Get("points-" + id))
		sel.points[id] = pts
		if pts != "" {
			v, err := strconv.ParseFloat(pts, 64)
			if err != nil || !(v >= 0 && v <= 1000) {
				sel.fail("points-"+id, fmt.Sprintf("Points of %s: %q is not a number from 0 to 1000.", x.exerciseTitle(id), clip(pts, 30)))
			}
			ni.Points = v
		}
		sel.newItems = append(sel.newItems, ni)
	}
	if len(f["item"]) > store.MaxItems {
		sel.fail("items", fmt.Sprintf("Items: choose at most %d.", store.MaxItems))
		return sel, nil
	}
	for _, v := range f["item"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			sel.fail("items", fmt.Sprintf("Items: %q is not an item id.", clip(v, 30)))
			continue
		}
		if slices.Contains(sel.items, id) {
			continue
		}
		a, err := x.s.store.AssignmentOfItem(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && a.CourseID != g.CourseID) {
			sel.fail("items", "Items: one of the chosen items is not in this course (deleted?).")
			continue
		}
		if err != nil {
			return nil, err
		}
		sel.items = append(sel.items, id)
		sel.assignment[a.ID] = a
		for _, it := range a.Items {
			if it.ID == id {
				sel.chosen = append(sel.chosen, it)
			}
		}
	}
	n := len(sel.newItems) + len(sel.chosen)
	switch {
	case n == 0 && len(sel.errs) == 0:
		sel.fail("exercises", "Choose at least one exercise or item (or Cancel).")
	case n > 1 && !g.Settings.Multiple():
		sel.fail("exercises", fmt.Sprintf("This LMS placement takes one link; you chose %d.", n))
	}
	return sel, nil
}

// pickerSubmit signs the response for what the instructor chose (or an
// empty one for Cancel) and hands it to the browser to post to the LMS.
func (x *ltiExtra) pickerSubmit(w http.ResponseWriter, r *http.Request) {
	if !x.s.parseForm(w, r, maxPickerForm) {
		return
	}
	ctx := r.Context()
	token := r.PostForm.Get(dlParam)
	g, ok, err := x.loadGrant(r, token)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if !ok {
		x.grantExpired(w, r)
		return
	}
	cancel := r.PostForm.Get("do") == "cancel"
	var sel *dlSelection
	if !cancel {
		if sel, err = x.readSelection(r, g); err != nil {
			x.fail(w, r, err)
			return
		}
		if len(sel.errs) > 0 {
			p, err := x.pickerProps(r, token, g, sel)
			if err != nil {
				x.fail(w, r, err)
				return
			}
			x.frameable(w, "")
			x.s.render(w, r, http.StatusUnprocessableEntity, templates.LTIPicker(p))
			return
		}
	}
	// Use the grant before creating anything: of two submissions of the
	// same picker, one wins.
	if _, err := x.s.store.UseLTIGrant(ctx, store.GrantDeepLink, token); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			x.grantExpired(w, r)
			return
		}
		x.fail(w, r, err)
		return
	}
	var items []lti.ContentItem
	summary := "Nothing was added. Returning to the LMS…"
	if !cancel {
		if items, err = x.contentItems(r, g, sel); err != nil {
			x.fail(w, r, err)
			return
		}
		summary = fmt.Sprintf("Adding %d Stride link(s) to the LMS…", len(items))
	}
	if err := x.tool.RefreshKeys(ctx); err != nil {
		x.s.log.WarnContext(ctx, "reload LTI keys", "err", err)
	}
	msg := summary
	if cancel {
		msg = "Nothing was added from Stride."
	}
	jwt, err := x.tool.DeepLinkingResponse(lti.DeepLinkResponse{ClientID: g.ClientID, Issuer: g.Issuer, DeploymentID: g.DeploymentID,
		Data: g.Settings.Data, Items: items, Msg: msg})
	if err != nil {
		x.fail(w, r, err)
		return
	}
	x.frameable(w, returnOrigin(g.Settings.ReturnURL))
	x.s.render(w, r, http.StatusOK, templates.LTIReturn(templates.LTIReturnProps{Links: x.s.links(),
		Script: x.s.base + "/static/" + x.s.assets.HashedName("lti.js"), ReturnURL: g.Settings.ReturnURL, JWT: jwt, Summary: summary}))
}

// cspHost is what a CSP source expression's host may hold.
var cspHost = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)

// returnOrigin is the CSP source of the LMS's return URL (checked to be
// http(s) when the launch was verified); "" if it cannot be one, and then
// the browser refuses the post rather than Stride allowing any target.
func returnOrigin(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || !cspHost.MatchString(p.Host) {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

// contentItems creates the assignment of the picked exercises and returns
// one ltiResourceLink per item.
func (x *ltiExtra) contentItems(r *http.Request, g dlGrant, sel *dlSelection) ([]lti.ContentItem, error) {
	ctx := r.Context()
	key, err := x.s.store.SiteSecret(ctx, lti.TargetSecret, 32)
	if err != nil {
		return nil, err
	}
	launch := x.origin(r) + "/lti/launch"
	lineItems := g.Settings.LineItems()
	var out []lti.ContentItem
	add := func(a store.Assignment, it store.Item, title string) {
		id := strconv.FormatInt(it.ID, 10)
		ci := lti.ContentItem{Type: lti.TypeResourceLink, Title: title, URL: launch,
			Custom: map[string]string{ltiTargetParam: fmt.Sprintf("/my/%d/%d?sig=%s", a.ID, it.ID, lti.ItemMAC(key, it.ID)), "stride_item": id}}
		if lineItems && it.Points > 0 {
			ci.LineItem = &lti.LineItem{ScoreMaximum: it.Points, Label: title, ResourceID: "stride-item-" + id, Tag: "stride"}
		}
		out = append(out, ci)
	}
	if len(sel.newItems) > 0 {
		c, err := x.s.store.GetCourse(ctx, g.CourseID)
		if err != nil {
			return nil, err
		}
		a, err := x.s.store.CreateAssignment(ctx, store.NewAssignment{CourseID: g.CourseID, Title: sel.title, CreatedBy: g.UserID,
			Settings: store.Settings{TimeZone: c.TimeZone, Feedback: store.ShowImmediately, Solutions: store.ShowAfterAttempt,
				Score: store.ScoreBest, LateCounts: true},
			Items: sel.newItems})
		if err != nil {
			return nil, err
		}
		for _, it := range a.Items {
			add(a, it, x.exerciseTitle(it.ExerciseID))
		}
	}
	for _, it := range sel.chosen {
		a := sel.assignment[it.AssignmentID]
		add(a, it, a.Title+": "+x.exerciseTitle(it.ExerciseID))
	}
	return out, nil
}
