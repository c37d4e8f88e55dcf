package testenv

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

const module = "module github.com/askproai/askpro"

// FixturesDir returns shared/fixtures/<provider> beside the module root
// (where the repository is cloned next to its shared/ folder, on developer
// machines and in CI alike), or fails t. The fixtures are the reference
// the clients are built to, so a missing folder fails instead of skipping.
func FixturesDir(t testing.TB, provider string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("testenv: working directory: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte(module)) {
			fx := filepath.Join(dir, "..", "shared", "fixtures", provider)
			if _, err := os.Stat(fx); err != nil {
				t.Fatalf("testenv: the shared %s fixtures are missing at %s (clone the repository next to its shared/ folder): %v", provider, fx, err)
			}
			return fx
		}
		if filepath.Dir(dir) == dir {
			t.Fatalf("testenv: no go.mod of %s above %s", module, wd)
		}
	}
}

// Fixture returns the file name of shared/fixtures/<provider>, or fails t.
func Fixture(t testing.TB, provider, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(FixturesDir(t, provider), name))
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return b
}
