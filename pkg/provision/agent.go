package provision

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/askproai/askpro/pkg/retell"
)

// Names of the tools the agent gets. The custom ones are served by askpro
// at http.public_url + FunctionsPath + name.
const (
	ToolCheckAvailability     = "check_availability"
	ToolBookAppointment       = "book_appointment"
	ToolCancelAppointment     = "cancel_appointment"
	ToolRescheduleAppointment = "reschedule_appointment"
	ToolTransferCall          = "transfer_call"
	ToolEndCall               = "end_call"
)

// Paths under http.public_url that Retell calls (DESIGN "Provisioning").
const (
	WebhookPath   = "/webhooks/retell"
	InboundPath   = "/retell/inbound"
	FunctionsPath = "/retell/functions/"
)

// Tool timeouts: each well inside Retell's 2-minute default, which Retell
// retries up to twice, so that a slow Cal.com costs the caller seconds, not
// minutes. Booking reserves the slot and then books it: two Cal.com calls.
const (
	checkTimeoutMS      = 10_000
	bookTimeoutMS       = 20_000
	cancelTimeoutMS     = 15_000
	rescheduleTimeoutMS = 20_000
)

// Agent settings (DESIGN "Provisioning": a 10-minute maximum).
const (
	maxCallDurationMS     = 10 * 60 * 1000
	webhookTimeoutMS      = 10_000
	endCallAfterSilenceMS = 30_000
)

// webhookEvents are the call events askpro processes (pkg/booking): the
// lifecycle and the transfer events; transcript_updated is not asked for.
var webhookEvents = []string{"call_started", "call_ended", "call_analyzed",
	"transfer_started", "transfer_bridged", "transfer_cancelled", "transfer_ended"}

// AgentSpec is everything provisioning sends for one branch: the LLM and
// the agent (without the LLM id and version, which Retell assigns).
type AgentSpec struct {
	LLM      retell.LLMRequest
	Agent    retell.AgentRequest
	Language string
}

// BuildAgentSpec builds the Retell LLM and agent of a branch: the German
// prompt and begin message ([BuildPrompt]), the booking tools pointing at
// publicURL, a transfer_call tool when the branch has a transfer number,
// the voice and model given, the language by the branch's country
// ([AgentLanguage]) and askpro's webhook. The output depends only on its
// input.
func BuildAgentSpec(d BranchData, publicURL, voiceID, model string) AgentSpec {
	base := strings.TrimRight(publicURL, "/")
	p := BuildPrompt(d.Company, d.Branch, d.Services, d.Hours)
	temp := 0.0
	begin := p.BeginMessage
	llm := retell.LLMRequest{
		Model:            model,
		ModelTemperature: &temp,
		StartSpeaker:     "agent",
		BeginMessage:     &begin,
		GeneralPrompt:    p.GeneralPrompt,
		GeneralTools:     tools(d, base),
	}
	lang := AgentLanguage(d.Branch)
	agent := retell.AgentRequest{
		VoiceID:               voiceID,
		AgentName:             agentName(d),
		Language:              retell.Locales{lang},
		Timezone:              d.Branch.Timezone,
		WebhookURL:            base + WebhookPath,
		WebhookEvents:         webhookEvents,
		WebhookTimeoutMS:      ptr(webhookTimeoutMS),
		MaxCallDurationMS:     ptr(maxCallDurationMS),
		EndCallAfterSilenceMS: ptr(endCallAfterSilenceMS),
		// Answer promptly; a little less eager to stop when the caller
		// says "mhm" while the agent speaks (the fixture's values).
		Responsiveness:          ptr(1.0),
		InterruptionSensitivity: ptr(0.8),
		PostCallAnalysisData:    analysis(d),
	}
	return AgentSpec{LLM: llm, Agent: agent, Language: lang}
}

// agentName names the agent in the Retell dashboard, with the branch id so
// that support finds the branch an agent belongs to.
func agentName(d BranchData) string {
	return fmt.Sprintf("%s (askpro branch %d)", displayName(d.Company, d.Branch), d.Branch.ID)
}

func ptr[T any](v T) *T { return &v }

// serviceNames are the names of the active services, as the prompt lists
// them: the values the agent may pass as "service".
func serviceNames(d BranchData) []string {
	var names []string
	for _, s := range activeServices(d.Services) {
		names = append(names, s.Name)
	}
	return names
}

