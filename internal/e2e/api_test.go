package e2e

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/apikey"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/ratelimit"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// Why the API tests cannot share rate budgets or cached company states
// through the one test Redis (db 15, shared by every run and every parallel
// test), although nothing in askpro's config sets a Redis key prefix:
//
//   - The per-key limiter's keys are "rate:askpro:api_per_key:key:<key id>"
//     (redis_rate's "rate:", ratelimit.DefaultRedisPrefix, the rule name,
//     ratelimit.ByAPIKey) and the tenant cache's are
//     "askpro:tenant:v<version hash>:c:<company id>". A fresh database
//     numbers keys and companies from 1, so two runs (or two parallel tests)
//     would meet on key 1 and company 1, and a budget spent by an earlier run
//     would still be spent (a GCRA key lives until its bucket is full again).
//   - So apiBackends moves the AUTO_INCREMENT of api_keys and companies
//     (sqlite_sequence on SQLite) of each fresh database to a random start
//     in [1e9, 1e9+2^40): ids no earlier run and no parallel test had. The
//     database is the test's own, so this is test setup, not a migration.
//   - The tests also delete their limiter keys when they end, so that a
//     collision would need both the same random start and an overlapping
//     run.

// apiEnv is one database (MariaDB or SQLite) and the test Redis, with the
// environment of the serve and CLI processes that use them.
type apiEnv struct {
	dir     string
	environ []string
	dbURL   string
	db      *sql.DB // plain handle for checks
	rdb     *redis.Client
	st      *store.Store
	inbox   *queue.Inbox
}

var dialects = []string{"mysql", "sqlite"}

// apiBackends returns a fresh migrated database of the dialect and the test
// Redis, with id sequences moved to a random start (see above). Rate limits
// are off unless the extra environment sets them.
func apiBackends(t *testing.T, dialect string, extra ...string) *apiEnv {
	t.Helper()
	e := &apiEnv{dir: t.TempDir()}
	switch dialect {
	case "mysql":
		e.environ, e.db, e.rdb = sharedBackends(t)
		e.dbURL = envValue(e.environ, "ASKPRO_DATABASE_URL")
	default:
		e.dbURL = dbtest.SQLite(t)
		redisURL := testenv.RedisURL(t)
		var err error
		e.db, err = sql.Open("sqlite", strings.TrimPrefix(e.dbURL, "sqlite://"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = e.db.Close() })
		opts, err := redis.ParseURL(redisURL)
		require.NoError(t, err)
		e.rdb = redis.NewClient(opts)
		t.Cleanup(func() { _ = e.rdb.Close() })
		e.environ = env("ASKPRO_DATABASE_URL="+e.dbURL, "ASKPRO_REDIS_URL="+redisURL, "ASKPRO_LOG_LEVEL=warn")
	}
	e.environ = append(e.environ, "ASKPRO_LOG_FORMAT=json",
		"ASKPRO_RATELIMIT_API_PER_KEY=off", "ASKPRO_RATELIMIT_API_PER_IP=off")
	e.environ = append(e.environ, extra...) // later entries win

	ctx := context.Background()
	p, err := pool.Open(ctx, e.dbURL, pool.Config{MinConns: -1, MaxConns: 4, HealthInterval: -1,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	e.st, err = store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect())})
	require.NoError(t, err)
	e.inbox, err = queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: p.Dialect()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.inbox.Close() })

	n, err := rand.Int(rand.Reader, big.NewInt(1<<40))
	require.NoError(t, err)
	start := 1_000_000_000 + n.Int64()
	for i, table := range []string{"companies", "api_keys"} {
		seq := start + int64(i)*1_000_000
		if dialect == "mysql" {
			_, err = p.Writer().ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s AUTO_INCREMENT = %d", table, seq))
			require.NoError(t, err)
			continue
		}
		res, err := p.Writer().ExecContext(ctx, "UPDATE sqlite_sequence SET seq = ? WHERE name = ?", seq, table)
		require.NoError(t, err)
		if n, _ := res.RowsAffected(); n == 0 {
			_, err = p.Writer().ExecContext(ctx, "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", table, seq)
			require.NoError(t, err)
		}
	}
	return e
}

