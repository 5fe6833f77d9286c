//go:build unix

package main

import "syscall"

// smallReceiveBuffer shrinks a socket's receive buffer before it connects,
// so a client that never reads takes as little of the answer as it can and
// the server has to hold the rest.
func smallReceiveBuffer(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
	})
	if err != nil {
		return err
	}
	return serr
}
