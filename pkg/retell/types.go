package retell

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/askproai/askpro/pkg/phone"
)

// Tool types (the "type" of a [Tool]).
const (
	ToolCustom       = "custom"
	ToolEndCall      = "end_call"
	ToolTransferCall = "transfer_call"
)

// Response engine types (the "type" of a [ResponseEngine]).
const (
	EngineRetellLLM        = "retell-llm"
	EngineCustomLLM        = "custom-llm"
	EngineConversationFlow = "conversation-flow"
)

// LLMRequest is the body of create-retell-llm and update-retell-llm
// (fixtures/retell/README.md section 4, "create-retell-llm body").
//
// Every field is optional and omitted when unset, so an update sends only
// what is set (PATCH is partial). Pointers mark the fields whose zero value
// means something: BeginMessage "" makes the agent wait for the caller,
// ModelTemperature 0 is the most deterministic setting. A nil or empty slice
// or map is not sent, so a list cannot be cleared with this type.
type LLMRequest struct {
	// Model is the text model ("gpt-4.1" when unset on create). Retell's
	// model enum changes often; the value is passed through unchecked.
	Model string `json:"model,omitempty"`
	// S2SModel is a speech-to-speech model, exclusive with Model.
	S2SModel string `json:"s2s_model,omitempty"`
	// ModelTemperature is in [0,1]; Retell's default is 0.
	ModelTemperature *float64 `json:"model_temperature,omitempty"`
	// ModelHighPriority selects Retell's dedicated (dearer) pool.
	ModelHighPriority *bool `json:"model_high_priority,omitempty"`
	// ToolCallStrictMode makes tool arguments follow the schemas strictly.
	ToolCallStrictMode *bool `json:"tool_call_strict_mode,omitempty"`
	// StartSpeaker is "agent" or "user".
	StartSpeaker string `json:"start_speaker,omitempty"`
	// BeginMessage is the agent's first utterance: nil lets the LLM generate
	// one, a pointer to "" makes the agent wait for the caller.
	BeginMessage *string `json:"begin_message,omitempty"`
	// BeginAfterUserSilenceMS starts the agent after this much silence.
	BeginAfterUserSilenceMS *int `json:"begin_after_user_silence_ms,omitempty"`
	// GeneralPrompt is the system prompt used in every state.
	GeneralPrompt string `json:"general_prompt,omitempty"`
	// GeneralTools are the tools available in every state.
	GeneralTools []Tool `json:"general_tools,omitempty"`
	// States split the conversation into states with their own prompt and
	// tools; StartingState names the first one.
	States        []State `json:"states,omitempty"`
	StartingState string  `json:"starting_state,omitempty"`
	// DefaultDynamicVariables fill {{variables}} no call overrides.
	DefaultDynamicVariables map[string]string `json:"default_dynamic_variables,omitempty"`
	// KnowledgeBaseIDs attach knowledge bases.
	KnowledgeBaseIDs []string `json:"knowledge_base_ids,omitempty"`
}

// LLM is a Retell LLM as returned by create-retell-llm and get-retell-llm:
// the request fields plus its id, version and publication state.
type LLM struct {
	// LLMID is Retell's id ("llm_…").
	LLMID string `json:"llm_id"`
	// Version is this version's number. Agent and LLM versions go up
	// together (docs.retellai.com/agent/version).
	Version int `json:"version"`
	// IsPublished reports whether this version is published (immutable).
	IsPublished bool `json:"is_published"`
	// LastModificationTimestamp is in milliseconds since the epoch.
	LastModificationTimestamp int64 `json:"last_modification_timestamp,omitempty"`
	LLMRequest
}

// State is one state of a multi-state Retell LLM.
type State struct {
	Name        string `json:"name"`
	StatePrompt string `json:"state_prompt,omitempty"`
	Edges       []Edge `json:"edges,omitempty"`
	Tools       []Tool `json:"tools,omitempty"`
}

// Edge is a transition between states; Retell exposes it to the LLM as a
// tool named "transition_to_{DestinationStateName}".
type Edge struct {
	DestinationStateName string  `json:"destination_state_name"`
	Description          string  `json:"description,omitempty"`
	Parameters           *Schema `json:"parameters,omitempty"`
}

