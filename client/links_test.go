package client_test

import (
	"context"
	"maps"
	"net/url"
	"strings"
	"testing"

	"github.com/requests3/requests/client"
)

// link is a Link in comparable form.
type link struct {
	url, rel string
	params   map[string]string
}

func flatten(links []client.Link) []link {
	var out []link
	for _, l := range links {
		out = append(out, link{l.URL.String(), l.Rel, l.Params})
	}
	return out
}

func equalLinks(a, b []link) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].url != b[i].url || a[i].rel != b[i].rel || !maps.Equal(a[i].params, b[i].params) {
			return false
		}
	}
	return true
}

// TestLinks covers test_links and test_parse_header_links: Link headers
// sent by go-httpbin's /response-headers, parsed and resolved against the
// response's URL.
func TestLinks(t *testing.T) {
	none := map[string]string{}
	tests := []struct {
		name   string
		header []string
		want   func(base string) []link
	}{
		{"none", nil, func(string) []link { return nil }},
		{"empty", []string{""}, func(string) []link { return nil }},
		{"Requests' front.jpeg", []string{`<http://example.com/front.jpeg>; rel=front; type="image/jpeg"`},
			func(string) []link {
				return []link{{"http://example.com/front.jpeg", "front", map[string]string{"type": "image/jpeg"}}}
			}},
		{"no params", []string{`<http://example.com/front.jpeg>`},
			func(string) []link { return []link{{"http://example.com/front.jpeg", "", none}} }},
		{"trailing semicolon", []string{`<http://example.com/front.jpeg>;`},
			func(string) []link { return []link{{"http://example.com/front.jpeg", "", none}} }},
		{"two, no space", []string{`<http://example.com/front.jpeg>; type="image/jpeg",<http://example.com/back.jpeg>;`},
			func(string) []link {
				return []link{
					{"http://example.com/front.jpeg", "", map[string]string{"type": "image/jpeg"}},
					{"http://example.com/back.jpeg", "", none},
				}
			}},
		{"GitHub pagination", []string{`<https://api.github.com/user/repos?page=3&per_page=100>; rel="next", <https://api.github.com/user/repos?page=50&per_page=100>; rel="last"`},
			func(string) []link {
				return []link{
					{"https://api.github.com/user/repos?page=3&per_page=100", "next", none},
					{"https://api.github.com/user/repos?page=50&per_page=100", "last", none},
				}
			}},
		{"relative targets", []string{`</items?page=2>; rel=next, <3>; rel=last, <?page=1>; rel=first`},
			func(base string) []link {
				return []link{
					{base + "/items?page=2", "next", none},
					{base + "/3", "last", none},
					{base + "/response-headers?page=1", "first", none},
				}
			}},
		{"several relation types", []string{`<https://a.test/2>; rel="next  LAST"; title=t`},
			func(string) []link {
				return []link{
					{"https://a.test/2", "next", map[string]string{"title": "t"}},
					{"https://a.test/2", "last", map[string]string{"title": "t"}},
				}
			}},
		{"case of names and rel", []string{`<https://a.test/>; REL=Next; Title="X"`},
			func(string) []link { return []link{{"https://a.test/", "next", map[string]string{"title": "X"}}} }},
		{"separators inside quotes and brackets", []string{`<https://a.test/x,y;z>; rel=next; title="a, b; c=\"d\""`},
			func(string) []link {
				return []link{{"https://a.test/x,y;z", "next", map[string]string{"title": `a, b; c="d"`}}}
			}},
		{"extended value", []string{`<https://a.test/>; rel=next; title*=UTF-8'de'n%c3%a4chstes; title="plain"`},
			func(string) []link {
				return []link{{"https://a.test/", "next", map[string]string{"title*": "nächstes", "title": "plain"}}}
			}},
		{"first of repeated params", []string{`<https://a.test/>; rel=next; rel=prev; type=a; type=b`},
			func(string) []link { return []link{{"https://a.test/", "next", map[string]string{"type": "a"}}} }},
		{"param without value", []string{`<https://a.test/>; rel=preload; crossorigin; as=style`},
			func(string) []link {
				return []link{{"https://a.test/", "preload", map[string]string{"crossorigin": "", "as": "style"}}}
			}},
		{"several headers", []string{`<https://a.test/1>; rel=prev`, `<https://a.test/3>; rel=next`},
			func(string) []link {
				return []link{{"https://a.test/1", "prev", none}, {"https://a.test/3", "next", none}}
			}},
		{"garbage skipped", []string{`garbage; rel=x, <https://a.test/ok>; rel=ok, <https://a.test/bad> junk; rel=bad, <https://a.test/ok2>`},
			func(string) []link {
				return []link{{"https://a.test/ok", "ok", none}, {"https://a.test/bad", "", none}, {"https://a.test/ok2", "", none}}
			}},
		{"unterminated", []string{`<https://a.test/ok>; rel=ok, <https://a.test/never`},
			func(string) []link { return []link{{"https://a.test/ok", "ok", none}} }},
		{"non-ASCII target quoted", []string{`<https://ジェーピーニック.jp/straße>; rel=x`},
			func(string) []link { return []link{{"https://xn--hckqz9bzb1cyrb.jp/stra%C3%9Fe", "x", none}} }},
	}
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, tt := range tests {
			q := url.Values{}
			for _, h := range tt.header {
				q.Add("Link", h)
			}
			resp, err := s.Get(context.Background(), srv.URL+"/response-headers?"+q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			got, want := flatten(resp.Links()), tt.want(srv.URL)
			if !equalLinks(got, want) {
				t.Errorf("%s: got %+v, want %+v", tt.name, got, want)
			}
		}
	})
}

// TestLinkByRel checks Response.Link, Requests' links[rel].
func TestLinkByRel(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		header := `</page/2>; rel="next last", </page/1>; rel=prev, </page/9>; rel=next`
		resp, err := srv.session(t).Get(context.Background(), srv.URL+"/response-headers", client.Param("Link", header))
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ rel, want string }{
			{"next", "/page/2"}, {"NEXT", "/page/2"}, {"last", "/page/2"}, {"prev", "/page/1"},
		} {
			l, ok := resp.Link(tt.rel)
			if !ok || l.URL.String() != srv.URL+tt.want {
				t.Errorf("Link(%q) = %v, %v; want %s", tt.rel, l.URL, ok, srv.URL+tt.want)
			}
		}
		if l, ok := resp.Link("first"); ok {
			t.Errorf("Link(first) = %v, want none", l.URL)
		}
		// Each Link owns its URL and params.
		links := resp.Links()
		links[0].URL.Path = "/changed"
		links[0].Params["x"] = "y"
		if links[1].URL.Path != "/page/2" || len(links[1].Params) != 0 {
			t.Errorf("links share their URL or params: %v %v", links[1].URL, links[1].Params)
		}
		if strings.Contains(resp.Header.Get("Link"), "changed") {
			t.Error("changing a Link changed the header")
		}
	})
}
