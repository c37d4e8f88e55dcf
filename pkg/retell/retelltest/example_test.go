package retelltest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/retell/retelltest"
)

// Example tests code that provisions through package retell: run it
// against the fake, then look at what it left behind.
func Example() {
	srv := retelltest.NewServer(retelltest.Config{})
	defer srv.Close()
	srv.AddPhoneNumber("+493012345678")

	c, err := retell.New(retell.Config{BaseURL: srv.URL, APIKey: srv.APIKey()})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	llm, err := c.CreateRetellLLM(ctx, retell.LLMRequest{GeneralPrompt: "Du bist die Telefonassistenz."})
	if err != nil {
		log.Fatal(err)
	}
	agent, err := c.CreateAgent(ctx, retell.AgentRequest{
		ResponseEngine: &retell.ResponseEngine{Type: retell.EngineRetellLLM, LLMID: llm.LLMID},
		VoiceID:        "retell-Cimo",
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.PublishAgentVersion(ctx, agent.AgentID, retell.PublishRequest{Version: agent.Version}); err != nil {
		log.Fatal(err)
	}
	_, err = c.UpdatePhoneNumber(ctx, "+493012345678", retell.PhoneNumberUpdate{
		InboundAgents: []retell.InboundAgent{{AgentID: agent.AgentID, Weight: 1, AgentVersion: retell.Version(agent.Version)}},
	})
	if err != nil {
		log.Fatal(err)
	}

	a := srv.Agents()[0]
	pn, _ := srv.PhoneNumber("+493012345678")
	fmt.Println(len(srv.LLMs()), "LLM,", len(srv.Agents()), "agent")
	fmt.Println("version", a.Version, "published", a.IsPublished)
	fmt.Println("bound", pn.InboundAgents[0].AgentID == a.AgentID, "to version", pn.InboundAgents[0].AgentVersion)
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Op)
	}
	// Output:
	// 1 LLM, 1 agent
	// version 0 published true
	// bound true to version 0
	// POST create-retell-llm
	// POST create-agent
	// POST publish-agent-version
	// PATCH update-phone-number
}

// ExampleServer_FailWith rate-limits the next create-agent with a
// Retry-After; the client retries it once Retell has not acted, so exactly
// one agent exists.
func ExampleServer_FailWith() {
	srv := retelltest.NewServer(retelltest.Config{})
	defer srv.Close()
	srv.FailWith(retelltest.OpCreateAgent, retelltest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"})

	c, err := retell.New(srv.ClientConfig()) // retries without waiting
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	llm, err := c.CreateRetellLLM(ctx, retell.LLMRequest{})
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.CreateAgent(ctx, retell.AgentRequest{
		ResponseEngine: &retell.ResponseEngine{Type: retell.EngineRetellLLM, LLMID: llm.LLMID},
		VoiceID:        "retell-Cimo",
	})
	fmt.Println(err, len(srv.RequestsTo(retelltest.OpCreateAgent)), "requests,", len(srv.Agents()), "agent")
	// Output: <nil> 2 requests, 1 agent
}
