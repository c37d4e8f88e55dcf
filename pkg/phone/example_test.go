package phone_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/askproai/askpro/pkg/phone"
)

func ExampleNormalize() {
	n, err := phone.Normalize("+49 (0)30 123 45-67", "DE")
	fmt.Println(n, err)

	_, err = phone.Normalize("+1 415 555 0100", "DE")
	fmt.Println(errors.Is(err, phone.ErrUnsupportedRegion))
	// Output:
	// +49301234567 <nil>
	// true
}

func ExampleValidate() {
	r := phone.Validate("0664 1234567", "AT")
	fmt.Println(r.Valid, r.E164, r.Region, r.Type)
	fmt.Println(r.National, "|", r.International)

	r = phone.Validate("+1 415 555 0100", "DE")
	fmt.Println(r.Valid, r.Code)
	fmt.Println(r.Message)
	// Output:
	// true +436641234567 AT mobile
	// 0664 1234567 | +43 664 1234567
	// false unsupported_region
	// Phone numbers from US are not supported
}

func ExampleValidate_extension() {
	r := phone.Validate("030 1234567 ext. 12", "DE")
	fmt.Println(r.E164, r.Extension, r.National)

	// A dash before the last digits is a German direct-dial suffix, part of
	// the number.
	fmt.Println(phone.Validate("030 1234567-12", "DE").E164)
	// Output:
	// +49301234567 12 030 1234567 ext. 12
	// +4930123456712
}

func ExampleNew() {
	v, err := phone.New(phone.Config{
		Regions:       []string{"AT", "DE"},
		DefaultRegion: "AT",
		AllowVanity:   true,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Validate("01 5123456", "").E164)
	fmt.Println(v.Validate("0800 FLOWERS", "DE").E164)
	fmt.Println(v.Validate("+41 44 668 18 00", "").Message)
	// Output:
	// +4315123456
	// +498003569377
	// Phone numbers from CH are not supported
}

func ExampleMask() {
	fmt.Println(phone.Mask("+4915112345678"))
	fmt.Println(phone.Mask("0151 1234 5678"))
	// Output:
	// +49151****678
	// 015****678
}

func ExampleNumber_LogValue() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	logger.Info("inbound call", "from", phone.Number("+4915112345678"))
	// Output:
	// level=INFO msg="inbound call" from=+49151****678
}

func ExampleValidator_StreamJSON() {
	in := strings.NewReader("030 1234567\n+1 415 555 0100\n")
	st, err := phone.Default().StreamJSON(context.Background(), in, os.Stdout, nil)
	fmt.Println(st.Valid, st.Invalid, err)
	// Output:
	// {"input":"030 1234567","valid":true,"e164":"+49301234567","region":"DE","country_code":49,"type":"fixed_line","national":"030 1234567","international":"+49 30 1234567"}
	// {"input":"+1 415 555 0100","valid":false,"region":"US","code":"unsupported_region","message":"Phone numbers from US are not supported"}
	// 1 1 <nil>
}

func ExampleValidator_Stream() {
	csv := "Name;Telefon\nAnna;030/1234567\nBea;0151 1234 5678\n"
	_, err := phone.Default().Stream(context.Background(), strings.NewReader(csv),
		&phone.StreamOpts{Column: 2, SkipHeader: true},
		func(l phone.Line) error {
			fmt.Println(l.No, l.E164)
			return nil
		})
	fmt.Println(err)
	// Output:
	// 2 +49301234567
	// 3 +4915112345678
	// <nil>
}
