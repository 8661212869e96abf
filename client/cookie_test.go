package client_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/requests3/requests/client"
)

// cookieNames returns "name=value" for each cookie in the Cookie header of
// r, sorted.
func cookieNames(r seen) []string {
	var out []string
	for _, c := range (&http.Request{Header: r.Header}).Cookies() {
		out = append(out, c.Name+"="+c.Value)
	}
	slices.Sort(out)
	return out
}

func setCookie(u, cookie string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "set=" + url.QueryEscape(cookie)
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// wantCookies checks the cookies each request carried.
func wantCookies(t *testing.T, reqs []seen, want ...[]string) {
	t.Helper()
	if len(reqs) != len(want) {
		t.Fatalf("got %d requests, want %d", len(reqs), len(want))
	}
	for i, r := range reqs {
		got := cookieNames(r)
		w := slices.Sorted(slices.Values(want[i]))
		if !slices.Equal(got, w) {
			t.Errorf("request %d to %s: got cookies %q, want %q", i, urlsOf(reqs)[i], got, w)
		}
	}
}

// TestCookieJarPersists: test_cookie_sent_on_redirect and sessions keeping
// cookies across requests.
func TestCookieJarPersists(t *testing.T) {
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		s := st.session(t)
		ctx := context.Background()
		sc.take()
		if _, err := s.Get(ctx, setCookie("https://example.com/set", "a=1")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, chain(302, "https://example.com/x", "https://example.com/y")); err != nil {
			t.Fatal(err)
		}
		wantCookies(t, sc.take(), nil, []string{"a=1"}, []string{"a=1"})
	})
}

// TestCookieSetOnRedirect: test_set_cookie_on_301. A Set-Cookie on a
// redirect response is stored, and sent on the next hop.
func TestCookieSetOnRedirect(t *testing.T) {
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		for _, code := range []int{301, 302, 303, 307, 308} {
			s := st.session(t)
			sc.take()
			u := chain(code, setCookie("https://example.com/a", "r=1"), "https://example.com/b")
			if _, err := s.Get(context.Background(), u); err != nil {
				t.Fatal(err)
			}
			wantCookies(t, sc.take(), nil, []string{"r=1"})
			got := s.Jar().Cookies(mustURL(t, "https://example.com/"))
			if len(got) != 1 || got[0].Name != "r" || got[0].Value != "1" {
				t.Errorf("%d: jar holds %v, want r=1", code, got)
			}
		}
	})
}

// TestCookieNotSentToOtherHost: CVE-2015-2296. A cookie a redirect sets
// belongs to the host that set it, not to the redirect's target; cookies
// of one domain never reach another.
func TestCookieNotSentToOtherHost(t *testing.T) {
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		s := st.session(t)
		ctx := context.Background()
		sc.take()
		first := setCookie(setCookie("http://a.example.com/1", "host=1"), "dom=1; Domain=example.com")
		if _, err := s.Get(ctx, chain(302, first, "http://other.example.com/2", "http://example.org/3")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "http://a.example.com/4"); err != nil {
			t.Fatal(err)
		}
		wantCookies(t, sc.take(),
			nil,
			[]string{"dom=1"}, // a domain cookie for example.com, not the host cookie of a.example.com
			nil,               // another domain
			[]string{"dom=1", "host=1"},
		)
	})
}

// TestRequestCookiesEveryHop: test_cookie_persists_via_api and
// test_request_cookies_not_persisted. Cookies given with a request go with
// every hop to its origin, not to another host, and never into the jar.
func TestRequestCookiesEveryHop(t *testing.T) {
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		s := st.session(t)
		ctx := context.Background()
		sc.take()
		u := chain(302, "https://example.com/a", "https://example.com/b", "https://other.example.com/c", "https://example.com/d")
		_, err := s.Get(ctx, u, client.Cookies{"k": "v"}, client.AddCookie(&http.Cookie{Name: "q", Value: "a b", Quoted: true}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "https://example.com/later"); err != nil {
			t.Fatal(err)
		}
		want := []string{"k=v", "q=a b"}
		wantCookies(t, sc.take(), want, want, nil, nil, nil)
		if got := s.Jar().Cookies(mustURL(t, "https://example.com/")); len(got) != 0 {
			t.Errorf("jar holds %v, want nothing", got)
		}
	})
}

