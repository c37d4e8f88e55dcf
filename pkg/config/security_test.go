package config_test

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/askproai/askpro/pkg/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	keyA = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	keyB = hex.EncodeToString([]byte("fedcba9876543210fedcba9876543210"))
	keyC = base64.RawURLEncoding.EncodeToString([]byte("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"))
)

func TestPreviousEncryptionKeysFromEnv(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(config.LoadOptions{Environ: []string{
		"ASKPRO_SECURITY_ENCRYPTION_KEY=" + keyA,
		"ASKPRO_SECURITY_PREVIOUS_ENCRYPTION_KEYS= " + keyB + " , ," + keyC,
	}})
	require.NoError(t, err)
	assert.Equal(t, []string{keyB, keyC}, cfg.Security.PreviousEncryptionKeys, "comma-separated, trimmed, empties dropped")
	ring, err := cfg.Security.Keyring()
	require.NoError(t, err)
	assert.Len(t, ring.IDs(), 3)
	assert.True(t, ring.HasKey())

	m := cfg.Masked()["security"].(map[string]any)
	assert.Equal(t, "****", m["encryption_key"])
	assert.Equal(t, []string{"****", "****"}, m["previous_encryption_keys"])
	for _, s := range cfg.Settings() {
		v := fmt.Sprint(s.Value)
		for _, k := range []string{keyA, keyB, keyC} {
			assert.NotContains(t, v, k, s.Key)
		}
	}
}

func TestPreviousEncryptionKeysFromFile(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "security:\n  encryption_key: "+keyA+"\n  previous_encryption_keys:\n    - \""+keyB+"\"\n")
	cfg, err := config.Load(config.LoadOptions{File: file, Environ: []string{}})
	require.NoError(t, err)
	assert.Equal(t, []string{keyB}, cfg.Security.PreviousEncryptionKeys)
}

func TestNoEncryptionKeyIsAnEmptyKeyring(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(config.LoadOptions{Environ: []string{}})
	require.NoError(t, err)
	assert.Empty(t, cfg.Security.PreviousEncryptionKeys)
	ring, err := cfg.Security.Keyring()
	require.NoError(t, err)
	assert.False(t, ring.HasKey())
	m := cfg.Masked()["security"].(map[string]any)
	assert.Equal(t, "", m["encryption_key"])
	assert.Equal(t, []string{}, m["previous_encryption_keys"])
}

func TestBadEncryptionKeysNameTheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     []string
		key     string
		wantMsg string
	}{
		{"short current", []string{"ASKPRO_SECURITY_ENCRYPTION_KEY=c2hvcnQta2V5"}, "security.encryption_key", "decodes to 9 bytes, want 32"},
		{"not base64", []string{"ASKPRO_SECURITY_ENCRYPTION_KEY=hunter2!"}, "security.encryption_key", "neither base64 nor hex"},
		{"bad previous", []string{"ASKPRO_SECURITY_ENCRYPTION_KEY=" + keyA, "ASKPRO_SECURITY_PREVIOUS_ENCRYPTION_KEYS=" + keyB + ",hunter2!"},
			"security.previous_encryption_keys", "previous key 2: "},
		{"previous without current", []string{"ASKPRO_SECURITY_PREVIOUS_ENCRYPTION_KEYS=" + keyB},
			"security.previous_encryption_keys", "security.encryption_key is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(config.LoadOptions{Environ: tt.env})
			var ke *config.KeyError
			require.True(t, errors.As(err, &ke), "%v", err)
			assert.Equal(t, tt.key, ke.Key)
			assert.Contains(t, err.Error(), tt.wantMsg)
			assert.NotContains(t, err.Error(), "hunter2")
			assert.NotContains(t, err.Error(), "c2hvcnQta2V5")
		})
	}
}
