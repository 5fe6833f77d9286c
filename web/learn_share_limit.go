package web

import "time"

// Self-declared learners per client: POST /a/{share} creates a learner row
// for every submission, so one client could fill the database. Each client
// address may create shareLimitMax learners per shareLimitWindow, after
// which the shared link answers 429 with Retry-After. A whole lecture hall
// behind one school NAT joins through the shared link within minutes, so
// the budget fits a large class; it still bounds one client to 43,200 rows
// a day instead of as many as it can post.
//
// The count lives in the database like the sign-in limits (auth_limit.go),
// not in each process: the budget bounds rows in the shared database, so N
// replicas must not allow N times as many, and a learner creation writes
// to the database anyway, so one more small upsert costs little.
const (
	shareLimitMax    = 300
	shareLimitWindow = 10 * time.Minute
)

// shareLearnerLimit is the shared link's budget per client address.
var shareLearnerLimit = windowLimit{scope: "share-learners", max: shareLimitMax, window: shareLimitWindow}
