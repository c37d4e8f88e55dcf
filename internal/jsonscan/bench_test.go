package jsonscan_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/askproai/askpro/internal/jsonscan"
)

// BenchmarkScan compares one pass of jsonscan (validate and fetch two
// fields) with encoding/json's Valid and Unmarshal into a two-field struct,
// on the 22 KB Retell call_ended fixture.
func BenchmarkScan(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("..", "..", "pkg", "webhook", "webhooktest", "testdata", "retell", "call_ended.json"))
	if err != nil {
		b.Fatal(err)
	}
	q := jsonscan.NewQuery([]string{"event"}, []string{"call", "call_id"})
	b.Run("jsonscan.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if err := jsonscan.Valid(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsonscan.Query.Scan", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		var v [2]jsonscan.Value
		for b.Loop() {
			if err := q.Scan(body, v[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if !json.Valid(body) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var v struct {
				Event string `json:"event"`
				Call  struct {
					CallID string `json:"call_id"`
				} `json:"call"`
			}
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
