//go:build !unix

package main

import "syscall"

func raiseFileLimit() (uint64, error) { return 0, nil }

func smallReceiveBuffer(network, address string, c syscall.RawConn) error { return nil }