// company creates a company and one branch with the CLI and returns their ids.
func (e *apiEnv) company(t *testing.T, name, sub, phone string) (companyID, branchID int64) {
	t.Helper()
	out, code := run(t, e.dir, e.environ, "company", "create", "--name", name, "--subdomain", sub, "-o", "json")
	require.Equal(t, 0, code)
	var c struct{ ID int64 }
	require.NoError(t, json.Unmarshal([]byte(out), &c))
	require.Greater(t, c.ID, int64(1_000_000_000), "ids start where apiBackends put them")
	out, code = run(t, e.dir, e.environ, "branch", "create", "--company", strconv.FormatInt(c.ID, 10),
		"--name", "Mitte", "--phone", phone, "-o", "json")
	require.Equal(t, 0, code)
	var b struct{ ID int64 }
	require.NoError(t, json.Unmarshal([]byte(out), &b))
	return c.ID, b.ID
}

// apiKey is a key made by `askpro apikey create`.
type apiKey struct {
	id     int64
	secret string
}

// newKey runs `askpro apikey create` with args (--company ID or --admin)
// and returns the key, which is the command's whole standard output. The
// key's limiter bucket is deleted from Redis when the test ends.
func (e *apiEnv) newKey(t *testing.T, args ...string) apiKey {
	t.Helper()
	out, code := run(t, e.dir, e.environ, append([]string{"apikey", "create", "--name", "e2e " + runID()}, args...)...)
	require.Equal(t, 0, code)
	secret := strings.TrimSuffix(out, "\n")
	require.Len(t, secret, apikey.Len, "stdout is the key alone: %q", out)
	var id int64
	require.NoError(t, e.db.QueryRow("SELECT id FROM api_keys WHERE prefix = ?", secret[:apikey.PrefixLen]).Scan(&id))
	t.Cleanup(func() {
		_ = e.rdb.Del(context.Background(), limiterKey(id)).Err()
	})
	return apiKey{id: id, secret: secret}
}

// limiterKey is the Redis key of an API key's per-key bucket.
func limiterKey(keyID int64) string {
	return "rate:" + ratelimit.DefaultRedisPrefix + "api_per_key:key:" + strconv.FormatInt(keyID, 10)
}

// answer is one HTTP response, read whole.
type answer struct {
	status int
	header http.Header
	body   string
}

// errCode is the code of the API's error shape, or "" for another body.
func (a answer) errCode() string {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.Unmarshal([]byte(a.body), &e)
	return e.Error.Code
}

var apiClient = &http.Client{Timeout: 30 * time.Second}

