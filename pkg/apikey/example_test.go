package apikey_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/askproai/askpro/pkg/apikey"
	"github.com/askproai/askpro/pkg/tenant"
)

func ExampleParse() {
	k, err := apikey.Parse("askpro_Ab3dEf9h_0123456789abcdefghijABCDEFGHIJkl1BzLWT")
	if err != nil {
		panic(err)
	}
	fmt.Println(k.Prefix())
	fmt.Println(k) // masked: a Secret never prints itself
	_, err = apikey.Parse("askpro_Ab3dEf9h_0123456789abcdefghijABCDEFGHIJkl1BzLWX")
	fmt.Println(err)
	// Output:
	// askpro_Ab3dEf9h
	// askpro_Ab3dEf9h_****
	// apikey: malformed key
}

func ExampleAuthenticator_Middleware() {
	// In askpro, Keys and Toucher are pkg/store's APIKeys; here one key in memory.
	key := apikey.MustParse("askpro_Ab3dEf9h_0123456789abcdefghijABCDEFGHIJkl1BzLWT")
	company := int64(7)
	keys := apikey.KeysFunc(func(_ context.Context, hash string) (apikey.Key, error) {
		if hash == key.Hash() {
			return apikey.Key{ID: 1, CompanyID: &company, Name: "Praxis-Software", Prefix: key.Prefix()}, nil
		}
		return apikey.Key{}, apikey.ErrUnknown
	})
	auth, err := apikey.New(apikey.Config{Keys: keys})
	if err != nil {
		panic(err)
	}
	defer auth.Close(context.Background())

	api := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := tenant.PrincipalFrom(r.Context())
		fmt.Fprintf(w, "hello %s of company %d\n", p.Name, p.CompanyID)
	}))
	for _, header := range []string{"Bearer " + key.Reveal(), ""} {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/calls", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 hello Praxis-Software of company 7
	// 401 {"error":{"code":"unauthorized","message":"an API key is required: Authorization: Bearer <key>"}}
}
