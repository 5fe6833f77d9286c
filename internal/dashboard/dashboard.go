// Package dashboard is the instructor's view of an assignment: it folds the
// attempt record into a students × items grid, per-part statistics (share
// correct, attempts until correct, time, hints, item discrimination), the
// mistake table and the most common wrong answers, chart data, and the
// gradebook and attempt exports. It is pure computation over store rows:
// no SQL, no HTTP, no HTML.
//
// A Builder takes the attempts of one assignment in the order they were
// recorded, one at a time, so a whole assignment is read in a single pass
// without holding its attempts in memory; Finish then computes everything
// the pages show. Finish leaves the Builder as it was, so a kept Builder
// can fold attempts recorded later and finish again: the report is the
// same as one built from every attempt at once (the order attempts of
// different learners come in does not matter: see Add).
package dashboard

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stride-tutor/stride/internal/courses"
	"github.com/stride-tutor/stride/internal/store"
)

// Bounds of what a report lists, so a part with thousands of distinct wrong
// answers still renders a small page.
const (
	// MaxMistakes is the most diagnosis rows a mistake table lists.
	MaxMistakes = 50
	// MaxWrongAnswers is the most common wrong answers listed per part.
	MaxWrongAnswers = 10
	// MaxChartBars is the most bars a mistake chart draws.
	MaxChartBars = 8
)

// PartRef names one part of an item.
type PartRef struct {
	ID    string
	Label string // a short name for the part; the ID when the exercise gives none
	// SelfCheck marks a part the student marks themselves: by the rule the
	// student's own progress follows too (courses.PartFinished,
	// courses.ItemScore) it is finished once answered and never scored.
	SelfCheck bool
}

// ItemInfo is an assignment item as the dashboard shows it.
type ItemInfo struct {
	ID         int64
	Position   int // 0-based
	ExerciseID string
	Title      string
	// Parts are the parts asked, in order. When empty, the parts are those
	// the attempts name, in the order first seen (an exercise the server no
	// longer knows).
	Parts  []PartRef
	Points float64
	// LearnerParts, when set, is how many parts each learner is asked: a
	// per-student seed can change an exercise's parts (conv-by-hand asks
	// the output matrix of some variants only), so Parts is then the
	// union and a learner's item score is out of their own parts. A
	// learner missing from the map is scored out of len(Parts).
	LearnerParts map[int64]int
}

// Input is what a report needs besides the attempts.
type Input struct {
	Policy store.ScorePolicy
	// LateCounts: attempts after the due date count toward scores and the
	// correctness statistics (the mistake table counts every wrong answer).
	LateCounts bool
	// AttemptsAllowed is the attempt limit per part (0: unlimited): a part
	// whose attempts are used up is finished.
	AttemptsAllowed int
	Items           []ItemInfo
	// Learners are the course's learners; every one gets a row, started or
	// not.
	Learners []store.Learner
}

// Status is how far a learner got with an item.
type Status int

// Item statuses, in the order the grid sorts them.
const (
	NotStarted Status = iota // no attempt at any part
	Started                  // some parts answered
	Done                     // every part finished, as the student's progress says (courses.PartFinished)
)

func (s Status) String() string {
	switch s {
	case Started:
		return "started"
	case Done:
		return "done"
	default:
		return "not started"
	}
}

// Cell is one learner's work on one item.
type Cell struct {
	// Score is in points: the mean of the scored parts' scores under the
	// assignment's policy (parts not answered count 0; self-check parts
	// are not scored) times the item's points, as courses.ItemScore.
	Score          float64
	Attempts       int // every attempt, late or not
	PartsAttempted int
	Parts          int
	Status         Status
	// Late: some part was first answered after the due date.
	Late bool
}

// Row is one learner's line of the grid.
type Row struct {
	Learner  store.Learner
	Cells    []Cell // in item order
	Total    float64
	Attempts int
	LastAt   time.Time // zero when not started
}

// Started reports whether the learner attempted anything.
func (r Row) Started() bool { return r.Attempts > 0 }

// PartSummary is a part's line in the item summary.
type PartSummary struct {
	PartRef
	Learners          int // learners with a counted attempt
	FirstCorrectShare float64
	EventualShare     float64
	WrongAnswers      int
}

// ItemSummary is a column of the grid with its totals.
type ItemSummary struct {
	ItemInfo
	Done       int     // learners who finished every part
	Started    int     // learners with any attempt (done included)
	Completion float64 // Done over every learner
	// MedianTime is the median, over learners who answered with a known
	// time, of the item's time: the sum over its parts of the time from
	// showing the part to the learner's first answer.
	MedianTime time.Duration
	TimeKnown  bool
	Parts      []PartSummary
}

