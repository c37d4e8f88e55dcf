package calcom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"
	"unicode/utf16"
)

// API versions sent in the cal-api-version header (README section 2).
// Cal.com answers a request without the right value with an older version
// of the endpoint, silently.
const (
	VersionBookings   = "2024-08-13" // /v2/bookings
	VersionSlots      = "2024-09-04" // /v2/slots and /v2/slots/reservations
	VersionEventTypes = "2024-06-14" // /v2/event-types
)

// Booking statuses of the REST API (lower-case; webhooks use upper case).
const (
	StatusAccepted  = "accepted"
	StatusPending   = "pending"
	StatusCancelled = "cancelled"
	StatusRejected  = "rejected"
)

// Metadata limits of POST /v2/bookings (README section 3), enforced by the
// client before sending. Lengths count UTF-16 code units, as JavaScript's
// String.length does.
const (
	MaxMetadataKeys     = 50
	MaxMetadataKeyLen   = 40
	MaxMetadataValueLen = 500
)

// utcTime formats t as Cal.com wants request times: UTC ISO 8601
// ("2026-03-12T09:00:00Z", fractions only when present).
func utcTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// SlotsQuery asks GET /v2/slots for the free slots of one event type.
type SlotsQuery struct {
	// EventTypeID is the event type. Required.
	EventTypeID int64
	// Start and End bound the slot starts; both are required and sent in
	// UTC. Cal.com reads an End at exactly midnight UTC as the end of that
	// day (23:59:59, slots-input.service.ts), so the client sends such an
	// End one second earlier: the range ends where the caller said.
	Start, End time.Time
	// TimeZone is the IANA zone the slots are answered in (days and
	// offsets). Empty means UTC.
	TimeZone string
	// Duration is the slot length in minutes, for event types with several
	// lengths. Zero means the event type's length.
	Duration int
}

// Slot is one free slot. Start keeps the offset Cal.com answered it with,
// which is that of SlotsQuery.TimeZone.
type Slot struct {
	// Start is when the slot begins.
	Start time.Time `json:"start"`
	// End is set only for format=range answers.
	End time.Time `json:"end,omitzero"`
	// AttendeesCount and BookingUID are set for seated event types.
	AttendeesCount int    `json:"attendeesCount,omitempty"`
	BookingUID     string `json:"bookingUid,omitempty"`
}

// Slots is the data of a GET /v2/slots answer: the slots of each day
// ("YYYY-MM-DD" in the query's time zone). No slots is an empty map.
type Slots map[string][]Slot

// Days returns the dates that have slots, in order.
func (s Slots) Days() []string {
	days := make([]string, 0, len(s))
	for d := range s {
		days = append(days, d)
	}
	sort.Strings(days)
	return days
}

// List returns every slot of every day, ordered by start.
func (s Slots) List() []Slot {
	var out []Slot
	for _, d := range s.Days() {
		out = append(out, s[d]...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// ReservationRequest is the body of POST /v2/slots/reservations and PATCH
// /v2/slots/reservations/{uid} (README section 5; reserve-slot.input.ts).
type ReservationRequest struct {
	// EventTypeID is the event type. Required.
	EventTypeID int64 `json:"eventTypeId"`
	// SlotStart is the slot's start, sent in UTC. Required.
	SlotStart time.Time `json:"slotStart"`
	// SlotDuration is the slot length in minutes. Cal.com accepts it only
	// for variable-length event types (one of their lengths); zero omits it
	// and means the event type's length.
	SlotDuration int `json:"slotDuration,omitempty"`
	// ReservationDuration is how long the hold lasts, in minutes. Only the
	// event type's owner may set it (others get 401/403). Zero omits it:
	// Cal.com's default of 5 minutes.
	ReservationDuration int `json:"reservationDuration,omitempty"`
}

// MarshalJSON sends SlotStart in UTC.
func (r ReservationRequest) MarshalJSON() ([]byte, error) {
	type wire struct {
		EventTypeID         int64  `json:"eventTypeId"`
		SlotStart           string `json:"slotStart"`
		SlotDuration        int    `json:"slotDuration,omitempty"`
		ReservationDuration int    `json:"reservationDuration,omitempty"`
	}
	return json.Marshal(wire{r.EventTypeID, utcTime(r.SlotStart), r.SlotDuration, r.ReservationDuration})
}

func (r ReservationRequest) validate() error {
	if r.EventTypeID <= 0 {
		return fmt.Errorf("%w: eventTypeId must be positive", ErrInvalidRequest)
	}
	if r.SlotStart.IsZero() {
		return fmt.Errorf("%w: slotStart is required", ErrInvalidRequest)
	}
	if r.SlotDuration < 0 || r.ReservationDuration < 0 {
		return fmt.Errorf("%w: durations must not be negative", ErrInvalidRequest)
	}
	return nil
}

// Reservation is a slot held for a few minutes (reserve-slot.output.ts;
// fixture reservation_response.json).
type Reservation struct {
	EventTypeID         int64     `json:"eventTypeId"`
	SlotStart           time.Time `json:"slotStart"`
	SlotEnd             time.Time `json:"slotEnd"`
	SlotDuration        int       `json:"slotDuration"`
	ReservationUID      string    `json:"reservationUid"`
	ReservationDuration int       `json:"reservationDuration"`
	ReservationUntil    time.Time `json:"reservationUntil"`
}

// Attendee is the person a booking is for.
type Attendee struct {
	// Name is required.
	Name string `json:"name"`
	// Email or PhoneNumber is required.
	Email string `json:"email,omitempty"`
	// TimeZone is the attendee's IANA zone. Required.
	TimeZone string `json:"timeZone"`
	// PhoneNumber is in international format (E.164). Event types with SMS
	// reminders require it.
	PhoneNumber string `json:"phoneNumber,omitempty"`
	// Language is the attendee's language code, e.g. "de".
	Language string `json:"language,omitempty"`
}

// Metadata is a booking's metadata: string keys and string values. Decoding
// keeps a value of another JSON type as its JSON text, so that odd metadata
// written elsewhere never fails a booking's decoding.
type Metadata map[string]string

// UnmarshalJSON decodes an object; null gives a nil Metadata.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*m = nil
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(Metadata, len(raw))
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
			continue
		}
		out[k] = string(v)
	}
	*m = out
	return nil
}

