// Package logging builds askpro's process logger and holds the helpers that
// give its lines one shape: booking steps, security events, outbound API
// calls and masked phone numbers.
//
// # The process logger
//
// [New] returns a [*slog.Logger] writing JSON (production) or text (a
// terminal) at a level, through three layers:
//
//   - [correlation.Handler] adds hostname, version and the context's
//     correlation_id to every record, so that every line of a request or a
//     job carries them without the code that logs remembering to.
//
//   - An error file, when [Config.ErrorFile] is set: records at
//     [slog.LevelError] and above are also written, as JSON, to that file
//     (opened append-only, mode 0600, created if missing), whatever the
//     main output's format. [New]'s closer closes it.
//
//   - [ReplaceAttr], the safety net under every handler: it masks each
//     E.164 number ("+" and 8 to 15 digits) inside any string value (the
//     message included) as [phone.Mask] does ("+49151****678"), and
//     replaces the value of every attribute whose key names a secret
//     ([SecretKey]: key, secret, token, password, authorization, api_key,
//     ...) with [Redacted].
//
//     logger, closer, err := logging.New(logging.Config{
//     Out: os.Stderr, Format: "", Terminal: isatty, Level: slog.LevelInfo,
//     ErrorFile: "/var/log/askpro/errors.log", Hostname: host, Version: version,
//     })
//     if err != nil { ... } // a *ErrorFileError: the file cannot be opened
//     defer closer.Close()
//
// The safety net is for what slipped through. Code that logs a number says
// so with [Phone] (or [phone.Number], which logs itself masked), and a
// secret is never passed to a logger at all.
//
// # Helpers
//
// [LogStep] writes the "booking step" line of a Retell function call
// (function, step, branch_id, outcome, duration_ms). [LogSecurity] writes a
// security event at Warn (event=security, reason, ip, user_agent).
// [Outbound] returns the attributes of one outbound API call (service,
// endpoint, status, duration_ms).
//
// docs/logging.md describes the lines for operators.
package logging