// tools are the LLM's tools: end_call, the four booking functions and, with
// a transfer number, transfer_call.
func tools(d BranchData, base string) []retell.Tool {
	names := serviceNames(d)
	service := retell.StringProperty("Gewünschte Leistung, genau wie in der Liste der Leistungen", names...)
	custom := func(name, description, wait string, timeoutMS int, params *retell.Schema) retell.Tool {
		return retell.Tool{
			Type:                        retell.ToolCustom,
			Name:                        name,
			Description:                 description,
			URL:                         base + FunctionsPath + name,
			Method:                      "POST",
			Parameters:                  params,
			TimeoutMS:                   ptr(timeoutMS),
			SpeakDuringExecution:        ptr(true),
			SpeakAfterExecution:         ptr(true),
			ExecutionMessageDescription: wait,
			ExecutionMessageType:        "static_text",
		}
	}
	out := []retell.Tool{
		{Type: retell.ToolEndCall, Name: ToolEndCall, Description: "Beendet das Gespräch, nachdem sich die Person verabschiedet hat."},
		custom(ToolCheckAvailability, "Liefert freie Termine für eine Leistung an einem Tag.",
			"Einen Moment bitte, ich schaue nach.", checkTimeoutMS, &retell.Schema{
				Type: "object",
				Properties: map[string]json.RawMessage{
					"service": service,
					"date":    retell.StringProperty("Wunschtag im Format YYYY-MM-DD"),
					"time":    retell.StringProperty("Gewünschte Uhrzeit im Format HH:MM, falls genannt"),
				},
				Required: []string{"service", "date"},
			}),
		custom(ToolBookAppointment, "Bucht einen Termin verbindlich, erst nachdem die Person Leistung, Datum und Uhrzeit bestätigt hat.",
			"Einen Moment bitte, ich trage den Termin ein.", bookTimeoutMS, &retell.Schema{
				Type: "object",
				Properties: map[string]json.RawMessage{
					"service":        service,
					"start_time":     retell.StringProperty("Terminbeginn als ISO-8601 mit Offset, z. B. 2026-03-12T14:00:00+01:00"),
					"customer_name":  retell.StringProperty("Vor- und Nachname der Person"),
					"customer_phone": retell.StringProperty("Rückrufnummer, nur wenn sie von der Nummer des Anrufs abweicht"),
					"customer_email": retell.StringProperty("E-Mail-Adresse, falls genannt"),
				},
				Required: []string{"service", "start_time", "customer_name"},
			}),
		custom(ToolCancelAppointment, "Sagt einen Termin der anrufenden Nummer ab, nachdem die Person Datum und Uhrzeit bestätigt hat.",
			"Einen Moment bitte.", cancelTimeoutMS, &retell.Schema{
				Type: "object",
				Properties: map[string]json.RawMessage{
					"start_time": retell.StringProperty("Beginn des abzusagenden Termins als ISO-8601 mit Offset, falls die Person mehrere Termine hat"),
					"reason":     retell.StringProperty("Grund der Absage, falls genannt"),
				},
			}),
		custom(ToolRescheduleAppointment, "Verschiebt einen Termin der anrufenden Nummer auf eine neue, zuvor mit check_availability geprüfte Zeit.",
			"Einen Moment bitte, ich verschiebe den Termin.", rescheduleTimeoutMS, &retell.Schema{
				Type: "object",
				Properties: map[string]json.RawMessage{
					"start_time":     retell.StringProperty("Bisheriger Terminbeginn als ISO-8601 mit Offset, falls die Person mehrere Termine hat"),
					"new_start_time": retell.StringProperty("Neuer Terminbeginn als ISO-8601 mit Offset"),
				},
				Required: []string{"new_start_time"},
			}),
	}
	if d.Branch.TransferNumber != "" {
		out = append(out, retell.Tool{
			Type:                        retell.ToolTransferCall,
			Name:                        ToolTransferCall,
			Description:                 "Verbindet mit einer Mitarbeiterin oder einem Mitarbeiter, wenn die Person das ausdrücklich möchte oder du nicht weiterhelfen kannst.",
			TransferDestination:         &retell.TransferDestination{Type: "predefined", Number: string(d.Branch.TransferNumber)},
			TransferOption:              &retell.TransferOption{Type: "cold_transfer"},
			SpeakDuringExecution:        ptr(true),
			ExecutionMessageDescription: "Ich verbinde Sie jetzt, einen Moment bitte.",
		})
	}
	return out
}

// analysis is what Retell extracts after each call into
// call_analysis.custom_analysis_data.
func analysis(d BranchData) []retell.AnalysisField {
	fields := []retell.AnalysisField{
		{Type: "string", Name: "customer_name", Description: "Name der anrufenden Person", Examples: []string{"Anna Schmidt"}},
	}
	if names := serviceNames(d); len(names) > 0 {
		fields = append(fields, retell.AnalysisField{Type: "enum", Name: "service", Description: "Gebuchte oder angefragte Leistung", Choices: names})
	}
	return append(fields,
		retell.AnalysisField{Type: "boolean", Name: "appointment_booked", Description: "Wurde ein Termin verbindlich gebucht?"},
		retell.AnalysisField{Type: "string", Name: "appointment_start", Description: "Beginn des gebuchten Termins als ISO-8601 mit Offset",
			Examples: []string{"2026-03-12T14:00:00+01:00"}},
	)
}
