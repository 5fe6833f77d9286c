package web

import (
	"net/http"

	"github.com/stride-tutor/stride/templates"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, templates.Home(templates.HomeProps{
		Links:     s.links(),
		Endpoints: s.endpointDocs(),
	}))
}

func (s *Server) apiReference(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, templates.APIReference(templates.APIProps{
		Links:       s.links(),
		Endpoints:   s.endpointDocs(),
		OpenAPIPath: s.base + "/api/v1/openapi.json",
	}))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, templates.NotFound(templates.NotFoundProps{
		Links: s.links(),
		Path:  r.URL.Path,
	}))
}
