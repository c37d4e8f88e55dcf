package provision

import (
	"fmt"
	"sort"
	"strings"

	"github.com/askproai/askpro/pkg/store"
)

// Languages of the agent by the branch's country (DESIGN "Provisioning").
const (
	LanguageGermany     = "de-DE"
	LanguageAustria     = "de-AT"
	LanguageSwitzerland = "de-CH"
)

// AgentLanguage is the language the branch's agent speaks. German follows
// the branch's country, read from its phone number (+49 de-DE, +43 de-AT,
// +41 de-CH): a branch left at the default de-DE whose number is Austrian or
// Swiss gets de-AT or de-CH. A branch set to de-AT or de-CH explicitly, or to
// a language other than German, keeps it.
func AgentLanguage(b store.Branch) string {
	lang := b.Language
	if lang == "" {
		lang = LanguageGermany
	}
	if lang != LanguageGermany {
		return lang
	}
	switch n := string(b.PhoneNumber); {
	case strings.HasPrefix(n, "+43"):
		return LanguageAustria
	case strings.HasPrefix(n, "+41"):
		return LanguageSwitzerland
	}
	return LanguageGermany
}

// Prompt is what the agent says first and how it behaves, in German.
type Prompt struct {
	// BeginMessage is the agent's first sentence. It tells the caller they
	// are speaking with an AI assistant (EU AI Act, Art. 50).
	BeginMessage string
	// GeneralPrompt is the LLM's instructions.
	GeneralPrompt string
}

// weekdays are the German names of ISO weekdays 1 (Monday) to 7.
var weekdays = [...]string{1: "Montag", 2: "Dienstag", 3: "Mittwoch", 4: "Donnerstag", 5: "Freitag", 6: "Samstag", 7: "Sonntag"}

// greeting is the salutation callers of a country expect.
func greeting(lang string) string {
	switch lang {
	case LanguageAustria:
		return "Grüß Gott"
	case LanguageSwitzerland:
		return "Grüezi"
	}
	return "Guten Tag"
}

// displayName is how the agent names the business: the company, and the
// branch when it adds something ("Salon Haarmonie, Filiale Mitte").
func displayName(c store.Company, b store.Branch) string {
	name := strings.TrimSpace(c.Name)
	branch := strings.TrimSpace(b.Name)
	if branch == "" || strings.EqualFold(branch, name) {
		return name
	}
	if name == "" {
		return branch
	}
	return name + " " + branch
}