func jsLen(s string) int { return len(utf16.Encode([]rune(s))) }

// validate checks the documented limits: at most 50 keys, keys at most 40
// and values at most 500 characters.
func (m Metadata) validate() error {
	if len(m) > MaxMetadataKeys {
		return fmt.Errorf("%w: metadata has %d keys, at most %d are allowed", ErrInvalidRequest, len(m), MaxMetadataKeys)
	}
	for k, v := range m {
		if k == "" {
			return fmt.Errorf("%w: metadata key is empty", ErrInvalidRequest)
		}
		if n := jsLen(k); n > MaxMetadataKeyLen {
			return fmt.Errorf("%w: metadata key %q is %d characters, at most %d are allowed", ErrInvalidRequest, k, n, MaxMetadataKeyLen)
		}
		if n := jsLen(v); n > MaxMetadataValueLen {
			return fmt.Errorf("%w: metadata value of %q is %d characters, at most %d are allowed", ErrInvalidRequest, k, n, MaxMetadataValueLen)
		}
	}
	return nil
}

// BookingRequest is the body of POST /v2/bookings, version 2024-08-13
// (create-booking.input.ts; fixture create_booking_request.json).
type BookingRequest struct {
	// Start is the booking's start, sent in UTC. Required.
	Start time.Time
	// EventTypeID is the event type. Required.
	EventTypeID int64
	// Attendee is required: a name, a time zone and an email or phone.
	Attendee Attendee
	// Metadata is optional; at most 50 keys of at most 40 characters,
	// values of at most 500.
	Metadata Metadata
	// ReservedSlotUID is the reservation this booking uses up (from
	// [Client.ReserveSlot]); empty books without one.
	ReservedSlotUID string
	// LengthInMinutes is the length for variable-length event types; zero
	// omits it.
	LengthInMinutes int
	// Guests are further email addresses invited.
	Guests []string
}

type bookingRequestWire struct {
	Start           string   `json:"start"`
	EventTypeID     int64    `json:"eventTypeId"`
	Attendee        Attendee `json:"attendee"`
	Guests          []string `json:"guests,omitempty"`
	LengthInMinutes int      `json:"lengthInMinutes,omitempty"`
	Metadata        Metadata `json:"metadata,omitempty"`
	ReservedSlotUID string   `json:"reservedSlotUid,omitempty"`
}

// MarshalJSON encodes the request as Cal.com reads it, Start in UTC.
func (r BookingRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(bookingRequestWire{
		Start:           utcTime(r.Start),
		EventTypeID:     r.EventTypeID,
		Attendee:        r.Attendee,
		Guests:          r.Guests,
		LengthInMinutes: r.LengthInMinutes,
		Metadata:        r.Metadata,
		ReservedSlotUID: r.ReservedSlotUID,
	})
}

// Validate reports what Cal.com would refuse, before anything is sent. It
// returns an error wrapping [ErrInvalidRequest].
func (r BookingRequest) Validate() error {
	if r.Start.IsZero() {
		return fmt.Errorf("%w: start is required", ErrInvalidRequest)
	}
	if r.EventTypeID <= 0 {
		return fmt.Errorf("%w: eventTypeId must be positive", ErrInvalidRequest)
	}
	if r.Attendee.Name == "" {
		return fmt.Errorf("%w: attendee.name is required", ErrInvalidRequest)
	}
	if r.Attendee.TimeZone == "" {
		return fmt.Errorf("%w: attendee.timeZone is required", ErrInvalidRequest)
	}
	if r.Attendee.Email == "" && r.Attendee.PhoneNumber == "" {
		return fmt.Errorf("%w: attendee needs an email or a phoneNumber", ErrInvalidRequest)
	}
	if r.LengthInMinutes < 0 {
		return fmt.Errorf("%w: lengthInMinutes must not be negative", ErrInvalidRequest)
	}
	return r.Metadata.validate()
}

