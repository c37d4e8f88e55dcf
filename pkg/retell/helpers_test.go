package retell_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/retell/retelltest"
	"github.com/stretchr/testify/require"
)

const (
	salonNumber = "+493012345678"
	voiceID     = "retell-Cimo"
)

// testBundle holds the collaborators of a client under test.
type testBundle struct {
	srv    *retelltest.Server
	sleeps *sleepRecorder
	logs   *syncBuffer
}

// setup returns a client for a fresh fake with one registered number, a
// recorded Sleep, its own breakers and a captured log. mods adjust the
// client config.
func setup(t *testing.T, mods ...func(*retell.Config)) (*retell.Client, testBundle) {
	t.Helper()
	srv := retelltest.Start(t, retelltest.Config{Now: fixedNow})
	srv.AddPhoneNumber(salonNumber)
	b := testBundle{srv: srv, sleeps: &sleepRecorder{}, logs: &syncBuffer{}}
	cfg := srv.ClientConfig()
	cfg.Sleep = b.sleeps.Sleep
	cfg.Now = fixedNow
	cfg.Logger = slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, m := range mods {
		m(&cfg)
	}
	c, err := retell.New(cfg)
	require.NoError(t, err)
	return c, b
}

var fixedTime = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return fixedTime }

// sleepRecorder is a Config.Sleep that records each wait and returns at
// once (or the context's error).
type sleepRecorder struct {
	mu sync.Mutex
	d  []time.Duration
	// hook, if set, runs before the context is checked.
	hook func()
}

func (r *sleepRecorder) Sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.d = append(r.d, d)
	hook := r.hook
	r.mu.Unlock()
	if hook != nil {
		hook()
	}
	return ctx.Err()
}

func (r *sleepRecorder) waits() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.d...)
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func ptr[T any](v T) *T { return &v }

// newLLM creates a small LLM on the fake.
func newLLM(t *testing.T, c *retell.Client) retell.LLM {
	t.Helper()
	llm, err := c.CreateRetellLLM(context.Background(), retell.LLMRequest{
		StartSpeaker:  "agent",
		BeginMessage:  ptr("Salon Haarmonie, guten Tag! Hier spricht die digitale Assistenz."),
		GeneralPrompt: "Du bist die Telefonassistenz.",
		GeneralTools:  []retell.Tool{{Type: retell.ToolEndCall, Name: "end_call", Description: "Beendet das Gespräch."}},
	})
	require.NoError(t, err)
	return llm
}

// newAgent creates an agent on llm.
func newAgent(t *testing.T, c *retell.Client, llm retell.LLM) retell.Agent {
	t.Helper()
	a, err := c.CreateAgent(context.Background(), retell.AgentRequest{
		ResponseEngine:    &retell.ResponseEngine{Type: retell.EngineRetellLLM, LLMID: llm.LLMID},
		VoiceID:           voiceID,
		AgentName:         "Salon Haarmonie Rezeption",
		Language:          retell.Locales{"de-DE"},
		MaxCallDurationMS: ptr(600000),
	})
	require.NoError(t, err)
	return a
}