// Tool is one tool of a Retell LLM. Type selects which fields apply
// (fixtures/retell/README.md section 3; SDK v5 llm_create_params.py):
//
//   - [ToolCustom]: Name, Description, URL, Method (default POST),
//     Parameters, Headers, QueryParams, ArgsAtRoot, TimeoutMS (1000-600000,
//     default 120000), SpeakDuringExecution, SpeakAfterExecution,
//     ExecutionMessageDescription, ExecutionMessageType ("prompt" or
//     "static_text"), ResponseVariables, ParameterType.
//   - [ToolEndCall]: Name, Description, and optionally SpeakDuringExecution
//     with ExecutionMessageDescription.
//   - [ToolTransferCall]: Name, Description, TransferDestination and
//     TransferOption (both required by the SDK types), and optionally
//     SpeakDuringExecution with ExecutionMessageDescription.
//
// Names are 1-64 characters of a-z, A-Z, 0-9, '_' and '-', unique among all
// tools the LLM sees at once.
type Tool struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`

	URL               string            `json:"url,omitempty"`
	Method            string            `json:"method,omitempty"`
	Headers           map[string]string `json:"headers,omitempty"`
	QueryParams       map[string]string `json:"query_params,omitempty"`
	ArgsAtRoot        *bool             `json:"args_at_root,omitempty"`
	Parameters        *Schema           `json:"parameters,omitempty"`
	ParameterType     string            `json:"parameter_type,omitempty"`
	ResponseVariables map[string]string `json:"response_variables,omitempty"`
	TimeoutMS         *int              `json:"timeout_ms,omitempty"`

	SpeakDuringExecution        *bool  `json:"speak_during_execution,omitempty"`
	SpeakAfterExecution         *bool  `json:"speak_after_execution,omitempty"`
	ExecutionMessageDescription string `json:"execution_message_description,omitempty"`
	ExecutionMessageType        string `json:"execution_message_type,omitempty"`

	TransferDestination *TransferDestination `json:"transfer_destination,omitempty"`
	TransferOption      *TransferOption      `json:"transfer_option,omitempty"`
}

// Schema is the JSON Schema of a tool's parameters. Retell requires Type
// "object" at the top level. Each property is kept as raw JSON so that no
// keyword of a schema read from Retell is lost; [StringProperty] builds the
// common case.
type Schema struct {
	Type       string                     `json:"type"`
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required,omitempty"`
}

// UnmarshalJSON decodes a schema and stores each property compacted, so
// that equal schemas compare equal whatever their whitespace.
func (s *Schema) UnmarshalJSON(b []byte) error {
	type plain Schema
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	for k, v := range p.Properties {
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return err
		}
		p.Properties[k] = buf.Bytes()
	}
	*s = Schema(p)
	return nil
}

// StringProperty returns the JSON Schema of a string property with a
// description and, optionally, the values it may take.
func StringProperty(description string, enum ...string) json.RawMessage {
	p := struct {
		Type        string   `json:"type"`
		Enum        []string `json:"enum,omitempty"`
		Description string   `json:"description,omitempty"`
	}{"string", enum, description}
	b, err := json.Marshal(p)
	if err != nil { // strings always marshal
		panic(err)
	}
	return b
}

// TransferDestination says where a transfer_call tool transfers to. Type
// "predefined" dials Number (E.164, or a dynamic variable such as
// "{{transfer_number}}"), then Extension by DTMF if set; type "inferred"
// lets the LLM deduce the number from Prompt.
type TransferDestination struct {
	Type      string `json:"type"`
	Number    string `json:"number,omitempty"`
	Extension string `json:"extension,omitempty"`
	Prompt    string `json:"prompt,omitempty"`
}

// TransferOption says how a transfer_call tool transfers: Type
// "cold_transfer" or "warm_transfer" ("agentic_warm_transfer" needs a
// transfer agent and is not modelled here).
type TransferOption struct {
	Type                   string          `json:"type"`
	ShowTransfereeAsCaller *bool           `json:"show_transferee_as_caller,omitempty"`
	OnHoldMusic            string          `json:"on_hold_music,omitempty"`
	PublicHandoffOption    *HandoffMessage `json:"public_handoff_option,omitempty"`
	PrivateHandoffOption   *HandoffMessage `json:"private_handoff_option,omitempty"`
}

// HandoffMessage is what a warm transfer says: Type "prompt" (generated
// from Prompt) or "static_message" (Message as is).
type HandoffMessage struct {
	Type    string `json:"type"`
	Prompt  string `json:"prompt,omitempty"`
	Message string `json:"message,omitempty"`
}

// ResponseEngine is what generates an agent's answers: Type
// [EngineRetellLLM] with LLMID (and Version, filled in by Retell when
// unset), [EngineCustomLLM] with LLMWebsocketURL, or
// [EngineConversationFlow] with ConversationFlowID.
type ResponseEngine struct {
	Type               string `json:"type"`
	LLMID              string `json:"llm_id,omitempty"`
	LLMWebsocketURL    string `json:"llm_websocket_url,omitempty"`
	ConversationFlowID string `json:"conversation_flow_id,omitempty"`
	Version            *int   `json:"version,omitempty"`
}

