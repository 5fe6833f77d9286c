package lti

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/stride-tutor/stride/internal/store"
)

// Platform storage (1EdTech "LTI Client Side postMessages" and "OIDC Login
// with LTI Client Side postMessages"): a platform that sends
// lti_storage_target with the login keeps data for the tool in a frame of
// its own page, so the tool needs no cookie to tie the launch to the
// browser that began the login. The login page stores the state and the
// nonce there (lti.put_data), the launch page reads them back
// (lti.get_data) and posts them with the sealed, verified launch to
// Complete, which serves the launch only if they match.
//
// The messages go to the frame lti_storage_target names (window.parent
// itself for "_parent") with the target origin of the platform's OIDC
// authorization URL, and only answers from that origin are believed.

// Bounds of platform storage.
const (
	// MaxStorageTargetLen bounds lti_storage_target (a frame name).
	MaxStorageTargetLen = 128
	// PendingLifetime is how long a launch may wait for the platform's
	// storage to answer before it must start again.
	PendingLifetime = 2 * time.Minute
	// MaxPendingLen bounds the sealed pending launch a browser posts back.
	MaxPendingLen = MaxIDTokenLen + 16<<10
)

// storageTargetRE is what a frame name may look like: "_parent" or a name
// such as Canvas's "post_message_forwarding". Anything else is refused
// rather than written into a page.
var storageTargetRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)

func checkStorageTarget(v string) error {
	if v == "" {
		return nil
	}
	if len(v) > MaxStorageTargetLen || !storageTargetRE.MatchString(v) {
		return refuse(http.StatusBadRequest, fmt.Sprintf(
			"lti_storage_target must be a frame name of at most %d letters, digits or _.:- characters", MaxStorageTargetLen), nil)
	}
	return nil
}

// Begun is the tool's answer to a login initiation.
type Begun struct {
	// URL is the platform's authorization endpoint with the request.
	URL string
	// State and Nonce are the values the URL carries.
	State, Nonce string
	// Storage is set when the login asked for platform storage: what the
	// login page stores before it sends the browser to URL.
	Storage *StorageCheck
}

// StorageCheck is what the tool keeps in (and reads back from) the
// platform's storage: the state under StateKey and the nonce under
// NonceKey, in the frame Target, at the platform origin Origin.
type StorageCheck struct {
	Target   string `json:"target"`
	Origin   string `json:"origin"`
	StateKey string `json:"state_key"`
	State    string `json:"state"`
	NonceKey string `json:"nonce_key"`
	Nonce    string `json:"nonce"`
}

// storageCheck names the keys as the 1EdTech implementation guide
// suggests, "state_<state>" and "nonce_<nonce>", so concurrent launches in
// one platform page never overwrite each other.
func storageCheck(p store.LTIPlatform, s state, sealed string) *StorageCheck {
	return &StorageCheck{Target: s.Storage, Origin: originOf(p.AuthURL),
		StateKey: "state_" + sealed, State: sealed, NonceKey: "nonce_" + s.Nonce, Nonce: s.Nonce}
}

// originOf is the scheme://host[:port] of u, the target origin of the
// postMessages; "" when u is not an absolute URL (the page then refuses to
// send anything rather than send to "*").
func originOf(u string) string {
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme == "" || pu.Host == "" {
		return ""
	}
	return strings.ToLower(pu.Scheme) + "://" + strings.ToLower(pu.Host)
}

// pending is a verified launch waiting for the platform storage check.
type pending struct {
	ID      string  `json:"i"`
	Expires int64   `json:"e"`
	Launch  *Launch `json:"l"`
}

// seal signs v for kind, so a value sealed for one use (a state) cannot
// be passed off as another (a pending launch).
func (t *Tool) seal(kind string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	p := base64.RawURLEncoding.EncodeToString(b)
	return p + "." + base64.RawURLEncoding.EncodeToString(t.mac(kind, p)), nil
}

func (t *Tool) mac(kind, p string) []byte {
	m := hmac.New(sha256.New, t.stateKey)
	m.Write([]byte("stride lti " + kind + "\x00"))
	m.Write([]byte(p))
	return m.Sum(nil)
}

func (t *Tool) open(kind, v string, into any) bool {
	p, sig, ok := strings.Cut(v, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(mac, t.mac(kind, p)) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(p)
	return err == nil && json.Unmarshal(b, into) == nil
}

// SealPending seals a verified launch that waits for the platform storage
// check, for the launch page to post back with the values it read. The
// platform's deployment list is left out (it is read again on Complete).
func (t *Tool) SealPending(l *Launch) (string, error) {
	if l.Storage == nil {
		return "", errors.New("lti: seal pending: the launch has no storage check")
	}
	id, err := random()
	if err != nil {
		return "", err
	}
	c := *l
	c.Platform.Deployments = nil
	s, err := t.seal("pending", pending{ID: id, Expires: t.now().Add(PendingLifetime).Unix(), Launch: &c})
	if err != nil {
		return "", fmt.Errorf("lti: seal pending: %w", err)
	}
	return s, nil
}

// Complete finishes a launch that waited for the platform storage check:
// sealed is SealPending's value, state and nonce what the browser read
// from the platform's storage under the launch's keys. It returns the
// launch when they are the launch's own, the seal is Stride's, unexpired
// and used for the first time. Every refusal is an *Error.
func (t *Tool) Complete(ctx context.Context, sealed, stateValue, nonce string) (*Launch, error) {
	if sealed == "" {
		return nil, refuse(http.StatusBadRequest, "The launch check has no launch. Start the launch again from the LMS", nil)
	}
	if len(sealed) > MaxPendingLen || len(stateValue) > MaxStateLen || len(nonce) > MaxStateLen {
		return nil, refuse(http.StatusBadRequest, "The launch check is too long", nil)
	}
	var pd pending
	if !t.open("pending", sealed, &pd) || pd.Launch == nil || pd.Launch.Storage == nil {
		return nil, refuse(http.StatusBadRequest, "The launch check was not issued by this Stride. Start the launch again from the LMS", nil)
	}
	if t.now().Unix() > pd.Expires {
		return nil, refuse(http.StatusBadRequest, "The LMS's storage took too long to answer. Start the launch again from the LMS", nil)
	}
	sc := pd.Launch.Storage
	if stateValue == "" || nonce == "" ||
		subtle.ConstantTimeCompare([]byte(stateValue), []byte(sc.State)) != 1 ||
		subtle.ConstantTimeCompare([]byte(nonce), []byte(sc.Nonce)) != 1 {
		return nil, refuse(http.StatusUnauthorized,
			"The LMS's storage in this browser does not hold this launch's state and nonce, so the launch did not begin in this browser. Start the launch again from the LMS", nil)
	}
	if err := t.st.UseOnce(ctx, store.UsedState, "pending "+pd.ID, time.Unix(pd.Expires, 0)); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, refuse(http.StatusBadRequest, "This launch was already completed. Start the launch again from the LMS", nil)
		}
		return nil, fmt.Errorf("lti: record pending launch: %w", err)
	}
	p, err := t.platformByID(ctx, pd.Launch.Platform.Issuer, pd.Launch.Platform.ID)
	if err != nil {
		return nil, err
	}
	if !known(p.Deployments, pd.Launch.DeploymentID) {
		return nil, refuse(http.StatusForbidden, "This deployment of the LMS is no longer registered with Stride", nil)
	}
	l := pd.Launch
	l.Platform = p
	return l, nil
}
