package retell

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/askproai/askpro/pkg/phone"
)

// GetPhoneNumber returns a number bound to the account (GET
// /get-phone-number/{e164}). e164 must be an E.164 number ("+493012345678").
func (c *Client) GetPhoneNumber(ctx context.Context, e164 string) (PhoneNumber, error) {
	p, logPath, err := phonePath("/get-phone-number/", e164)
	if err != nil {
		return PhoneNumber{}, err
	}
	var out PhoneNumber
	err = c.do(ctx, call{op: "get-phone-number", method: http.MethodGet, path: p, endpoint: "/get-phone-number/{phone_number}", logPath: logPath, out: &out, idempotent: true})
	return out, err
}

// UpdatePhoneNumber changes the fields set in u (PATCH
// /update-phone-number/{e164}, partial), typically
//
//	retell.PhoneNumberUpdate{
//		InboundAgents:     []retell.InboundAgent{{AgentID: id, Weight: 1, AgentVersion: retell.Version(n)}},
//		InboundWebhookURL: &inboundURL,
//	}
//
// It never sends the deprecated inbound_agent_id / inbound_agent_version.
func (c *Client) UpdatePhoneNumber(ctx context.Context, e164 string, u PhoneNumberUpdate) (PhoneNumber, error) {
	p, logPath, err := phonePath("/update-phone-number/", e164)
	if err != nil {
		return PhoneNumber{}, err
	}
	var out PhoneNumber
	err = c.do(ctx, call{op: "update-phone-number", method: http.MethodPatch, path: p, endpoint: "/update-phone-number/{phone_number}", logPath: logPath, body: u, out: &out, idempotent: true})
	return out, err
}

// phonePath returns prefix + the number with its '+' percent-encoded as
// %2B, and the masked path for errors and logs.
//
// A '+' is legal in a URL path and means a plus there, but form-style
// decoders (and some routers and proxies) turn it into a space, which would
// look up " 493012345678". Encoded, it decodes to '+' on every server, so
// %2B is right whichever way Retell decodes; Retell's TypeScript SDK builds
// paths with encodeURIComponent, which encodes it the same way. Whether
// Retell needs it is not confirmed (fixtures/retell/README.md section 6).
func phonePath(prefix, e164 string) (path, logPath string, err error) {
	if !isE164(e164) {
		return "", "", fmt.Errorf("%w: phone number %q is not E.164 (+ and 8 to 15 digits)", ErrInvalidArgument, phone.Mask(e164))
	}
	return prefix + "%2B" + strings.TrimPrefix(e164, "+"), prefix + phone.Mask(e164), nil
}

// isE164 reports whether s is '+' and 8 to 15 ASCII digits, the first not 0.
func isE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
