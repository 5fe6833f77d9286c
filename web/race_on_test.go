//go:build race

package web

// raceDetector reports whether the tests run under -race.
const raceDetector = true
