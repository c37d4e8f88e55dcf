package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// DemoOptions holds what `askpro demo` needs. The demo touches every
// repository, so it takes the whole store.
type DemoOptions struct {
	IO       *iostreams.IOStreams
	Migrate  func(ctx context.Context) (uint, error)
	Store    func(ctx context.Context) (*store.Store, error)
	Exporter cmdutil.Exporter
}

// DemoResult is what `askpro demo -o json` prints.
type DemoResult struct {
	CompanyID  int64   `json:"company_id"`
	BranchID   int64   `json:"branch_id"`
	ServiceIDs []int64 `json:"service_ids"`
	Phone      string  `json:"phone_number"`
	Created    bool    `json:"created"`
}

// The demo salon. Its number and event type id match the samples in the
// providers' fixtures, so the sample webhooks land on it.
const (
	demoSubdomain = "salon-haarmonie"
	demoPhone     = "030 12345678"
)

var demoServices = []struct {
	name, typ string
	minutes   int
	eventType int64
}{
	{"Damenhaarschnitt", "haircut", 60, 4711},
	{"Herrenhaarschnitt", "haircut", 30, 4712},
	{"Färben", "coloring", 90, 4713},
}

// NewCmdDemo builds `askpro demo`.
func NewCmdDemo(f *cmdutil.Factory, runF func(*DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{IO: f.IO, Migrate: f.Migrate, Store: f.Store}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Migrate the database and create one demo salon (idempotent)",
		Long: "Migrates the configured database and creates the demo salon \"Salon Haarmonie\" with a Berlin branch\n" +
			"(+493012345678), three services and opening hours. Run again, it prints the existing ids.",
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return demoRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func demoRun(ctx context.Context, opts *DemoOptions) error {
	if _, err := opts.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	st, err := opts.Store(ctx)
	if err != nil {
		return err
	}
	res, err := seedDemo(ctx, st)
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, res)
	}
	verb := "Created"
	if !res.Created {
		verb = "Found existing"
	}
	_, err = fmt.Fprintf(opts.IO.Out, "%s demo salon: company %d, branch %d (%s), services %v\n",
		verb, res.CompanyID, res.BranchID, res.Phone, res.ServiceIDs)
	return err
}

// seedDemo finds or creates the demo salon.
func seedDemo(ctx context.Context, st *store.Store) (DemoResult, error) {
	sys := tenant.System(ctx)
	all, err := st.Companies.List(sys, store.Page{Limit: 1000})
	if err != nil {
		return DemoResult{}, err
	}
	for _, c := range all {
		if c.Subdomain != demoSubdomain {
			continue
		}
		ctx := tenant.WithCompany(ctx, c.ID)
		branches, err := st.Branches.List(ctx, store.Page{})
		if err != nil || len(branches) == 0 {
			return DemoResult{}, errors.Join(errors.New("demo company exists without a branch"), err)
		}
		svcs, err := st.Services.ListByBranch(ctx, branches[0].ID)
		if err != nil {
			return DemoResult{}, err
		}
		res := DemoResult{CompanyID: c.ID, BranchID: branches[0].ID, Phone: string(branches[0].PhoneNumber), ServiceIDs: []int64{}}
		for _, s := range svcs {
			res.ServiceIDs = append(res.ServiceIDs, s.ID)
		}
		return res, nil
	}

	c, err := st.Companies.Create(sys, store.NewCompany{Name: "Salon Haarmonie", Subdomain: demoSubdomain, Industry: "beauty"})
	if err != nil {
		return DemoResult{}, err
	}
	ctx = tenant.WithCompany(ctx, c.ID)
	b, err := st.Branches.Create(ctx, store.NewBranch{Name: "Salon Haarmonie Berlin-Mitte", PhoneNumber: demoPhone,
		Address: "Torstraße 12, 10119 Berlin", Timezone: "Europe/Berlin", Language: "de-DE"})
	if err != nil {
		return DemoResult{}, err
	}
	res := DemoResult{CompanyID: c.ID, BranchID: b.ID, Phone: string(b.PhoneNumber), Created: true}
	for _, s := range demoServices {
		et := s.eventType
		svc, err := st.Services.Create(ctx, store.NewService{BranchID: b.ID, Name: s.name, Type: s.typ, DurationMinutes: s.minutes, CalcomEventTypeID: &et})
		if err != nil {
			return DemoResult{}, err
		}
		res.ServiceIDs = append(res.ServiceIDs, svc.ID)
	}
	for day := 1; day <= 6; day++ {
		closes := "18:00"
		if day == 6 {
			closes = "14:00"
		}
		if _, err := st.WorkingHours.Set(ctx, b.ID, day, "09:00", closes); err != nil {
			return DemoResult{}, err
		}
	}
	return res, nil
}
