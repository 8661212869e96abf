package client_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/requests3/requests/client"
)

// A program that keeps its cookies between runs loads them when it starts
// and saves them when it is done; on the first run there is no file yet.
func ExampleJar_LoadFile() {
	srv := cookieServer()
	defer srv.Close()
	dir, err := os.MkdirTemp("", "cookies")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "cookies.txt")

	run := func(page string) error {
		jar := client.NewJar()
		if err := jar.LoadFile(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		s := client.NewSession(client.WithCookieJar(jar))
		defer s.Close()
		defer jar.SaveFile(path)

		resp, err := s.Get(context.Background(), srv.URL+page)
		if err != nil {
			return err
		}
		text, _ := resp.Text()
		fmt.Println(resp.URL.Path+":", text)
		return nil
	}
	run("/login") // the first run logs in
	run("/later") // the next one still has the cookies
	// Output:
	// /home: sid=abc123; theme=dark
	// /later: sid=abc123; theme=dark
}