// TestRequestCookieOverridesSessionCookie: test_request_cookie_overrides_session_cookie.
func TestRequestCookieOverridesSessionCookie(t *testing.T) {
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		s := st.session(t)
		ctx := context.Background()
		sc.take()
		if _, err := s.Get(ctx, setCookie("https://example.com/set", "a=session")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, chain(302, "https://example.com/x", "https://example.com/y"), client.Cookies{"a": "request"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "https://example.com/z"); err != nil {
			t.Fatal(err)
		}
		wantCookies(t, sc.take(), nil, []string{"a=request"}, []string{"a=request"}, []string{"a=session"})
	})
}

// TestHandSetCookieHeader: a Cookie header set by hand goes to the origin
// only; on another host the Cookie header is derived from the jar alone,
// and it stays so after coming back. Jar cookies are added to it, so a
// cookie set by a redirect reaches the next hop.
func TestHandSetCookieHeader(t *testing.T) {
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		s := st.session(t)
		ctx := context.Background()
		sc.take()
		if _, err := s.Get(ctx, setCookie(setCookie("https://example.com/set", "j=jar; Domain=example.com"), "h=jar")); err != nil {
			t.Fatal(err)
		}
		u := chain(302, setCookie("https://example.com/a", "n=new"), "https://example.com/b", "https://other.example.com/c", "https://example.com/d")
		if _, err := s.Get(ctx, u, client.Header{"Cookie": "h=hand; x=1"}); err != nil {
			t.Fatal(err)
		}
		wantCookies(t, sc.take(),
			nil,
			[]string{"h=hand", "j=jar", "x=1"},
			[]string{"h=hand", "j=jar", "n=new", "x=1"},
			[]string{"j=jar"},
			[]string{"h=jar", "j=jar", "n=new"},
		)
	})
}

// TestCookieRemovedOnExpire: test_cookie_removed_on_expire. Max-Age=0 or
// an Expires in the past deletes a cookie, also on a redirect.
func TestCookieRemovedOnExpire(t *testing.T) {
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		s := st.session(t)
		ctx := context.Background()
		sc.take()
		set := setCookie(setCookie(setCookie("https://example.com/set", "a=1"), "b=1"), "c=1; Max-Age=3600")
		if _, err := s.Get(ctx, set); err != nil {
			t.Fatal(err)
		}
		del := setCookie(setCookie("https://example.com/del", "a=; Max-Age=0"), "b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
		if _, err := s.Get(ctx, chain(302, del, "https://example.com/next")); err != nil {
			t.Fatal(err)
		}
		wantCookies(t, sc.take(), nil, []string{"a=1", "b=1", "c=1"}, []string{"c=1"})
	})
}

// TestCookieQuoted: test_cookie_quote_wrapped. A quoted value goes back to
// the server exactly as it came.
func TestCookieQuoted(t *testing.T) {
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		s := st.session(t)
		ctx := context.Background()
		sc.take()
		resp, err := s.Get(ctx, setCookie("https://example.com/set", `foo="bar:baz"`))
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Cookies(); len(got) != 1 || got[0].Value != "bar:baz" || !got[0].Quoted {
			t.Errorf("Response.Cookies: got %v, want foo=bar:baz, quoted", got)
		}
		if _, err := s.Get(ctx, "https://example.com/next"); err != nil {
			t.Fatal(err)
		}
		reqs := sc.take()
		if got, want := reqs[1].Header.Get("Cookie"), `foo="bar:baz"`; got != want {
			t.Errorf("Cookie: got %s, want %s", got, want)
		}
	})
}

