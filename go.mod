module github.com/requests3/requests

go 1.26.0

require (
	github.com/mccutchen/go-httpbin/v2 v2.26.0
	go.uber.org/goleak v1.3.0
	go.uber.org/zap v1.28.0
	golang.org/x/net v0.62.0
	golang.org/x/oauth2 v0.38.0
	golang.org/x/sync v0.25.0
	golang.org/x/text v0.43.0
	golang.org/x/time v0.16.0
)

require go.uber.org/multierr v1.10.0 // indirect