// CancelRequest is the body of POST /v2/bookings/{uid}/cancel.
type CancelRequest struct {
	// CancellationReason is optional.
	CancellationReason string `json:"cancellationReason,omitempty"`
}

// RescheduleRequest is the body of POST /v2/bookings/{uid}/reschedule.
type RescheduleRequest struct {
	// Start is the new start, sent in UTC. Required.
	Start time.Time
	// ReschedulingReason is optional.
	ReschedulingReason string
	// RescheduledBy is the email of who reschedules; optional.
	RescheduledBy string
}

// MarshalJSON sends Start in UTC.
func (r RescheduleRequest) MarshalJSON() ([]byte, error) {
	type wire struct {
		Start              string `json:"start"`
		ReschedulingReason string `json:"reschedulingReason,omitempty"`
		RescheduledBy      string `json:"rescheduledBy,omitempty"`
	}
	return json.Marshal(wire{utcTime(r.Start), r.ReschedulingReason, r.RescheduledBy})
}

// Host is a host of a booking.
type Host struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	DisplayEmail string `json:"displayEmail"`
	Username     string `json:"username"`
	TimeZone     string `json:"timeZone"`
}

// BookingAttendee is an attendee of a booking as Cal.com answers it.
type BookingAttendee struct {
	Name         string `json:"name"`
	Email        string `json:"email"`
	DisplayEmail string `json:"displayEmail"`
	TimeZone     string `json:"timeZone"`
	Language     string `json:"language,omitempty"`
	Absent       bool   `json:"absent"`
	PhoneNumber  string `json:"phoneNumber,omitempty"`
}

// EventTypeRef is the event type a booking belongs to.
type EventTypeRef struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
}

// Booking is a booking as the 2024-08-13 API answers it (booking.output.ts;
// fixture create_booking_response.json).
type Booking struct {
	ID          int64  `json:"id"`
	UID         string `json:"uid"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Hosts       []Host `json:"hosts"`
	// Status is one of StatusAccepted, StatusPending, StatusCancelled,
	// StatusRejected.
	Status             string    `json:"status"`
	CancellationReason string    `json:"cancellationReason,omitempty"`
	CancelledByEmail   string    `json:"cancelledByEmail,omitempty"`
	ReschedulingReason string    `json:"reschedulingReason,omitempty"`
	RescheduledByEmail string    `json:"rescheduledByEmail,omitempty"`
	RescheduledFromUID string    `json:"rescheduledFromUid,omitempty"`
	RescheduledToUID   string    `json:"rescheduledToUid,omitempty"`
	Start              time.Time `json:"start"`
	End                time.Time `json:"end"`
	Duration           int       `json:"duration"`
	// EventTypeID is deprecated by Cal.com in favour of EventType.ID.
	EventTypeID int64        `json:"eventTypeId"`
	EventType   EventTypeRef `json:"eventType"`
	MeetingURL  string       `json:"meetingUrl,omitempty"`
	Location    string       `json:"location"`
	AbsentHost  bool         `json:"absentHost"`
	CreatedAt   time.Time    `json:"createdAt"`
	// UpdatedAt is nil for a booking never updated.
	UpdatedAt *time.Time        `json:"updatedAt"`
	Metadata  Metadata          `json:"metadata"`
	Rating    *int              `json:"rating,omitempty"`
	ICSUID    string            `json:"icsUid,omitempty"`
	Attendees []BookingAttendee `json:"attendees"`
	Guests    []string          `json:"guests"`
	// BookingFieldsResponses holds the booking form's answers as sent.
	BookingFieldsResponses map[string]any `json:"bookingFieldsResponses"`
}

// EventType is an event type as the 2024-06-14 API answers it (the fields
// the booking flow uses).
type EventType struct {
	ID                     int64  `json:"id"`
	Title                  string `json:"title"`
	Slug                   string `json:"slug"`
	Description            string `json:"description,omitempty"`
	LengthInMinutes        int    `json:"lengthInMinutes"`
	LengthInMinutesOptions []int  `json:"lengthInMinutesOptions,omitempty"`
	Hidden                 bool   `json:"hidden"`
	OwnerID                *int64 `json:"ownerId,omitempty"`
	TeamID                 *int64 `json:"teamId,omitempty"`
	SchedulingType         string `json:"schedulingType,omitempty"`
	SlotInterval           *int   `json:"slotInterval,omitempty"`
	MinimumBookingNotice   int    `json:"minimumBookingNotice,omitempty"`
	BookingURL             string `json:"bookingUrl,omitempty"`
}
