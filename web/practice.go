package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stride-tutor/stride/internal/exercises"
	"github.com/stride-tutor/stride/internal/practice"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/templates"
)

// Bounds of POST /api/v1/practice.
const (
	// maxPracticeBody bounds the request: a state (8 KiB at most) and a
	// few checks.
	maxPracticeBody = 16 << 10
	// maxPracticeChecks bounds the checks applied in one request.
	maxPracticeChecks = 16
)

// practiceRequest is the body of POST /api/v1/practice: the state the
// browser keeps, and the checks made since it was last updated.
type practiceRequest struct {
	State  json.RawMessage `json:"state"`
	Checks []practiceCheck `json:"checks"`
}

type practiceCheck struct {
	Exercise string            `json:"exercise"`
	Seed     *uint64           `json:"seed"`
	Parts    map[string]string `json:"parts"`
}

type practiceResponse struct {
	State  practice.State  `json:"state"`
	Skills []practiceSkill `json:"skills"`
	Next   practiceNext    `json:"next"`
}

type practiceSkill struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Level     int    `json:"level"`
	LevelName string `json:"level_name"`
	// Due is when a mastered skill's review is due (RFC 3339), if it is.
	Due       string `json:"due,omitempty"`
	ReviewDue bool   `json:"review_due"`
	// URL serves a fresh variant of the skill.
	URL string `json:"url"`
}

type practiceNext struct {
	Skill    string `json:"skill"`
	Exercise string `json:"exercise"`
	Seed     uint64 `json:"seed"`
	URL      string `json:"url"`
	Reason   string `json:"reason"`
}

// apiPractice applies the posted checks to the practice state and answers
// the new state, every skill's level and the next variant to practise.
//
// For an anonymous student the state is the browser's: the server keeps
// nothing. For a learner this device remembers (the signed learner cookie,
// most recent course first) on a same-origin request, the state lives in
// the database: the stored state wins over the posted one, the posted one
// is adopted once when nothing is stored yet, and the new state is saved
// before the answer. A cross-origin request is treated as anonymous and
// never reads or writes the stored state.
func (s *Server) apiPractice(w http.ResponseWriter, r *http.Request) {
	var req practiceRequest
	if err := decodeJSON(r, &req); err != nil {
		writeClientError(w, err)
		return
	}
	st, err := practice.Decode(req.State)
	if err != nil {
		var fe *practice.FieldError
		if errors.As(err, &fe) {
			writeClientError(w, badRequest(fe.Field, "%s", fe.Message))
			return
		}
		writeClientError(w, badRequest("state", "%s", err.Error()))
		return
	}
	if len(req.Checks) > maxPracticeChecks {
		writeClientError(w, &fieldError{status: http.StatusBadRequest, field: "checks", limit: maxPracticeChecks,
			msg: fmt.Sprintf("has %d entries; the limit is %d", len(req.Checks), maxPracticeChecks)})
		return
	}
	learner, known := s.practiceLearner(r, true)
	if known {
		stored, found, err := s.storedPractice(r, learner)
		if err != nil {
			s.log.ErrorContext(r.Context(), "read practice state", "learner", learner, "err", err)
			writeJSON(w, http.StatusServiceUnavailable, apiError{Error: "the database could not be reached; nothing was recorded, try again"})
			return
		}
		if found {
			st = stored
		}
	}
	now := s.now()
	for i, c := range req.Checks {
		pc, err := s.practiceEvidence(c, fmt.Sprintf("checks[%d]", i))
		if err != nil {
			writeClientError(w, err)
			return
		}
		st = practice.Apply(st, pc, now)
	}
	if known {
		if err := s.savePractice(r, learner, st); err != nil {
			s.log.ErrorContext(r.Context(), "save practice state", "learner", learner, "err", err)
			writeJSON(w, http.StatusServiceUnavailable, apiError{Error: "the database could not be reached; nothing was recorded, try again"})
			return
		}
	}
	writeJSON(w, http.StatusOK, s.practiceResponseFor(st, now))
}

// practiceEvidence validates one posted check against its variant: the
// exercise and seed exist, every part is one of the variant's, every
// status is one the check API gives.
func (s *Server) practiceEvidence(c practiceCheck, field string) (practice.Check, error) {
	if c.Seed == nil {
		return practice.Check{}, badRequest(field+".seed", "is required")
	}
	v, err := s.lookupVariant(c.Exercise, strconv.FormatUint(*c.Seed, 10))
	if err != nil {
		var fe *fieldError
		if errors.As(err, &fe) && fe.status < 500 {
			name := ".exercise"
			if fe.field == "seed" {
				name = ".seed"
			}
			return practice.Check{}, badRequest(field+name, "%s", fe.msg)
		}
		return practice.Check{}, err
	}
	if len(c.Parts) > maxAnswers {
		return practice.Check{}, &fieldError{status: http.StatusBadRequest, field: field + ".parts", limit: maxAnswers,
			msg: fmt.Sprintf("has %d entries; the limit is %d", len(c.Parts), maxAnswers)}
	}
	pc := practice.Check{Exercise: v.Exercise.ID, Seed: v.Seed, Parts: map[string]practice.Outcome{}}
	for id, status := range c.Parts {
		if _, ok := v.Part(id); !ok {
			return practice.Check{}, badRequest(field+".parts", "has %q, which is not a part of %s", clip(id, 64), v.Exercise.ID)
		}
		switch exercises.Status(status) {
		case exercises.StatusCorrect, exercises.StatusIncorrect, exercises.StatusRevealed:
			pc.Parts[id] = practice.Outcome(status)
		case exercises.StatusBlank, exercises.StatusInvalid:
		default:
			return practice.Check{}, badRequest(field+".parts."+clip(id, 64), `is %q; a status is "correct", "incorrect", "revealed", "blank" or "invalid"`, clip(status, 32))
		}
	}
	for _, p := range v.Parts {
		if p.Kind != exercises.KindSelfCheck {
			pc.Checked = append(pc.Checked, p.ID)
		}
	}
	return pc, nil
}

