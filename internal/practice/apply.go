package practice

import (
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v3"
)

// scheduler is FSRS with the long-term scheduler only: a mastered skill is
// reviewed days to months later, not minutes later, and without fuzz, so
// the schedule is a function of the evidence and the clock.
func scheduler() *fsrs.FSRS {
	p := fsrs.DefaultParam()
	p.EnableShortTerm = false
	p.EnableFuzz = false
	return fsrs.NewFSRS(p)
}

func variantKey(exercise string, seed uint64) string { return fmt.Sprintf("%s:%d", exercise, seed) }

// Apply records the evidence of one check at time now and returns the new
// State; st is not modified. For every skill the check's parts are
// evidence for:
//   - only the first readable answer to each part of a variant counts, and
//     a variant already counted (answered before, in Done) counts no more;
//   - the first miss (wrong or revealed) on a variant lowers the level by
//     one, to no lower than attempted;
//   - once every checked part of the skill in the variant has a first
//     answer and none was a miss, the level rises by one;
//   - reaching mastered starts an FSRS review card; a right variant of a
//     mastered skill is a "good" review, a miss an "again" (a lapse).
func Apply(st State, c Check, now time.Time) State {
	st = st.clone()
	for _, sk := range Skills() {
		var need []string
		for _, p := range c.Checked {
			for _, e := range sk.Evidence {
				if e.matches(c.Exercise, p) {
					need = append(need, p)
					break
				}
			}
		}
		if len(need) == 0 {
			continue
		}
		var answered []string
		for _, p := range need {
			switch c.Parts[p] {
			case Correct, Incorrect, Revealed:
				answered = append(answered, p)
			}
		}
		if len(answered) == 0 {
			continue
		}
		key := variantKey(c.Exercise, c.Seed)
		s := st.skill(sk.ID)
		if slices.Contains(s.Done, key) {
			continue
		}
		if s.Open == nil || s.Open.Exercise != c.Exercise || s.Open.Seed != c.Seed {
			// A new variant; one left unfinished counts only through the
			// misses already applied.
			s.Open = &Open{Exercise: c.Exercise, Seed: c.Seed}
		}
		s.Level = max(s.Level, Attempted)
		s.Last = now.Unix()
		for _, p := range answered {
			if slices.Contains(s.Open.Answered, p) {
				continue
			}
			s.Open.Answered = append(s.Open.Answered, p)
			if c.Parts[p] != Correct && !s.Open.Missed {
				s.Open.Missed = true
				s.miss(now)
			}
		}
		done := true
		for _, p := range need {
			if !slices.Contains(s.Open.Answered, p) {
				done = false
				break
			}
		}
		if !done {
			continue
		}
		if !s.Open.Missed {
			s.hit(now)
		}
		s.Open = nil
		s.Done = append(s.Done, key)
		if len(s.Done) > MaxDone {
			s.Done = slices.Clone(s.Done[len(s.Done)-MaxDone:])
		}
	}
	return st
}

// hit raises the level for a variant done right.
func (s *SkillState) hit(now time.Time) {
	switch {
	case s.Level == Mastered:
		s.review(fsrs.Good, now)
	case s.Level == Proficient:
		s.Level = Mastered
		s.review(fsrs.Good, now)
	default:
		s.Level++
	}
}

// miss lowers the level for a wrong or revealed first answer.
func (s *SkillState) miss(now time.Time) {
	if s.Level == Mastered {
		s.review(fsrs.Again, now)
	}
	if s.Level > Attempted {
		s.Level--
	}
}

func (s *SkillState) review(r fsrs.Rating, now time.Time) {
	card := fsrs.NewCard()
	if s.Review != nil {
		card = s.Review.fsrs()
	}
	s.Review = cardOf(scheduler().Next(card, now.UTC(), r).Card)
}

func (st *State) skill(id string) *SkillState {
	if st.Skills == nil {
		st.Skills = map[string]*SkillState{}
	}
	s, ok := st.Skills[id]
	if !ok {
		s = &SkillState{}
		st.Skills[id] = s
	}
	return s
}

