// Package retelltest is an in-memory fake of Retell's provisioning API on
// an httptest.Server, for testing code that uses package retell.
//
//	srv := retelltest.Start(t, retelltest.Config{})
//	srv.AddPhoneNumber("+493012345678")
//	c := srv.Client(t) // a *retell.Client for srv
//	// ... run the code under test with c ...
//	agents := srv.Agents() // and srv.LLMs(), srv.PhoneNumber(n), srv.Requests()
//
// # Endpoints
//
// The fake serves every endpoint package retell calls, with the documented
// statuses (201 create, 200 get and update, 204 delete, 200 without a body
// for publish) and error bodies {"status":"error","message":...}
// (../shared/fixtures/retell/README.md section 4):
//
//	POST   /create-retell-llm           GET  /get-retell-llm/{id}[?version=]
//	PATCH  /update-retell-llm/{id}[?version=]  DELETE /delete-retell-llm/{id}
//	GET    /v2/list-retell-llms[?limit=&sort_order=&pagination_key=]
//	POST   /create-agent                GET  /get-agent/{id}[?version=]
//	PATCH  /update-agent/{id}[?version=]       DELETE /delete-agent/{id}
//	POST   /v2/list-agents[?limit=&sort_order=&pagination_key=]
//	POST   /create-agent-version/{id}   POST /publish-agent-version/{id}
//	GET    /get-agent-versions/{id}
//	GET    /get-phone-number/{e164}     PATCH /update-phone-number/{e164}
//
// What it checks, as the real API does: the Bearer key (401 "API key is
// missing or invalid."); unknown ids in the path (404); a body that is not
// a JSON object or has a field of the wrong type (400); create-agent needs
// response_engine and voice_id (400), and an llm_id (or LLM version) that
// does not exist is 422 "Cannot find requested asset under given api key.";
// tool names (1-64 of a-z A-Z 0-9 _ -, unique among the tools the LLM sees
// at once); custom tools need an http(s) url, timeout_ms within
// 1000-600000 and "object" parameters; transfer_call tools need a
// transfer_destination (an E.164 or {{variable}} number) and a
// transfer_option; max_call_duration_ms within 60000-7200000,
// responsiveness and interruption_sensitivity within [0,1],
// end_call_after_silence_ms at least 10000, known webhook_events; on a
// number, the deprecated inbound_agent_id / inbound_agent_version (and the
// outbound and SMS ones) are refused with 400, inbound_agents weights must
// each be in (0,1] and add up to 1, and each agent and numeric version must
// exist (422). Unknown JSON fields are accepted and ignored. Numbers must
// be registered with [Server.AddPhoneNumber] first (404 otherwise).
//
// # Lists
//
// The v2 lists answer {"items", "has_more", "pagination_key"} (the key only
// while has_more is true) and take limit (1-1000, default 50), sort_order
// (ascending or descending, by creation, default descending: newest first)
// and pagination_key (the last id of the previous page, exclusive; it
// stays valid after that object is deleted). Deleted objects are never
// listed. list-retell-llms lists the latest version of each LLM;
// list-agents lists each agent once as {agent_id, agent_name, channel,
// user_modified_timestamp, tags}, not as a version, and takes an optional
// body {"filter_criteria": {"channel": {"op": "eq", "value": "voice" or
// "chat"}, "query": ...}}; the fake's agents are all voice agents.
//
// # Versions
//
// As package retell documents (its "Versions" section): a new agent and a
// new LLM are version 0 and unpublished; create-agent fills in the LLM
// version of a retell-llm engine; publish-agent-version publishes the given
// version in place (and the LLM version its engine names), and publishing
// it again changes nothing; create-agent-version copies a base version to
// the next number, with a matching LLM draft; PATCH without ?version edits
// the latest draft and is refused (400) when every version is published or
// when ?version names a published one; GET without ?version returns the
// latest version.
//
// # Faults
//
// [Server.Fail] and [Server.FailWith] make the next requests to an endpoint
// fail (after the Bearer check), in the order queued: with a status and
// message, a Retry-After header, or a hang-up without an answer. A failed
// request changes nothing, unless the fault is Applied (the request is
// performed and its answer lost). [Server.Delay] slows an endpoint down.
// Endpoints are named by the Op* constants.
//
// # Inspection
//
// [Server.LLMs], [Server.Agents] (latest versions), [Server.LLMVersions],
// [Server.AgentVersions], [Server.PhoneNumber] and [Server.Requests] (every
// request in order, path still escaped, with body and headers) show what
// the code under test did.
package retelltest
