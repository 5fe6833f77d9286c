package web

import "fmt"

// Message and control rates of live sessions (issue 14 §2, "limits
// documented and enforced"). Each is a setting (cmd/server: a flag with its
// STRIDE_ variable); each is enforced per connection or per session on
// each replica, and a client beyond it is told which limit it hit: a
// websocket closed with 1008 and a reason naming the setting, or a 429
// naming it.

// Defaults of the live rates.
const (
	// DefaultLiveStudentMsgRate: messages a second a student's page may
	// send (they need none: answers are forms), after a burst of
	// liveStudentBurstFactor times it. Staff pages' messages other than
	// drives count here too.
	DefaultLiveStudentMsgRate = liveMsgPerSecond
	// DefaultLiveInstructorMsgRate: drive messages a second an
	// instructor's page may send, after a burst of twice it.
	DefaultLiveInstructorMsgRate = liveDriveFloodPerSecond
	// DefaultLiveControlRate: instructor controls a second one session
	// takes on one replica, after a burst of four times it.
	DefaultLiveControlRate = liveControlPerSecond

	liveStudentBurstFactor    = liveMsgBurst / liveMsgPerSecond
	liveInstructorBurstFactor = liveDriveFloodBurst / liveDriveFloodPerSecond
	liveControlBurstFactor    = liveControlBurst / liveControlPerSecond
)

// liveRates are a server's live rates with their bursts.
type liveRates struct {
	student, studentBurst       int
	instructor, instructorBurst int
	control, controlBurst       int
}

// liveRatesOf fills the rates of cfg, defaults for zero fields.
func liveRatesOf(cfg LiveConfig) liveRates {
	pick := func(v, def int) int {
		if v <= 0 {
			return def
		}
		return v
	}
	r := liveRates{student: pick(cfg.StudentMsgRate, DefaultLiveStudentMsgRate),
		instructor: pick(cfg.InstructorMsgRate, DefaultLiveInstructorMsgRate),
		control:    pick(cfg.ControlRate, DefaultLiveControlRate)}
	r.studentBurst = r.student * liveStudentBurstFactor
	r.instructorBurst = r.instructor * liveInstructorBurstFactor
	r.controlBurst = r.control * liveControlBurstFactor
	return r
}

// The close reasons and refusals name the setting of the limit hit (a
// close reason has at most 123 bytes).
func (r liveRates) studentReason() string {
	return fmt.Sprintf("too many messages: at most %d a second, bursts of %d (-live-student-msg-rate)", r.student, r.studentBurst)
}

func (r liveRates) instructorReason() string {
	return fmt.Sprintf("too many drives: at most %d a second, bursts of %d (-live-instructor-msg-rate)", r.instructor, r.instructorBurst)
}

func (r liveRates) controlRefusal() string {
	return fmt.Sprintf("A live session takes at most %d controls a second (bursts of %d; the server's -live-control-rate); wait a moment and press it again.", r.control, r.controlBurst)
}
