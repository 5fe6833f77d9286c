package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/internal/store"
)

// LTI 1.3 (issue 12): the endpoints an LMS admin pastes, and the session
// inside the LMS iframe.
//
// The iframe session does not use a cookie. Browsers that block
// third-party cookies (Safari, Chrome with blocking on) do not send or keep
// Stride's cookies inside an LMS page, so a verified launch creates a
// random launch token (256 bits; only its SHA-256 is stored, with the
// course, the learner and an expiry of ltiLaunchLifetime) and sends the
// browser to the target with ?lti_launch=<token>. The learner pages carry
// the token on in their form actions (ltiCarry), and rememberedLearners
// (web/learn_identity.go) takes the learner from it. The token never
// reaches a log (request logs record the path only) nor another site
// (Referrer-Policy strict-origin-when-cross-origin sends only the origin).
// Whoever holds the token acts as that learner in that course until it
// expires; it grants nothing else.

const (
	// ltiLaunchLifetime bounds how long one launch's page keeps working;
	// the LMS launches again on the next visit.
	ltiLaunchLifetime = 8 * time.Hour
	// ltiTokenParam is the query parameter carrying the launch token.
	ltiTokenParam = "lti_launch"
	// maxLTIFormBytes bounds a login or launch body (an id_token is at
	// most lti.MaxIDTokenLen).
	maxLTIFormBytes = lti.MaxIDTokenLen + 16<<10
	// ltiTargetParam is the custom parameter (set on the LMS link) that
	// names the Stride page to open, when target_link_uri is the launch URL.
	ltiTargetParam = "stride_target"
)

// ltiHandlers serves the LTI endpoints.
type ltiHandlers struct {
	s    *Server
	tool *lti.Tool
	// frameCSP is the Content-Security-Policy of the pages the LMS frames:
	// the embed pages' frame-ancestors.
	frameCSP string
}

// mountLTI registers the LTI routes. The login and launch are posted by the
// LMS from another site, so they bypass the cross-origin protection: what
// protects them is the signed single-use state, the nonce and the
// platform's signature, not the origin.
func (s *Server) mountLTI(r chi.Router, cfg Config) error {
	ctx, cancel := context.WithTimeout(context.Background(), dbStartTimeout)
	defer cancel()
	tool, err := lti.New(ctx, lti.Config{Store: s.store, Leeway: cfg.LTILeeway})
	if err != nil {
		return fmt.Errorf("LTI: %w", err)
	}
	h := &ltiHandlers{s: s, tool: tool, frameCSP: contentSecurityPolicy(ltiFrameAncestors(cfg))}
	s.lti = h
	if s.grades, err = s.newLTIGrades(tool); err != nil { // grades and rosters: web/lti_ags.go
		return fmt.Errorf("LTI grades: %w", err)
	}
	s.mountLTIGrades(r)
	for _, p := range []string{"/lti/login", "/lti/launch"} {
		s.classes.csrf.AddInsecureBypassPattern("POST " + s.base + p)
	}
	s.handle(r, http.MethodGet, "/lti/login", policyPublic, h.login)
	s.handle(r, http.MethodPost, "/lti/login", policyPublic, h.login)
	s.handle(r, http.MethodPost, "/lti/launch", policyPublic, h.launch)
	s.handle(r, http.MethodGet, "/lti/jwks", policyPublic, h.jwks)
	s.handle(r, http.MethodGet, "/lti/config.json", policyPublic, h.canvasConfig)
	h.mountLTIExtras(r, cfg) // deep linking, dynamic registration, admin pages
	h.mountFrame(r)          // platform storage and the frame's staff pages (web/lti_storage.go, web/lti_frame.go)
	return nil
}