// TestCookieSecureOnlyOverTLS: test_cookie_parameters. A Secure cookie is
// not sent over plain http, even after a redirect to the same host.
func TestCookieSecureOnlyOverTLS(t *testing.T) {
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		s := st.session(t)
		ctx := context.Background()
		sc.take()
		if _, err := s.Get(ctx, setCookie(setCookie("https://example.com/set", "s=1; Secure; HttpOnly"), "p=1")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, chain(302, "https://example.com/a", "http://example.com/b")); err != nil {
			t.Fatal(err)
		}
		wantCookies(t, sc.take(), nil, []string{"p=1", "s=1"}, []string{"p=1"})
	})
}

// TestCookieAnyJar: test_generic_cookiejar_works and
// test_cookielib_cookiejar_on_redirect. Any http.CookieJar works; a nil jar
// turns cookies off.
func TestCookieAnyJar(t *testing.T) {
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		ctx := context.Background()
		plain, _ := cookiejar.New(nil)
		u := chain(302, setCookie("https://example.com/a", "a=1"), "https://example.com/b")

		s := st.session(t, client.WithCookieJar(plain))
		sc.take()
		if _, err := s.Get(ctx, u); err != nil {
			t.Fatal(err)
		}
		wantCookies(t, sc.take(), nil, []string{"a=1"})
		if s.Jar() != http.CookieJar(plain) {
			t.Errorf("Jar: got %T, want the jar given", s.Jar())
		}

		s = st.session(t, client.WithCookieJar(nil))
		if _, err := s.Get(ctx, u); err != nil {
			t.Fatal(err)
		}
		wantCookies(t, sc.take(), nil, nil)
		if s.Jar() != nil {
			t.Errorf("Jar: got %T, want nil", s.Jar())
		}
	})
}

// TestJarDomainRules checks the default jar through its own API, no
// network needed: public suffixes (Requests relies on the same rule in
// cookielib), host-only against domain cookies, and duplicate names in
// different domains (test_cookie_duplicate_names_different_domains).
func TestJarDomainRules(t *testing.T) {
	set := func(j *client.Jar, u, name, domain string) {
		j.SetCookies(mustURL(t, u), []*http.Cookie{{Name: name, Value: "v-" + name, Domain: domain}})
	}
	j := client.NewJar()
	set(j, "https://www.example.co.uk/", "suffix", "co.uk")
	set(j, "https://www.example.co.uk/", "dotted", ".co.uk")
	set(j, "https://www.example.co.uk/", "site", "example.co.uk")
	set(j, "https://www.example.co.uk/", "hostonly", "")
	set(j, "https://a.example.com/", "dup", "")
	set(j, "https://b.example.com/", "dup", "")
	set(j, "https://a.example.com/", "evil", "example.org")
	set(j, "https://github.io/", "psl-host", "github.io")

	tests := []struct {
		url  string
		want []string
	}{
		{"https://www.example.co.uk/", []string{"hostonly=v-hostonly", "site=v-site"}},
		{"https://shop.example.co.uk/", []string{"site=v-site"}},
		{"https://other.co.uk/", nil},
		{"https://co.uk/", nil},
		{"https://a.example.com/", []string{"dup=v-dup"}},
		{"https://b.example.com/", []string{"dup=v-dup"}},
		{"https://example.com/", nil},
		{"https://example.org/", nil},
		{"https://github.io/", []string{"psl-host=v-psl-host"}},
		{"https://user.github.io/", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range j.Cookies(mustURL(t, tt.url)) {
			got = append(got, c.Name+"="+c.Value)
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.url, got, tt.want)
		}
	}

	// The two "dup" cookies are distinct.
	j.SetCookies(mustURL(t, "https://a.example.com/"), []*http.Cookie{{Name: "dup", Value: "changed"}})
	if got := j.Cookies(mustURL(t, "https://b.example.com/")); len(got) != 1 || got[0].Value != "v-dup" {
		t.Errorf("b.example.com: got %v, want its own dup=v-dup", got)
	}
}