// get sends GET base+path with the key (none when empty) and extra
// headers as name, value pairs ("Host" sets the request's host).
func get(t *testing.T, base, key, path string, hdr ...string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := apiClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// listPage is a list answer: the rows' ids and companies, and the total.
type listPage struct {
	Data []struct {
		ID        int64  `json:"id"`
		CompanyID *int64 `json:"company_id"`
	} `json:"data"`
	Meta struct {
		Total int `json:"total"`
	} `json:"meta"`
}

func decodeList(t *testing.T, a answer) listPage {
	t.Helper()
	require.Equal(t, http.StatusOK, a.status, a.body)
	var p listPage
	require.NoError(t, json.Unmarshal([]byte(a.body), &p), a.body)
	return p
}

// TestAPIRateLimitAcrossTwoServes: two serve processes on one database and
// one Redis share each API key's budget: requests alternating between them
// get exactly the burst in total, the rest 429 in the API's error shape; a
// second key has its own budget.
func TestAPIRateLimitAcrossTwoServes(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			// A bucket of 10 that refills one request per 6 minutes: no
			// request of this test can be refilled, however slow the machine.
			e := apiBackends(t, dialect, "ASKPRO_RATELIMIT_API_PER_KEY=10/1h:10")
			company, _ := e.company(t, "Salon Limit", "limit-"+runID(), "+49 30 1234567")
			first := e.newKey(t, "--company", strconv.FormatInt(company, 10))
			second := e.newKey(t, "--company", strconv.FormatInt(company, 10))
			serves := []*proc{startServe(t, e.dir, e.environ, "--no-workers"), startServe(t, e.dir, e.environ, "--no-workers")}

			spend := func(key apiKey, n int) (ok, limited int, perServe [2]int) {
				for i := range n {
					a := get(t, serves[i%2].url, key.secret, "/api/v1/calls")
					switch a.status {
					case http.StatusOK:
						ok++
						perServe[i%2]++
					case http.StatusTooManyRequests:
						limited++
						assert.Equal(t, "rate_limited", a.errCode(), a.body)
						assert.Contains(t, a.body, `"message":"rate limit exceeded, retry in `)
						ra, err := strconv.Atoi(a.header.Get("Retry-After"))
						require.NoError(t, err, "Retry-After %q", a.header.Get("Retry-After"))
						assert.GreaterOrEqual(t, ra, 1)
						assert.Equal(t, "0", a.header.Get("RateLimit-Remaining"))
						assert.Equal(t, "10", a.header.Get("RateLimit-Limit"))
					default:
						t.Fatalf("request %d answered %d: %s", i, a.status, a.body)
					}
				}
				return ok, limited, perServe
			}
			ok, limited, perServe := spend(first, 30)
			assert.Equal(t, 10, ok, "10 requests in total pass, not 10 per process")
			assert.Equal(t, 20, limited)
			assert.Equal(t, [2]int{5, 5}, perServe, "both processes served from the one budget")

			ok, limited, _ = spend(second, 14)
			assert.Equal(t, 10, ok, "a second key has its own budget")
			assert.Equal(t, 4, limited)

			a := get(t, serves[1].url, first.secret, "/api/v1/customers")
			assert.Equal(t, http.StatusTooManyRequests, a.status, "the first key is still spent, on every route")
			ttl, err := e.rdb.PTTL(context.Background(), limiterKey(first.id)).Result()
			require.NoError(t, err)
			assert.Positive(t, ttl, "the budget is kept in Redis under the key id")
		})
	}
}

// tenantRows are the ids of one company's rows, per API resource.
type tenantRows map[string][]int64

// seedRows stores two customers, three calls, two appointments and two
// webhook events for each company, interleaved so that ids of the two
// companies alternate, and returns their ids. Every text of company B's rows
// holds markB, so an answer that leaks any of them is caught by its text.
func (e *apiEnv) seedRows(t *testing.T, a, b, branchA, branchB int64, markA, markB string) map[int64]tenantRows {
	t.Helper()
	rows := map[int64]tenantRows{a: {}, b: {}}
	type co struct {
		id, branch int64
		mark       string
		phone      int
	}
	cos := []co{{a, branchA, markA, 1000}, {b, branchB, markB, 2000}}
	base := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	for i := range 3 {
		for _, c := range cos {
			ctx := tenant.WithCompany(context.Background(), c.id)
			var customer int64
			if i < 2 {
				cu, err := e.st.Customers.Create(ctx, store.NewCustomer{Name: fmt.Sprintf("%s kunde %d", c.mark, i),
					PhoneNumber: fmt.Sprintf("+49151%08d", c.phone+i), Email: fmt.Sprintf("%s-%d@example.com", c.mark, i)})
				require.NoError(t, err)
				customer = cu.ID
			}
			started := base.Add(time.Duration(i) * time.Minute)
			ended := started.Add(time.Minute)
			dur := int64(60_000)
			ok := true
			call := store.CallEvent{RetellCallID: fmt.Sprintf("call_%s_%d", c.mark, i), BranchID: &c.branch,
				FromNumber: fmt.Sprintf("+49151%08d", c.phone+i), ToNumber: "+49301234567", Direction: "inbound",
				Status: "ended", StartedAt: &started, EndedAt: &ended, DurationMS: &dur, Successful: &ok,
				Summary: c.mark + " summary", Sentiment: "positive", LifecycleRank: store.RankEnded,
				Transcript: "Agent: Guten Tag. User: " + c.mark + " secret transcript", TranscriptRank: store.RankEnded + store.TranscriptFinal}
			if customer != 0 {
				call.CustomerID = &customer
			}
			require.NoError(t, e.st.Calls.Merge(ctx, call))
			if i < 2 {
				require.NoError(t, e.st.Appointments.Merge(ctx, store.AppointmentEvent{UID: fmt.Sprintf("%s-booking-%d", c.mark, i),
					StartsAt: started.Add(24 * time.Hour), EndsAt: started.Add(25 * time.Hour), Status: store.AppointmentBooked,
					BranchID: &c.branch, CustomerID: &customer}))
				_, err := e.inbox.Insert(context.Background(), queue.Event{Provider: "stripe", Type: "payment_intent.succeeded",
					Key: fmt.Sprintf("evt_%s_%d", c.mark, i), CompanyID: c.id,
					Payload: []byte(fmt.Sprintf(`{"id":"evt_%s_%d","metadata":{"company_id":"%d"}}`, c.mark, i, c.id))})
				require.NoError(t, err)
			}
		}
	}
	// An event that names no company is nobody's through the API.
	_, err := e.inbox.Insert(context.Background(), queue.Event{Provider: "stripe", Type: "payment_intent.succeeded",
		Key: "evt_nobody_" + markA, Payload: []byte(`{"id":"evt_nobody"}`)})
	require.NoError(t, err)

	for res, table := range map[string]string{"calls": "calls", "customers": "customers",
		"appointments": "appointments", "webhook-events": "webhook_events"} {
		for _, c := range cos {
			q, err := e.db.Query("SELECT id FROM "+table+" WHERE company_id = ? ORDER BY id", c.id)
			require.NoError(t, err)
			for q.Next() {
				var id int64
				require.NoError(t, q.Scan(&id))
				rows[c.id][res] = append(rows[c.id][res], id)
			}
			require.NoError(t, q.Err())
			require.NoError(t, q.Close())
		}
	}
	return rows
}