// origin is the scheme and host this request reached Stride at, which is
// what the LMS registered (redirect_uri must match it exactly).
func (h *ltiHandlers) origin(r *http.Request) string {
	scheme := "http"
	if h.s.secureRequest(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + h.s.base
}

func (h *ltiHandlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	var le *lti.Error
	if errors.As(err, &le) {
		if le.Status >= 500 {
			h.s.log.WarnContext(r.Context(), "LTI platform unreachable", "err", err)
		}
		h.s.classError(w, r, le.Status, "LTI launch refused", le.Message+".")
		return
	}
	h.s.log.ErrorContext(r.Context(), "LTI", "err", err)
	h.s.classError(w, r, http.StatusServiceUnavailable, "Try again in a moment", "Stride could not reach its database just now. Launch again from the LMS in a moment.")
}

func (h *ltiHandlers) parse(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxLTIFormBytes)
	if err := r.ParseForm(); err != nil {
		h.s.classError(w, r, http.StatusBadRequest, "LTI request refused",
			fmt.Sprintf("The request is malformed or larger than %d bytes.", maxLTIFormBytes))
		return false
	}
	return true
}

// login is the OIDC third-party login initiation (GET or POST).
func (h *ltiHandlers) login(w http.ResponseWriter, r *http.Request) {
	h.framed(w) // the login runs inside the LMS's iframe
	if !h.parse(w, r) {
		return
	}
	f := r.Form
	b, err := h.tool.Begin(r.Context(), lti.LoginRequest{Issuer: f.Get("iss"), LoginHint: f.Get("login_hint"),
		TargetLinkURI: f.Get("target_link_uri"), MessageHint: f.Get("lti_message_hint"),
		ClientID: f.Get("client_id"), DeploymentID: f.Get("lti_deployment_id"),
		StorageTarget: f.Get("lti_storage_target")}, h.origin(r)+"/lti/launch")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if b.Storage != nil {
		h.storageLoginPage(w, r, b) // web/lti_storage.go
		return
	}
	http.Redirect(w, r, b.URL, http.StatusFound)
}

