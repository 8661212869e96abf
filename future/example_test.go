package future_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/requests3/requests/future"
)

func ExampleNew() {
	f, resolve := future.New[string]()
	go resolve("hello", nil) // the producer: a worker, a callback, a pool

	v, err := f.Await(context.Background())
	fmt.Println(v, err)
	// Output: hello <nil>
}

func ExampleNewWithCancel() {
	// A producer that can drop queued work registers a cancel func; here it
	// resolves the future with context.Canceled on the spot.
	var resolve func(int, error)
	var f *future.Future[int]
	f, resolve = future.NewWithCancel[int](func() {
		resolve(0, context.Canceled)
	})

	f.Cancel()
	_, err := f.Await(context.Background())
	fmt.Println(err)
	// Output: context canceled
}

func ExampleGo() {
	f := future.Go(context.Background(), func(ctx context.Context) (int, error) {
		return strconv.Atoi("42")
	})
	v, err := f.Await(context.Background())
	fmt.Println(v, err)
	// Output: 42 <nil>
}

func ExampleFuture_Cancel() {
	f := future.Go(context.Background(), func(ctx context.Context) (string, error) {
		<-ctx.Done() // work that honors its context
		return "", ctx.Err()
	})
	f.Cancel()
	_, err := f.Await(context.Background())
	fmt.Println(err)
	// Output: context canceled
}

func ExampleFuture_Peek() {
	f, resolve := future.New[int]()
	_, ok := f.Peek()
	fmt.Println(ok)
	resolve(7, nil)
	r, ok := f.Peek()
	fmt.Println(r.Value, r.Err, ok)
	// Output:
	// false
	// 7 <nil> true
}

func ExampleThen() {
	ctx := context.Background()
	text := future.Go(ctx, func(context.Context) (string, error) {
		return "  12 ", nil
	})
	n := future.Then(ctx, text, func(_ context.Context, s string) (int, error) {
		return strconv.Atoi(strings.TrimSpace(s))
	})
	v, err := n.Await(ctx)
	fmt.Println(v*2, err)
	// Output: 24 <nil>
}

func ExampleAll() {
	ctx := context.Background()
	var fs []*future.Future[int]
	for _, s := range []string{"1", "2", "3"} {
		fs = append(fs, future.Go(ctx, func(context.Context) (int, error) {
			return strconv.Atoi(s)
		}))
	}
	vs, err := future.All(ctx, fs...)
	fmt.Println(vs, err)
	// Output: [1 2 3] <nil>
}

func ExampleAllSettled() {
	ctx := context.Background()
	fs := []*future.Future[int]{
		future.Ready(1, nil),
		future.Ready(0, errors.New("no luck")),
	}
	for i, r := range future.AllSettled(ctx, fs...) {
		fmt.Println(i, r.Value, r.Err)
	}
	// Output:
	// 0 1 <nil>
	// 1 0 no luck
}

func ExampleAny() {
	ctx := context.Background()
	errDown := errors.New("mirror down")
	mirror := func(ok bool) *future.Future[string] {
		return future.Go(ctx, func(context.Context) (string, error) {
			if !ok {
				return "", errDown
			}
			return "payload", nil
		})
	}

	v, err := future.Any(ctx, mirror(false), mirror(true))
	fmt.Println(v, err)

	_, err = future.Any(ctx, mirror(false), mirror(false))
	fmt.Println(errors.Is(err, future.ErrAllFailed), errors.Is(err, errDown))
	// Output:
	// payload <nil>
	// true true
}

func ExampleFirst() {
	ctx := context.Background()
	cached := future.Ready("from cache", nil)
	slow := future.Go(ctx, func(ctx context.Context) (string, error) {
		<-ctx.Done() // canceled by First once the cache has answered
		return "", ctx.Err()
	})
	v, err := future.First(ctx, slow, cached)
	fmt.Println(v, err)

	_, err = slow.Await(ctx)
	fmt.Println(err)
	// Output:
	// from cache <nil>
	// context canceled
}

func ExampleAsCompleted() {
	ctx := context.Background()
	a, resolveA := future.New[string]()
	b, resolveB := future.New[string]()
	c, resolveC := future.New[string]()
	// c resolves first; the others resolve in the loop body here, so that
	// the order is fixed: a once c is in, b once a is. In a program they
	// would resolve on goroutines of their own, and come out as they do.
	resolveC("c", nil)
	next := map[string]func(){
		"c": func() { resolveA("a", nil) },
		"a": func() { resolveB("b", nil) },
	}
	for i, r := range future.AsCompleted(ctx, a, b, c) {
		fmt.Println(i, r.Value, r.Err)
		if f := next[r.Value]; f != nil {
			f()
		}
	}
	// Output:
	// 2 c <nil>
	// 0 a <nil>
	// 1 b <nil>
}