func (s *Server) practiceResponseFor(st practice.State, now time.Time) practiceResponse {
	resp := practiceResponse{State: st}
	for _, v := range practice.Summary(st, now) {
		ps := practiceSkill{ID: v.Skill.ID, Name: v.Skill.Name, Level: int(v.Level), LevelName: v.Level.String(),
			ReviewDue: v.ReviewDue, URL: s.base + "/exercises/" + v.Skill.Serve + "/new"}
		if !v.Due.IsZero() {
			ps.Due = v.Due.Format(time.RFC3339)
		}
		resp.Skills = append(resp.Skills, ps)
	}
	n := practice.Next(st, now)
	resp.Next = practiceNext{Skill: n.Skill.ID, Exercise: n.Exercise, Seed: n.Seed, URL: s.exerciseURL(n.Exercise, n.Seed), Reason: n.Reason}
	return resp
}

// practiceLearner returns the learner whose practice state the server
// keeps for this request: the most recent learner the device remembers,
// if it still exists. With needSameOrigin, a request that is not shown to
// be same-origin (Sec-Fetch-Site or Origin) gets none.
func (s *Server) practiceLearner(r *http.Request, needSameOrigin bool) (int64, bool) {
	if s.store == nil {
		return 0, false
	}
	if needSameOrigin && r.Header.Get("Sec-Fetch-Site") != "same-origin" && !sameOrigin(r.Header.Get("Origin"), r) {
		return 0, false
	}
	entries := s.rememberedLearners(r)
	if len(entries) == 0 {
		return 0, false
	}
	l, err := s.store.GetLearner(r.Context(), entries[0].LearnerID)
	if err != nil || l.CourseID != entries[0].CourseID {
		return 0, false
	}
	return l.ID, true
}

// storedPractice reads a learner's stored state; found is false when none
// is stored, or when the stored one can no longer be read (it is then
// replaced on the next save).
func (s *Server) storedPractice(r *http.Request, learner int64) (practice.State, bool, error) {
	b, err := s.store.GetPracticeState(r.Context(), learner)
	if errors.Is(err, store.ErrNotFound) {
		return practice.State{}, false, nil
	}
	if err != nil {
		return practice.State{}, false, err
	}
	st, err := practice.Decode(b)
	if err != nil {
		s.log.WarnContext(r.Context(), "stored practice state unreadable; starting afresh", "learner", learner, "err", err)
		return practice.State{}, false, nil
	}
	return st, true, nil
}

func (s *Server) savePractice(r *http.Request, learner int64, st practice.State) error {
	b, err := st.Encode()
	if err != nil {
		return err
	}
	return s.store.PutPracticeState(r.Context(), learner, b)
}

// practicePage lists the skills. For an anonymous student the levels are
// the browser's to fill in (app.js posts the kept state to
// /api/v1/practice); without JavaScript the page says so, and each skill's
// link still serves a fresh variant. For a learner this device remembers,
// the stored levels and the next variant are rendered here, so they show
// without the script.
func (s *Server) practicePage(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	p := templates.PracticeProps{Links: s.links()}
	st := practice.State{Version: 1}
	if learner, known := s.practiceLearner(r, false); known {
		stored, found, err := s.storedPractice(r, learner)
		if err != nil {
			s.log.ErrorContext(r.Context(), "read practice state", "learner", learner, "err", err)
		} else {
			p.Stored = true
			if found {
				st = stored
			}
		}
	}
	var levels map[string]practiceSkill
	if p.Stored {
		resp := s.practiceResponseFor(st, now)
		levels = map[string]practiceSkill{}
		for _, sk := range resp.Skills {
			levels[sk.ID] = sk
		}
		p.NextURL, p.NextReason = resp.Next.URL, resp.Next.Reason
	}
	for _, v := range practice.Summary(st, now) {
		ex, ok := s.catalog.Lookup(v.Skill.Serve)
		if !ok {
			continue
		}
		ps := templates.PracticeSkill{
			ID: v.Skill.ID, Name: v.Skill.Name, Description: v.Skill.Description,
			Exercise: ex.Title, URL: s.base + "/exercises/" + ex.ID + "/new",
		}
		if sk, ok := levels[v.Skill.ID]; ok {
			ps.Level = strings.ToUpper(sk.LevelName[:1]) + sk.LevelName[1:]
			if sk.ReviewDue {
				ps.Level += " · review due now"
			} else if sk.Due != "" {
				ps.Level += " · next review " + v.Due.Format("2006-01-02")
			}
		}
		p.Skills = append(p.Skills, ps)
	}
	s.render(w, r, http.StatusOK, templates.Practice(p))
}