// launch verifies the id_token the platform posts and serves the target.
func (h *ltiHandlers) launch(w http.ResponseWriter, r *http.Request) {
	h.framed(w) // the launch, and its refusals, show inside the LMS's iframe
	if !h.parse(w, r) {
		return
	}
	ctx := r.Context()
	l, err := h.tool.Verify(ctx, r.PostForm.Get("id_token"), r.PostForm.Get("state"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if l.Storage != nil {
		// Platform storage (web/lti_storage.go): served once the browser
		// shows the LMS's storage holds this login's state and nonce.
		h.storageCheckPage(w, r, l)
		return
	}
	h.serve(w, r, l)
}

// serve serves a verified launch: the course, the person, and the page.
func (h *ltiHandlers) serve(w http.ResponseWriter, r *http.Request, l *lti.Launch) {
	ctx := r.Context()
	if l.MessageType == lti.MessageDeepLinking {
		h.deepLinkLaunch(w, r, l) // web/lti_deeplink.go
		return
	}
	if l.ContextID == "" {
		h.s.classError(w, r, http.StatusBadRequest, "LTI launch refused", "The launch names no course (context claim); place Stride inside a course.")
		return
	}
	tg, err := h.s.ltiTarget(ctx, l)
	if err != nil {
		var te *ltiTargetError
		if errors.As(err, &te) {
			h.s.classError(w, r, te.status, "LTI launch refused", te.msg)
			return
		}
		h.fail(w, r, err)
		return
	}
	lc := store.LTIContext{Issuer: l.Platform.Issuer, DeploymentID: l.DeploymentID, ContextID: l.ContextID, Title: l.ContextTitle}
	var course store.Course
	if tg.assignment != nil {
		course, err = h.s.store.BindLTICourse(ctx, tg.assignment.CourseID, lc)
		if errors.Is(err, store.ErrConflict) {
			h.s.classError(w, r, http.StatusForbidden, "LTI launch refused",
				"This assignment's course is already linked to another LMS course. Create a copy of the assignment for this LMS course.")
			return
		}
	} else {
		course, err = h.s.store.EnsureLTICourse(ctx, lc, "UTC")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.s.ltiRememberServices(ctx, l, tg.itemID, course.ID); err != nil { // AGS and NRPS: web/lti_ags.go
		h.fail(w, r, err)
		return
	}
	person := store.LTIPerson{Issuer: l.Platform.Issuer, Sub: l.Sub, Name: l.Name, Email: l.Email}
	if l.IsInstructor() {
		u, err := h.s.store.EnsureLTIInstructor(ctx, course.ID, person)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.staffLanding(w, r, l, course, u, tg) // web/lti_frame.go
		return
	}
	learner, err := h.s.store.EnsureLTILearner(ctx, course.ID, person)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	token, err := store.NewToken()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.s.store.CreateLTILaunch(ctx, token, store.LTILaunch{PlatformID: l.Platform.ID, CourseID: course.ID,
		LearnerID: learner.ID, Target: tg.url, ExpiresAt: time.Now().Add(ltiLaunchLifetime)}); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, ltiWithToken(tg.url, token), http.StatusSeeOther)
}

// ltiTargetResult is the Stride page a launch opens: always an /embed/ page
// (the only pages that may be framed by another site).
type ltiTargetResult struct {
	url        string            // below the base path, with the query
	assignment *store.Assignment // when the target is an assignment item
	itemID     int64             // that item
}

type ltiTargetError struct {
	status int
	msg    string
}

func (e *ltiTargetError) Error() string { return e.msg }

// ltiTarget maps the launch's target (custom stride_target, else
// target_link_uri) to an embeddable page: /exercises/{id} and /embed/{id}
// become /embed/{id} with their query; /my/{assignment}/{item} becomes the
// item's embed page. Only the path and query are used, so a target cannot
// send the browser to another site.
func (s *Server) ltiTarget(ctx context.Context, l *lti.Launch) (ltiTargetResult, error) {
	raw := l.Custom[ltiTargetParam]
	if raw == "" {
		raw = l.TargetLinkURI
	}
	bad := func(msg string) (ltiTargetResult, error) {
		return ltiTargetResult{}, &ltiTargetError{status: http.StatusBadRequest, msg: msg}
	}
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 2000 {
		return bad("The link's target is not a URL.")
	}
	p := strings.TrimPrefix(u.Path, s.base)
	seg := strings.Split(strings.Trim(p, "/"), "/")
	q := u.Query()
	q.Del(ltiTokenParam)
	switch {
	case len(seg) == 2 && (seg[0] == "exercises" || seg[0] == "embed") && seg[1] != "" && seg[1] != "playground":
		if _, ok := s.catalog.Lookup(seg[1]); !ok {
			return bad("The link names exercise " + clip(seg[1], 64) + ", which this Stride does not have.")
		}
		if seg[0] == "embed" && q.Has("item") {
			id, err := strconv.ParseInt(q.Get("item"), 10, 64)
			if err != nil {
				return bad("The link's item is not a number.")
			}
			return s.ltiItemTarget(ctx, id, seg[1], q.Get("sig"))
		}
		return ltiTargetResult{url: s.base + "/embed/" + url.PathEscape(seg[1]) + encodeQuery(q)}, nil
	case len(seg) == 3 && seg[0] == "my":
		id, err := strconv.ParseInt(seg[2], 10, 64)
		if err != nil {
			return bad("The link's item is not a number.")
		}
		return s.ltiItemTarget(ctx, id, "", q.Get("sig"))
	}
	return bad("The link does not name a Stride exercise (/exercises/<id>) or assignment item (/my/<assignment>/<item>). Set the custom parameter stride_target on the LMS link (see docs/LTI.md).")
}

func encodeQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func (s *Server) ltiItemTarget(ctx context.Context, itemID int64, exerciseID, sig string) (ltiTargetResult, error) {
	key, err := s.store.SiteSecret(ctx, lti.TargetSecret, 32)
	if err != nil {
		return ltiTargetResult{}, err
	}
	if !lti.CheckItemMAC(key, itemID, sig) {
		return ltiTargetResult{}, &ltiTargetError{status: http.StatusForbidden,
			msg: "The link names an assignment item but is not signed by this Stride. Use the target `stride lti link --item <id>` prints (see docs/LTI.md)."}
	}
	a, err := s.store.AssignmentOfItem(ctx, itemID)
	if errors.Is(err, store.ErrNotFound) {
		return ltiTargetResult{}, &ltiTargetError{status: http.StatusNotFound, msg: "The link names an assignment item that does not exist (deleted?)."}
	}
	if err != nil {
		return ltiTargetResult{}, err
	}
	for _, it := range a.Items {
		if it.ID == itemID && (exerciseID == "" || exerciseID == it.ExerciseID) {
			return ltiTargetResult{url: s.base + "/embed/" + url.PathEscape(it.ExerciseID) + "?item=" + strconv.FormatInt(it.ID, 10), assignment: &a, itemID: it.ID}, nil
		}
	}
	return ltiTargetResult{}, &ltiTargetError{status: http.StatusNotFound, msg: "The link's item is not an item of that exercise."}
}

// ltiWithToken adds the launch token to a target URL.
func ltiWithToken(target, token string) string {
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + ltiTokenParam + "=" + url.QueryEscape(token)
}

// ltiCarry keeps the request's launch token on a link or form action of
// the page it serves, so the next request is the same learner.
func ltiCarry(r *http.Request, target string) string {
	tok := r.URL.Query().Get(ltiTokenParam)
	if tok == "" || len(tok) > 128 {
		return target
	}
	return ltiWithToken(target, tok)
}

// ltiLearnerEntry is the learner of the request's launch token, if any.
func (s *Server) ltiLearnerEntry(r *http.Request) (learnerEntry, bool) {
	tok := r.URL.Query().Get(ltiTokenParam)
	if tok == "" || len(tok) > 128 {
		return learnerEntry{}, false
	}
	l, err := s.store.LTILaunchByToken(r.Context(), tok)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.WarnContext(r.Context(), "look up LTI launch", "err", err)
		}
		return learnerEntry{}, false
	}
	if l.LearnerID == 0 {
		return learnerEntry{}, false
	}
	return learnerEntry{CourseID: l.CourseID, LearnerID: l.LearnerID}, true
}

