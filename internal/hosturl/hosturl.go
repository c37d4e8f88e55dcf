// Package hosturl checks the base URL of an HTTP API: a scheme and a host,
// nothing else (DESIGN.md "Configuration": clients append the documented
// paths).
package hosturl

import (
	"fmt"
	"net/url"
	"strings"
)

// Parse checks raw and returns it as scheme://host (no trailing slash) and
// its host in lower case. It refuses a scheme other than http and https, a
// missing host, user info, a path other than "/", a query and a fragment;
// messages show the URL with any password redacted. example is the form
// to suggest for a path ("https://api.example.com").
func Parse(raw, example string) (base, host string, err error) {
	u, perr := url.Parse(raw)
	if perr != nil {
		return "", "", fmt.Errorf("base URL does not parse")
	}
	shown := u.Redacted()
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", "", fmt.Errorf("base URL %q must be http or https", shown)
	case u.Host == "" || u.Hostname() == "":
		return "", "", fmt.Errorf("base URL %q has no host", shown)
	case u.User != nil:
		return "", "", fmt.Errorf("base URL %q must not carry user info", shown)
	case u.Path != "" && u.Path != "/":
		return "", "", fmt.Errorf("base URL %q must be a host without a path (like %s): the client appends the API's paths", shown, example)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", "", fmt.Errorf("base URL %q must not have a query or fragment", shown)
	}
	return u.Scheme + "://" + u.Host, strings.ToLower(u.Host), nil
}
