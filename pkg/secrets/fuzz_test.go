package secrets_test

import (
	"testing"

	"github.com/askproai/askpro/pkg/secrets"
)

// FuzzOpen feeds Open arbitrary text and AAD: it must never panic, and
// what opens is only ever the seed's plaintext under the seed's AAD (the
// fuzzing workers seal their own seed with a fresh nonce, so the sealed
// text itself differs from process to process).
func FuzzOpen(f *testing.F) {
	key := make([]byte, secrets.KeySize)
	for i := range key {
		key[i] = byte(i)
	}
	r, err := secrets.NewKeyring(key)
	if err != nil {
		f.Fatal(err)
	}
	sealed, err := r.Seal([]byte("cal_live_seed"), []byte("companies.calcom_api_key:1"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed, "companies.calcom_api_key:1")
	f.Add(sealed[:len(sealed)-1], "companies.calcom_api_key:1")
	f.Add("v1:"+secrets.KeyID(key)+":", "")
	f.Add("v1:00000000:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "x")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, s, aad string) {
		pt, err := r.Open(s, []byte(aad))
		if err == nil && (aad != "companies.calcom_api_key:1" || string(pt) != "cal_live_seed") {
			t.Fatalf("Open(%q, %q) = %q, want an error", s, aad, pt)
		}
		_, _ = secrets.KeyIDOf(s)
		_ = r.NeedsRotation(s)
		_, _ = secrets.ParseKey(s)
	})
}
