package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/templates"
)

// Platform storage (issue 12 §2): a launch that works in browsers blocking
// third-party cookies. When the LMS's login initiation carries
// lti_storage_target, the login answers with a page (inside the LMS's
// iframe) whose script, static/lti-storage.js, stores the state and nonce
// in the LMS's storage frame by postMessage (lti.capabilities, then
// lti.put_data) and only then goes on to the LMS's authorization URL. The
// launch the LMS posts back is verified as usual, then answered with a
// page that reads both values back (lti.get_data) and posts them, with the
// sealed verified launch, to /lti/launch/complete, which serves the launch
// only if they are this login's own (internal/lti/storage.go). Without the
// target the signed, single-use state stands alone; neither way sets or
// reads a cookie.

// mountFrame registers the routes of the LMS frame: the completion of a
// platform storage launch, and the staff dashboard (web/lti_frame.go).
func (h *ltiHandlers) mountFrame(r chi.Router) {
	// The completion is posted by Stride's own page in the frame
	// (same-origin), so it keeps the cross-origin protection.
	h.s.handle(r, http.MethodPost, "/lti/launch/complete", policyPublic, h.complete)
}

// framed lets the LMS frame the page about to be served: the embed pages'
// frame-ancestors, and no opener policy (the page lives in a frame).
func (h *ltiHandlers) framed(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", h.frameCSP)
	w.Header().Del("Cross-Origin-Opener-Policy")
}

func (h *ltiHandlers) storageProps(sc *lti.StorageCheck, mode string) templates.LTIStorageProps {
	return templates.LTIStorageProps{Links: h.s.links(), Script: h.s.base + "/static/" + h.s.assets.HashedName("lti-storage.js"),
		Mode: mode, Target: sc.Target, Origin: sc.Origin, StateKey: sc.StateKey, NonceKey: sc.NonceKey}
}

// storageLoginPage answers a login initiation that offers platform
// storage: the page that stores the state and nonce, then continues to the
// LMS's authorization URL.
func (h *ltiHandlers) storageLoginPage(w http.ResponseWriter, r *http.Request, b lti.Begun) {
	p := h.storageProps(b.Storage, "put")
	p.State, p.Nonce, p.Continue = b.Storage.State, b.Storage.Nonce, b.URL
	noStore(w)
	h.s.render(w, r, http.StatusOK, templates.LTIStorage(p))
}

// storageCheckPage answers a verified launch whose login stored its state
// and nonce in the platform: the page that reads them back and posts them
// with the sealed launch.
func (h *ltiHandlers) storageCheckPage(w http.ResponseWriter, r *http.Request, l *lti.Launch) {
	sealed, err := h.tool.SealPending(l)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.storageProps(l.Storage, "get")
	p.Action, p.Pending = h.s.base+"/lti/launch/complete", sealed
	noStore(w)
	h.s.render(w, r, http.StatusOK, templates.LTIStorage(p))
}

// complete is POST /lti/launch/complete: the launch page's values from the
// platform's storage, checked against the sealed launch, then the launch.
func (h *ltiHandlers) complete(w http.ResponseWriter, r *http.Request) {
	h.framed(w)
	if !h.parse(w, r) {
		return
	}
	f := r.PostForm
	l, err := h.tool.Complete(r.Context(), f.Get("pending"), f.Get("state"), f.Get("nonce"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.serve(w, r, l)
}
