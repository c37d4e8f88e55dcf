package tenant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/askproai/askpro/internal/logging"
	"github.com/askproai/askpro/internal/sanitize"
	"github.com/askproai/askpro/pkg/phone"
)

// Input is what a [Resolver] may look at besides the context: the HTTP
// request, if there is one, and the number that was called, if the caller
// knows it (the Retell function handler, a worker).
type Input struct {
	// Request is the HTTP request being served; nil outside HTTP.
	Request *http.Request
	// CalledNumber is the E.164 number the caller dialled; empty if unknown.
	CalledNumber string
}

// Resolver names the company of a request. It returns the company id, or
// (0, nil) for "no opinion, ask the next resolver", or an error that stops
// the chain. A resolver names companies only; whether the company exists
// and is active is the [Chain]'s check.
//
// A resolver may also implement Name() string to name itself in a
// [ResolutionError] (see [Named]) and [Guard] to refuse a request whatever
// resolver matches it.
type Resolver interface {
	Resolve(ctx context.Context, in Input) (companyID int64, err error)
}

// ResolverFunc adapts a function to [Resolver].
type ResolverFunc func(ctx context.Context, in Input) (int64, error)

// Resolve calls f(ctx, in).
func (f ResolverFunc) Resolve(ctx context.Context, in Input) (int64, error) { return f(ctx, in) }

// Guard is implemented by resolvers that can refuse a request outright. The
// [Chain] runs every guard of its resolvers before it looks for a match, so
// a refusal holds even when an earlier resolver would have matched:
// [AdminHeader] refuses an X-Company-ID header from a company's own key,
// which the [APIKey] resolver before it would otherwise resolve quietly.
type Guard interface {
	Check(ctx context.Context, in Input) error
}

// Named returns r under the given name, as [ResolutionError] reports it.
// A [Guard] stays a guard.
func Named(name string, r Resolver) Resolver { return named{name: name, r: r} }

type named struct {
	name string
	r    Resolver
}

func (n named) Name() string { return n.name }

func (n named) Resolve(ctx context.Context, in Input) (int64, error) { return n.r.Resolve(ctx, in) }

func (n named) Check(ctx context.Context, in Input) error {
	if g, ok := n.r.(Guard); ok {
		return g.Check(ctx, in)
	}
	return nil
}

// nameOf returns a resolver's name: its Name method, else its type.
func nameOf(r Resolver) string {
	if n, ok := r.(interface{ Name() string }); ok {
		return n.Name()
	}
	return fmt.Sprintf("%T", r)
}

// Explicit resolves the company the context already carries
// ([WithCompany], [RunAsCompany]): work that knows its tenant. Its name is
// "explicit".
type Explicit struct{}

// Name returns "explicit".
func (Explicit) Name() string { return "explicit" }

// Resolve returns the context's company, or (0, nil).
func (Explicit) Resolve(ctx context.Context, _ Input) (int64, error) {
	id, _ := FromContext(ctx)
	return id, nil
}

// APIKey resolves the company of the authenticated API key ([Principal]
// with a CompanyID). A platform-admin key has no company and no opinion.
// Its name is "apikey".
type APIKey struct{}

// Name returns "apikey".
func (APIKey) Name() string { return "apikey" }

// Resolve returns the principal's company, or (0, nil).
func (APIKey) Resolve(ctx context.Context, _ Input) (int64, error) {
	if p, ok := PrincipalFrom(ctx); ok && p.CompanyID > 0 {
		return p.CompanyID, nil
	}
	return 0, nil
}

// HeaderCompanyID is the header [AdminHeader] reads by default.
const HeaderCompanyID = "X-Company-ID"

// AdminHeader resolves the X-Company-ID header, honoured only for a
// platform-admin key ([Principal.Admin]). From anyone else (a company's
// key, or no key at all) the header is refused with [ErrForbidden] and
// logged at Warn as a security event with the attributes event=security,
// key_id, key_prefix, key_name, header_value (sanitized and bounded),
// client_ip and path; the key itself is never logged. A value that is not
// one positive decimal integer is [ErrInvalidHeader]. Its name is "header".
//
// The zero value is ready to use. It is safe for concurrent use.
type AdminHeader struct {
	// Header is the header to read. Defaults to [HeaderCompanyID].
	Header string
	// Logger receives the security events. Nil means slog.Default().
	Logger *slog.Logger
	// ClientIP returns the client address logged with a security event.
	// Nil means the host part of Request.RemoteAddr; set it when the server
	// sits behind a proxy that it trusts to set X-Forwarded-For.
	ClientIP func(r *http.Request) string
}

// Name returns "header".
func (AdminHeader) Name() string { return "header" }

func (h AdminHeader) values(in Input) []string {
	if in.Request == nil {
		return nil
	}
	name := h.Header
	if name == "" {
		name = HeaderCompanyID
	}
	return in.Request.Header.Values(name)
}

// Check refuses the header from a caller that is not a platform-admin key
// ([ErrForbidden]), and logs the refusal. Without the header it returns nil.
func (h AdminHeader) Check(ctx context.Context, in Input) error {
	vals := h.values(in)
	if len(vals) == 0 {
		return nil
	}
	p, ok := PrincipalFrom(ctx)
	if ok && p.Admin() {
		return nil
	}
	logger := h.Logger
	if logger == nil {
		logger = slog.Default()
	}
	ip := clientIP(in.Request)
	if h.ClientIP != nil {
		ip = h.ClientIP(in.Request)
	}
	attrs := []slog.Attr{
		slog.Int64("key_id", p.KeyID),
		slog.String("key_prefix", p.Prefix),
		slog.String("key_name", sanitize.Log(p.Name)),
		slog.String("header_value", sanitize.String(strings.Join(vals, ","), 64)),
		slog.String("path", sanitize.Log(in.Request.URL.Path)),
	}
	if !ok {
		attrs[0] = slog.String("key_id", "none")
	}
	logging.LogSecurity(ctx, logger, "tenant: X-Company-ID from a caller that is not a platform admin",
		logging.SecurityEvent{Reason: "X-Company-ID without platform admin", IP: ip, UserAgent: in.Request.UserAgent()}, attrs...)
	return ErrForbidden
}

