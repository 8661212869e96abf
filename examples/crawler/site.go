package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"html"
	"math/big"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// siteConfig shapes the demo site that the crawler starts when it is given
// no -seed: four hosts of linked pages, each with its own quirks.
type siteConfig struct {
	Pages      int           // pages per host, "/" included
	RobotPages int           // pages of the host with a robots.txt
	SlowEvery  int           // every SlowEvery-th page answers after SlowDelay (0: none)
	SlowDelay  time.Duration // how long a slow page takes
	// ThrottleEvery makes every ThrottleEvery-th page of the throttling host
	// answer its first request with 429 and Retry-After: 1 (0: none).
	ThrottleEvery int
	CrawlDelay    time.Duration // Crawl-delay of the host with a robots.txt
}

// defaultSite is what `go run ./examples/crawler` crawls: a few thousand
// pages that take some seconds, most of it spent obeying the crawl delay.
var defaultSite = siteConfig{
	Pages:         1000,
	RobotPages:    250,
	SlowEvery:     25,
	SlowDelay:     150 * time.Millisecond,
	ThrottleEvery: 400,
	CrawlDelay:    20 * time.Millisecond,
}

// Roles of the four hosts.
const (
	plainHost    = iota // HTTP/1.1
	throttleHost        // HTTPS and HTTP/2; some pages answer 429 first
	secureHost          // HTTPS and HTTP/2
	robotsHost          // HTTP/1.1; robots.txt with Disallow and Crawl-delay
	numHosts
)

// site is the demo site: one HTTP server per host, on 127.0.0.1 to
// 127.0.0.4 where the system allows it (Linux does), or on four ports of
// 127.0.0.1 elsewhere. Two hosts speak HTTPS and HTTP/2 with a certificate
// of the site's own; [site.TLSConfig] trusts it. Call Close when done.
type site struct {
	cfg   siteConfig
	hosts [numHosts]*siteHost
	certs *x509.CertPool

	wg sync.WaitGroup // the servers' Serve goroutines
}

// siteHost is one host of the site.
type siteHost struct {
	role  int
	base  string // scheme://host:port, no trailing slash
	pages int
	srv   *http.Server
	s     *site

	mu      sync.Mutex // guards the fields below
	hits    []hit
	counted map[string]int // requests per path
}

// hit is one request that a host received.
type hit struct {
	Path   string
	At     time.Time // when it arrived
	Status int
}

// robotsTxt is the robots.txt of the robots host. Crawl-delay is filled in.
const robotsTxt = `# The demo crawler is welcome, but not in /private/.
User-agent: *
Disallow: /private/
Crawl-delay: %s
`

// startSite starts the demo site.
func startSite(cfg siteConfig) (*site, error) {
	s := &site{cfg: cfg}
	lns, err := listen()
	if err != nil {
		return nil, err
	}
	var ips []net.IP
	for _, ln := range lns {
		ips = append(ips, ln.Addr().(*net.TCPAddr).IP)
	}
	cert, pool, err := selfSigned(ips)
	if err != nil {
		for _, ln := range lns {
			ln.Close()
		}
		return nil, err
	}
	s.certs = pool
	for role, ln := range lns {
		h := &siteHost{role: role, s: s, pages: cfg.Pages, counted: make(map[string]int)}
		if role == robotsHost {
			h.pages = cfg.RobotPages
		}
		scheme := "http"
		if role == throttleHost || role == secureHost {
			scheme = "https"
		}
		h.base = scheme + "://" + ln.Addr().String()
		h.srv = &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		s.hosts[role] = h
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if scheme == "https" {
				h.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
				h.srv.ServeTLS(ln, "", "")
			} else {
				h.srv.Serve(ln)
			}
		}()
	}
	return s, nil
}