// Mistake is a row of the mistake table: one diagnosis.
type Mistake struct {
	Code    string // "" for wrong answers the checker did not diagnose
	Message string
	Count   int
	Share   float64 // of the wrong answers
}

// WrongAnswer is a wrong answer as the checker read it, with how many gave it.
type WrongAnswer struct {
	ReadAs  string
	Example string // one raw answer read this way
	Code    string // the diagnosis it got first
	Count   int
	Share   float64 // of the wrong answers
}

// PartStats are the statistics of one part of one item.
type PartStats struct {
	Item ItemInfo
	Part PartRef
	// Learners counts learners with a counted attempt at the part; the
	// shares below are of them.
	Learners          int
	FirstCorrect      int // right at the first attempt
	EventualCorrect   int // right at some attempt
	FirstCorrectShare float64
	EventualShare     float64
	// Attempts until correct, among the learners eventually right (the
	// first time = 1).
	AttemptsToCorrectMedian float64
	AttemptsToCorrectMean   float64
	// MedianTime: time from showing the part to the first answer, over the
	// learners whose client reported it.
	MedianTime time.Duration
	TimeKnown  bool
	// HintsMean is the mean of the most hints each learner had open;
	// HintsAny counts learners who opened at least one.
	HintsMean float64
	HintsAny  int
	// Discrimination is the point-biserial correlation of the part's final
	// correctness (full credit under the score policy) with the assignment
	// total, over every learner who started the assignment.
	Discrimination   float64
	DiscriminationOK bool
	Attempts         int // every attempt at the part
	WrongAnswers     int // attempts whose verdict was neither correct nor a reveal
	SolutionsShown   int // "show the worked solution" requests recorded
	Mistakes         []Mistake
	// MistakesOmitted counts diagnoses beyond MaxMistakes.
	MistakesOmitted int
	CommonWrong     []WrongAnswer
	// DistinctWrong counts the distinct wrong answers (as read).
	DistinctWrong int
}

// Histogram counts learners by assignment score.
type Histogram struct {
	Bins []Bin
	// Learners counts the learners in the histogram: those who started.
	Learners int
}

// Bin is one bar of the histogram: scores from Lo up to Hi percent (the
// last bin includes 100).
type Bin struct {
	Lo, Hi int
	Count  int
}

// Report is everything the dashboard shows for one assignment.
type Report struct {
	Policy     store.ScorePolicy
	LateCounts bool
	Items      []ItemSummary
	Rows       []Row
	MaxPoints  float64
	Started    int // learners with any attempt
	Attempts   int
	// WrongAnswers and Mistakes are over every part of the assignment.
	WrongAnswers int
	Mistakes     []Mistake
	Histogram    Histogram
	parts        map[partKey]*PartStats
}

type partKey struct {
	item int64
	part string
}

// Part returns the statistics of one part of one item.
func (r *Report) Part(itemID int64, partID string) (*PartStats, bool) {
	p, ok := r.parts[partKey{itemID, partID}]
	return p, ok
}

// Item returns the summary of an item.
func (r *Report) Item(itemID int64) (*ItemSummary, bool) {
	for i := range r.Items {
		if r.Items[i].ID == itemID {
			return &r.Items[i], true
		}
	}
	return nil, false
}

// Builder folds attempts into a Report.
type Builder struct {
	in         Input
	items      []itemAgg
	itemIdx    map[int64]int
	learners   []store.Learner
	learnerIdx map[int64]int
	cells      [][]cellAgg // [learner][item]
	attempts   int
}

type itemAgg struct {
	info     ItemInfo
	declared bool
	partIdx  map[string]int
	parts    []PartRef
	// selfChecks counts the self-check parts among parts.
	selfChecks int
	// Per part: wrong answers by diagnosis and by what they were read as.
	mistakes []map[string]*mistakeAgg
	wrong    []map[string]*wrongAgg
	// firstID is, per part, the smallest attempt id seen: parts the item
	// does not declare are listed in that order.
	firstID []int64
	nWrong  []int
	// nRevealed counts worked solutions shown, per part.
	nRevealed []int
	nAtt      []int
}

// mistakeAgg is a Mistake with the id of the attempt its message is from:
// the smallest id with a message, so the report does not depend on the
// order the attempts of different learners were read in.
type mistakeAgg struct {
	Mistake
	msgID int64
}

