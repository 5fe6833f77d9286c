package web

import (
	"os"
	"testing"
)

// TestMain removes what the package's tests share across tests: the
// template database (testdb_test.go) and the Chromium process
// (browser_test.go).
func TestMain(m *testing.M) {
	code := m.Run()
	stopSharedBrowser()
	removeTemplateDB()
	os.Exit(code)
}
