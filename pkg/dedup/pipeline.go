package dedup

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/askproai/askpro/internal/handoff"
)

// pipeliner sends the commands of concurrent callers to Redis together: a
// worker takes every command already waiting (up to maxPipeline) and sends
// them as one pipeline, so N concurrent calls cost one write and one read
// instead of N of each. A caller waits for its own command's reply, or for
// its context. With no concurrency a command goes alone, as without
// pipelining.
type pipeliner struct {
	client redis.UniversalClient
	reqs   *handoff.Chan[*pipeReq]
	wg     sync.WaitGroup
}

type pipeReq struct {
	ctx  context.Context
	cmd  redis.Cmder
	done chan struct{}
}

const (
	maxPipeline     = 128
	pipelineWorkers = 2
	// pipelineTimeout bounds one pipeline round trip when the callers'
	// contexts carry no deadline of their own.
	pipelineTimeout = 5 * time.Second
)

func newPipeliner(client redis.UniversalClient) *pipeliner {
	p := &pipeliner{client: client, reqs: handoff.New[*pipeReq](4 * maxPipeline)}
	for i := 0; i < pipelineWorkers; i++ {
		p.wg.Add(1)
		go p.work()
	}
	return p
}

// do queues cmd and waits for its reply. It returns the command's error,
// or the context's when ctx ends first (the command may still be sent).
func (p *pipeliner) do(ctx context.Context, cmd redis.Cmder) error {
	r := &pipeReq{ctx: ctx, cmd: cmd, done: make(chan struct{})}
	if err := p.reqs.Send(ctx, r); err != nil {
		return err
	}
	select {
	case <-r.done:
		return cmd.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pipeliner) work() {
	defer p.wg.Done()
	batch := make([]*pipeReq, 0, maxPipeline)
	for first := range p.reqs.C() {
		batch, _ = p.reqs.Drain(append(batch[:0], first), maxPipeline)
		p.send(batch)
	}
}

// send runs one pipeline. Each command gets its own reply or error; a
// caller whose context already ended is not sent.
func (p *pipeliner) send(batch []*pipeReq) {
	deadline := time.Now().Add(pipelineTimeout)
	pipe := p.client.Pipeline()
	n := 0
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.cmd.SetErr(err)
			continue
		}
		if d, ok := r.ctx.Deadline(); ok && d.After(deadline) {
			deadline = d
		}
		_ = pipe.Process(context.Background(), r.cmd)
		n++
	}
	if n > 0 {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		_, _ = pipe.Exec(ctx) // every command carries its own result
		cancel()
	}
	for _, r := range batch {
		close(r.done)
	}
}

// close stops accepting commands and waits for the workers to send those
// already queued.
func (p *pipeliner) close() {
	p.reqs.Close()
	p.wg.Wait()
}

// evalScript runs script through the pipeline with EVALSHA and falls back to
// the script's own Run (EVALSHA, then EVAL) when the server does not know
// it yet (NOSCRIPT after a restart or SCRIPT FLUSH).
func (s *RedisStore) evalScript(ctx context.Context, script *redis.Script, keys []string, args ...any) (any, error) {
	if s.pipe == nil {
		return script.Run(ctx, s.client, keys, args...).Result()
	}
	cmdArgs := make([]any, 0, 3+len(keys)+len(args))
	cmdArgs = append(cmdArgs, "evalsha", script.Hash(), len(keys))
	for _, k := range keys {
		cmdArgs = append(cmdArgs, k)
	}
	cmdArgs = append(cmdArgs, args...)
	cmd := redis.NewCmd(ctx, cmdArgs...)
	err := s.pipe.do(ctx, cmd)
	if err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		return script.Run(ctx, s.client, keys, args...).Result()
	}
	if err != nil {
		return nil, err
	}
	return cmd.Val(), nil
}

// set runs SET key value PX ttl, through the pipeline when there is one.
func (s *RedisStore) set(ctx context.Context, key, value string, ttl time.Duration) error {
	if s.pipe == nil {
		return s.client.Set(ctx, key, value, ttl).Err()
	}
	return s.pipe.do(ctx, redis.NewStatusCmd(ctx, "set", key, value, "px", ttl.Milliseconds()))
}
