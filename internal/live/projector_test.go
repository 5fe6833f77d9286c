package live

import (
	"context"
	"strings"
	"testing"
)

// TestProjectorViewCodec: every view survives the stored bit set, and 0
// (sessions before migration 00014) is the default, the zero view: no
// names, the rest shown.
func TestProjectorViewCodec(t *testing.T) {
	if v := projectorOf(0); v != (ProjectorView{}) {
		t.Errorf("default view %+v", v)
	}
	for bits := int64(0); bits < 16; bits++ {
		if got := projectorOf(bits).bits(); got != bits {
			t.Errorf("bits %d came back as %d", bits, got)
		}
	}
}

// TestProjectorActions: each projector control changes one thing of the
// view and nothing of the room; repeating it changes nothing; the names
// are off until shown.
func TestProjectorActions(t *testing.T) {
	cases := []struct {
		a    Action
		want func(ProjectorView) bool
	}{
		{ActShowNames, func(v ProjectorView) bool { return v.Names }},
		{ActHideNames, func(v ProjectorView) bool { return !v.Names }},
		{ActHideCounts, func(v ProjectorView) bool { return v.HideCounts }},
		{ActShowCounts, func(v ProjectorView) bool { return !v.HideCounts }},
		{ActHideHistogram, func(v ProjectorView) bool { return v.HideHistogram }},
		{ActShowHistogram, func(v ProjectorView) bool { return !v.HideHistogram }},
		{ActHideWrong, func(v ProjectorView) bool { return v.HideWrong }},
		{ActShowWrong, func(v ProjectorView) bool { return !v.HideWrong }},
	}
	st := State{Items: 2, Unlocked: []int{0}}
	for _, tc := range cases {
		a, err := ParseAction(string(tc.a))
		if err != nil || a != tc.a {
			t.Fatalf("parse %s: %v", tc.a, err)
		}
		before := st
		if !st.apply(a) && tc.want(before.Projector) == false {
			t.Errorf("%s changed nothing", a)
		}
		if !tc.want(st.Projector) {
			t.Errorf("%s: view %+v", a, st.Projector)
		}
		if st.Question != before.Question || st.Paused != before.Paused || st.Revealed != before.Revealed || len(st.Unlocked) != 1 {
			t.Errorf("%s changed the room: %+v", a, st)
		}
		if again := st; again.apply(a) {
			t.Errorf("%s twice changed something", a)
		}
	}
	if _, err := ParseAction("show_everything"); err == nil || !strings.Contains(err.Error(), "show_names") {
		t.Errorf("unknown action's error %v does not list the projector's", err)
	}
}

// TestProjectorReplicas: the instructor shows names on replica A; the
// view is stored with the state (a new hub reads it back: a reload or a
// restart keeps it), pages on replica B get it, and students' pages get
// the state's new version with the same room.
func TestProjectorReplicas(t *testing.T) {
	run := func(t *testing.T, r replicas) {
		e := r.e
		ha, hb := e.hub(r.a), e.hub(r.b)
		staffB, err := hb.Subscribe(bg, RoleStaff, 0)
		if err != nil {
			t.Fatal(err)
		}
		next(t, staffB)
		stu, err := hb.Subscribe(bg, RoleStudent, e.learner())
		if err != nil {
			t.Fatal(err)
		}
		first := next(t, stu)
		if first.State.Projector.Names {
			t.Fatal("names shown before the instructor chose to")
		}
		if changed, err := ha.Control(context.Background(), ActShowNames); err != nil || !changed {
			t.Fatalf("show names: %v, %v", changed, err)
		}
		m := until(t, staffB, func(m Message) bool { return m.State != nil && m.State.Projector.Names })
		if m.State.Version != first.State.Version+1 {
			t.Errorf("version %d after %d", m.State.Version, first.State.Version)
		}
		sm := until(t, stu, func(m Message) bool { return m.State != nil })
		if !sm.State.Projector.Names || sm.State.Question != first.State.Question || sm.State.Paused != first.State.Paused {
			t.Errorf("student's state after show_names %+v", sm.State)
		}
		ls, err := e.st.GetLiveState(bg, e.ls.ID)
		if err != nil || projectorOf(ls.Projector) != (ProjectorView{Names: true}) {
			t.Fatalf("stored view %d, %v", ls.Projector, err)
		}
		if _, err := hb.Control(bg, ActHideWrong); err != nil {
			t.Fatal(err)
		}
		// A third manager (a restart) loads the view from the database.
		fresh := e.manager(e.st, NewLocalBus(), Config{})
		if v := e.hub(fresh).State().Projector; v != (ProjectorView{Names: true, HideWrong: true}) {
			t.Errorf("a new hub reads the view %+v", v)
		}
	}
	t.Run("sqlite-local-bus", func(t *testing.T) { run(t, twoOnSQLite(t)) })
	t.Run("postgres-listen-notify", func(t *testing.T) {
		r, ok := twoOnPostgres(t)
		if !ok {
			t.Skip("STRIDE_TEST_DATABASE_URL is not set")
		}
		run(t, r)
	})
}
