package web

import (
	"net/http"
	"strings"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/templates"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	var sections []templates.SectionView
	for _, sec := range s.catalog.Sections() {
		sv := templates.SectionView{Number: sec.Number, Title: sec.Title}
		for _, ex := range sec.Exercises {
			link := templates.ExerciseLink{ID: ex.ID, Title: ex.Title, Summary: ex.Summary,
				URL: s.exerciseURL(ex.ID, 0), Beyond: ex.Beyond}
			if v, err := ex.Variant(0); err == nil {
				var ids []string
				for _, p := range v.Parts {
					if p.Kind != exercises.KindSelfCheck {
						ids = append(ids, p.ID)
					}
				}
				link.PartIDs = strings.Join(ids, ",")
			}
			sv.Exercises = append(sv.Exercises, link)
		}
		sections = append(sections, sv)
	}
	s.render(w, r, http.StatusOK, templates.Home(templates.HomeProps{
		Links:     s.links(),
		Sections:  sections,
		Endpoints: s.endpointDocs(r),
	}))
}

func (s *Server) apiReference(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, templates.APIReference(templates.APIProps{
		Links:       s.links(),
		Endpoints:   s.endpointDocs(r),
		OpenAPIPath: s.base + "/api/v1/openapi.json",
	}))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, templates.NotFound(templates.NotFoundProps{
		Links: s.links(),
		Path:  r.URL.Path,
	}))
}
