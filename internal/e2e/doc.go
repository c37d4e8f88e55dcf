// Package e2e holds end-to-end tests that build the askpro binary and run it
// as operators do: serve on a fresh machine, several serve processes on one
// database, a serve process killed under load. It has no non-test code.
package e2e
