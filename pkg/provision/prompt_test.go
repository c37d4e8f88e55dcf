package provision_test

import (
	"strings"
	"testing"

	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/provision"
	"github.com/askproai/askpro/pkg/store"
	"github.com/stretchr/testify/assert"
)

func TestAgentLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, lang, number, want string
	}{
		{"german number keeps de-DE", "de-DE", "+493012345678", "de-DE"},
		{"default de-DE on an Austrian number", "de-DE", "+4312345678", "de-AT"},
		{"default de-DE on a Swiss number", "de-DE", "+41441234567", "de-CH"},
		{"empty language on an Austrian number", "", "+4312345678", "de-AT"},
		{"explicit de-CH on a German number is kept", "de-CH", "+493012345678", "de-CH"},
		{"explicit de-AT kept", "de-AT", "+41441234567", "de-AT"},
		{"english kept", "en-GB", "+4312345678", "en-GB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := store.Branch{Language: tt.lang, PhoneNumber: phone.Number(tt.number)}
			assert.Equal(t, tt.want, provision.AgentLanguage(b))
		})
	}
}

func promptFixture() (store.Company, store.Branch, []store.Service, []store.Hours) {
	c := store.Company{ID: 1, Name: "Salon Haarmonie", Industry: "beauty"}
	b := store.Branch{ID: 2, CompanyID: 1, Name: "Mitte", PhoneNumber: "+493012345678", Address: "Torstraße 12, 10119 Berlin",
		Timezone: "Europe/Berlin", Language: "de-DE"}
	services := []store.Service{
		{ID: 5, Name: "Herrenhaarschnitt", DurationMinutes: 30, IsActive: true},
		{ID: 4, Name: "Damenhaarschnitt", DurationMinutes: 60, IsActive: true},
		{ID: 6, Name: "Dauerwelle", DurationMinutes: 120, IsActive: false},
	}
	hours := []store.Hours{
		{Weekday: 6, Opens: "09:00", Closes: "14:00"},
		{Weekday: 1, Opens: "14:00", Closes: "18:00"},
		{Weekday: 1, Opens: "09:00", Closes: "12:30"},
	}
	return c, b, services, hours
}

func TestBuildPrompt(t *testing.T) {
	t.Parallel()
	c, b, services, hours := promptFixture()
	p := provision.BuildPrompt(c, b, services, hours)

	assert.Equal(t, "Guten Tag, hier ist Salon Haarmonie Mitte. Sie sprechen mit der digitalen Assistenz, einer künstlichen Intelligenz. Wie kann ich Ihnen helfen?", p.BeginMessage)
	for _, want := range []string{
		"Salon Haarmonie Mitte (Torstraße 12, 10119 Berlin)",
		"sieze die Anrufenden",
		"Zeitzone Europe/Berlin",
		"Montag: 09:00 bis 12:30 Uhr und 14:00 bis 18:00 Uhr\n",
		"Dienstag: geschlossen\n",
		"Samstag: 09:00 bis 14:00 Uhr\n",
		"- Damenhaarschnitt (60 Minuten)\n- Herrenhaarschnitt (30 Minuten)\n",
		"check_availability",
		"wiederhole Leistung, Datum und Uhrzeit",
		"ausdrücklichen Ja mit book_appointment",
		"cancel_appointment und reschedule_appointment",
		"Eine Weiterleitung an einen Menschen ist nicht möglich",
		"end_call",
	} {
		assert.Contains(t, p.GeneralPrompt, want)
	}
	assert.NotContains(t, p.GeneralPrompt, "Dauerwelle", "inactive services are not offered")
	assert.NotContains(t, p.GeneralPrompt, "transfer_call")
	assert.NotContains(t, p.GeneralPrompt, "medizinischen")
	assert.Equal(t, p, provision.BuildPrompt(c, b, services, hours), "the same input builds the same text")
}

func TestBuildPromptVariants(t *testing.T) {
	t.Parallel()
	c, b, services, hours := promptFixture()

	t.Run("transfer number", func(t *testing.T) {
		t.Parallel()
		b := b
		b.TransferNumber = "+4915112345678"
		p := provision.BuildPrompt(c, b, services, hours)
		assert.Contains(t, p.GeneralPrompt, "transfer_call")
		assert.NotContains(t, p.GeneralPrompt, "+4915112345678", "the number lives in the tool, not in what the agent may say")
	})
	t.Run("austria", func(t *testing.T) {
		t.Parallel()
		b := b
		b.PhoneNumber, b.Timezone = "+4312345678", "Europe/Vienna"
		p := provision.BuildPrompt(c, b, services, hours)
		assert.True(t, strings.HasPrefix(p.BeginMessage, "Grüß Gott, hier ist Salon Haarmonie Mitte."), p.BeginMessage)
		assert.Contains(t, p.GeneralPrompt, "österreichisches Hochdeutsch")
		assert.Contains(t, p.GeneralPrompt, "Zeitzone Europe/Vienna")
	})
	t.Run("switzerland", func(t *testing.T) {
		t.Parallel()
		b := b
		b.PhoneNumber = "+41441234567"
		p := provision.BuildPrompt(c, b, services, hours)
		assert.Contains(t, p.BeginMessage, "Grüezi")
		assert.Contains(t, p.GeneralPrompt, "Schweizer Hochdeutsch")
	})
	t.Run("medical", func(t *testing.T) {
		t.Parallel()
		c := c
		c.Industry = "medical"
		p := provision.BuildPrompt(c, b, services, hours)
		assert.Contains(t, p.GeneralPrompt, "keine medizinischen Ratschläge")
		assert.Contains(t, p.GeneralPrompt, "112")
	})
	t.Run("branch named like the company", func(t *testing.T) {
		t.Parallel()
		b := b
		b.Name = "salon haarmonie"
		p := provision.BuildPrompt(c, b, services, hours)
		assert.True(t, strings.HasPrefix(p.BeginMessage, "Guten Tag, hier ist Salon Haarmonie."), p.BeginMessage)
	})
	t.Run("no active services", func(t *testing.T) {
		t.Parallel()
		p := provision.BuildPrompt(c, b, services[2:], hours)
		assert.Contains(t, p.GeneralPrompt, "Derzeit können keine Termine gebucht werden.")
	})
}

func TestOpeningHoursClosedWeek(t *testing.T) {
	t.Parallel()
	got := provision.OpeningHours(nil)
	assert.Equal(t, 7, strings.Count(got, "geschlossen"))
	assert.True(t, strings.HasPrefix(got, "Montag: geschlossen\n"))
	assert.True(t, strings.HasSuffix(got, "Sonntag: geschlossen\n"))
}
