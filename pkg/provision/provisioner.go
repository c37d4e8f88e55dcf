package provision

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// Errors callers branch on with errors.Is.
var (
	// ErrNotReady is returned when validation finds errors: nothing was
	// sent and the branch is unchanged. Result.Validation says why.
	ErrNotReady = errors.New("provision: branch is not ready")
)

// DefaultLeaseTTL is how long a run holds a branch before another run may
// take it over (a run that crashed).
const DefaultLeaseTTL = 10 * time.Minute

// Step names, in the order a run takes them.
const (
	StepValidate   = "validate"
	StepLease      = "lease"
	StepLLM        = "llm"
	StepAgent      = "agent"
	StepPublish    = "publish"
	StepBind       = "bind"
	StepRecord     = "record"
	StepCompensate = "compensate"
)

// Step statuses.
const (
	StatusOK      = "ok"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
)

// Step is one step of a run, reported as it ends.
type Step struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	// Detail says what the step did ("created llm_…", "published version 3").
	Detail   string        `json:"detail,omitempty"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Request is one request a dry run would send: its method, path and exact
// body.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   []byte `json:"body,omitempty"`
}

// Result is what a run did.
type Result struct {
	BranchID  int64 `json:"branch_id"`
	CompanyID int64 `json:"company_id"`
	// BranchName and CompanyName are the names the run read.
	BranchName  string `json:"branch_name,omitempty"`
	CompanyName string `json:"company_name,omitempty"`
	DryRun      bool   `json:"dry_run"`
	// Status is the branch's provisioning status after the run
	// (completed or failed), or "not_ready", or "dry_run".
	Status       string    `json:"status"`
	LLMID        string    `json:"llm_id,omitempty"`
	AgentID      string    `json:"agent_id,omitempty"`
	AgentVersion *int      `json:"agent_version,omitempty"`
	Language     string    `json:"language,omitempty"`
	Steps        []Step    `json:"steps"`
	Validation   Report    `json:"validation"`
	Requests     []Request `json:"requests,omitempty"`
	Error        string    `json:"error,omitempty"`
}

// Options are per-run options of [Provisioner.Provision]; nil means none.
type Options struct {
	// DryRun sends no write to Retell and changes nothing in the database:
	// reads of the branch's existing LLM and agent still go to Retell, and
	// Result.Requests holds the exact writes a real run would send.
	DryRun bool
	// Progress, when set, is called as each step ends.
	Progress func(Step)
}

// Config configures a [Provisioner].
type Config struct {
	// Store holds the branches. Required.
	Store *store.Store
	// Validator checks a branch first. Required.
	Validator *Validator
	// Retell configures the Retell client (retell.Config; APIKey is
	// required). A dry run uses a copy whose writes never leave the process.
	Retell retell.Config
	// PublicURL is http.public_url: the base of the agent's webhook, its
	// tools and the number's inbound webhook. Required.
	PublicURL string
	// VoiceID and Model are the agent's voice and its LLM's model.
	// Default to retell-Cimo and gpt-4.1.
	VoiceID, Model string
	// LeaseTTL is how long a run holds a branch. Defaults to
	// [DefaultLeaseTTL].
	LeaseTTL time.Duration
	// Logger receives a line per step. Defaults to a discarding logger.
	Logger *slog.Logger
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

// Provisioner provisions a branch's Retell agent (DESIGN "Provisioning"):
// validate, create or update the LLM and the agent, publish the agent
// version, bind the branch's number to it and record the result; on
// failure it deletes what the run created and records the error. It is
// safe for concurrent use; runs on one branch exclude each other through
// the branch's lease.
type Provisioner struct {
	store     *store.Store
	validator *Validator
	client    *retell.Client
	dryCfg    retell.Config
	publicURL string
	voiceID   string
	model     string
	leaseTTL  time.Duration
	logger    *slog.Logger
	now       func() time.Time
}

// New checks cfg, fills its defaults and returns a Provisioner.
func New(cfg Config) (*Provisioner, error) {
	if cfg.Store == nil || cfg.Validator == nil {
		return nil, errors.New("provision: Config.Store and Config.Validator are required")
	}
	if strings.TrimSpace(cfg.PublicURL) == "" {
		return nil, errors.New("provision: Config.PublicURL is required (http.public_url)")
	}
	client, err := retell.New(cfg.Retell)
	if err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	p := &Provisioner{store: cfg.Store, validator: cfg.Validator, client: client, publicURL: strings.TrimRight(strings.TrimSpace(cfg.PublicURL), "/"),
		voiceID: cfg.VoiceID, model: cfg.Model, leaseTTL: cfg.LeaseTTL, logger: cfg.Logger, now: cfg.Now}
	if p.voiceID == "" {
		p.voiceID = "retell-Cimo"
	}
	if p.model == "" {
		p.model = "gpt-4.1"
	}
	if p.leaseTTL <= 0 {
		p.leaseTTL = DefaultLeaseTTL
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.dryCfg = cfg.Retell
	return p, nil
}

// Provision runs the steps for one branch and returns what it did. Errors:
// ErrNotReady (validation found errors; nothing changed), store.ErrNotFound,
// store.ErrProvisioningBusy (another run holds the branch), or the failed
// step's error (*StepError) after the run's compensation; Result says the
// rest in each case.
func (p *Provisioner) Provision(ctx context.Context, branchID int64, opts *Options) (Result, error) {
	if opts == nil {
		opts = &Options{}
	}
	res := Result{BranchID: branchID, DryRun: opts.DryRun}
	r := &run{p: p, opts: opts, res: &res}

	start := p.now()
	d, err := Load(ctx, p.store, branchID)
	if err != nil {
		return res, err
	}
	res.CompanyID, res.CompanyName, res.BranchName = d.Company.ID, d.Company.Name, d.Branch.Name
	res.Validation = p.validator.Validate(ctx, d)
	if !res.Validation.Ready {
		res.Status = "not_ready"
		err := fmt.Errorf("%w: %s", ErrNotReady, firstErrors(res.Validation))
		r.step(StepValidate, start, "", err)
		res.Error = err.Error()
		return res, err
	}
	r.step(StepValidate, start, fmt.Sprintf("%d warnings", len(res.Validation.Warnings)), nil)

	spec := BuildAgentSpec(d, p.publicURL, p.voiceID, p.model)
	res.Language = spec.Language
	r.runID = newRunID()
	spec.LLM.DefaultDynamicVariables = map[string]string{RunVariable: r.runID}
	r.d, r.spec = d, spec
	if opts.DryRun {
		return r.dryRun(ctx)
	}
	return r.real(ctx)
}

// newRunID returns 16 random bytes in hex.
func newRunID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// firstErrors joins the codes of a report's errors.
func firstErrors(rep Report) string {
	codes := make([]string, 0, len(rep.Errors))
	for _, is := range rep.Errors {
		codes = append(codes, string(is.Code))
	}
	return strings.Join(codes, ", ")
}

// StepError is the error of the step a run failed at, with what its
// compensation could not undo.
type StepError struct {
	Step string
	Err  error
	// Leftovers are remote objects the compensation could not delete; they
	// stay recorded on the branch, so that the next run reuses them.
	Leftovers []string
}

// Error describes the step, its error and any leftovers.
func (e *StepError) Error() string {
	msg := fmt.Sprintf("provision: step %s: %v", e.Step, e.Err)
	if len(e.Leftovers) > 0 {
		msg += "; not undone: " + strings.Join(e.Leftovers, "; ")
	}
	return msg
}

// Unwrap returns the step's error.
func (e *StepError) Unwrap() error { return e.Err }

// run is one provisioning run's state.
type run struct {
	p      *Provisioner
	opts   *Options
	res    *Result
	d      BranchData
	spec   AgentSpec
	client *retell.Client
	// journal records the ids the run holds (nil in a dry run).
	journal func(llmID, agentID string) error

	// keepLLM and keepAgent are the branch's objects that existed before
	// the run (what compensation restores); llmID and agentID what the run
	// holds now; created* what it created.
	keepLLM, keepAgent       string
	llmID, agentID           string
	createdLLM, createdAgent bool
	orphans                  []string // LLM ids no agent uses any more, deleted after success
	draftVersion, llmVersion int
	// runID marks the LLM this run writes ([RunVariable]).
	runID string
}

// step reports one finished step.
func (r *run) step(name string, start time.Time, detail string, err error) {
	s := Step{Name: name, Status: StatusOK, Detail: detail, Duration: r.p.now().Sub(start)}
	if err != nil {
		s.Status, s.Error = StatusFailed, err.Error()
	}
	r.res.Steps = append(r.res.Steps, s)
	if r.opts.Progress != nil {
		r.opts.Progress(s)
	}
	r.p.logger.Info("provision step", "branch_id", r.d.Branch.ID, "step", name, "status", s.Status, "detail", detail, "err", err)
}

// real runs the steps against Retell under the branch's lease.
func (r *run) real(ctx context.Context) (Result, error) {
	tctx := tenant.WithCompany(ctx, r.d.Company.ID)
	start := r.p.now()
	b, lease, err := r.p.store.Branches.BeginProvisioning(tctx, r.d.Branch.ID, r.p.leaseTTL)
	r.step(StepLease, start, "no other run holds the branch", err)
	if err != nil {
		r.res.Status, r.res.Error = b.ProvisioningStatus, err.Error()
		return *r.res, err
	}
	r.client = r.p.client
	r.keepLLM, r.keepAgent = b.RetellLLMID, b.RetellAgentID
	r.journal = func(llmID, agentID string) error {
		return r.p.store.Branches.RecordRetellIDs(tctx, lease, llmID, agentID)
	}

	if stepErr := r.remote(ctx); stepErr != nil {
		r.compensate(ctx, stepErr)
		// The failure is recorded even when the caller's context ended.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(tctx), 10*time.Second)
		defer cancel()
		got, err := r.p.store.Branches.FailProvisioning(fctx, lease, stepErr.Error())
		if err != nil {
			r.p.logger.Error("provision: record failure", "branch_id", r.d.Branch.ID, "err", err)
		}
		r.res.Status, r.res.Error = store.ProvisioningFailed, stepErr.Error()
		r.res.LLMID, r.res.AgentID, r.res.AgentVersion = got.RetellLLMID, got.RetellAgentID, got.RetellAgentVersion
		return *r.res, stepErr
	}

	start = r.p.now()
	got, err := r.p.store.Branches.CompleteProvisioning(tctx, lease, store.ProvisioningResult{LLMID: r.llmID, AgentID: r.agentID, AgentVersion: r.draftVersion})
	r.step(StepRecord, start, fmt.Sprintf("completed: agent %s version %d", r.agentID, r.draftVersion), err)
	if err != nil {
		// Retell is fully provisioned and the ids are journaled: the next
		// run finds and updates them. Nothing remote is undone.
		r.res.Status, r.res.Error = store.ProvisioningInProgress, err.Error()
		return *r.res, &StepError{Step: StepRecord, Err: err}
	}
	r.res.Status = got.ProvisioningStatus
	r.res.LLMID, r.res.AgentID, r.res.AgentVersion = got.RetellLLMID, got.RetellAgentID, got.RetellAgentVersion
	r.cleanOrphans(ctx)
	return *r.res, nil
}

// remote runs the Retell steps: LLM, agent, publish, bind.
func (r *run) remote(ctx context.Context) *StepError {
	start := r.p.now()
	existing, err := r.findExisting(ctx)
	if err != nil {
		r.step(StepLLM, start, "", err)
		return &StepError{Step: StepLLM, Err: err}
	}
	detail, err := r.llm(ctx, existing)
	r.step(StepLLM, start, detail, err)
	if err != nil {
		return &StepError{Step: StepLLM, Err: err}
	}
	start = r.p.now()
	detail, err = r.agent(ctx, existing)
	r.step(StepAgent, start, detail, err)
	if err != nil {
		return &StepError{Step: StepAgent, Err: err}
	}
	start = r.p.now()
	err = r.client.PublishAgentVersion(ctx, r.agentID, retell.PublishRequest{Version: r.draftVersion,
		VersionTitle: "askpro " + r.p.now().UTC().Format(time.RFC3339)})
	r.step(StepPublish, start, fmt.Sprintf("published version %d", r.draftVersion), err)
	if err != nil {
		return &StepError{Step: StepPublish, Err: err}
	}
	start = r.p.now()
	inbound := r.p.publicURL + InboundPath
	_, err = r.client.UpdatePhoneNumber(ctx, string(r.d.Branch.PhoneNumber), retell.PhoneNumberUpdate{
		InboundAgents:     []retell.InboundAgent{{AgentID: r.agentID, Weight: 1, AgentVersion: retell.Version(r.draftVersion)}},
		InboundWebhookURL: &inbound,
	})
	if retell.IsNotFound(err) {
		err = fmt.Errorf("the number %s is not in this Retell account (buy or import it in Retell first): %w", r.d.Branch.PhoneNumber.Masked(), err)
	}
	r.step(StepBind, start, fmt.Sprintf("%s answers with version %d", r.d.Branch.PhoneNumber.Masked(), r.draftVersion), err)
	if err != nil {
		return &StepError{Step: StepBind, Err: err}
	}
	return nil
}

// existing is what the branch's recorded ids still name at Retell.
type existing struct {
	agent *retell.Agent // latest version
	llm   *retell.LLM   // latest version
}

// findExisting reads the branch's recorded LLM and agent; one Retell no
// longer knows is forgotten (and not restored by compensation).
func (r *run) findExisting(ctx context.Context) (existing, error) {
	var ex existing
	if r.keepAgent != "" {
		a, err := r.client.GetAgent(ctx, r.keepAgent)
		switch {
		case retell.IsNotFound(err):
			r.keepAgent = ""
		case err != nil:
			return ex, fmt.Errorf("read agent %s: %w", r.keepAgent, err)
		default:
			ex.agent = &a
		}
	}
	// The agent's own LLM is the one to update; a recorded LLM the agent
	// does not use is an orphan of an earlier run.
	llmID := r.keepLLM
	if ex.agent != nil && ex.agent.ResponseEngine != nil && ex.agent.ResponseEngine.Type == retell.EngineRetellLLM && ex.agent.ResponseEngine.LLMID != "" {
		if llmID != "" && llmID != ex.agent.ResponseEngine.LLMID {
			r.orphans = append(r.orphans, llmID)
		}
		llmID = ex.agent.ResponseEngine.LLMID
	}
	if llmID != "" {
		l, err := r.client.GetRetellLLM(ctx, llmID)
		switch {
		case retell.IsNotFound(err):
			llmID = ""
		case err != nil:
			return ex, fmt.Errorf("read llm %s: %w", llmID, err)
		default:
			ex.llm = &l
		}
	}
	r.keepLLM = llmID
	r.llmID, r.agentID = r.keepLLM, r.keepAgent
	return ex, nil
}

// llm creates the LLM, or updates the draft the agent's next version will
// use.
func (r *run) llm(ctx context.Context, ex existing) (string, error) {
	switch {
	case ex.llm != nil && ex.agent != nil:
		// The agent's draft gets a matching LLM draft: make or reuse the
		// agent draft first, then write the LLM version it points at.
		draft, err := r.draft(ctx, *ex.agent)
		if err != nil {
			return "", err
		}
		r.llmVersion = ex.llm.Version
		if e := draft.ResponseEngine; e != nil && e.Version != nil && e.LLMID == r.llmID {
			r.llmVersion = *e.Version
		}
		if _, err := r.client.UpdateRetellLLMVersion(ctx, r.llmID, r.llmVersion, r.spec.LLM); err != nil {
			return "", fmt.Errorf("update llm %s version %d: %w", r.llmID, r.llmVersion, err)
		}
		return fmt.Sprintf("updated %s version %d", r.llmID, r.llmVersion), nil
	case ex.llm != nil && !ex.llm.IsPublished:
		// A run that crashed before its agent existed left this draft.
		if _, err := r.client.UpdateRetellLLMVersion(ctx, r.llmID, ex.llm.Version, r.spec.LLM); err != nil {
			return "", fmt.Errorf("update llm %s version %d: %w", r.llmID, ex.llm.Version, err)
		}
		r.llmVersion = ex.llm.Version
		return fmt.Sprintf("updated %s version %d", r.llmID, r.llmVersion), nil
	}
	if ex.llm != nil { // published, and no agent uses it any more
		r.orphans = append(r.orphans, r.llmID)
		r.keepLLM = ""
	}
	l, err := r.client.CreateRetellLLM(ctx, r.spec.LLM)
	if retell.MayHaveSucceeded(err) {
		// The answer was lost: Retell may have made it. The run's mark
		// finds it; creating again could make two.
		found, ok, ferr := r.findLLM(ctx)
		if ferr != nil {
			return "", fmt.Errorf("create llm: %w (and looking for it failed: %v; an LLM with default_dynamic_variables %s=%s may exist)", err, ferr, RunVariable, r.runID)
		}
		if ok {
			l, err = found, nil
		}
	}
	if err != nil {
		return "", fmt.Errorf("create llm: %w", err)
	}
	r.llmID, r.llmVersion, r.createdLLM = l.LLMID, l.Version, true
	if err := r.journal(r.llmID, r.agentID); err != nil {
		return "", fmt.Errorf("record llm %s: %w", r.llmID, err)
	}
	return "created " + r.llmID, nil
}

// agent creates the agent, or updates its draft.
func (r *run) agent(ctx context.Context, ex existing) (string, error) {
	req := r.spec.Agent
	version := r.llmVersion
	req.ResponseEngine = &retell.ResponseEngine{Type: retell.EngineRetellLLM, LLMID: r.llmID, Version: &version}
	if ex.agent != nil {
		if r.createdLLM { // the agent's LLM was gone: its draft is made here
			if _, err := r.draft(ctx, *ex.agent); err != nil {
				return "", err
			}
		}
		if _, err := r.client.UpdateAgentVersion(ctx, r.agentID, r.draftVersion, req); err != nil {
			return "", fmt.Errorf("update agent %s version %d: %w", r.agentID, r.draftVersion, err)
		}
		return fmt.Sprintf("updated %s version %d", r.agentID, r.draftVersion), nil
	}
	a, err := r.client.CreateAgent(ctx, req)
	if retell.MayHaveSucceeded(err) {
		found, ok, ferr := r.findAgent(ctx)
		if ferr != nil {
			return "", fmt.Errorf("create agent: %w (and looking for it failed: %v; an agent %q on LLM %s may exist)", err, ferr, req.AgentName, r.llmID)
		}
		if ok {
			a, err = found, nil
		}
	}
	if err != nil {
		return "", fmt.Errorf("create agent: %w", err)
	}
	r.agentID, r.draftVersion, r.createdAgent = a.AgentID, a.Version, true
	if err := r.journal(r.llmID, r.agentID); err != nil {
		return "", fmt.Errorf("record agent %s: %w", r.agentID, err)
	}
	return "created " + r.agentID, nil
}

// RunVariable is the default dynamic variable a run puts on the LLM it
// writes, with a random id of the run: the prompt never uses it, but it
// finds the LLM again when Retell's answer to the create was lost.
const RunVariable = "askpro_provisioning_run"

// findLLM looks for the LLM this run created but never heard of: the one
// carrying the run's mark.
func (r *run) findLLM(ctx context.Context) (retell.LLM, bool, error) {
	llms, err := r.client.ListRetellLLMs(ctx)
	if err != nil {
		return retell.LLM{}, false, err
	}
	for _, l := range llms {
		if l.DefaultDynamicVariables[RunVariable] == r.runID {
			return l, true, nil
		}
	}
	return retell.LLM{}, false, nil
}

// findAgent looks for the agent this run created but never heard of: the
// one named for the branch on the LLM this run holds (no other agent uses
// an LLM the run just made or the branch's own).
func (r *run) findAgent(ctx context.Context) (retell.Agent, bool, error) {
	agents, err := r.client.ListAgents(ctx)
	if err != nil {
		return retell.Agent{}, false, err
	}
	for _, a := range agents {
		if a.AgentName == r.spec.Agent.AgentName && a.ResponseEngine != nil && a.ResponseEngine.LLMID == r.llmID {
			return a, true, nil
		}
	}
	return retell.Agent{}, false, nil
}

// draft returns the agent version the run writes: latest itself when it is
// an unpublished draft (one a failed run left), else a new draft made from
// it. It sets r.draftVersion.
func (r *run) draft(ctx context.Context, latest retell.Agent) (retell.Agent, error) {
	if latest.IsPublished {
		d, err := r.client.CreateAgentVersion(ctx, r.agentID, latest.Version)
		if err != nil {
			return retell.Agent{}, fmt.Errorf("create a draft of agent %s: %w", r.agentID, err)
		}
		latest = d
	}
	r.draftVersion = latest.Version
	return latest, nil
}

// compensate deletes what the run created, newest first, and records the
// ids that exist afterwards: the branch's earlier objects, plus anything a
// delete could not remove (so the next run reuses it instead of leaking
// it). It runs even when ctx has ended.
func (r *run) compensate(ctx context.Context, stepErr *StepError) {
	if !r.createdAgent && !r.createdLLM {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	start := r.p.now()
	llmID, agentID := r.keepLLM, r.keepAgent
	var done []string
	if r.createdAgent {
		if err := r.client.DeleteAgent(ctx, r.agentID); err != nil {
			stepErr.Leftovers = append(stepErr.Leftovers, fmt.Sprintf("agent %s: %v", r.agentID, err))
			agentID = r.agentID
		} else {
			done = append(done, "deleted "+r.agentID)
		}
	}
	if r.createdLLM {
		if err := r.client.DeleteRetellLLM(ctx, r.llmID); err != nil {
			stepErr.Leftovers = append(stepErr.Leftovers, fmt.Sprintf("llm %s: %v", r.llmID, err))
			llmID = r.llmID
		} else {
			done = append(done, "deleted "+r.llmID)
		}
	}
	err := r.journal(llmID, agentID)
	if err != nil {
		stepErr.Leftovers = append(stepErr.Leftovers, fmt.Sprintf("recording the branch's ids: %v", err))
	}
	var cerr error
	if len(stepErr.Leftovers) > 0 {
		cerr = errors.New(strings.Join(stepErr.Leftovers, "; "))
	}
	r.step(StepCompensate, start, strings.Join(done, ", "), cerr)
}

// cleanOrphans deletes LLMs of earlier runs that no agent uses any more;
// a failure is logged, not returned (the branch is provisioned).
func (r *run) cleanOrphans(ctx context.Context) {
	for _, id := range r.orphans {
		if id == r.llmID {
			continue
		}
		if err := r.client.DeleteRetellLLM(ctx, id); err != nil && !retell.IsNotFound(err) {
			r.p.logger.Warn("provision: delete orphaned llm", "branch_id", r.d.Branch.ID, "llm_id", id, "err", err)
		}
	}
}