// wrongAgg is a WrongAnswer with the id of the attempt its example and
// code are from (the smallest).
type wrongAgg struct {
	WrongAnswer
	exampleID int64
}

type cellAgg struct{ parts []partAgg }

// partAgg is one learner's attempts at one part.
type partAgg struct {
	attempts int // all
	counted  int // those that count toward the score
	first    float64
	last     float64
	best     float64
	// toCorrect is the number of the first counted attempt with full
	// credit; 0 when none.
	toCorrect    int
	hints        int
	firstElapsed time.Duration
	timeKnown    bool
	firstLate    bool
	lastAt       time.Time
}

func (p *partAgg) score(policy store.ScorePolicy) float64 {
	if p.counted == 0 {
		return 0
	}
	switch policy {
	case store.ScoreFirst:
		return p.first
	case store.ScoreLast:
		return p.last
	default:
		return p.best
	}
}

// fullCredit is the score of a correct part; the store's queries use the
// same threshold.
const fullCredit = 1.0

// NewBuilder starts a report.
func NewBuilder(in Input) *Builder {
	b := &Builder{in: in, itemIdx: make(map[int64]int, len(in.Items)), learnerIdx: make(map[int64]int, len(in.Learners))}
	for i, it := range in.Items {
		ia := itemAgg{info: it, declared: len(it.Parts) > 0, partIdx: map[string]int{}}
		for _, p := range it.Parts {
			if _, dup := ia.partIdx[p.ID]; dup {
				continue
			}
			ia.addPart(p)
		}
		b.items = append(b.items, ia)
		b.itemIdx[it.ID] = i
	}
	b.learners = make([]store.Learner, 0, len(in.Learners))
	b.cells = make([][]cellAgg, 0, len(in.Learners))
	for _, l := range in.Learners {
		b.learner(l.ID, l)
	}
	return b
}

func (ia *itemAgg) addPart(p PartRef) int {
	if p.Label == "" {
		p.Label = p.ID
	}
	ia.partIdx[p.ID] = len(ia.parts)
	ia.parts = append(ia.parts, p)
	if p.SelfCheck {
		ia.selfChecks++
	}
	ia.mistakes = append(ia.mistakes, map[string]*mistakeAgg{})
	ia.wrong = append(ia.wrong, map[string]*wrongAgg{})
	ia.firstID = append(ia.firstID, 0)
	ia.nWrong = append(ia.nWrong, 0)
	ia.nRevealed = append(ia.nRevealed, 0)
	ia.nAtt = append(ia.nAtt, 0)
	return len(ia.parts) - 1
}

// AddLearner gives l a row if it has none (a learner who joined after the
// Builder started), or its record if its row was made for its attempts
// alone.
func (b *Builder) AddLearner(l store.Learner) {
	if i, ok := b.learnerIdx[l.ID]; ok {
		b.learners[i] = l
		return
	}
	b.learner(l.ID, l)
}

// HasLearner reports whether the learner has a row.
func (b *Builder) HasLearner(id int64) bool {
	_, ok := b.learnerIdx[id]
	return ok
}

// SetLearnerParts sets how many parts the learner is asked in an item
// (ItemInfo.LearnerParts).
func (b *Builder) SetLearnerParts(itemID, learnerID int64, n int) {
	ii, ok := b.itemIdx[itemID]
	if !ok {
		return
	}
	info := &b.items[ii].info
	if info.LearnerParts == nil {
		info.LearnerParts = map[int64]int{}
	}
	info.LearnerParts[learnerID] = n
}

// HasPart reports whether an item lists a part.
func (b *Builder) HasPart(itemID int64, part string) bool {
	ii, ok := b.itemIdx[itemID]
	if !ok {
		return false
	}
	_, ok = b.items[ii].partIdx[part]
	return ok
}

// learner returns the row index of a learner, adding one (named after its
// id when l has no name: a learner who joined after the list was read).
func (b *Builder) learner(id int64, l store.Learner) int {
	if i, ok := b.learnerIdx[id]; ok {
		return i
	}
	if l.ID == 0 {
		l = store.Learner{ID: id, Name: "Learner " + strconv.FormatInt(id, 10)}
	}
	b.learnerIdx[id] = len(b.learners)
	b.learners = append(b.learners, l)
	b.cells = append(b.cells, make([]cellAgg, len(b.items)))
	return len(b.learners) - 1
}