// AgentRequest is the body of create-agent and update-agent
// (fixtures/retell/README.md section 4, "create-agent body"). Create needs
// ResponseEngine and VoiceID; everything else is optional and omitted when
// unset, so an update sends only what is set.
type AgentRequest struct {
	ResponseEngine *ResponseEngine `json:"response_engine,omitempty"`
	VoiceID        string          `json:"voice_id,omitempty"`
	AgentName      string          `json:"agent_name,omitempty"`
	// Language is one locale ("de-DE", sent as a string), several (sent as
	// an array) or "multi"; Retell's default is en-US.
	Language Locales `json:"language,omitempty"`
	// Timezone is an IANA zone ("Europe/Berlin").
	Timezone string `json:"timezone,omitempty"`
	// WebhookURL receives this agent's call events instead of the account's
	// webhook. This type cannot remove it (Retell removes it on null).
	WebhookURL string `json:"webhook_url,omitempty"`
	// WebhookEvents selects events; unset means call_started, call_ended
	// and call_analyzed.
	WebhookEvents []string `json:"webhook_events,omitempty"`
	// WebhookTimeoutMS defaults to 10000 at Retell.
	WebhookTimeoutMS *int `json:"webhook_timeout_ms,omitempty"`
	// MaxCallDurationMS is 60000-7200000, default 3600000.
	MaxCallDurationMS *int `json:"max_call_duration_ms,omitempty"`
	// EndCallAfterSilenceMS ends the call after this much silence (at least
	// 10000).
	EndCallAfterSilenceMS *int `json:"end_call_after_silence_ms,omitempty"`
	// Responsiveness and InterruptionSensitivity are in [0,1], default 1.
	Responsiveness          *float64 `json:"responsiveness,omitempty"`
	InterruptionSensitivity *float64 `json:"interruption_sensitivity,omitempty"`
	// VoiceSpeed is in [0.5,2]; Volume in [0,2].
	VoiceSpeed *float64 `json:"voice_speed,omitempty"`
	Volume     *float64 `json:"volume,omitempty"`
	// BoostedKeywords bias the transcriber toward names and brands.
	BoostedKeywords []string `json:"boosted_keywords,omitempty"`
	// DataStorageSetting is "everything", "everything_except_pii" or
	// "basic_attributes_only".
	DataStorageSetting string `json:"data_storage_setting,omitempty"`
	// PostCallAnalysisData are extracted after each call into
	// call_analysis.custom_analysis_data.
	PostCallAnalysisData []AnalysisField `json:"post_call_analysis_data,omitempty"`
}

// Agent is a Retell voice agent version as returned by create-agent,
// get-agent and update-agent: the request fields plus its id, version and
// publication state.
type Agent struct {
	// AgentID is Retell's id ("agent_…").
	AgentID string `json:"agent_id"`
	// Version is this version's number, 0 for a new agent.
	Version int `json:"version"`
	// IsPublished reports whether this version is published (immutable).
	IsPublished bool `json:"is_published"`
	// BaseVersion is the version a draft was created from (nil for the
	// first version).
	BaseVersion *int `json:"base_version,omitempty"`
	// LastModificationTimestamp is in milliseconds since the epoch.
	LastModificationTimestamp int64 `json:"last_modification_timestamp,omitempty"`
	AgentRequest
}

// AnalysisField is one item of post_call_analysis_data: Type "string",
// "enum" (with Choices), "boolean" or "number", extracted under Name.
type AnalysisField struct {
	Type              string   `json:"type"`
	Name              string   `json:"name"`
	Description       string   `json:"description,omitempty"`
	Examples          []string `json:"examples,omitempty"`
	Choices           []string `json:"choices,omitempty"`
	Required          *bool    `json:"required,omitempty"`
	ConditionalPrompt string   `json:"conditional_prompt,omitempty"`
}

// Locales is an agent's language: one locale is sent as a JSON string
// ("de-DE"), several as an array. Both forms decode.
type Locales []string

// MarshalJSON writes one locale as a string and several as an array.
func (l Locales) MarshalJSON() ([]byte, error) {
	if len(l) == 1 {
		return json.Marshal(l[0])
	}
	return json.Marshal([]string(l))
}

// UnmarshalJSON reads a string or an array of strings.
func (l *Locales) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*l = nil
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = Locales{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return fmt.Errorf("retell: language must be a string or an array of strings: %w", err)
	}
	*l = ss
	return nil
}

// PublishRequest is the body of publish-agent-version: the draft Version to
// publish in place, with an optional title and description for the
// version history.
type PublishRequest struct {
	Version            int    `json:"version"`
	VersionTitle       string `json:"version_title,omitempty"`
	VersionDescription string `json:"version_description,omitempty"`
}

