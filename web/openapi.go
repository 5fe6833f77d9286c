package web

import (
	_ "embed"
	"encoding/json"
	"net/http"
)

// openAPIDocument describes the compute API. The tests check it against the
// request types the handlers decode, so the two cannot drift apart.
//
//go:embed openapi.json
var openAPIDocument []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Error: "the embedded OpenAPI document is invalid"})
		return
	}
	// Behind a reverse proxy the API lives under the base path.
	// Paths start with "/", so the server URL has no trailing slash.
	server := s.base
	if server == "" {
		server = "/"
	}
	doc["servers"] = []map[string]string{{"url": server}}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	writeJSON(w, http.StatusOK, doc)
}