// clone copies a State deeply, so Apply never changes its argument.
func (st State) clone() State {
	out := State{Version: 1}
	if len(st.Skills) > 0 {
		out.Skills = make(map[string]*SkillState, len(st.Skills))
	}
	for id, s := range st.Skills {
		if s == nil {
			continue
		}
		c := *s
		c.Done = slices.Clone(s.Done)
		if s.Open != nil {
			o := *s.Open
			o.Answered = slices.Clone(s.Open.Answered)
			c.Open = &o
		}
		if s.Review != nil {
			r := *s.Review
			c.Review = &r
		}
		out.Skills[id] = &c
	}
	return out
}

// SkillView is one skill's standing at a moment.
type SkillView struct {
	Skill Skill
	Level Level
	// Due is when a mastered skill's next review is due (zero before
	// mastery); ReviewDue says it is due now.
	Due       time.Time
	ReviewDue bool
}

// Summary reports every skill's standing at now, in the order of Skills.
func Summary(st State, now time.Time) []SkillView {
	var out []SkillView
	for _, sk := range Skills() {
		v := SkillView{Skill: sk}
		if s := st.Skills[sk.ID]; s != nil {
			v.Level = s.Level
			if s.Level == Mastered && s.Review != nil {
				v.Due = time.Unix(s.Review.Due, 0).UTC()
				v.ReviewDue = !now.Before(v.Due)
			}
		}
		out = append(out, v)
	}
	return out
}

// Suggestion is the variant "practise next" serves.
type Suggestion struct {
	Skill    Skill
	Exercise string
	Seed     uint64
	// Reason says in a sentence why this skill comes next.
	Reason string
}

// Next picks the most useful next variant at now: a mastered skill whose
// review is due (the longest overdue first); else the skill in progress
// with the lowest level (the first in recitation order on a tie); else the
// first skill not started; else, everything mastered and nothing due, the
// review due soonest, practised early. The seed is fresh: never one the
// skill has counted or has open, never 0 (the recitation's own numbers,
// which the exercise pages show first), at most 999,999, and a function of the State and
// now, so that the same request gives the same answer.
func Next(st State, now time.Time) Suggestion {
	views := Summary(st, now)
	pick := -1
	reason := ""
	var due []int
	for i, v := range views {
		if v.ReviewDue {
			due = append(due, i)
		}
	}
	if len(due) > 0 {
		sort.SliceStable(due, func(a, b int) bool { return views[due[a]].Due.Before(views[due[b]].Due) })
		pick = due[0]
		reason = fmt.Sprintf("%s is mastered and due for review: a fresh variant keeps it mastered.", views[pick].Skill.Name)
	}
	if pick < 0 {
		for i, v := range views {
			if v.Level >= Attempted && v.Level < Mastered && (pick < 0 || v.Level < views[pick].Level) {
				pick = i
			}
		}
		if pick >= 0 {
			reason = fmt.Sprintf("%s is %s: a right answer on a fresh variant raises it.", views[pick].Skill.Name, views[pick].Level)
		}
	}
	if pick < 0 {
		for i, v := range views {
			if v.Level == NotStarted {
				pick = i
				reason = fmt.Sprintf("%s is not started yet.", v.Skill.Name)
				break
			}
		}
	}
	if pick < 0 {
		for i, v := range views {
			if pick < 0 || v.Due.Before(views[pick].Due) {
				pick = i
			}
		}
		reason = fmt.Sprintf("Every skill is mastered; %s's review is due first (%s), so practise it early.",
			views[pick].Skill.Name, views[pick].Due.Format("2 January 2006"))
	}
	sk := views[pick].Skill
	return Suggestion{Skill: sk, Exercise: sk.Serve, Seed: freshSeed(st, sk, now), Reason: reason}
}

// freshSeed derives a seed from the skill, the clock and the skill's
// record, skipping seeds the skill has counted or has open.
func freshSeed(st State, sk Skill, now time.Time) uint64 {
	var used []string
	if s := st.Skills[sk.ID]; s != nil {
		used = s.Done
		if s.Open != nil {
			used = append(slices.Clone(used), variantKey(s.Open.Exercise, s.Open.Seed))
		}
	}
	for i := 0; ; i++ {
		h := fnv.New64a()
		fmt.Fprintf(h, "%s|%d|%d|%d", sk.ID, now.UnixNano(), len(used), i)
		// Seeds up to 999,999, like the pages' "new variant" links: short
		// enough to read out or type.
		seed := h.Sum64()%999_999 + 1
		if !slices.Contains(used, variantKey(sk.Serve, seed)) {
			return seed
		}
	}
}
