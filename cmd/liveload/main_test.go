package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestFlags: bad settings stop the run with status 2 and say what is
// wanted, before anything connects.
func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-sessions", "0", "-data-dir", "x"},
		{"-students", "-1", "-data-dir", "x"},
		{"-window", "0s", "-data-dir", "x"},
		{"-wrong", "2", "-data-dir", "x"},
		{}, // neither database
		{"-data-dir", "x", "-database-url", "postgres://y"}, // both
		{"-data-dir", "x", "-pids", "abc"},
		{"-data-dir", "x", "-pids", "1,2"}, // more PIDs than servers
		{"-data-dir", "x", "-client", "bogus"},
		{"-data-dir", "x", "-next-every", "-1"},
		{"-data-dir", "x", "-http-conns", "0"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 || !strings.Contains(errb.String(), "liveload:") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"-h"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "-no-answers") {
		t.Errorf("-h: exit %d", code)
	}
}
