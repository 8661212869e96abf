package main

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// extractLinks returns the href of every <a> and <area> in an HTML page,
// resolved against base (or the page's own <base href>), as normalised
// http and https URLs. Links that cannot be parsed, and other schemes
// (mailto:, javascript:, ...), are left out. The tokenizer reads the page
// once and builds no tree.
func extractLinks(base *url.URL, page []byte) []string {
	z := html.NewTokenizer(bytes.NewReader(page))
	var out []string
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out // the end, or a page too broken to read on
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if !hasAttr || (a != atom.A && a != atom.Area && a != atom.Base) {
				continue
			}
			href, ok := attr(z, "href")
			if !ok {
				continue
			}
			if a == atom.Base {
				if u, err := base.Parse(strings.TrimSpace(href)); err == nil {
					base = u
				}
				continue
			}
			if u, ok := normalize(base, href); ok {
				out = append(out, u)
			}
		}
	}
}

// attr returns the value of the named attribute of the current tag.
func attr(z *html.Tokenizer, name string) (string, bool) {
	for {
		k, v, more := z.TagAttr()
		if string(k) == name {
			return string(v), true
		}
		if !more {
			return "", false
		}
	}
}

// normalize resolves ref against base and returns the URL in the form the
// crawler uses to tell pages apart: http or https only, scheme and host in
// lower case, no default port, no fragment, no empty query, "/" for an
// empty path, dot segments resolved. It reports false for anything that is
// not an http or https URL.
func normalize(base *url.URL, ref string) (string, bool) {
	u, err := base.Parse(strings.TrimSpace(ref))
	if err != nil {
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", false
	}
	u.Host = strings.ToLower(u.Host)
	if port := u.Port(); (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		u.Host = strings.TrimSuffix(u.Host, ":"+port)
	}
	u.Fragment, u.RawFragment = "", ""
	u.ForceQuery = false
	u.User = nil
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	return u.String(), true
}