// PhoneNumber is a Retell phone number (get-phone-number,
// update-phone-number). Its LogValue masks the number.
type PhoneNumber struct {
	PhoneNumber       string `json:"phone_number"`
	PhoneNumberType   string `json:"phone_number_type,omitempty"`
	PhoneNumberPretty string `json:"phone_number_pretty,omitempty"`
	Nickname          string `json:"nickname,omitempty"`
	// InboundAgents answer inbound calls, one picked per call with a
	// probability proportional to its weight.
	InboundAgents  []InboundAgent `json:"inbound_agents,omitempty"`
	OutboundAgents []InboundAgent `json:"outbound_agents,omitempty"`
	// InboundWebhookURL is called before each inbound call is connected.
	InboundWebhookURL         string `json:"inbound_webhook_url,omitempty"`
	LastModificationTimestamp int64  `json:"last_modification_timestamp,omitempty"`
}

// LogValue implements [slog.LogValuer]: the number is masked.
func (p PhoneNumber) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("phone_number", phone.Mask(p.PhoneNumber)),
		slog.Int("inbound_agents", len(p.InboundAgents)),
	)
}

// InboundAgent binds an agent version to a number with a weight; the
// weights of a list must add up to 1. The same shape serves outbound_agents.
type InboundAgent struct {
	AgentID      string     `json:"agent_id"`
	Weight       float64    `json:"weight"`
	AgentVersion VersionRef `json:"agent_version"`
}

// PhoneNumberUpdate is the body of update-phone-number. It never sends the
// deprecated inbound_agent_id / inbound_agent_version fields (unsupported
// after 2026-03-31, fixtures/retell/README.md section 4).
//
// A nil InboundAgents is not sent; a non-nil empty one is sent as [] and
// unbinds every inbound agent. A nil InboundWebhookURL is not sent; a
// pointer to "" is sent as null and removes the webhook.
type PhoneNumberUpdate struct {
	InboundAgents     []InboundAgent
	OutboundAgents    []InboundAgent
	InboundWebhookURL *string
	Nickname          *string
}

// MarshalJSON writes only the fields that are set.
func (u PhoneNumberUpdate) MarshalJSON() ([]byte, error) {
	var w struct {
		InboundAgents     *[]InboundAgent  `json:"inbound_agents,omitempty"`
		OutboundAgents    *[]InboundAgent  `json:"outbound_agents,omitempty"`
		InboundWebhookURL *json.RawMessage `json:"inbound_webhook_url,omitempty"`
		Nickname          *string          `json:"nickname,omitempty"`
	}
	if u.InboundAgents != nil {
		w.InboundAgents = &u.InboundAgents
	}
	if u.OutboundAgents != nil {
		w.OutboundAgents = &u.OutboundAgents
	}
	if u.InboundWebhookURL != nil {
		raw := json.RawMessage("null")
		if *u.InboundWebhookURL != "" {
			b, err := json.Marshal(*u.InboundWebhookURL)
			if err != nil {
				return nil, err
			}
			raw = b
		}
		w.InboundWebhookURL = &raw
	}
	w.Nickname = u.Nickname
	return json.Marshal(w)
}

// Version tags Retell resolves on a number (README section 4).
const (
	// TagLatest resolves to the highest version number.
	TagLatest = "latest"
	// TagLatestPublished resolves to the most recently published version.
	TagLatestPublished = "latest_published"
)

// VersionRef names an agent version on a phone number: a number (sent as
// a JSON number) or a tag (sent as a string). The zero value is version 0.
type VersionRef struct {
	n   int
	tag string
}

// Version returns a reference to version n.
func Version(n int) VersionRef { return VersionRef{n: n} }

// Tag returns a reference by tag, such as [TagLatestPublished].
func Tag(tag string) VersionRef { return VersionRef{tag: tag} }

// Number returns the version number and true, or 0 and false for a tag.
func (v VersionRef) Number() (int, bool) { return v.n, v.tag == "" }

// Tag returns the tag, or "" for a number.
func (v VersionRef) Tag() string { return v.tag }

// String returns the number in decimal, or the tag.
func (v VersionRef) String() string {
	if v.tag != "" {
		return v.tag
	}
	return strconv.Itoa(v.n)
}

// MarshalJSON writes a number or a string.
func (v VersionRef) MarshalJSON() ([]byte, error) {
	if v.tag != "" {
		return json.Marshal(v.tag)
	}
	return strconv.AppendInt(nil, int64(v.n), 10), nil
}

// UnmarshalJSON reads an integer or a non-empty string.
func (v *VersionRef) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			return errors.New("retell: agent_version tag is empty")
		}
		*v = VersionRef{tag: s}
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("retell: agent_version must be an integer or a tag: %w", err)
	}
	*v = VersionRef{n: n}
	return nil
}
