package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

// secret marks every credential in TestSecretsNeverLeak: no log entry and
// no error text may contain it.
const secret = "s3cret"

var secretScript = clienttest.Script{
	"/ok":    {{Body: "ok", Header: http.Header{"Set-Cookie": {"id=setcookie-" + secret + "; Path=/"}}}},
	"/loop":  {{Status: 302, Header: http.Header{"Location": {"/loop?token=loop-" + secret}}}},
	"/slow":  {{Delay: time.Hour}},
	"/leave": {{Status: 302, Header: http.Header{"Location": {"http://127.0.0.1:1/?sig=" + secret}}}},
}

func TestSecretsNeverLeak(t *testing.T) {
	eachScript(t, secretScript, func(t *testing.T, srv *clienttest.Server) {
		core, logs := observer.New(zapcore.DebugLevel)
		var texts []string // every error text and auth value shown, to check
		show := func(v any) {
			texts = append(texts, fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), fmt.Sprintf("%s", v))
		}

		// A forward proxy with credentials, for plain-http targets.
		var proxied sync.Map
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			proxied.Store(r.Header.Get("Proxy-Authorization"), true)
			if r.Method == http.MethodConnect {
				http.Error(w, "no tunnels", http.StatusProxyAuthRequired)
				return
			}
			w.Write([]byte("proxied"))
		}))
		t.Cleanup(proxy.Close)
		proxyURL, _ := url.Parse(proxy.URL)
		proxyURL.User = url.UserPassword("puser", "proxy-"+secret)

		auth := client.BasicAuth("user", "basic-"+secret)
		bearer := client.BearerAuth("bearer-" + secret)
		show(auth)
		show(bearer)
		s := srv.Session(client.WithLogger(zap.New(core)), auth, client.WithHeader("X-Api-Key", "header-"+secret))
		viaProxy := srv.Session(client.WithLogger(zap.New(core)), client.WithProxy(http.ProxyURL(proxyURL)))
		deadProxy := srv.Session(client.WithLogger(zap.New(core)),
			client.WithProxy(http.ProxyURL(&url.URL{Scheme: "http", User: url.UserPassword("puser", "dead-"+secret), Host: closedAddr(t)})))

		query := "?token=q1-" + secret + "&api_key=q2-" + secret + "&X-Amz-Signature=q3-" + secret + "&page=2"
		userinfo := strings.Replace(srv.URL, "://", "://user:url-"+secret+"@", 1)
		ctx := context.Background()
		calls := []struct {
			name string
			s    *client.Session
			url  string
			opts []client.RequestOption
			ok   bool
		}{
			{"query", s, srv.URL + "/ok" + query, nil, true},
			{"headers and cookies", s, srv.URL + "/ok", []client.RequestOption{
				client.Header{"Authorization": "Token hdr-" + secret, "Cookie": "c=cookie-" + secret},
			}, true},
			{"cookies option", s, srv.URL + "/ok", []client.RequestOption{client.Cookies{"c": "opt-" + secret}, bearer}, true},
			{"jar cookie sent", s, srv.URL + "/ok", nil, true},
			{"userinfo", s, userinfo + "/ok" + query, nil, true},
			{"redirect loop", s, srv.URL + "/loop" + query, []client.RequestOption{client.MaxRedirects(2)}, false},
			{"timeout", s, srv.URL + "/slow" + query, []client.RequestOption{client.Timeout(short)}, false},
			{"redirect away", s, srv.URL + "/leave" + query, nil, false},
			{"bad header value", s, srv.URL + "/ok", []client.RequestOption{client.Header{"X-Token": "v-" + secret + "\n"}}, false},
			{"refused with userinfo", s, "http://user:ref-" + secret + "@" + closedAddr(t) + "/" + query, nil, false},
			{"through a proxy", viaProxy, "http://target.test/" + query, nil, true},
			{"CONNECT refused by the proxy", viaProxy, "https://target.test/" + query, nil, false},
			{"dead proxy", deadProxy, "http://target.test/" + query, nil, false},
		}
		for _, c := range calls {
			resp, err := c.s.Get(ctx, c.url, c.opts...)
			if (err == nil) != c.ok {
				t.Errorf("%s: got %v, want success %v", c.name, err, c.ok)
			}
			if err != nil {
				show(err)
				var re *client.RequestError
				if errors.As(err, &re) {
					show(re.URL)
				}
			} else {
				resp.Close()
			}
		}
		if _, ok := proxied.Load(basic("puser", "proxy-"+secret)); !ok {
			t.Errorf("the proxy never got its credentials: the proxied calls did not go through it")
		}

		entries := logs.AllUntimed()
		if len(entries) != len(calls) {
			t.Errorf("got %d log entries for %d requests, want one each", len(entries), len(calls))
		}
		for i, e := range entries {
			fields := e.ContextMap()
			for _, k := range []string{"method", "url", "elapsed"} {
				if _, ok := fields[k]; !ok {
					t.Errorf("entry %d %v: no %q field", i, fields, k)
				}
			}
			if e.Level != zapcore.DebugLevel {
				t.Errorf("entry %d at %v, want debug", i, e.Level)
			}
			if i < len(calls) && calls[i].ok {
				if _, ok := fields["status"]; !ok {
					t.Errorf("entry %d %v: no status", i, fields)
				}
			}
			texts = append(texts, e.Message, fmt.Sprintf("%v", fields))
		}
		if len(entries) > 0 {
			if u, _ := entries[0].ContextMap()["url"].(string); !strings.Contains(u, "token=REDACTED") || !strings.Contains(u, "page=2") {
				t.Errorf("logged URL %q, want secrets masked and the rest kept", u)
			}
		}
		for _, text := range texts {
			if strings.Contains(text, secret) {
				t.Errorf("a secret leaked: %s", text)
			}
		}
	})
}

func TestLoggerDefaultsAndNil(t *testing.T) {
	eachScript(t, clienttest.Script{"/ok": {{Body: "ok"}}}, func(t *testing.T, srv *clienttest.Server) {
		for _, s := range []*client.Session{srv.Session(), srv.Session(client.WithLogger(nil))} {
			resp, err := s.Get(context.Background(), srv.URL+"/ok")
			if err != nil || resp.StatusCode != 200 {
				t.Errorf("got %v, %v; want 200 without a logger", resp, err)
			}
		}
		// Nothing is logged above debug level, and nothing at all by default.
		core, logs := observer.New(zapcore.InfoLevel)
		s := srv.Session(client.WithLogger(zap.New(core)))
		if _, err := s.Get(context.Background(), srv.URL+"/ok"); err != nil {
			t.Fatal(err)
		}
		if n := logs.Len(); n != 0 {
			t.Errorf("got %d entries at info level, want 0", n)
		}
	})
}
