package main

import (
	"os"
	"testing"
)

// unsetenv removes a variable for the rest of the test; t.Setenv first so
// that the test framework restores it afterwards.
func unsetenv(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "")
	if err := os.Unsetenv(key); err != nil {
		t.Fatal(err)
	}
}