// Add folds in one attempt. A learner's attempts must come in the order
// they were recorded (id order, as store.EachReportAttempt gives them):
// "first" and "last" depend on it. Attempts of different learners may come
// in any order: what the report takes from one attempt among several
// (a wrong answer's example, a diagnosis's message, the order of parts
// an item does not declare) is the one with the smallest id. Attempts at
// other assignments' items, and at parts an item does not ask, are
// ignored.
func (b *Builder) Add(a store.ReportAttempt) {
	ii, ok := b.itemIdx[a.ItemID]
	if !ok {
		return
	}
	it := &b.items[ii]
	pi, ok := it.partIdx[a.Part]
	if !ok {
		if it.declared {
			return
		}
		pi = it.addPart(PartRef{ID: a.Part})
	}
	if it.firstID[pi] == 0 || a.ID < it.firstID[pi] {
		it.firstID[pi] = a.ID
	}
	li := b.learner(a.LearnerID, store.Learner{})
	c := &b.cells[li][ii]
	if len(c.parts) <= pi {
		c.parts = append(c.parts, make([]partAgg, pi+1-len(c.parts))...)
	}
	p := &c.parts[pi]
	b.attempts++
	it.nAtt[pi]++
	p.attempts++
	if p.attempts == 1 {
		p.firstLate = a.Late
		p.firstElapsed, p.timeKnown = a.Elapsed, a.ElapsedKnown
	}
	if a.CreatedAt.After(p.lastAt) {
		p.lastAt = a.CreatedAt
	}
	p.hints = max(p.hints, a.HintsOpened)
	if !a.Late || b.in.LateCounts {
		p.counted++
		if p.counted == 1 {
			p.first = a.Score
		}
		p.last = a.Score
		p.best = max(p.best, a.Score)
		if a.Score >= fullCredit && p.toCorrect == 0 {
			p.toCorrect = p.counted
		}
	}
	if a.Correct {
		return
	}
	// A "show the worked solution" request is recorded as an attempt but
	// is no answer: it is counted apart, never as a wrong answer with an
	// empty answer in the mistake table.
	if a.Revealed {
		it.nRevealed[pi]++
		return
	}
	it.nWrong[pi]++
	m := it.mistakes[pi][a.DiagnosisCode]
	if m == nil {
		m = &mistakeAgg{Mistake: Mistake{Code: a.DiagnosisCode}}
		it.mistakes[pi][a.DiagnosisCode] = m
	}
	m.Count++
	if a.DiagnosisCode != "" && a.DiagnosisMessage != "" && (m.Message == "" || a.ID < m.msgID) {
		m.Message, m.msgID = a.DiagnosisMessage, a.ID
	}
	read := a.ReadAs
	if read == "" {
		read = a.Answer
	}
	w := it.wrong[pi][read]
	if w == nil {
		w = &wrongAgg{WrongAnswer: WrongAnswer{ReadAs: read, Example: a.Answer, Code: a.DiagnosisCode}, exampleID: a.ID}
		it.wrong[pi][read] = w
	} else if a.ID < w.exampleID {
		w.Example, w.Code, w.exampleID = a.Answer, a.DiagnosisCode, a.ID
	}
	w.Count++
}

