package retell_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/retell/retelltest"
)

// Example provisions an agent against the fake: create the LLM and the
// agent, publish version 0, bind the number to exactly that version.
func Example() {
	srv := retelltest.NewServer(retelltest.Config{})
	defer srv.Close()
	srv.AddPhoneNumber("+493012345678")

	c, err := retell.New(retell.Config{BaseURL: srv.URL, APIKey: srv.APIKey()})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	llm, err := c.CreateRetellLLM(ctx, retell.LLMRequest{
		StartSpeaker:  "agent",
		BeginMessage:  ptr("Salon Haarmonie, guten Tag! Sie sprechen mit der digitalen Assistenz."),
		GeneralPrompt: "Du bist die Telefonassistenz des Salons.",
	})
	if err != nil {
		log.Fatal(err)
	}
	agent, err := c.CreateAgent(ctx, retell.AgentRequest{
		ResponseEngine:    &retell.ResponseEngine{Type: retell.EngineRetellLLM, LLMID: llm.LLMID},
		VoiceID:           "retell-Cimo",
		Language:          retell.Locales{"de-DE"},
		MaxCallDurationMS: ptr(600000),
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.PublishAgentVersion(ctx, agent.AgentID, retell.PublishRequest{Version: agent.Version}); err != nil {
		log.Fatal(err)
	}
	inbound := "https://askpro.example/retell/inbound"
	pn, err := c.UpdatePhoneNumber(ctx, "+493012345678", retell.PhoneNumberUpdate{
		InboundAgents:     []retell.InboundAgent{{AgentID: agent.AgentID, Weight: 1, AgentVersion: retell.Version(agent.Version)}},
		InboundWebhookURL: &inbound,
	})
	if err != nil {
		log.Fatal(err)
	}
	live, err := c.GetAgent(ctx, agent.AgentID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("agent version", live.Version, "published", live.IsPublished)
	fmt.Println("number answers with version", pn.InboundAgents[0].AgentVersion)
	// Output:
	// agent version 0 published true
	// number answers with version 0
}

// ExampleMayHaveSucceeded shows how a caller treats a create that failed
// after it may have reached Retell.
func ExampleMayHaveSucceeded() {
	srv := retelltest.NewServer(retelltest.Config{})
	defer srv.Close()
	srv.FailWith(retelltest.OpCreateRetellLLM, retelltest.Fault{Status: 500, Applied: true})

	c, err := retell.New(retell.Config{BaseURL: srv.URL, APIKey: srv.APIKey(), Breakers: retell.NewBreakers(retell.BreakerConfig{})})
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.CreateRetellLLM(context.Background(), retell.LLMRequest{GeneralPrompt: "x"})
	var ae *retell.APIError
	fmt.Println(errors.As(err, &ae), ae.StatusCode)
	fmt.Println("may exist:", retell.MayHaveSucceeded(err), "- LLMs on the account:", len(srv.LLMs()))
	// Output:
	// true 500
	// may exist: true - LLMs on the account: 1
}
