// Package testenv gives tests the real backing services askpro runs against:
// a fresh MariaDB/MySQL database per test and a Redis URL.
//
// Tests that need MySQL or Redis read ASKPRO_TEST_MYSQL_URL and
// ASKPRO_TEST_REDIS_URL. Without them the test is skipped with a message that
// says how to run it, except under CI=true, where a missing URL fails the test:
// CI must never count a skipped backend test as a pass.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Environment variables read by this package.
const (
	MySQLURLEnv = "ASKPRO_TEST_MYSQL_URL"
	RedisURLEnv = "ASKPRO_TEST_REDIS_URL"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

func required(t testing.TB, env, what string) string {
	t.Helper()
	v := os.Getenv(env)
	if v != "" {
		return v
	}
	msg := fmt.Sprintf("%s is not set: this test needs a real %s "+
		"(e.g. %s=%q); .ci/run sets it", env, what, env, example(env))
	if InCI() {
		t.Fatal("CI=true: " + msg)
	}
	t.Skip(msg)
	return ""
}

func example(env string) string {
	if env == MySQLURLEnv {
		return "mysql://root@tcp(127.0.0.1:3306)/askpro_test?parseTime=true"
	}
	return "redis://127.0.0.1:6379/15"
}

// RedisURL returns the Redis URL for tests, or skips (fails under CI).
func RedisURL(t testing.TB) string {
	t.Helper()
	return required(t, RedisURLEnv, "Redis")
}

// MySQLServerURL returns ASKPRO_TEST_MYSQL_URL as given, or skips (fails
// under CI). Most tests want [MySQL], which isolates them in a fresh database.
func MySQLServerURL(t testing.TB) string {
	t.Helper()
	return required(t, MySQLURLEnv, "MySQL/MariaDB server")
}

// MySQL creates a fresh, empty database on the test server and returns its
// URL in askpro's format (mysql://user:pass@tcp(host:port)/name?params).
// The database is dropped when the test ends.
func MySQL(t testing.TB) string {
	t.Helper()
	base := MySQLServerURL(t)
	cfg, err := mysql.ParseDSN(strings.TrimPrefix(base, "mysql://"))
	if err != nil {
		t.Fatalf("testenv: parse %s: %v", MySQLURLEnv, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "askpro_t_" + hex.EncodeToString(b[:])

	admin := cfg.Clone()
	admin.DBName = ""
	db, err := sql.Open("mysql", admin.FormatDSN())
	if err != nil {
		t.Fatalf("testenv: open mysql: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("mysql", admin.FormatDSN())
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`")
	})
	cfg.DBName = name
	return "mysql://" + cfg.FormatDSN()
}

// RedisPrefix returns a Redis URL and a unique key prefix for this test, so tests
// sharing one Redis database never see each other's keys.
func RedisPrefix(t testing.TB) (url, prefix string) {
	t.Helper()
	url = RedisURL(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	return url, "askpro_test:" + hex.EncodeToString(b[:]) + ":"
}