// Finish computes the report. The report shares nothing the Builder
// changes later, so the Builder may fold more attempts and finish again
// while the report is in use (not concurrently with Finish or Add).
func (b *Builder) Finish() *Report {
	r := &Report{Policy: b.in.Policy, LateCounts: b.in.LateCounts, Attempts: b.attempts, parts: map[partKey]*PartStats{}}
	for _, it := range b.items {
		r.MaxPoints += it.info.Points
	}
	// The grid.
	r.Rows = make([]Row, len(b.learners))
	for li, l := range b.learners {
		row := Row{Learner: l, Cells: make([]Cell, len(b.items))}
		for ii := range b.items {
			it := &b.items[ii]
			c := &b.cells[li][ii]
			n := len(it.parts)
			if lp, ok := it.info.LearnerParts[l.ID]; ok && lp > 0 {
				n = lp
			}
			cell := Cell{Parts: n}
			var sum float64
			finished := 0
			for pi := range c.parts {
				p := &c.parts[pi]
				if p.attempts == 0 {
					continue
				}
				cell.Attempts += p.attempts
				cell.PartsAttempted++
				cell.Late = cell.Late || p.firstLate
				selfCheck := pi < len(it.parts) && it.parts[pi].SelfCheck
				if !selfCheck {
					sum += p.score(b.in.Policy)
				}
				if courses.PartFinished(courses.PartState{Scored: !selfCheck, Attempts: p.attempts, Solved: p.toCorrect > 0}, b.in.AttemptsAllowed) {
					finished++
				}
				if p.lastAt.After(row.LastAt) {
					row.LastAt = p.lastAt
				}
			}
			// Self-check parts do not depend on the seed, so the union of a
			// per-student item's parts has the learner's own.
			cell.Score = courses.ItemScore(it.info.Points, sum, n-it.selfChecks)
			switch {
			case cell.PartsAttempted == 0:
				cell.Status = NotStarted
			case finished < cell.Parts:
				cell.Status = Started
			default:
				cell.Status = Done
			}
			row.Cells[ii] = cell
			row.Total += cell.Score
			row.Attempts += cell.Attempts
		}
		if row.Attempts > 0 {
			r.Started++
		}
		r.Rows[li] = row
	}
	// Item columns and per-part statistics. Sums go over the learners in
	// id order, so the report does not depend on the order rows were
	// added in (a kept Builder adds learners who joined later).
	byID := make([]int, len(b.learners))
	for i := range byID {
		byID[i] = i
	}
	slices.SortFunc(byID, func(x, y int) int { return cmp.Compare(b.learners[x].ID, b.learners[y].ID) })
	all := map[string]*Mistake{}
	for ii := range b.items {
		it := &b.items[ii]
		order := it.partOrder()
		sum := ItemSummary{ItemInfo: it.info}
		sum.Parts = make([]PartSummary, 0, len(it.parts))
		sum.ItemInfo.Parts = make([]PartRef, len(order))
		for i, pi := range order {
			sum.ItemInfo.Parts[i] = it.parts[pi]
		}
		sum.ItemInfo.LearnerParts = maps.Clone(it.info.LearnerParts)
		var times []time.Duration
		for _, li := range byID {
			cell := r.Rows[li].Cells[ii]
			if cell.Status != NotStarted {
				sum.Started++
			}
			if cell.Status == Done {
				sum.Done++
			}
			var t time.Duration
			var known bool
			for _, p := range b.cells[li][ii].parts {
				if p.timeKnown {
					t, known = t+p.firstElapsed, true
				}
			}
			if known {
				times = append(times, t)
			}
		}
		sum.Completion = share(sum.Done, len(b.learners))
		sum.MedianTime, sum.TimeKnown = medianDuration(times)
		for _, pi := range order {
			pref := it.parts[pi]
			ps := b.partStats(r, ii, pi, byID)
			ps.Item = sum.ItemInfo
			ps.Part = pref
			r.parts[partKey{it.info.ID, pref.ID}] = ps
			sum.Parts = append(sum.Parts, PartSummary{PartRef: pref, Learners: ps.Learners,
				FirstCorrectShare: ps.FirstCorrectShare, EventualShare: ps.EventualShare, WrongAnswers: ps.WrongAnswers})
			r.WrongAnswers += it.nWrong[pi]
			for code, m := range it.mistakes[pi] {
				am := all[code]
				if am == nil {
					am = &Mistake{Code: code, Message: m.Message}
					all[code] = am
				}
				am.Count += m.Count
				if am.Message == "" {
					am.Message = m.Message
				}
			}
		}
		r.Items = append(r.Items, sum)
	}
	r.Mistakes, _ = rankMistakes(all, r.WrongAnswers)
	r.Histogram = histogram(r.Rows, r.MaxPoints)
	sortRows(r.Rows, SortKey{Column: SortName}, -1)
	return r
}

// partOrder is the order an item's parts are listed in: as declared, else
// (parts named by the attempts) by their first attempt's id.
func (ia *itemAgg) partOrder() []int {
	order := make([]int, len(ia.parts))
	for i := range order {
		order[i] = i
	}
	if !ia.declared {
		slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(ia.firstID[x], ia.firstID[y]) })
	}
	return order
}