// Resolve returns the header's company id for a platform-admin key, or
// (0, nil) without the header. Errors: [ErrForbidden] (see Check),
// [ErrInvalidHeader].
func (h AdminHeader) Resolve(ctx context.Context, in Input) (int64, error) {
	vals := h.values(in)
	if len(vals) == 0 {
		return 0, nil
	}
	if err := h.Check(ctx, in); err != nil {
		return 0, err
	}
	if len(vals) != 1 {
		return 0, ErrInvalidHeader
	}
	v := strings.TrimSpace(vals[0])
	if v == "" || v[0] == '+' {
		return 0, ErrInvalidHeader
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrInvalidHeader
	}
	return id, nil
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Subdomain resolves the first label of the Host header under BaseDomain
// ("salon-x.askpro.example" under "askpro.example" is "salon-x") through
// Source. Hosts outside the base domain, the base domain itself, IP
// addresses, hosts with more than one label under the base domain and the
// Ignore labels have no opinion. A label no company has is
// [ErrUnknownCompany]. Its name is "subdomain".
//
// It is safe for concurrent use if Source is.
type Subdomain struct {
	// BaseDomain is the domain tenants' subdomains live under, e.g.
	// "askpro.example". Empty means the resolver has no opinion on any host.
	BaseDomain string
	// Source maps a label to a company id; pass a [*Cache]. Required when
	// BaseDomain is set.
	Source SubdomainSource
	// Ignore lists labels that are not tenants. Nil means "www" and "api".
	Ignore []string
}

// Name returns "subdomain".
func (Subdomain) Name() string { return "subdomain" }

// Resolve looks the request's subdomain up, or returns (0, nil).
func (s Subdomain) Resolve(ctx context.Context, in Input) (int64, error) {
	if in.Request == nil || s.BaseDomain == "" {
		return 0, nil
	}
	label, ok := SubdomainOf(in.Request.Host, s.BaseDomain)
	if !ok {
		return 0, nil
	}
	ignore := s.Ignore
	if ignore == nil {
		ignore = []string{"www", "api"}
	}
	for _, l := range ignore {
		if strings.EqualFold(l, label) {
			return 0, nil
		}
	}
	if s.Source == nil {
		return 0, errors.New("tenant: Subdomain resolver has no Source")
	}
	id, err := s.Source.IDBySubdomain(System(ctx), label)
	if err != nil {
		return 0, fmt.Errorf("look up subdomain %q: %w", label, err)
	}
	if id <= 0 {
		return 0, fmt.Errorf("subdomain %q: %w", label, ErrUnknownCompany)
	}
	return id, nil
}

// SubdomainOf returns the single label of host directly under base, in
// lower case: ("Salon-X.askpro.example:8080", "askpro.example") is
// ("salon-x", true). It reports false for the base domain itself, hosts
// outside it, IP addresses, more than one label under base, and labels that
// are not a DNS label (letters, digits and inner hyphens, at most 63 bytes).
func SubdomainOf(host, base string) (string, bool) {
	host = strings.ToLower(strings.TrimSpace(host))
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" || net.ParseIP(strings.Trim(host, "[]")) != nil {
		return "", false
	}
	base = strings.Trim(strings.ToLower(strings.TrimSpace(base)), ".")
	if base == "" || !strings.HasSuffix(host, "."+base) {
		return "", false
	}
	label := strings.TrimSuffix(host, "."+base)
	if !isLabel(label) {
		return "", false
	}
	return label, true
}

func isLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// CalledNumber resolves [Input.CalledNumber] through Source: the company
// whose (active) branch has that number. Without a number it has no
// opinion; a number no branch has is [ErrUnknownCompany]. Its name is
// "phone".
//
// It is safe for concurrent use if Source is.
type CalledNumber struct {
	// Source maps an E.164 number to a company id; pass a [*Cache].
	// Required.
	Source PhoneSource
}

// Name returns "phone".
func (CalledNumber) Name() string { return "phone" }

// Resolve looks the called number up, or returns (0, nil).
func (c CalledNumber) Resolve(ctx context.Context, in Input) (int64, error) {
	num := strings.TrimSpace(in.CalledNumber)
	if num == "" {
		return 0, nil
	}
	if c.Source == nil {
		return 0, errors.New("tenant: CalledNumber resolver has no Source")
	}
	id, err := c.Source.CompanyByPhone(System(ctx), num)
	if err != nil {
		return 0, fmt.Errorf("look up called number %s: %w", phone.Mask(num), err)
	}
	if id <= 0 {
		return 0, fmt.Errorf("called number %s: %w", phone.Mask(num), ErrUnknownCompany)
	}
	return id, nil
}

var (
	_ Resolver = Explicit{}
	_ Resolver = APIKey{}
	_ Guard    = AdminHeader{}
	_ Resolver = AdminHeader{}
	_ Resolver = Subdomain{}
	_ Resolver = CalledNumber{}
	_ Guard    = named{}
)
