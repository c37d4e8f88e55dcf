// Package config loads askpro's one typed [Config].
//
// Values are layered, each overriding the one before:
//
//  1. defaults ([Default]),
//  2. the config file (askpro.yaml in the working directory, or the file
//     given with --config),
//  3. environment variables ASKPRO_<KEY> where the key's dots become
//     underscores (ASKPRO_DATABASE_URL, ASKPRO_DATABASE_POOL_MAX_CONNECTIONS),
//  4. command-line flags bound to a key.
//
// This package is the only place that uses viper: everything else receives
// the plain [Config] struct (or a part of it) and never reads the environment.
//
// # Validation
//
// [Load] validates the result and returns a [*KeyError] that names the
// offending key for a bad value: an unparsable duration, a bare number where a
// duration needs a unit, a database URL pool.ParseURL refuses, a Redis URL
// go-redis refuses, an http.addr that is not host:port with a port 0-65535,
// min_connections greater than max_connections. Commands load the config
// first, so a bad setting is found before anything is changed.
//
// # Secrets
//
// Fields tagged secret:"true" are masked by [Config.Masked] and never logged.
package config
