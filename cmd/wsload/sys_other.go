//go:build !unix

package main

import "errors"

// raiseFileLimit is a no-op where there is no setrlimit.
func raiseFileLimit() (uint64, error) {
	return 0, errors.New("not supported on this system")
}