var resources = []struct{ path, sort string }{
	{"calls", "started_at"}, {"appointments", "starts_at"}, {"customers", "phone_number"}, {"webhook-events", "created_at"},
}

func joinIDs(ids ...[]int64) string {
	var s []string
	for _, l := range ids {
		for _, id := range l {
			s = append(s, strconv.FormatInt(id, 10))
		}
	}
	return strings.Join(s, ",")
}

// TestAPITenantIsolationEndToEnd: company A's key sees only A's rows
// through every endpoint, filter, sort and page, and not one of B's by id;
// company_id is no filter; X-Company-ID is refused from A's key (and logged
// as a security event without the key) and honoured for an admin key; a
// missing or revoked key is 401.
func TestAPITenantIsolationEndToEnd(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			rid := runID()
			e := apiBackends(t, dialect, "ASKPRO_HTTP_BASE_DOMAIN=askpro.test")
			subB := "bravo-" + rid
			a, branchA := e.company(t, "Salon Alpha", "alpha-"+rid, "+49 30 1234567")
			b, branchB := e.company(t, "Praxis Bravo", subB, "+49 40 7654321")
			markA, markB := "alpha"+rid, "bravo"+rid
			rows := e.seedRows(t, a, b, branchA, branchB, markA, markB)
			for _, res := range resources {
				require.NotEmpty(t, rows[a][res.path], res.path)
				require.NotEmpty(t, rows[b][res.path], res.path)
			}
			keyA := e.newKey(t, "--company", strconv.FormatInt(a, 10))
			admin := e.newKey(t, "--admin")
			revoked := e.newKey(t, "--company", strconv.FormatInt(a, 10))
			s := startServe(t, e.dir, e.environ, "--no-workers")
			bID := strconv.FormatInt(b, 10)

			// asA checks that an answer to A's key names no row or text of B.
			asA := func(path string, hdr ...string) answer {
				t.Helper()
				ans := get(t, s.url, keyA.secret, path, hdr...)
				assert.NotContains(t, ans.body, markB, "%s leaks B's data", path)
				return ans
			}
			for _, res := range resources {
				own, other := rows[a][res.path], rows[b][res.path]
				base := "/api/v1/" + res.path
				for _, q := range []string{"", "?sort=id", "?sort=-id", "?sort=" + res.sort, "?sort=-" + res.sort + ",id",
					"?filter[id][in]=" + joinIDs(own, other), "?filter[id][gte]=1", "?filter[id][not_in]=" + joinIDs(own[:1]) + "&sort=id",
					"?per_page=100", "?filter[created_at][gte]=2000-01-01"} {
					p := decodeList(t, asA(base+q))
					var got []int64
					for _, r := range p.Data {
						require.NotNil(t, r.CompanyID, "%s%s: a row without company_id", base, q)
						assert.Equal(t, a, *r.CompanyID, "%s%s", base, q)
						got = append(got, r.ID)
					}
					want := own
					if strings.Contains(q, "not_in") {
						want = own[1:]
					}
					assert.ElementsMatch(t, want, got, "%s%s", base, q)
					assert.Equal(t, len(want), p.Meta.Total, "%s%s: the total counts A's rows only", base, q)
				}
				// Page through one row at a time, one page past the end.
				var paged []int64
				for page := 1; page <= len(own)+1; page++ {
					p := decodeList(t, asA(fmt.Sprintf("%s?per_page=1&page=%d&sort=-id", base, page)))
					assert.Equal(t, len(own), p.Meta.Total)
					for _, r := range p.Data {
						paged = append(paged, r.ID)
					}
				}
				want := slices.Clone(own)
				slices.Reverse(want)
				assert.Equal(t, want, paged, "%s: pages hold A's rows, newest id first, nothing else", base)

				for _, id := range other {
					p := decodeList(t, asA(fmt.Sprintf("%s?filter[id]=%d", base, id)))
					assert.Empty(t, p.Data, "%s: filter on B's id %d", base, id)
					ans := asA(fmt.Sprintf("%s/%d", base, id))
					assert.Equal(t, http.StatusNotFound, ans.status, "%s/%d of B", base, id)
					assert.Equal(t, "not_found", ans.errCode())
				}
				ans := asA(fmt.Sprintf("%s/%d", base, own[0]))
				require.Equal(t, http.StatusOK, ans.status, ans.body)
				assert.Contains(t, ans.body, fmt.Sprintf(`"company_id":%d`, a))

				for _, q := range []string{"filter[company_id][%3D]=" + bID, "filter[company_id]=" + bID,
					"filter[company_id][in]=" + bID, "sort=company_id", "filter[company_id][ne]=0"} {
					ans := asA(base + "?" + q)
					assert.Equal(t, http.StatusBadRequest, ans.status, "%s?%s", base, q)
					assert.Equal(t, "unknown_column", ans.errCode(), "%s?%s: %s", base, q, ans.body)
				}
				ans = asA(base + "?filter[company_id][=]=" + bID) // the operator's = unencoded
				assert.Equal(t, http.StatusBadRequest, ans.status)
				assert.Equal(t, "invalid_parameter", ans.errCode(), ans.body)

				// B's subdomain does not move A's key to B: the key's company comes first.
				p := decodeList(t, asA(base, "Host", subB+".askpro.test"))
				assert.Len(t, p.Data, len(own))
			}
			// The transcript is A's own on A's call, and B's is nowhere.
			ans := asA(fmt.Sprintf("/api/v1/calls/%d", rows[a]["calls"][0]))
			assert.Contains(t, ans.body, markA+" secret transcript")

			// X-Company-ID from a company's key: 403, logged as a security event.
			for _, v := range []string{bID, strconv.FormatInt(a, 10)} {
				ans := asA("/api/v1/calls", "X-Company-ID", v)
				assert.Equal(t, http.StatusForbidden, ans.status, "X-Company-ID: %s from A's key", v)
				assert.Equal(t, "forbidden", ans.errCode(), ans.body)
			}
			var event map[string]any
			require.Eventually(t, func() bool {
				for _, line := range strings.Split(s.logs.String(), "\n") {
					var rec map[string]any
					if json.Unmarshal([]byte(line), &rec) != nil || rec["event"] != "security" || rec["header_value"] != bID {
						continue
					}
					assert.NotContains(t, line, keyA.secret, "the security event does not hold the key")
					assert.NotContains(t, line, keyA.secret[apikey.PrefixLen:], "nor its secret part")
					event = rec
					return true
				}
				return false
			}, 10*time.Second, 20*time.Millisecond, "serve logs a security event for X-Company-ID from A's key")
			assert.Equal(t, "WARN", event["level"])
			assert.Equal(t, keyA.secret[:apikey.PrefixLen], event["key_prefix"])
			assert.EqualValues(t, keyA.id, event["key_id"])
			assert.Equal(t, "/api/v1/calls", event["path"])

			// An admin key names the company per request.
			for _, res := range resources {
				base := "/api/v1/" + res.path
				ans := get(t, s.url, admin.secret, base, "X-Company-ID", bID)
				p := decodeList(t, ans)
				var got []int64
				for _, r := range p.Data {
					require.NotNil(t, r.CompanyID)
					assert.Equal(t, b, *r.CompanyID)
					got = append(got, r.ID)
				}
				assert.ElementsMatch(t, rows[b][res.path], got, "admin with X-Company-ID: B sees B's %s", res.path)
				assert.NotContains(t, ans.body, markA)
				ans = get(t, s.url, admin.secret, fmt.Sprintf("%s/%d", base, rows[a][res.path][0]), "X-Company-ID", bID)
				assert.Equal(t, http.StatusNotFound, ans.status, "an admin scoped to B does not get A's row")
				ans = get(t, s.url, admin.secret, base)
				assert.Equal(t, http.StatusBadRequest, ans.status, ans.body)
				assert.Equal(t, "tenant_required", ans.errCode(), ans.body)
			}
			ans = get(t, s.url, admin.secret, "/api/v1/calls", "X-Company-ID", "9")
			assert.Equal(t, http.StatusNotFound, ans.status)
			assert.Equal(t, "unknown_company", ans.errCode(), ans.body)
			ans = get(t, s.url, admin.secret, "/api/v1/calls", "X-Company-ID", bID+" OR 1=1")
			assert.Equal(t, http.StatusBadRequest, ans.status)
			assert.Equal(t, "invalid_header", ans.errCode(), ans.body)

			// No key, a made-up key.
			ans = get(t, s.url, "", "/api/v1/calls")
			assert.Equal(t, http.StatusUnauthorized, ans.status)
			assert.Equal(t, `Bearer realm="askpro"`, ans.header.Get("WWW-Authenticate"))
			assert.Equal(t, "unauthorized", ans.errCode(), ans.body)
			ans = get(t, s.url, "", "/api/v1/calls", "X-Company-ID", bID)
			assert.Equal(t, http.StatusUnauthorized, ans.status, "the header without a key gets nothing")
			last := "A"
			if strings.HasSuffix(keyA.secret, last) {
				last = "B"
			}
			forged := keyA.secret[:len(keyA.secret)-1] + last
			ans = get(t, s.url, forged, "/api/v1/calls")
			assert.Equal(t, http.StatusUnauthorized, ans.status)
			assert.Equal(t, `Bearer realm="askpro", error="invalid_token"`, ans.header.Get("WWW-Authenticate"))

			// Revocation. The serve caches a looked-up key for
			// apikey.DefaultCacheTTL (30 s, not configurable): too long to
			// wait for here, so the check is on a key this serve has never
			// looked up and on a fresh serve started after the revoke.
			assert.Equal(t, http.StatusOK, get(t, s.url, keyA.secret, "/api/v1/customers").status)
			_, code := run(t, e.dir, e.environ, "apikey", "revoke", strconv.FormatInt(revoked.id, 10))
			require.Equal(t, 0, code)
			ans = get(t, s.url, revoked.secret, "/api/v1/calls")
			assert.Equal(t, http.StatusUnauthorized, ans.status, "a revoked key never looked up is refused at once")
			assert.Equal(t, "API key revoked", jsonMessage(ans))
			_, code = run(t, e.dir, e.environ, "apikey", "revoke", strconv.FormatInt(keyA.id, 10))
			require.Equal(t, 0, code)
			fresh := startServe(t, e.dir, e.environ, "--no-workers")
			ans = get(t, fresh.url, keyA.secret, "/api/v1/calls")
			assert.Equal(t, http.StatusUnauthorized, ans.status, "A's revoked key on a serve started after the revoke")
			assert.Equal(t, "unauthorized", ans.errCode())
			assert.Equal(t, `Bearer realm="askpro", error="invalid_token"`, ans.header.Get("WWW-Authenticate"))
			p := decodeList(t, get(t, fresh.url, admin.secret, "/api/v1/calls", "X-Company-ID", bID))
			assert.Len(t, p.Data, len(rows[b]["calls"]), "the admin key still works there")
			require.NoError(t, s.stop(t))
			require.NoError(t, fresh.stop(t))
		})
	}
}

