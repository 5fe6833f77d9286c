//go:build !unix

package loadtest

import "errors"

// RaiseFileLimit is a no-op where there is no setrlimit.
func RaiseFileLimit() (uint64, error) {
	return 0, errors.New("not supported on this system")
}
