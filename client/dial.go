package client

import (
	"context"
	"net"
	"time"
)

// DialFunc opens a connection to addr on network, as [net.Dialer.DialContext]
// does. It must return when ctx is done.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// WithDialer sets how the session's transport opens connections, in place of
// a [net.Dialer]: to reach a server over a Unix socket, through a tunnel, or
// with a resolver of one's own. dial receives the address of the server, or
// of the proxy when one is used. The connect timeout bounds it (its ctx ends
// when [Timeouts.Connect] fires) and an error it returns fails the request
// with [ErrConnect]. nil restores the default. Like the other transport
// settings, it does not apply to a transport given with [WithTransport].
func WithDialer(dial DialFunc) Option {
	return optionFunc(func(c *config) { c.dial = dial })
}

// boundDial wraps dial so that it is bounded by the connect timeout (0 for
// none) and its errors are reported as dial errors, whatever dial returns.
func boundDial(dial DialFunc, timeout time.Duration) DialFunc {
	if dial == nil {
		dial = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		conn, err := dial(ctx, network, addr)
		if err != nil {
			if conn != nil {
				conn.Close()
			}
			if _, ok := err.(*net.OpError); !ok {
				err = &net.OpError{Op: "dial", Net: network, Err: err}
			}
			return nil, err
		}
		return conn, nil
	}
}
