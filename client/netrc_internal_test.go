package client

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseNetrc(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []netrcEntry
	}{
		{"one line", "machine example.com login user password pass\n",
			[]netrcEntry{{machine: "example.com", login: "user", password: "pass"}}},
		{"tokens across lines", "machine example.com\n  login user\n\tpassword pass\n  account acct\n",
			[]netrcEntry{{machine: "example.com", login: "user", password: "pass", account: "acct"}}},
		{"comments", "# my hosts\nmachine a login u # trailing\n  password p\n#machine b login x password y\n",
			[]netrcEntry{{machine: "a", login: "u", password: "p"}}},
		{"hash inside a token", "machine a login u password pa#ss\n",
			[]netrcEntry{{machine: "a", login: "u", password: "pa#ss"}}},
		{"quoted tokens", `machine a login "John Doe" password "p \"q\" \\ # x"` + "\n",
			[]netrcEntry{{machine: "a", login: "John Doe", password: `p "q" \ # x`}}},
		{"unquoted backslash is literal", `machine a login u password a\b`,
			[]netrcEntry{{machine: "a", login: "u", password: `a\b`}}},
		{"macdef body skipped", "machine a login u password p\nmacdef init\ncd /pub\nmachine evil login x password y\n\nmachine b login v password q\n",
			[]netrcEntry{{machine: "a", login: "u", password: "p"}, {machine: "b", login: "v", password: "q"}}},
		{"macdef at the end", "machine a login u\nmacdef m\nbin\n",
			[]netrcEntry{{machine: "a", login: "u"}}},
		{"default", "machine a login u password p\ndefault login anon password guest\n",
			[]netrcEntry{{machine: "a", login: "u", password: "p"}, {isDefault: true, login: "anon", password: "guest"}}},
		{"empty default", "machine a login u password p\ndefault\n",
			[]netrcEntry{{machine: "a", login: "u", password: "p"}, {isDefault: true}}},
		{"unknown keyword skipped with its value", "machine a port 443 login u password p",
			[]netrcEntry{{machine: "a", login: "u", password: "p"}}},
		{"CRLF", "machine a\r\nlogin u\r\npassword p\r\n",
			[]netrcEntry{{machine: "a", login: "u", password: "p"}}},
		{"empty file", "", nil},
	}
	for _, tt := range tests {
		got, err := parseNetrc(tt.in)
		if err != nil {
			t.Errorf("%s: got error %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestParseNetrcErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"token before any machine", "login u password secret123\n"},
		{"keyword without value", "machine a login"},
		{"machine without name", "machine"},
		{"unterminated quote", `machine a password "secret123`},
	}
	for _, tt := range tests {
		_, err := parseNetrc(tt.in)
		if err == nil {
			t.Errorf("%s: got no error, want one", tt.name)
			continue
		}
		if strings.Contains(err.Error(), "secret123") {
			t.Errorf("%s: error %q shows the password", tt.name, err)
		}
	}
}

func TestLookupNetrc(t *testing.T) {
	entries, err := parseNetrc(`
machine example.com login first password one
machine EXAMPLE.com login second password two
machine token.example password tok
machine empty.example
default login anon password guest
`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host        string
		login, pass string
		ok          bool
	}{
		{"example.com", "first", "one", true}, // the first entry wins
		{"Example.COM", "first", "one", true}, // case-insensitive
		{"token.example", "", "tok", true},    // a password alone is enough
		{"empty.example", "", "", false},      // an entry without credentials gives none
		{"other.example", "anon", "guest", true},
		{"", "", "", false},
	}
	for _, tt := range tests {
		e, ok := lookupNetrc(entries, tt.host)
		if ok != tt.ok || ok && (e.login != tt.login || e.password != tt.pass) {
			t.Errorf("lookup(%q) = %q, %q, %v; want %q, %q, %v", tt.host, e.login, e.password, ok, tt.login, tt.pass, tt.ok)
		}
	}
	// An empty default gives no credentials (Requests'
	// test_empty_default_credentials_ignored).
	entries, _ = parseNetrc("machine example.com login user password pass\ndefault\n")
	if e, ok := lookupNetrc(entries, "httpbin.org"); ok {
		t.Errorf("empty default: got %+v, want no credentials", e)
	}
	entries, _ = parseNetrc("default password only\n")
	if e, ok := lookupNetrc(entries, "httpbin.org"); ok {
		t.Errorf("default without login: got %+v, want no credentials", e)
	}
}

// quoteNetrc writes s as a quoted netrc token.
func quoteNetrc(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// FuzzParseNetrc checks that parsing never fails badly on any input, and
// that any machine, login and password survive being written quoted and
// parsed back.
func FuzzParseNetrc(f *testing.F) {
	f.Add("machine example.com login user password pass\n", "h", "u", "p")
	f.Add("# c\nmachine a\nlogin \"x y\"\npassword \"a\\\"b\"\nmacdef m\nx\n\ndefault login d", "host", "us er", `p"w\`)
	f.Add("machine", "", "", "")
	f.Add(`"unterminated`, "#", "machine", "macdef")
	f.Fuzz(func(t *testing.T, data, host, login, pass string) {
		entries, err := parseNetrc(data)
		if err == nil {
			lookupNetrc(entries, host)
		}
		in := "machine " + quoteNetrc(host) + "\n\tlogin " + quoteNetrc(login) + " password " + quoteNetrc(pass) + "\n"
		entries, err = parseNetrc(in)
		if err != nil {
			t.Fatalf("parse %q: %v", in, err)
		}
		want := []netrcEntry{{machine: host, login: login, password: pass}}
		if !reflect.DeepEqual(entries, want) {
			t.Fatalf("parse %q: got %+v, want %+v", in, entries, want)
		}
	})
}