// listen opens one listener per host: 127.0.0.1 to 127.0.0.4, or four
// ports of 127.0.0.1 where the other loopback addresses cannot be bound.
func listen() ([]net.Listener, error) {
	var lns []net.Listener
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	for i := range numHosts {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", i+1))
		if err != nil {
			closeAll()
			lns = nil
			break
		}
		lns = append(lns, ln)
	}
	for len(lns) < numHosts {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			closeAll()
			return nil, err
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// selfSigned makes a certificate for the given IP addresses, and a pool
// that trusts it.
func selfSigned(ips []net.IP) (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "requests3 demo site"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// Roots returns the URL of each host's front page: the crawl's seeds.
func (s *site) Roots() []string {
	var out []string
	for _, h := range s.hosts {
		out = append(out, h.base+"/")
	}
	return out
}

// TLSConfig trusts the site's certificate.
func (s *site) TLSConfig() *tls.Config { return &tls.Config{RootCAs: s.certs} }

// Close stops the servers, closing their connections, and waits for them.
func (s *site) Close() {
	for _, h := range s.hosts {
		h.srv.Close()
	}
	s.wg.Wait()
}

// Pages returns the URL of every page the site has, per host: what a
// complete crawl fetches with a 200.
func (s *site) Pages() map[string][]string {
	out := make(map[string][]string)
	for _, h := range s.hosts {
		urls := []string{h.base + "/"}
		for n := 1; n < h.pages; n++ {
			urls = append(urls, h.page(n))
		}
		out[h.base] = urls
	}
	return out
}

// Hits returns the requests a host answered, in order of arrival.
func (s *site) Hits(role int) []hit {
	h := s.hosts[role]
	h.mu.Lock()
	out := append([]hit(nil), h.hits...)
	h.mu.Unlock()
	slices.SortFunc(out, func(a, b hit) int { return a.At.Compare(b.At) })
	return out
}

// any maps n to one of the host's pages other than "/".
func (h *siteHost) any(n int) int { return n%(h.pages-1) + 1 }

func (h *siteHost) page(n int) string { return h.base + "/page/" + strconv.Itoa(n) }

// other returns the host after h, for links across hosts.
func (h *siteHost) other() *siteHost { return h.s.hosts[(h.role+1)%numHosts] }

// ServeHTTP serves the host. Page n links to pages 2n+1 and 2n+2 (a tree
// in which every page is reachable from "/"), to a page of the next host,
// to the same pages written in other ways, and to a few places a crawler
// must not go.
func (h *siteHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	status := h.serve(w, r)
	h.mu.Lock()
	h.hits = append(h.hits, hit{Path: r.URL.RequestURI(), At: at, Status: status})
	h.mu.Unlock()
}

func (h *siteHost) serve(w http.ResponseWriter, r *http.Request) int {
	h.mu.Lock()
	h.counted[r.URL.Path]++
	seen := h.counted[r.URL.Path]
	h.mu.Unlock()

	path := r.URL.Path
	switch {
	case path == "/robots.txt":
		if h.role != robotsHost {
			http.NotFound(w, r)
			return http.StatusNotFound
		}
		delay := strconv.FormatFloat(h.s.cfg.CrawlDelay.Seconds(), 'f', -1, 64)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, robotsTxt, delay)
		return http.StatusOK
	case path == "/":
		return h.writePage(w, r, 0)
	case strings.HasPrefix(path, "/old/"):
		// Moved pages: the crawler sees the 301 and follows the Location.
		n, ok := h.number(strings.TrimPrefix(path, "/old/"))
		if !ok {
			http.NotFound(w, r)
			return http.StatusNotFound
		}
		http.Redirect(w, r, h.page(n), http.StatusMovedPermanently)
		return http.StatusMovedPermanently
	case strings.HasPrefix(path, "/page/"):
		n, ok := h.number(strings.TrimPrefix(path, "/page/"))
		if !ok || n == 0 {
			http.NotFound(w, r)
			return http.StatusNotFound
		}
		if e := h.s.cfg.ThrottleEvery; h.role == throttleHost && e > 0 && n%e == e/2 && seen == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return http.StatusTooManyRequests
		}
		if e := h.s.cfg.SlowEvery; e > 0 && n%e == e/2 {
			t := time.NewTimer(h.s.cfg.SlowDelay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return 0 // the client went away
			}
		}
		return h.writePage(w, r, n)
	}
	// /private/ on the robots host, and anything else.
	http.NotFound(w, r)
	return http.StatusNotFound
}

// number parses a page number of this host.
func (h *siteHost) number(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n >= h.pages || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

func (h *siteHost) writePage(w http.ResponseWriter, r *http.Request, n int) int {
	var links []string
	for _, c := range []int{2*n + 1, 2*n + 2} {
		if c < h.pages {
			links = append(links, "/page/"+strconv.Itoa(c)) // absolute path
		}
	}
	if n > 0 {
		parent := "../"
		if p := (n - 1) / 2; p > 0 {
			parent = "../page/" + strconv.Itoa(p) + "?" // an empty query
		}
		links = append(links,
			"./"+strconv.Itoa(h.any(n*7))+"#comments", // relative, with a fragment
			parent,
			strings.ToUpper(h.base[:4])+h.base[4:]+"/page/"+strconv.Itoa(n), // itself, scheme in capitals
		)
	}
	if n%10 == 3 {
		links = append(links, "/old/"+strconv.Itoa(h.any(n*3))) // moved: 301
	}
	if n%100 == 7 {
		links = append(links, "/missing/"+strconv.Itoa(n)) // a broken link: 404
	}
	if h.role == robotsHost && n%5 == 1 {
		links = append(links, "/private/"+strconv.Itoa(n)) // disallowed by robots.txt
	}
	o := h.other()
	links = append(links,
		o.base+"/page/"+strconv.Itoa(o.any(n)), // another host of the site
		"https://example.com/elsewhere",        // off the site: never fetched
		"mailto:webmaster@example.com",
		"javascript:void(0)",
	)
	if n == 0 {
		links = append(links, o.base+"/")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html>\n<html><head><title>Page %d</title></head><body>\n<h1>Page %d</h1>\n<ul>\n", n, n)
	for _, l := range links {
		fmt.Fprintf(w, "<li><a href=\"%s\">%s</a></li>\n", html.EscapeString(l), html.EscapeString(l))
	}
	fmt.Fprintf(w, "</ul>\n<p>%s</p>\n</body></html>\n", strings.Repeat("Lorem ipsum dolor sit amet. ", 20))
	return http.StatusOK
}
