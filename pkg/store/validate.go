package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/askproai/askpro/pkg/phone"
)

var (
	subdomainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	languageRE  = regexp.MustCompile(`^[a-z]{2,3}(-[A-Z]{2})?$`)
	hhmmRE      = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// Industries are the company industries askpro knows.
var Industries = []string{"beauty", "medical", "automotive", "general"}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// checkName trims v and refuses it when empty or longer than max
// characters. The columns are VARCHAR(max) in utf8mb4, which counts
// characters, not bytes: "Friseursalon Müller" is 19, not 20.
func checkName(field, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", invalid(field, "must not be empty")
	}
	if utf8.RuneCountInString(v) > max {
		return "", invalid(field, "longer than %d characters", max)
	}
	return v, nil
}

func checkSubdomain(v string) (string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if !subdomainRE.MatchString(v) {
		return "", invalid("subdomain", "%q is not a valid subdomain (a-z, 0-9 and inner dashes, at most 63)", v)
	}
	return v, nil
}

func checkIndustry(v string) (string, error) {
	if v == "" {
		return "general", nil
	}
	for _, i := range Industries {
		if v == i {
			return v, nil
		}
	}
	return "", invalid("industry", "%q is not one of %s", v, strings.Join(Industries, ", "))
}

func checkTimezone(v string) (string, error) {
	if v == "" {
		return "Europe/Berlin", nil
	}
	if _, err := time.LoadLocation(v); err != nil || v == "Local" {
		return "", invalid("timezone", "%q is not an IANA time zone such as Europe/Berlin", v)
	}
	return v, nil
}

func checkLanguage(v string) (string, error) {
	if v == "" {
		return "de-DE", nil
	}
	if !languageRE.MatchString(v) {
		return "", invalid("language", "%q is not a language tag such as de-DE", v)
	}
	return v, nil
}

func checkJSON(field string, v json.RawMessage) (any, error) {
	if len(v) == 0 {
		return nil, nil
	}
	if !json.Valid(v) {
		return nil, invalid(field, "is not valid JSON")
	}
	return string(v), nil
}

// normalizePhone turns a user-typed number into E.164 through pkg/phone.
func (s *Store) normalizePhone(field, number string) (string, error) {
	e164, err := phone.Normalize(number, s.region)
	if err != nil {
		return "", &ValidationError{Field: field, Msg: errMsg(err), Err: err}
	}
	return e164, nil
}

func errMsg(err error) string {
	var pe *phone.Error
	if errors.As(err, &pe) {
		return pe.Error()
	}
	return err.Error()
}

// checkHHMM parses "HH:MM" (24 h).
func checkHHMM(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if len(v) == 4 && v[1] == ':' {
		v = "0" + v
	}
	if !hhmmRE.MatchString(v) {
		return "", invalid(field, "%q is not a time of day HH:MM (00:00-23:59)", v)
	}
	return v, nil
}
