package dedup

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// pipeliner sends the commands of concurrent callers to Redis together: a
// worker takes every command already waiting (up to maxPipeline) and sends
// them as one pipeline, so N concurrent calls cost one write and one read
// instead of N of each. A caller waits for its own command's reply, or for
// its context. With no concurrency a command goes alone, as without
// pipelining.
type pipeliner struct {
	client redis.UniversalClient
	reqs   chan *pipeReq
	wg     sync.WaitGroup
	mu     sync.RWMutex
	closed bool
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

// errStoreClosed is returned by calls on a closed pipelining RedisStore.
var errStoreClosed = errors.New("redis store closed")

func newPipeliner(client redis.UniversalClient) *pipeliner {
	p := &pipeliner{client: client, reqs: make(chan *pipeReq, 4*maxPipeline)}
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
	p.mu.RLock()
	if p.closed {
		p.mu.RUnlock()
		return errStoreClosed
	}
	select {
	case p.reqs <- r:
		p.mu.RUnlock()
	case <-ctx.Done():
		p.mu.RUnlock()
		return ctx.Err()
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
	for first := range p.reqs {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < maxPipeline {
			select {
			case r, ok := <-p.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
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
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.reqs)
	}
	p.mu.Unlock()
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
