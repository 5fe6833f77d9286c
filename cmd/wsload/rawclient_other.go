//go:build !linux

package main

import (
	"context"
	"errors"
	"time"
)

const rawClientAvailable = false

// startRawClient: the raw client uses epoll, which only Linux has.
func startRawClient(context.Context) (func(context.Context, config, time.Duration, []byte) streamResult, func(), error) {
	return nil, nil, errors.New("-client raw needs Linux (epoll); use -client gorilla")
}