// BuildPrompt builds the agent's German begin message and prompt from the
// company, the branch, its active services with their durations and its
// opening hours. The output depends only on its input (sorted, no clock),
// so provisioning the same branch twice sends the same text.
func BuildPrompt(c store.Company, b store.Branch, services []store.Service, hours []store.Hours) Prompt {
	lang := AgentLanguage(b)
	name := displayName(c, b)
	begin := fmt.Sprintf("%s, hier ist %s. Sie sprechen mit der digitalen Assistenz, einer künstlichen Intelligenz. Wie kann ich Ihnen helfen?",
		greeting(lang), name)

	var p strings.Builder
	fmt.Fprintf(&p, "Du bist die freundliche digitale Telefonassistenz von %s", name)
	if a := strings.TrimSpace(b.Address); a != "" {
		fmt.Fprintf(&p, " (%s)", a)
	}
	p.WriteString(". Du bist eine künstliche Intelligenz; sage das ehrlich, wenn jemand fragt.\n\n")

	p.WriteString("## Sprache\n")
	switch lang {
	case LanguageAustria:
		p.WriteString("Sprich österreichisches Hochdeutsch und sieze die Anrufenden. Österreichische Ausdrücke wie „Jänner“ sind willkommen.\n")
	case LanguageSwitzerland:
		p.WriteString("Sprich Schweizer Hochdeutsch und sieze die Anrufenden. Verstehe Schweizerdeutsch, antworte aber auf Hochdeutsch.\n")
	case LanguageGermany:
		p.WriteString("Sprich ausschließlich Deutsch und sieze die Anrufenden.\n")
	default:
		fmt.Fprintf(&p, "Sprich in der Sprache %s und sieze die Anrufenden; wechsle ins Deutsche, wenn jemand Deutsch spricht.\n", lang)
	}
	fmt.Fprintf(&p, "Nenne Uhrzeiten im 24-Stunden-Format (zum Beispiel „14:30 Uhr“). Alle Zeiten gelten in der Zeitzone %s.\n\n", b.Timezone)

	p.WriteString("## Öffnungszeiten\n")
	p.WriteString(OpeningHours(hours))
	p.WriteString("\n")

	p.WriteString("## Leistungen\n")
	active := activeServices(services)
	if len(active) == 0 {
		p.WriteString("Derzeit können keine Termine gebucht werden.\n")
	}
	for _, s := range active {
		fmt.Fprintf(&p, "- %s (%d Minuten)\n", s.Name, s.DurationMinutes)
	}
	p.WriteString("\n")

	p.WriteString("## So gehst du vor\n")
	p.WriteString("1. Frage nach der gewünschten Leistung und dem Wunschtag.\n")
	p.WriteString("2. Prüfe freie Zeiten immer mit check_availability, bevor du eine Uhrzeit nennst. Erfinde nie einen freien Termin.\n")
	p.WriteString("3. Frage nach dem Vor- und Nachnamen.\n")
	p.WriteString("4. Bevor du buchst, wiederhole Leistung, Datum und Uhrzeit (zum Beispiel „Damenhaarschnitt am Donnerstag, dem 12. März, um 10:00 Uhr“) und buche erst nach einem ausdrücklichen Ja mit book_appointment.\n")
	p.WriteString("5. Ist der Termin inzwischen vergeben, biete die Alternativen an, die book_appointment nennt.\n")
	p.WriteString("6. Absagen und Verschiebungen erledigst du mit cancel_appointment und reschedule_appointment, nur für Termine der Nummer, von der angerufen wird. Bestätige auch hier Datum und Uhrzeit, bevor du etwas änderst.\n")
	if b.TransferNumber != "" {
		p.WriteString("7. Möchte jemand ausdrücklich mit einem Menschen sprechen oder kannst du nicht weiterhelfen, kündige die Weiterleitung an und nutze transfer_call.\n")
	} else {
		p.WriteString("7. Eine Weiterleitung an einen Menschen ist nicht möglich. Kannst du nicht weiterhelfen, bitte darum, es später erneut zu versuchen.\n")
	}
	p.WriteString("8. Wenn alles erledigt ist und sich die Person verabschiedet hat, beende das Gespräch mit end_call.\n\n")

	p.WriteString("## Regeln\n")
	p.WriteString("- Halte dich kurz: ein bis zwei Sätze pro Antwort.\n")
	p.WriteString("- Gib keine Auskünfte, die du nicht aus diesem Text oder einer Funktion kennst.\n")
	if c.Industry == "medical" {
		p.WriteString("- Gib keine medizinischen Ratschläge. Bei einem Notfall bitte darum, sofort die 112 anzurufen.\n")
	}
	p.WriteString("- Frage nie nach Zahlungsdaten oder Passwörtern.\n")
	return Prompt{BeginMessage: begin, GeneralPrompt: p.String()}
}

// OpeningHours renders a branch's opening hours in German, one line per
// weekday from Monday, "geschlossen" for a day without hours.
func OpeningHours(hours []store.Hours) string {
	byDay := map[int][]store.Hours{}
	for _, h := range hours {
		byDay[h.Weekday] = append(byDay[h.Weekday], h)
	}
	var b strings.Builder
	for d := 1; d <= 7; d++ {
		hs := byDay[d]
		sort.Slice(hs, func(i, j int) bool { return hs[i].Opens < hs[j].Opens })
		if len(hs) == 0 {
			fmt.Fprintf(&b, "%s: geschlossen\n", weekdays[d])
			continue
		}
		parts := make([]string, len(hs))
		for i, h := range hs {
			parts[i] = h.Opens + " bis " + h.Closes + " Uhr"
		}
		fmt.Fprintf(&b, "%s: %s\n", weekdays[d], strings.Join(parts, " und "))
	}
	return b.String()
}

// activeServices returns the active services sorted by name (then id).
func activeServices(services []store.Service) []store.Service {
	var out []store.Service
	for _, s := range services {
		if s.IsActive {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}
