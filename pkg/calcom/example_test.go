package calcom_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
)

// The booking flow of the phone agent against the fake: free slots, hold
// one, book it with the hold; a second caller for the same slot hears that
// it is taken.
func Example() {
	clock := calcomtest.NewClock(time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC))
	srv := calcomtest.NewServer(calcomtest.Config{Now: clock.Now})
	defer srv.Close()
	srv.AddAPIKey("cal_live_salon")
	srv.AddEventType(calcomtest.EventType{ID: 4711, Slug: "damenhaarschnitt-60", Title: "Damenhaarschnitt", LengthMinutes: 60})
	srv.SetAvailability(4711, "Europe/Berlin", calcomtest.Availability{Weekly: []calcomtest.Hours{
		{Weekday: time.Thursday, From: "09:00", To: "12:00"},
	}})

	c, err := calcom.New(calcom.Config{BaseURL: srv.URL, APIKey: "cal_live_salon", Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	day := time.Date(2026, 3, 12, 0, 0, 0, 0, berlin)

	slots, err := c.Slots(ctx, calcom.SlotsQuery{EventTypeID: 4711, Start: day, End: day.AddDate(0, 0, 1), TimeZone: "Europe/Berlin"})
	if err != nil {
		panic(err)
	}
	for _, s := range slots.List() {
		fmt.Println("free:", s.Start.Format("Mon 15:04"))
	}

	first := slots.List()[0].Start
	hold, err := c.ReserveSlot(ctx, calcom.ReservationRequest{EventTypeID: 4711, SlotStart: first})
	if err != nil {
		panic(err)
	}
	req := calcom.BookingRequest{
		Start:           first,
		EventTypeID:     4711,
		Attendee:        calcom.Attendee{Name: "Anna Schmidt", TimeZone: "Europe/Berlin", PhoneNumber: "+4915112345678", Language: "de"},
		Metadata:        calcom.Metadata{"source": "phone-agent"},
		ReservedSlotUID: hold.ReservationUID,
	}
	b, err := c.CreateBooking(ctx, req)
	if err != nil {
		panic(err)
	}
	fmt.Println(b.Status, b.Title)

	req.Attendee.Name, req.ReservedSlotUID = "Bernd Meier", ""
	_, err = c.CreateBooking(ctx, req)
	fmt.Println("second caller, slot taken:", errors.Is(err, calcom.ErrSlotTaken))
	// Output:
	// free: Thu 09:00
	// free: Thu 10:00
	// free: Thu 11:00
	// accepted Damenhaarschnitt zwischen Salon Schnittkunst und Anna Schmidt
	// second caller, slot taken: true
}

// Creating requests are never sent twice after they may have arrived.
func ExampleClient_CreateBooking_ambiguous() {
	srv := calcomtest.NewServer(calcomtest.Config{Now: func() time.Time { return time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC) }})
	defer srv.Close()
	srv.AddAPIKey("cal_live_salon")
	srv.AddEventType(calcomtest.EventType{ID: 4711, LengthMinutes: 60})
	start := time.Date(2026, 3, 12, 8, 0, 0, 0, time.UTC)
	srv.SetAvailability(4711, "Europe/Berlin", calcomtest.Availability{Slots: []time.Time{start}})
	srv.FailAfterProcessing(calcomtest.OpCreateBooking, 500, 1) // booked, but the answer is an error

	c, _ := calcom.New(calcom.Config{BaseURL: srv.URL, APIKey: "cal_live_salon"})
	_, err := c.CreateBooking(context.Background(), calcom.BookingRequest{
		Start: start, EventTypeID: 4711,
		Attendee: calcom.Attendee{Name: "Anna Schmidt", TimeZone: "Europe/Berlin", Email: "anna@example.de"},
	})
	fmt.Println("ambiguous:", errors.Is(err, calcom.ErrAmbiguous))
	fmt.Println("requests:", len(srv.RequestsOf(calcomtest.OpCreateBooking)), "bookings:", len(srv.Bookings()))
	// Output:
	// ambiguous: true
	// requests: 1 bookings: 1
}