func jsonMessage(a answer) string {
	var e struct {
		Error struct{ Message string } `json:"error"`
	}
	_ = json.Unmarshal([]byte(a.body), &e)
	return e.Error.Message
}

// TestCompanyDeactivationReachesServe: `askpro company update ID
// --inactive` from the CLI reaches a running serve with its next request
// (not after the cache's 5 minutes): the company's key is refused with 403
// company_inactive, another company's key is not; --active undoes it.
func TestCompanyDeactivationReachesServe(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			rid := runID()
			e := apiBackends(t, dialect)
			a, _ := e.company(t, "Salon Alpha", "alpha-"+rid, "+49 30 1234567")
			b, _ := e.company(t, "Praxis Bravo", "bravo-"+rid, "+49 40 7654321")
			keyA := e.newKey(t, "--company", strconv.FormatInt(a, 10))
			keyB := e.newKey(t, "--company", strconv.FormatInt(b, 10))
			s := startServe(t, e.dir, e.environ, "--no-workers")

			// Served, and A's active status is now in the Redis tenant cache.
			for range 3 {
				require.Equal(t, http.StatusOK, get(t, s.url, keyA.secret, "/api/v1/calls").status)
			}
			keys, err := e.rdb.Keys(context.Background(), tenant.DefaultKeyPrefix+"*:c:"+strconv.FormatInt(a, 10)).Result()
			require.NoError(t, err)
			require.NotEmpty(t, keys, "A's status is cached in Redis")

			// The CLI drops A from the shared Redis cache before it exits, so
			// the very next request is refused: no wait for the cache's 5
			// minutes, nor for serve's version probe (every 2 s).
			_, code := run(t, e.dir, e.environ, "company", "update", strconv.FormatInt(a, 10), "--inactive")
			require.Equal(t, 0, code)
			ans := get(t, s.url, keyA.secret, "/api/v1/calls")
			assert.Equal(t, http.StatusForbidden, ans.status, "the first request after the deactivation: %s", ans.body)
			assert.Equal(t, "company_inactive", ans.errCode(), ans.body)
			// And it stays refused once the CLI's tombstone is gone (5 s):
			// serve dropped its own entry, and its version moved on.
			require.NoError(t, e.rdb.Del(context.Background(), tenant.DefaultKeyPrefix+"c:"+strconv.FormatInt(a, 10)).Err())
			var last answer
			require.Eventually(t, func() bool {
				last = get(t, s.url, keyA.secret, "/api/v1/customers/1")
				return last.status == http.StatusForbidden
			}, 5*time.Second, 20*time.Millisecond, "still refused, on every route; last answer %d %s", last.status, last.body)
			assert.Equal(t, "company_inactive", last.errCode(), last.body)
			assert.Equal(t, http.StatusOK, get(t, s.url, keyB.secret, "/api/v1/calls").status, "B is not affected")

			_, code = run(t, e.dir, e.environ, "company", "update", strconv.FormatInt(a, 10), "--active")
			require.Equal(t, 0, code)
			ans = get(t, s.url, keyA.secret, "/api/v1/calls")
			assert.Equal(t, http.StatusOK, ans.status, "reactivation reaches the running serve at once: %s", ans.body)
			require.NoError(t, s.stop(t))
		})
	}
}
