package webhooktest_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

// The official Retell SDK test vector.
func ExampleSignRetell() {
	fmt.Println(webhooktest.SignRetell("test-api-key", []byte(`{"event":"call_ended"}`), time.UnixMilli(1700000000000)))
	// Output: v=1700000000000,d=07024cabe7dd8f6d1c6e4a8324ca92c812e6ad4a7ee506c04f7e462e3321823e
}

// A header as Stripe sends it while a secret is rolled: one v1 per secret.
func ExampleSignStripe() {
	h := webhooktest.SignStripe("whsec_new", []byte(`{}`), time.Unix(1767261605, 0), "whsec_old")
	fmt.Println(h[:12], strings.Count(h, ",v1="), len(h))
	// Output: t=1767261605 2 148
}
