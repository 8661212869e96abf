package client

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestJarRecordBounded: the record of a jar that sees cookies come and go
// stays the size of what the jar holds.
func TestJarRecordBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := NewJar()
		u := &url.URL{Scheme: "https", Host: "example.com", Path: "/"}
		const batch = 1000

		// Short-lived cookies, a new set every minute.
		for round := range 50 {
			cs := make([]*http.Cookie, batch)
			for i := range cs {
				cs[i] = &http.Cookie{Name: "c" + strconv.Itoa(round) + "_" + strconv.Itoa(i), Value: "v", MaxAge: 30}
			}
			j.SetCookies(u, cs)
			if n := len(j.entries); n > 2*batch+minPrune {
				t.Fatalf("round %d: got %d entries, want at most %d", round, n, 2*batch+minPrune)
			}
			time.Sleep(time.Minute)
		}

		// Cookies set and deleted.
		j = NewJar()
		for i := range 10 * batch {
			name := "d" + strconv.Itoa(i)
			j.SetCookies(u, []*http.Cookie{{Name: name, Value: "v"}})
			j.SetCookies(u, []*http.Cookie{{Name: name, MaxAge: -1}})
		}
		if n := len(j.entries); n != 0 {
			t.Errorf("after deleting every cookie: got %d entries, want 0", n)
		}

		// Cookies the jar refuses never enter the record.
		for i := range batch {
			j.SetCookies(&url.URL{Scheme: "https", Host: "www.example.co.uk"}, []*http.Cookie{
				{Name: "r" + strconv.Itoa(i), Value: "v", Domain: "co.uk"},
				{Name: "o" + strconv.Itoa(i), Value: "v", Domain: "example.org"},
			})
			j.SetCookies(&url.URL{Scheme: "ftp", Host: "example.com"}, []*http.Cookie{{Name: "f", Value: "v"}})
		}
		if n := len(j.entries); n != 0 {
			t.Errorf("after refused cookies: got %d entries, want 0", n)
		}
	})
}

// TestJarSaveChecksInnerJar: Save writes only cookies the inner jar still
// holds, and forgets the others.
func TestJarSaveChecksInnerJar(t *testing.T) {
	j := NewJar()
	u := &url.URL{Scheme: "https", Host: "example.com", Path: "/"}
	j.SetCookies(u, []*http.Cookie{{Name: "kept", Value: "1"}, {Name: "lost", Value: "1"}})
	// Delete one behind the record's back.
	j.jar.SetCookies(u, []*http.Cookie{{Name: "lost", MaxAge: -1}})
	var b strings.Builder
	if err := j.Save(&b); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); strings.Contains(got, "lost") || !strings.Contains(got, "kept") {
		t.Errorf("Save wrote:\n%s\nwant kept and not lost", got)
	}
	if _, ok := j.entries[cookieKey{"example.com", "/", "lost"}]; ok {
		t.Error("the record still holds the lost cookie")
	}
}
