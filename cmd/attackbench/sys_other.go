//go:build !unix

package main

import "syscall"

func smallReceiveBuffer(network, address string, c syscall.RawConn) error { return nil }
