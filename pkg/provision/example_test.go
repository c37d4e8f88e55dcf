package provision_test

import (
	"context"
	"fmt"
	"slices"

	"github.com/askproai/askpro/pkg/provision"
	"github.com/askproai/askpro/pkg/store"
)

func ExampleValidator_Validate() {
	v, err := provision.NewValidator(provision.ValidatorConfig{
		PublicURL: "https://askpro.example.com",
		Retell:    provision.PingerFunc(func(context.Context) error { return nil }),
		Calendar: func(context.Context, store.Company) (provision.Calendar, error) {
			return provision.CalendarFunc(func(context.Context) ([]int64, error) { return []int64{4711}, nil }), nil
		},
	})
	if err != nil {
		panic(err)
	}
	r := v.Validate(context.Background(), provision.BranchData{
		Company: store.Company{ID: 7, Industry: "beauty", IsActive: true},
		Branch: store.Branch{ID: 3, CompanyID: 7, Name: "Mitte", PhoneNumber: "+493012345678",
			Language: "de-DE", TransferNumber: "+4915112345678", IsActive: true},
	})
	fmt.Println("ready:", r.Ready)
	for _, is := range slices.Concat(r.Errors, r.Warnings) {
		fmt.Println(is.Severity, is.Code)
	}
	for _, rec := range r.Recommendations {
		fmt.Println(rec.Priority, rec.Action.Command)
	}
	// Output:
	// ready: false
	// error NO_SERVICES
	// error NO_WORKING_HOURS
	// warning ADDRESS_MISSING
	// high askpro service add --branch 3 --name Behandlung --type treatment --duration 60 --event-type-id EVENT_TYPE_ID
	// high askpro hours set --branch 3 --weekday 1 --opens 09:00 --closes 18:00
	// medium askpro branch update 3 --address "ADDRESS"
}
