package ltitest

import (
	"html/template"
	"net/http"
	"net/url"
)

// The simulator's browser pages: a course page that embeds the tool in an
// iframe, as an LMS does, and the platform storage frame of the 1EdTech
// "LTI Client Side postMessages" specifications (lti.capabilities answered
// by the course page, lti.put_data and lti.get_data by the storage frame,
// which keeps each tool origin's values apart and answers only to the
// origin that asked).

// StorageFrame is the name of the simulator's storage frame, the value to
// give Platform.StorageTarget.
const StorageFrame = "post_message_forwarding"

func (p *Platform) mountPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /course", p.serveCourse)
	mux.HandleFunc("GET /storage", serveStorage)
}

// CoursePageURL is the URL of a course page whose iframe starts a launch
// of target (the lti_message_hint the default claims use as
// target_link_uri) at the tool whose base URL is toolBase, for the user
// loginHint. The login initiation carries lti_storage_target when
// StorageTarget is set.
func (p *Platform) CoursePageURL(toolBase, target, loginHint string) string {
	q := url.Values{"iss": {p.Issuer}, "login_hint": {loginHint}, "target_link_uri": {toolBase + "/lti/launch"},
		"lti_message_hint": {target}, "client_id": {p.ClientID}, "lti_deployment_id": {p.DeploymentID}}
	if p.StorageTarget != "" {
		q.Set("lti_storage_target", p.StorageTarget)
	}
	return p.Server.URL + "/course?" + url.Values{"login": {toolBase + "/lti/login?" + q.Encode()}}.Encode()
}

var coursePage = template.Must(template.New("").Parse(`<!doctype html><title>LMS · Deep Learning 101</title>
<h1>Deep Learning 101</h1>
{{if .Storage}}<iframe name="{{.Storage}}" src="/storage" title="platform storage" hidden></iframe>{{end}}
<iframe id="tool" title="Stride" src="{{.Login}}" width="1000" height="800"></iframe>
<script>
window.capabilityRequests = 0;
window.addEventListener("message", (e) => {
  const d = e.data;
  if (!d || typeof d !== "object" || d.subject !== "lti.capabilities") return;
  window.capabilityRequests++;
  const frame = {{.Storage}};
  const supported = [{subject: "lti.capabilities"}];
  if (frame) supported.push({subject: "lti.put_data", frame: frame}, {subject: "lti.get_data", frame: frame});
  e.source.postMessage({subject: "lti.capabilities.response", message_id: d.message_id, supported_messages: supported}, e.origin);
});
</script>`))

func (p *Platform) serveCourse(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = coursePage.Execute(w, map[string]any{"Login": r.URL.Query().Get("login"), "Storage": p.StorageTarget})
}

// storagePage keeps values per origin in memory: the frame lives as long
// as the course page, across the tool frame's navigations.
const storagePage = `<!doctype html><title>storage</title>
<script>
window.ltiStore = new Map();
window.addEventListener("message", (e) => {
  const d = e.data;
  if (!d || typeof d !== "object" || typeof d.subject !== "string") return;
  const reply = (m) => e.source.postMessage(Object.assign({message_id: d.message_id, key: d.key}, m), e.origin);
  if (typeof d.key !== "string" || d.key === "") {
    reply({subject: d.subject + ".response", error: {code: "bad_request", message: "no key"}});
    return;
  }
  const k = e.origin + " " + d.key;
  if (d.subject === "lti.put_data") {
    window.ltiStore.set(k, d.value);
    reply({subject: "lti.put_data.response", value: d.value});
  } else if (d.subject === "lti.get_data") {
    if (window.ltiStore.has(k)) reply({subject: "lti.get_data.response", value: window.ltiStore.get(k)});
    else reply({subject: "lti.get_data.response", error: {code: "bad_request", message: "no value for this key"}});
  } else {
    reply({subject: d.subject + ".response", error: {code: "unsupported_subject", message: "unsupported"}});
  }
});
</script>`

func serveStorage(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(storagePage))
}
