package retelltest

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/askproai/askpro/pkg/retell"
)

// The rules below are Retell's documented limits (fixtures/retell/README.md
// sections 3 and 4; SDK v5 llm_create_params.py and agent_create_params.py).
// Each returns "" when the value passes, else the 400 message.

var (
	toolNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	localeRE   = regexp.MustCompile(`^[a-z]{2,3}-[A-Z0-9]{2,3}$`)
	dynVarRE   = regexp.MustCompile(`^\{\{[A-Za-z0-9_.-]+\}\}$`)
)

// knownToolTypes are the tool types of SDK v5; only custom, end_call and
// transfer_call are checked field by field.
var knownToolTypes = []string{
	retell.ToolCustom, retell.ToolEndCall, retell.ToolTransferCall,
	"press_digit", "send_sms", "check_availability_cal", "book_appointment_cal",
	"agent_swap", "extract_dynamic_variable", "mcp", "code", "bridge_transfer", "cancel_transfer",
}

var webhookEvents = []string{
	"call_started", "call_ended", "call_analyzed", "transcript_updated",
	"transfer_started", "transfer_bridged", "transfer_cancelled", "transfer_ended",
	"chat_started", "chat_ended", "chat_analyzed",
}

func validateLLM(req retell.LLMRequest) string {
	if t := req.ModelTemperature; t != nil && (*t < 0 || *t > 1) {
		return fmt.Sprintf("model_temperature %g is outside [0, 1]", *t)
	}
	if req.Model != "" && req.S2SModel != "" {
		return "model and s2s_model cannot both be set"
	}
	if s := req.StartSpeaker; s != "" && s != "agent" && s != "user" {
		return fmt.Sprintf("start_speaker %q must be agent or user", s)
	}
	for i, t := range req.GeneralTools {
		if msg := validateTool(t, fmt.Sprintf("general_tools[%d]", i)); msg != "" {
			return msg
		}
	}
	if msg := uniqueNames(req.GeneralTools, nil, "general_tools"); msg != "" {
		return msg
	}
	if len(req.States) == 0 {
		return ""
	}
	states := map[string]bool{}
	for i, st := range req.States {
		if st.Name == "" {
			return fmt.Sprintf("states[%d].name is required", i)
		}
		if states[st.Name] {
			return fmt.Sprintf("states[%d].name %q is used twice", i, st.Name)
		}
		states[st.Name] = true
	}
	if !states[req.StartingState] {
		return fmt.Sprintf("starting_state %q must name one of the states", req.StartingState)
	}
	for i, st := range req.States {
		where := fmt.Sprintf("states[%d]", i)
		for j, t := range st.Tools {
			if msg := validateTool(t, fmt.Sprintf("%s.tools[%d]", where, j)); msg != "" {
				return msg
			}
		}
		var edges []string
		for j, e := range st.Edges {
			if !states[e.DestinationStateName] {
				return fmt.Sprintf("%s.edges[%d].destination_state_name %q is not a state", where, j, e.DestinationStateName)
			}
			edges = append(edges, "transition_to_"+e.DestinationStateName)
		}
		// Names are unique among the tools the LLM sees at once: the
		// general tools, this state's tools and its transitions.
		all := append(slices.Clone(req.GeneralTools), st.Tools...)
		if msg := uniqueNames(all, edges, where+".tools"); msg != "" {
			return msg
		}
	}
	return ""
}

func uniqueNames(tools []retell.Tool, extra []string, where string) string {
	seen := map[string]bool{}
	for _, n := range extra {
		seen[n] = true
	}
	for _, t := range tools {
		if seen[t.Name] {
			return fmt.Sprintf("%s: tool name %q is not unique", where, t.Name)
		}
		seen[t.Name] = true
	}
	return ""
}

