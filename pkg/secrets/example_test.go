package secrets_test

import (
	"errors"
	"fmt"

	"github.com/askproai/askpro/pkg/secrets"
)

func ExampleKeyring() {
	// In production the keys come from security.encryption_key and
	// security.previous_encryption_keys (secrets.ParseKeyring).
	oldKey := make([]byte, secrets.KeySize)
	newKey := make([]byte, secrets.KeySize)
	newKey[0] = 1

	before, _ := secrets.NewKeyring(oldKey)
	sealed, _ := before.Seal([]byte("cal_live_abc"), []byte("companies.calcom_api_key:42"))

	// Rotation: the new key seals, the old one still opens.
	ring, _ := secrets.NewKeyring(newKey, oldKey)
	key, _ := ring.OpenSecret(sealed, []byte("companies.calcom_api_key:42"))
	fmt.Println(key, key.Reveal())
	fmt.Println("needs rotation:", ring.NeedsRotation(sealed))

	resealed, _, _ := ring.Reseal(sealed, []byte("companies.calcom_api_key:42"))
	id, _ := secrets.KeyIDOf(resealed)
	fmt.Println("now under", id, "=", ring.CurrentID())

	// Copied to another company's row, the value does not open.
	_, err := ring.Open(resealed, []byte("companies.calcom_api_key:43"))
	fmt.Println(errors.Is(err, secrets.ErrWrongKey))
	// Output:
	// [redacted] cal_live_abc
	// needs rotation: true
	// now under 01d0fabd = 01d0fabd
	// true
}

func ExampleParseKey() {
	// openssl rand -base64 32
	k, err := secrets.ParseKey("q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=")
	fmt.Println(len(k), err)
	_, err = secrets.ParseKey("hunter2!")
	fmt.Println(err)
	// Output:
	// 32 <nil>
	// secrets: the key is neither base64 nor hex: want 32 bytes as base64 or hex (generate one with `openssl rand -base64 32`)
}