func (b *Builder) partStats(r *Report, ii, pi int, byID []int) *PartStats {
	it := &b.items[ii]
	ps := &PartStats{Attempts: it.nAtt[pi], WrongAnswers: it.nWrong[pi], SolutionsShown: it.nRevealed[pi]}
	var toCorrect []float64
	var times []time.Duration
	var hints int
	var correct []bool
	var totals []float64
	for _, li := range byID {
		var p *partAgg
		if c := b.cells[li][ii].parts; pi < len(c) {
			p = &c[pi]
		}
		if r.Rows[li].Started() {
			correct = append(correct, p != nil && p.counted > 0 && p.score(b.in.Policy) >= fullCredit)
			totals = append(totals, r.Rows[li].Total)
		}
		if p == nil || p.counted == 0 {
			continue
		}
		ps.Learners++
		if p.first >= fullCredit {
			ps.FirstCorrect++
		}
		if p.toCorrect > 0 {
			ps.EventualCorrect++
			toCorrect = append(toCorrect, float64(p.toCorrect))
		}
		if p.timeKnown {
			times = append(times, p.firstElapsed)
		}
		hints += p.hints
		if p.hints > 0 {
			ps.HintsAny++
		}
	}
	ps.FirstCorrectShare = share(ps.FirstCorrect, ps.Learners)
	ps.EventualShare = share(ps.EventualCorrect, ps.Learners)
	ps.AttemptsToCorrectMedian, _ = Median(toCorrect)
	if len(toCorrect) > 0 {
		var s float64
		for _, v := range toCorrect {
			s += v
		}
		ps.AttemptsToCorrectMean = s / float64(len(toCorrect))
	}
	ps.MedianTime, ps.TimeKnown = medianDuration(times)
	if ps.Learners > 0 {
		ps.HintsMean = float64(hints) / float64(ps.Learners)
	}
	ps.Discrimination, ps.DiscriminationOK = PointBiserial(correct, totals)
	ms := make(map[string]*Mistake, len(it.mistakes[pi]))
	for code, m := range it.mistakes[pi] {
		c := m.Mistake
		ms[code] = &c
	}
	ps.Mistakes, ps.MistakesOmitted = rankMistakes(ms, ps.WrongAnswers)
	ps.DistinctWrong = len(it.wrong[pi])
	ws := make([]WrongAnswer, 0, len(it.wrong[pi]))
	for _, w := range it.wrong[pi] {
		c := w.WrongAnswer
		c.Share = share(w.Count, ps.WrongAnswers)
		ws = append(ws, c)
	}
	slices.SortFunc(ws, func(a, b WrongAnswer) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.ReadAs, b.ReadAs))
	})
	ps.CommonWrong = ws[:min(len(ws), MaxWrongAnswers)]
	return ps
}

// rankMistakes orders diagnoses by count (then code), with their share of
// total wrong answers, keeping MaxMistakes; it returns how many it left out.
func rankMistakes(m map[string]*Mistake, total int) ([]Mistake, int) {
	out := make([]Mistake, 0, len(m))
	for _, v := range m {
		v.Share = share(v.Count, total)
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b Mistake) int {
		// Undiagnosed answers go last among equals: a named diagnosis is
		// what an instructor can act on.
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(boolInt(a.Code == ""), boolInt(b.Code == "")), strings.Compare(a.Code, b.Code))
	})
	if len(out) > MaxMistakes {
		return out[:MaxMistakes], len(out) - MaxMistakes
	}
	return out, 0
}

// histogram puts every learner who started into ten bins of 10 % of the
// maximum points.
func histogram(rows []Row, maxPoints float64) Histogram {
	h := Histogram{Bins: make([]Bin, 10)}
	for i := range h.Bins {
		h.Bins[i] = Bin{Lo: i * 10, Hi: i*10 + 10}
	}
	for _, r := range rows {
		if !r.Started() {
			continue
		}
		h.Learners++
		var pct float64
		if maxPoints > 0 {
			pct = r.Total / maxPoints * 100
		}
		// A tiny epsilon keeps 30 % (0.3·100 = 30.000000000000004 or
		// 29.999999999999996) in the bin a person would put it in.
		i := min(max(int((pct+1e-9)/10), 0), 9)
		h.Bins[i].Count++
	}
	return h
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// WithLearners returns a copy of the report that may be sorted on its own
// (the grid's rows are copied; everything else is shared and read-only),
// with each row's learner replaced by the one of the same id in learners
// (a name or e-mail changed since the report was built).
func (r *Report) WithLearners(learners []store.Learner) *Report {
	byID := make(map[int64]store.Learner, len(learners))
	for _, l := range learners {
		byID[l.ID] = l
	}
	c := *r
	c.Rows = slices.Clone(r.Rows)
	renamed := false
	for i := range c.Rows {
		if l, ok := byID[c.Rows[i].Learner.ID]; ok {
			renamed = renamed || l.Name != c.Rows[i].Learner.Name
			c.Rows[i].Learner = l
		}
	}
	if renamed {
		sortRows(c.Rows, SortKey{Column: SortName}, -1) // as Finish leaves them
	}
	return &c
}
