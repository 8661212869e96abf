package client

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// NetrcAuth returns credentials read from a .netrc file, sent as basic
// auth. For each request the file gives the login and password of the
// first "machine" entry that names the request URL's host (compared
// case-insensitively, the port ignored), or else of the "default" entry if
// that has a non-empty login. A host the file does not name gets no
// credentials.
//
// Netrc credentials belong to a host, not to a request: when a redirect
// leads to another host they are looked up again for that host (and so
// never carry one host's password to another), except after a redirect
// from https to http, from which on none are sent.
//
// An empty path means the file that a session reads by itself: the one
// named by the NETRC environment variable, or else ~/.netrc (or
// ~/_netrc). The file is read when first used and again whenever its
// modification time or size changes; for the default file, which every
// request without credentials consults, whether it exists or has changed is
// checked at most once a second, as the resolver does with resolv.conf. A
// change to $NETRC or $HOME is seen at once. A file that cannot be read or parsed
// fails the request with [ErrAuth]; with an empty path, a missing file just
// gives no credentials.
//
// Without NetrcAuth a session still uses .netrc, the way Python Requests
// does, for a request with no credentials of its own, the session's, the
// URL's or a hand-set Authorization header; [WithoutNetrc] turns that off.
//
// A token that starts with '#' begins a comment, so quote a password that
// starts with '#'. Inside double quotes a backslash escapes the next
// character; outside, it is an ordinary character.
func NetrcAuth(path string) AuthOption {
	return &netrcAuth{path: path, strict: true}
}

// WithoutNetrc stops the session from reading .netrc by itself. By
// default a request that has no credentials (none of its own, none from the
// session, no Authorization header set by hand, no user name or password in
// its URL, and not sent with UseAuth(nil)) takes them from the .netrc file
// as [NetrcAuth] with an empty path does, except that a missing or malformed
// file gives no credentials instead of an error. [NetrcAuth] given
// explicitly still works.
func WithoutNetrc() Option {
	return optionFunc(func(c *config) { c.noNetrc = true })
}

// envNetrc is the netrc a session reads by itself.
var envNetrc = &netrcAuth{}

// netrcAuth implements [NetrcAuth].
type netrcAuth struct {
	path   string // "" for $NETRC or ~/.netrc
	strict bool   // report errors rather than ignore them
}

func (a *netrcAuth) applyRequest(r *Request) { r.auth, r.authSet = a, true }
func (a *netrcAuth) applySession(c *config)  { c.auth = a }

// String names the file, never its contents.
func (a *netrcAuth) String() string {
	if a.path == "" {
		return "NetrcAuth(default)"
	}
	return "NetrcAuth(" + a.path + ")"
}

// GoString is String, for %#v.
func (a *netrcAuth) GoString() string { return a.String() }

// Apply sets basic auth from the entry for req's host, if there is one.
// The host is always the parsed URL's Hostname, never a string cut out of
// the raw URL, so that userinfo or fragments such as
// "http://example.com:@evil.example/" cannot pick another host's entry.
func (a *netrcAuth) Apply(req *http.Request) error { return a.apply(req, time.Now()) }

// apply is Apply at the time now.
func (a *netrcAuth) apply(req *http.Request, now time.Time) error {
	var entries []netrcEntry
	var err error
	if a.path == "" {
		entries, err = defaultNetrc(now)
	} else {
		entries, err = loadNetrc(a.path)
	}
	if err != nil {
		if !a.strict || a.path == "" && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("netrc: %w", err)
	}
	if e, ok := lookupNetrc(entries, req.URL.Hostname()); ok {
		req.SetBasicAuth(e.login, e.password)
	}
	return nil
}

// netrcRecheck is how long a look at the default netrc file is trusted.
// Without it every request that has no credentials would cost a few stat
// calls and their allocations.
var netrcRecheck = time.Second

// netrcLookup is a look at the default netrc file.
type netrcLookup struct {
	env, home string    // $NETRC and the home directory it was made for
	at        time.Time // when it was made
	entries   []netrcEntry
	err       error // fs.ErrNotExist when there is no file
}

var lastNetrc atomic.Pointer[netrcLookup]

// defaultNetrc returns the entries of the default netrc file, looking at
// the file system again only when the last look is older than
// netrcRecheck or was made for another $NETRC or home directory.
func defaultNetrc(now time.Time) ([]netrcEntry, error) {
	env := os.Getenv("NETRC")
	home, _ := os.UserHomeDir()
	if l := lastNetrc.Load(); l != nil && l.env == env && l.home == home {
		// A look newer than now (made by a call that began later) is
		// fresh too.
		if now.Sub(l.at) < netrcRecheck {
			return l.entries, l.err
		}
	}
	l := &netrcLookup{env: env, home: home, at: now, err: fs.ErrNotExist}
	if path := defaultNetrcPath(); path != "" {
		l.entries, l.err = loadNetrc(path)
	}
	lastNetrc.Store(l)
	return l.entries, l.err
}

