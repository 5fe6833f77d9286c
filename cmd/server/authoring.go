package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// checkExercisesDir checks -exercises-dir at start: empty means none; any
// other value must name a readable directory, so a typo stops start-up
// rather than serving no exercises. Files in it are checked later, one by
// one, and a bad file never stops the server.
func checkExercisesDir(dir string) (string, error) {
	dir = strings.TrimSpace(dir)
	if dir == "" {
		return "", nil
	}
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("%q does not exist; create it or leave the setting empty", dir)
	case err != nil:
		return "", fmt.Errorf("%q cannot be read: %w", dir, err)
	case !info.IsDir():
		return "", fmt.Errorf("%q is not a directory", dir)
	}
	if _, err := os.ReadDir(dir); err != nil {
		return "", fmt.Errorf("%q cannot be listed: %w", dir, err)
	}
	return dir, nil
}
