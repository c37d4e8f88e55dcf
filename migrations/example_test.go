package migrations_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/askproai/askpro/migrations"
)

func Example() {
	dir, err := os.MkdirTemp("", "askpro-migrations-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	m, err := migrations.New("sqlite://"+filepath.ToSlash(filepath.Join(dir, "askpro.db")),
		migrations.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	defer m.Close()

	ctx := context.Background()
	if err := m.Up(ctx); err != nil {
		panic(err)
	}
	v, dirty, err := m.Version(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("up to date:", v == migrations.Latest(migrations.DialectSQLite), "dirty:", dirty)

	status, err := m.Status(ctx)
	if err != nil {
		panic(err)
	}
	first := status[0]
	fmt.Println(first.Version, first.Name, first.Applied)
	// Output:
	// up to date: true dirty: false
	// 1 tenancy true
}

func ExampleLatest() {
	fmt.Println(migrations.Latest(migrations.DialectMySQL) == migrations.Latest(migrations.DialectSQLite))
	fmt.Println(migrations.Latest("postgres"))
	// Output:
	// true
	// 0
}
