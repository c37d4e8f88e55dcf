// Package secrets seals small secrets at rest (a company's Cal.com API key)
// with AES-256-GCM under a [Keyring]: one current key that seals, and
// previous keys that still open what they sealed, so a key can be rotated
// without downtime.
//
// # Sealed format
//
// A sealed value is printable text, safe for a TEXT column:
//
//	v1:<key id>:<base64url(nonce | ciphertext | tag)>
//
// The key id is the first 8 hex digits of the SHA-256 of the key ([KeyID]),
// so a value names the key that opens it and an operator can tell which
// key an old row needs. The nonce is 12 random bytes; the ciphertext is
// authenticated together with the version, the key id and the caller's
// additional data (AAD).
//
// # Binding a value to its place
//
// The AAD binds a sealed value to the row and column it belongs to, such as
// "companies.calcom_api_key:42": a value copied into another company's row
// does not open there ([ErrWrongKey]), so a database write cannot move one
// company's credentials to another.
//
// # Rotation
//
// Make a new key the current one and move the old one to the previous keys:
//
//	ring, err := secrets.NewKeyring(newKey, oldKey)
//
// Values sealed under oldKey still open; [Keyring.NeedsRotation] reports
// them and [Keyring.Reseal] seals them again under newKey. Once nothing
// needs rotation, the old key can be dropped.
//
// # Keeping plaintext out of logs
//
// [Keyring.OpenSecret] returns a [Secret], whose String, LogValue and
// MarshalJSON print "[redacted]"; only [Secret.Reveal] gives the plaintext,
// at the point where it is sent to the provider.
//
// # Startup check
//
// [Check] opens every sealed value of a [Source] before a server starts, so
// a missing or wrong key is an error at startup instead of a failed booking
// later.
package secrets
