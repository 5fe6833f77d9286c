package web

// Per-connection budgets of the animation websocket. A client message is
// cheap to send and can be expensive to answer (a seek in a 64×64-kernel
// animation answers with a 4,096-term step), so every connection spends
// from token buckets that refill at a fixed rate; docs/PROTOCOL.md
// ("Budgets") documents the numbers.

import (
	"fmt"
	"time"
)

// animBudget bounds what one connection may ask of the server. It is a
// field of the animator rather than constants so that tests can make the
// refill rates negligible and count exactly.
type animBudget struct {
	// units per second and burst of the message bucket. Every message costs
	// 1 unit, plus its answer's size in units of animCostTerms terms (a
	// step's terms, a meta's cells).
	unitRate, unitBurst float64
	// bytes per second and burst of the bucket that client message bytes
	// are charged to.
	byteRate, byteBurst float64
	// dropRate and dropBurst form the patience bucket: every message refused
	// for lack of budget costs one token, and a connection that runs it dry
	// is closed with 1008 (policy violation).
	dropRate, dropBurst float64
	// outRate bounds the bytes a playing animation sends per second: after
	// a step of n bytes the next one waits at least n/outRate seconds, so
	// large steps play slower than the fps asked for. 0: no bound.
	outRate float64
}

var defaultAnimBudget = animBudget{
	unitRate: 40, unitBurst: 80,
	byteRate: 64 << 10, byteBurst: 256 << 10,
	dropRate: 10, dropBurst: 100,
	outRate: 1 << 20,
}

// animCostTerms is how many step terms (or meta cells) cost one unit on top
// of a message's base unit, so the largest step (4,096 terms) costs 1+8 and
// the largest meta (4,096 input cells and 4,096 kernel values) 1+16.
const animCostTerms = 512

// tokenBucket is a classic token bucket; only the reader goroutine uses it.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newTokenBucket(rate, burst float64, now time.Time) tokenBucket {
	return tokenBucket{rate: rate, burst: burst, tokens: burst, last: now}
}

// refill adds what the time since the last call earned, up to the burst.
func (b *tokenBucket) refill(now time.Time) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.burst, b.tokens+d.Seconds()*b.rate)
		b.last = now
	}
}

// readerBudget is the reader's state of the three buckets. A message is
// charged to the byte bucket, then parsed and charged to the unit bucket;
// a message refused by either costs a patience token instead.
type readerBudget struct {
	units, bytes, patience tokenBucket
}

func newReaderBudget(b animBudget, now time.Time) readerBudget {
	return readerBudget{
		units:    newTokenBucket(b.unitRate, b.unitBurst, now),
		bytes:    newTokenBucket(b.byteRate, b.byteBurst, now),
		patience: newTokenBucket(b.dropRate, b.dropBurst, now),
	}
}

// admit charges a message of n bytes to the byte bucket and reports
// whether it may be parsed: the bytes are there and so is at least the base
// unit. It runs before parsing, so a flood costs no parsing; bytes of
// admitted messages are charged even if take then refuses them.
func (r *readerBudget) admit(n int, now time.Time) bool {
	r.units.refill(now)
	r.bytes.refill(now)
	if r.units.tokens < 1 || r.bytes.tokens < float64(n) {
		return false
	}
	r.bytes.tokens -= float64(n)
	return true
}

// take charges the units of a parsed message, or reports false and charges
// nothing when they are not there.
func (r *readerBudget) take(units float64) bool {
	if r.units.tokens < units {
		return false
	}
	r.units.tokens -= units
	return true
}

// refuse records a refused message and reports whether the connection may
// stay open.
func (r *readerBudget) refuse(now time.Time) bool {
	r.patience.refill(now)
	r.patience.tokens--
	return r.patience.tokens >= 0
}

// overBudgetError is the error message sent once per run of refused
// messages.
func (b animBudget) overBudgetError() *wsError {
	return &wsError{Message: fmt.Sprintf(
		"too many messages: a connection may send %v per second in bursts of up to %v (large animations count more), "+
			"and %d KiB per second; this message and any more until the budget refills are ignored",
		b.unitRate, b.unitBurst, int(b.byteRate)>>10)}
}

// errOverBudget ends a reader whose client kept exceeding its budget; the
// writer then closes the connection with 1008.
var errOverBudget = fmt.Errorf("the client kept sending more than its message budget")

// animOverBudgetReason is the close reason sent with 1008.
const animOverBudgetReason = "too many messages: the client kept exceeding its message budget"
