//go:build !linux

package liveload

import (
	"errors"
	"net"
)

// rawAvailable: the raw client uses epoll, which only Linux has.
const rawAvailable = false

type rawPollers []struct{}

func newRawPollers() (rawPollers, error) { return nil, errors.New("the raw client needs Linux") }

func (rawPollers) add(net.Conn, []byte, *student) error {
	return errors.New("the raw client needs Linux")
}

func (rawPollers) stop() {}
