package booking

import (
	"testing"

	"github.com/askproai/askpro/pkg/store"
	"github.com/stretchr/testify/assert"
)

func TestMatchService(t *testing.T) {
	t.Parallel()
	svcs := []store.Service{
		{ID: 11, Name: "Damenhaarschnitt"},
		{ID: 12, Name: "Herrenhaarschnitt"},
		{ID: 13, Name: "Färben"},
		{ID: 14, Name: "Fußpflege"},
		{ID: 15, Name: "Kinder-Haarschnitt"},
	}
	tests := []struct {
		arg  string
		want []int64
	}{
		{"damenhaarschnitt", []int64{11}},
		{"Damen-Haarschnitt", []int64{11}},
		{"DAMENHAARSCHNITT", []int64{11}},
		{"Herrenschnitt", []int64{12}},
		{"Damenschnitt", []int64{11}},
		{"Damenhaarschnit", []int64{11}}, // typo
		{"einen Herrenhaarschnitt bitte", []int64{12}},
		{"faerben", []int64{13}},
		{"Farben", []int64{13}},
		{"fusspflege", []int64{14}},
		{"Fusspflege", []int64{14}},
		{"kinderhaarschnitt", []int64{15}},
		{"12", []int64{12}},
		{"Haarschnitt", []int64{11, 12, 15}}, // ambiguous: ask
		{"Massage", nil},
		{"99", nil},
		{"xy", nil},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			t.Parallel()
			var got []int64
			for _, s := range matchService(tt.arg, svcs) {
				got = append(got, s.ID)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNormalizeWords(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "fusspflege fuer kinder", normalizeWords("Fußpflege für  Kinder!"))
	assert.Equal(t, "faerben oel", normalizeWords("Färben & Öl"))
	assert.Equal(t, "damenhaarschnitt", compact("Damen-Haar schnitt"))
}
