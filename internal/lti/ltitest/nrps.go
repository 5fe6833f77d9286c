package ltitest

import (
	"net/http"
	"net/url"
	"strconv"
)

// Member is a membership of the simulated course (NRPS 2.0).
type Member struct {
	UserID string   `json:"user_id"`
	Status string   `json:"status,omitempty"`
	Name   string   `json:"name,omitempty"`
	Email  string   `json:"email,omitempty"`
	Roles  []string `json:"roles"`
}

// Role URIs of memberships.
const (
	RoleLearner    = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
	RoleInstructor = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
)

// SetMembers sets the course's memberships, served pageSize per page with
// Link rel="next" between pages.
func (p *Platform) SetMembers(members []Member, pageSize int) {
	p.svc.mu.Lock()
	defer p.svc.mu.Unlock()
	p.svc.members, p.svc.pageSize = append([]Member(nil), members...), max(pageSize, 1)
}

// MembershipRequests counts the memberships pages served.
func (p *Platform) MembershipRequests() int {
	p.svc.mu.Lock()
	defer p.svc.mu.Unlock()
	return p.svc.membersCalls
}

// serveMemberships is the NRPS context membership service.
func (p *Platform) serveMemberships(w http.ResponseWriter, r *http.Request) {
	if !p.authorize(w, r, ScopeMemberships) {
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	p.svc.mu.Lock()
	p.svc.membersCalls++
	size, all := p.svc.pageSize, p.svc.members
	p.svc.mu.Unlock()
	from := min(page*size, len(all))
	to := min(from+size, len(all))
	if to < len(all) {
		next := url.Values{"page": {strconv.Itoa(page + 1)}}
		w.Header().Add("Link", `<`+p.MembershipsURL()+"?"+next.Encode()+`>; rel="next"`)
	}
	members := all[from:to]
	if members == nil {
		members = []Member{}
	}
	writeServiceJSON(w, http.StatusOK, mediaMemberships, map[string]any{
		"id": r.URL.String(), "context": map[string]any{"id": r.PathValue("ctx")}, "members": members})
}