// defaultNetrcPath returns $NETRC, or else the first of ~/.netrc and
// ~/_netrc that exists, or "".
func defaultNetrcPath() string {
	if p := os.Getenv("NETRC"); p != "" {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	for _, name := range []string{".netrc", "_netrc"} {
		p := filepath.Join(home, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// netrcEntry is one machine or default entry.
type netrcEntry struct {
	machine   string // "" for default
	isDefault bool
	login     string
	password  string
	account   string
}

// lookupNetrc returns the credentials for host: the first machine entry
// naming it with a login or password, else the default entry if its login
// is not empty (as Requests ignores an empty default).
func lookupNetrc(entries []netrcEntry, host string) (netrcEntry, bool) {
	if host == "" {
		return netrcEntry{}, false
	}
	for _, e := range entries {
		if !e.isDefault && strings.EqualFold(e.machine, host) {
			return e, e.login != "" || e.password != ""
		}
	}
	for _, e := range entries {
		if e.isDefault {
			return e, e.login != ""
		}
	}
	return netrcEntry{}, false
}

// netrcCache holds parsed netrc files by path.
var netrcCache struct {
	mu    sync.Mutex
	files map[string]*netrcFile // guarded by mu
}

type netrcFile struct {
	modTime time.Time
	size    int64
	entries []netrcEntry
	err     error
}

// loadNetrc returns the entries of the file at path, parsing it only when
// it is new or its modification time or size changed.
func loadNetrc(path string) ([]netrcEntry, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	netrcCache.mu.Lock()
	defer netrcCache.mu.Unlock()
	if f := netrcCache.files[path]; f != nil && f.modTime.Equal(fi.ModTime()) && f.size == fi.Size() {
		return f.entries, f.err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := &netrcFile{modTime: fi.ModTime(), size: fi.Size()}
	f.entries, f.err = parseNetrc(string(data))
	if netrcCache.files == nil {
		netrcCache.files = make(map[string]*netrcFile)
	}
	netrcCache.files[path] = f
	return f.entries, f.err
}

// parseNetrc parses the contents of a .netrc file: entries that start with
// "machine NAME" or "default", followed by "login", "password" and
// "account" with their values (other keywords with a value, such as "port",
// are skipped). Tokens are separated by any white space, so an entry may
// span lines. A token may be quoted with double quotes, inside which a
// backslash escapes the next character. A '#' that starts a token starts a
// comment that runs to the end of the line. "macdef NAME" defines an ftp
// macro: the rest of its line and the lines after it, up to an empty line,
// are skipped.
func parseNetrc(data string) ([]netrcEntry, error) {
	lx := netrcLexer{s: data}
	var entries []netrcEntry
	var cur *netrcEntry
	for {
		tok, ok, err := lx.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return entries, nil
		}
		switch tok {
		case "machine", "default":
			entries = append(entries, netrcEntry{isDefault: tok == "default"})
			cur = &entries[len(entries)-1]
			if tok == "machine" {
				if cur.machine, err = lx.value(tok); err != nil {
					return nil, err
				}
			}
		case "macdef":
			cur = nil
			if _, err := lx.value(tok); err != nil {
				return nil, err
			}
			lx.skipMacro()
		default:
			if cur == nil {
				lx.countLines()
				return nil, fmt.Errorf("line %d: a token outside a machine or default entry", lx.line)
			}
			v, err := lx.value(tok)
			if err != nil {
				return nil, err
			}
			switch tok {
			case "login":
				cur.login = v
			case "password":
				cur.password = v
			case "account":
				cur.account = v
			}
		}
	}
}

// netrcLexer splits a netrc file into tokens.
type netrcLexer struct {
	s    string
	i    int
	line int // 1-based line of the cursor, counted lazily
	seen int // bytes already counted into line
}

func (lx *netrcLexer) countLines() {
	if lx.line == 0 {
		lx.line = 1
	}
	lx.line += strings.Count(lx.s[lx.seen:lx.i], "\n")
	lx.seen = lx.i
}

// next returns the next token; ok is false at the end of the input.
func (lx *netrcLexer) next() (tok string, ok bool, err error) {
	for lx.i < len(lx.s) {
		c := lx.s[lx.i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			lx.i++
		case c == '#':
			if j := strings.IndexByte(lx.s[lx.i:], '\n'); j >= 0 {
				lx.i += j
			} else {
				lx.i = len(lx.s)
			}
		case c == '"':
			lx.i++
			var b strings.Builder
			for lx.i < len(lx.s) {
				c := lx.s[lx.i]
				lx.i++
				switch c {
				case '"':
					return b.String(), true, nil
				case '\\':
					if lx.i < len(lx.s) {
						b.WriteByte(lx.s[lx.i])
						lx.i++
					}
				default:
					b.WriteByte(c)
				}
			}
			lx.countLines()
			return "", false, fmt.Errorf("line %d: unterminated quoted token", lx.line)
		default:
			start := lx.i
			for lx.i < len(lx.s) && !isNetrcSpace(lx.s[lx.i]) {
				lx.i++
			}
			return lx.s[start:lx.i], true, nil
		}
	}
	return "", false, nil
}

func isNetrcSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// value returns the token that must follow keyword. Errors name the
// keyword only if it is a known one: a file out of step may hold a
// password where a keyword belongs.
func (lx *netrcLexer) value(keyword string) (string, error) {
	v, ok, err := lx.next()
	if err != nil {
		return "", err
	}
	if !ok {
		switch keyword {
		case "machine", "login", "password", "account", "macdef":
		default:
			keyword = "a keyword"
		}
		lx.countLines()
		return "", fmt.Errorf("line %d: %s without a value", lx.line, keyword)
	}
	return v, nil
}

// skipMacro skips the rest of the macdef line and the macro body: the
// lines up to and including the first empty one.
func (lx *netrcLexer) skipMacro() {
	first := true
	for lx.i < len(lx.s) {
		j := strings.IndexByte(lx.s[lx.i:], '\n')
		var line string
		if j < 0 {
			line, lx.i = lx.s[lx.i:], len(lx.s)
		} else {
			line, lx.i = lx.s[lx.i:lx.i+j], lx.i+j+1
		}
		if !first && strings.TrimRight(line, "\r") == "" {
			return
		}
		first = false
	}
}