func validateTool(t retell.Tool, where string) string {
	if !toolNameRE.MatchString(t.Name) {
		return fmt.Sprintf("%s.name %q must be 1 to 64 characters of a-z, A-Z, 0-9, _ and -", where, t.Name)
	}
	if !slices.Contains(knownToolTypes, t.Type) {
		return fmt.Sprintf("%s.type %q is not a tool type", where, t.Type)
	}
	if mt := t.ExecutionMessageType; mt != "" && mt != "prompt" && mt != "static_text" {
		return fmt.Sprintf("%s.execution_message_type %q must be prompt or static_text", where, mt)
	}
	switch t.Type {
	case retell.ToolCustom:
		if !isHTTPURL(t.URL) {
			return fmt.Sprintf("%s.url %q must be an absolute http(s) URL", where, t.URL)
		}
		if m := t.Method; m != "" && !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, m) {
			return fmt.Sprintf("%s.method %q must be GET, POST, PUT, PATCH or DELETE", where, m)
		}
		if ms := t.TimeoutMS; ms != nil && (*ms < 1000 || *ms > 600000) {
			return fmt.Sprintf("%s.timeout_ms %d is outside 1000 to 600000", where, *ms)
		}
		if p := t.Parameters; p != nil && p.Type != "object" {
			return fmt.Sprintf("%s.parameters.type %q must be \"object\"", where, p.Type)
		}
	case retell.ToolTransferCall:
		d := t.TransferDestination
		switch {
		case d == nil:
			return where + ".transfer_destination is required"
		case d.Type == "predefined":
			if !isE164(d.Number) && !dynVarRE.MatchString(d.Number) {
				return fmt.Sprintf("%s.transfer_destination.number %q must be E.164 or a {{dynamic_variable}}", where, d.Number)
			}
		case d.Type == "inferred":
			if d.Prompt == "" {
				return where + ".transfer_destination.prompt is required for type inferred"
			}
		default:
			return fmt.Sprintf("%s.transfer_destination.type %q must be predefined or inferred", where, d.Type)
		}
		o := t.TransferOption
		if o == nil {
			return where + ".transfer_option is required"
		}
		if !slices.Contains([]string{"cold_transfer", "warm_transfer", "agentic_warm_transfer"}, o.Type) {
			return fmt.Sprintf("%s.transfer_option.type %q must be cold_transfer, warm_transfer or agentic_warm_transfer", where, o.Type)
		}
	}
	return ""
}

func validateAgent(req retell.AgentRequest) string {
	if ms := req.MaxCallDurationMS; ms != nil && (*ms < 60000 || *ms > 7200000) {
		return fmt.Sprintf("max_call_duration_ms %d is outside 60000 to 7200000", *ms)
	}
	if ms := req.EndCallAfterSilenceMS; ms != nil && *ms < 10000 {
		return fmt.Sprintf("end_call_after_silence_ms %d is below 10000", *ms)
	}
	if ms := req.WebhookTimeoutMS; ms != nil && *ms <= 0 {
		return fmt.Sprintf("webhook_timeout_ms %d must be positive", *ms)
	}
	for name, v := range map[string]*float64{
		"responsiveness": req.Responsiveness, "interruption_sensitivity": req.InterruptionSensitivity,
	} {
		if v != nil && (*v < 0 || *v > 1) {
			return fmt.Sprintf("%s %g is outside [0, 1]", name, *v)
		}
	}
	if v := req.VoiceSpeed; v != nil && (*v < 0.5 || *v > 2) {
		return fmt.Sprintf("voice_speed %g is outside [0.5, 2]", *v)
	}
	if v := req.Volume; v != nil && (*v < 0 || *v > 2) {
		return fmt.Sprintf("volume %g is outside [0, 2]", *v)
	}
	for _, l := range req.Language {
		if l != "multi" && !localeRE.MatchString(l) {
			return fmt.Sprintf("language %q is not a locale such as de-DE", l)
		}
	}
	if req.WebhookURL != "" && !isHTTPURL(req.WebhookURL) {
		return fmt.Sprintf("webhook_url %q must be an absolute http(s) URL", req.WebhookURL)
	}
	for _, e := range req.WebhookEvents {
		if !slices.Contains(webhookEvents, e) {
			return fmt.Sprintf("webhook_events: %q is not an event", e)
		}
	}
	if d := req.DataStorageSetting; d != "" && !slices.Contains([]string{"everything", "everything_except_pii", "basic_attributes_only"}, d) {
		return fmt.Sprintf("data_storage_setting %q is not a setting", d)
	}
	for i, f := range req.PostCallAnalysisData {
		where := fmt.Sprintf("post_call_analysis_data[%d]", i)
		if !slices.Contains([]string{"string", "enum", "boolean", "number", "system-presets"}, f.Type) {
			return fmt.Sprintf("%s.type %q must be string, enum, boolean, number or system-presets", where, f.Type)
		}
		if f.Name == "" {
			return where + ".name is required"
		}
		if f.Type == "enum" && len(f.Choices) == 0 {
			return where + ".choices must not be empty for type enum"
		}
	}
	return ""
}

// isHTTPURL reports whether s is an absolute http(s) URL with a host. A
// {{dynamic_variable}} in it is allowed.
func isHTTPURL(s string) bool {
	if !hasScheme(s, "http://", "https://") {
		return false
	}
	u, err := url.Parse(strings.NewReplacer("{{", "x", "}}", "x").Replace(s))
	return err == nil && u.Host != ""
}

func hasScheme(s string, schemes ...string) bool {
	for _, p := range schemes {
		if strings.HasPrefix(s, p) && len(s) > len(p) {
			return true
		}
	}
	return false
}
