// Package retell is a typed client for Retell AI's provisioning API: Retell
// LLMs, voice agents and their versions, and phone numbers
// (../shared/fixtures/retell/README.md section 4 is the reference for paths,
// statuses and fields; section 3 for custom tools).
//
//	c, err := retell.New(retell.Config{APIKey: key})
//	llm, err := c.CreateRetellLLM(ctx, retell.LLMRequest{GeneralPrompt: prompt, GeneralTools: tools})
//	agent, err := c.CreateAgent(ctx, retell.AgentRequest{
//		ResponseEngine: &retell.ResponseEngine{Type: retell.EngineRetellLLM, LLMID: llm.LLMID},
//		VoiceID:        "retell-Cimo",
//		Language:       retell.Locales{"de-DE"},
//	})
//	err = c.PublishAgentVersion(ctx, agent.AgentID, retell.PublishRequest{Version: agent.Version})
//	_, err = c.UpdatePhoneNumber(ctx, "+493012345678", retell.PhoneNumberUpdate{
//		InboundAgents: []retell.InboundAgent{{AgentID: agent.AgentID, Weight: 1, AgentVersion: retell.Version(agent.Version)}},
//	})
//
// Requests carry "Authorization: Bearer <key>" and JSON bodies; update
// bodies are partial (only the fields set are sent). The key never appears
// in an error or a log line, and phone numbers are masked in both.
//
// # Versions
//
// Facts, with their sources:
//
//   - A new agent, and its new LLM, are version 0 and unpublished
//     (create_agent_response.json, create_retell_llm_response.json:
//     "version": 0, "is_published": false). Version numbers start at V0
//     and go up by one with each new version; agent and LLM versions go
//     together; published versions are immutable, only drafts can be edited
//     (docs.retellai.com/agent/version).
//   - POST /publish-agent-version/{agent_id} takes {"version": n} (required)
//     and optional "version_title" and "version_description", "publishes an
//     existing draft version in place", and answers 200 with no body
//     (docs.retellai.com/api-references/publish-agent; SDK v5
//     agent_publish_params.py, and retell-typescript-sdk
//     src/resources/agent.ts, whose publish returns void). The legacy
//     POST /publish-agent/{id} (publish the latest version and open a new
//     draft) is deprecated since 2026-07-20
//     (docs.retellai.com/deprecation-notice/2026/07-20_agent_version_endpoints).
//   - So the number published is the number given, the draft's own
//     Version. The provisioner binds the phone number to that number
//     ([InboundAgent] AgentVersion [Version](n)), not to "latest", so that a
//     later draft never answers calls before it is published.
//   - GET /get-agent/{id} without ?version returns the latest version
//     ("Default to latest version", API reference): after publishing version
//     n with no newer draft, that is version n with IsPublished true.
//   - A new draft is made from any version with POST
//     /create-agent-version/{id} {"base_version": n} (201, the draft); PATCH
//     /update-agent/{id} "updates an existing agent's latest draft version",
//     and takes ?version= (SDK v5 agent.ts).
//
// Decided where nothing is confirmed: what PATCH does when no draft exists
// (every version published) is not documented. Reports from users say a
// published version refuses writes; the fake in [retelltest] refuses with
// 400, so code tested against it calls CreateAgentVersion first, which is
// right whatever Retell does. Re-provisioning is therefore: GetAgent; if it
// is published, CreateAgentVersion from it; UpdateRetellLLMVersion and
// UpdateAgentVersion on the draft's numbers; PublishAgentVersion; bind.
//
// # Retries
//
// Each attempt has its own timeout (Config.Timeout). A failed attempt is
// retried up to Config.MaxRetries times with exponential backoff and
// jitter, or after exactly the Retry-After the answer asked for (seconds or
// an HTTP date; more than Config.MaxRetryAfter is returned at once, with
// APIError.RetryAfter set). Nothing is retried once the caller's context is
// done, when the wait would outlast its deadline, after a 4xx other than
// 429, or while the breaker is open. A cancelled backoff returns at once.
//
// Which failures are retried depends on whether repeating the request is
// safe, because a remote action must happen once (DESIGN.md
// "Provisioning"):
//
//   - GET, PATCH, DELETE, publish and the lists (POST /v2/list-agents is a
//     read too) are idempotent and retried on 429, 5xx and network errors;
//     a list retries each page on its own. A DELETE whose earlier attempt may have succeeded
//     and whose retry gets "not found" returns nil.
//   - Creates (create-retell-llm, create-agent, create-agent-version) are
//     retried only when Retell certainly did not act: on 429 ("Account rate
//     limited": refused before processing) and when the request was never
//     written in full (dial failure, connection refused, a connection that
//     broke while sending). A 5xx (including 503, which a proxy may send
//     after the request reached Retell), a timeout or a connection lost after
//     sending is returned at once: the object may exist. [MayHaveSucceeded]
//     tells the caller to look for it before creating again.
//
// # Circuit breaker
//
// Every attempt goes through the circuit breaker of Retell's host
// (sony/gobreaker/v2, [BreakerConfig]): after FailureThreshold consecutive
// failed attempts (5xx, 429, network errors, attempt timeouts) it opens and
// requests fail at once with [ErrCircuitOpen]; after OpenTimeout it lets
// HalfOpenRequests probes through, and closes when they succeed. Breakers
// are per host and shared: see [Breakers].
//
// # Observing
//
// Config.Observer (an [outbound.Observer], such as [outbound.Metrics]) is
// told of every attempt sent, under its endpoint pattern
// ("/get-agent/{agent_id}", never the id or the number), and of the states
// of the host's breaker; each attempt also logs one line through
// Config.Logger ([outbound.Log]). docs/metrics.md lists the metrics.
//
// # Errors
//
// A non-2xx answer is an [*APIError] (status, Retell's message, method,
// path, Retry-After); no answer is a [*RequestError]. [IsNotFound] matches
// 404 and Retell's 422 "Cannot find requested asset"; [ErrCircuitOpen],
// [ErrInvalidConfig] and [ErrInvalidArgument] are sentinels for errors.Is.
//
// # Phone numbers in paths
//
// get-phone-number and update-phone-number take the E.164 number in the
// path; the client sends '+' as %2B (see [Client.GetPhoneNumber] for why).
package retell