// jwks serves the tool's public keys.
func (h *ltiHandlers) jwks(w http.ResponseWriter, r *http.Request) {
	if err := h.tool.RefreshKeys(r.Context()); err != nil { // a rotation by another process
		h.s.log.WarnContext(r.Context(), "reload LTI keys", "err", err)
	}
	b, err := h.tool.JWKS()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(b)
}

// canvasConfig is the JSON a Canvas admin pastes (or points to) when
// creating an LTI developer key.
func (h *ltiHandlers) canvasConfig(w http.ResponseWriter, r *http.Request) {
	o := h.origin(r)
	host := r.Host
	if i := strings.LastIndexByte(host, ':'); i > 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	cfg := map[string]any{
		"title":               "Stride",
		"description":         "Deep-learning mechanics exercises: convolution, CNN shapes, parameter counts, attention, RNN.",
		"oidc_initiation_url": o + "/lti/login",
		"target_link_uri":     o + "/lti/launch",
		"public_jwk_url":      o + "/lti/jwks",
		"scopes":              lti.Scopes, // grades and rosters (web/lti_ags.go)
		"custom_fields":       map[string]string{},
		"extensions": []any{map[string]any{
			"domain": host, "tool_id": "stride", "platform": "canvas.instructure.com", "privacy_level": "public",
			"settings": map[string]any{"text": "Stride", "placements": []any{
				map[string]any{"placement": "link_selection", "message_type": lti.MessageDeepLinking, "target_link_uri": o + "/lti/launch"},
				map[string]any{"placement": "assignment_selection", "message_type": lti.MessageDeepLinking, "target_link_uri": o + "/lti/launch"},
			}},
		}},
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(cfg)
}
