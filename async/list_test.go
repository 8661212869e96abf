package async

import (
	"slices"
	"testing"
)

func TestList(t *testing.T) {
	es := make([]*entry, 5)
	for i := range es {
		es[i] = &entry{tries: i}
	}
	var q list[entry, inQueue]
	var w list[entry, inWatch]
	items := func(l interface {
		next(*entry) *entry
	}, head *entry) []int {
		var out []int
		for e := head; e != nil; e = l.next(e) {
			out = append(out, e.tries)
		}
		return out
	}
	check := func(what string, got, want []int) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("%s: %v, want %v", what, got, want)
		}
	}
	q.pushBack(es[1])
	q.pushBack(es[2])
	q.pushFront(es[0])
	q.pushBack(es[3])
	// Every entry is also in a second list, through its other link.
	for i := len(es) - 1; i >= 0; i-- {
		w.pushFront(es[i])
	}
	check("queue", items(&q, q.head), []int{0, 1, 2, 3})
	check("watch", items(&w, w.head), []int{0, 1, 2, 3, 4})

	q.remove(es[2]) // middle
	check("queue without 2", items(&q, q.head), []int{0, 1, 3})
	q.remove(es[3]) // tail
	check("queue without 3", items(&q, q.head), []int{0, 1})
	if q.tail != es[1] {
		t.Fatalf("tail is %v, want entry 1", q.tail.tries)
	}
	if e := q.popFront(); e != es[0] || es[0].q != (link[entry]{}) {
		t.Fatalf("popFront = entry %d with links %+v, want entry 0 unlinked", e.tries, e.q)
	}
	check("watch unchanged", items(&w, w.head), []int{0, 1, 2, 3, 4})
	w.remove(es[0]) // head
	w.remove(es[4]) // tail
	check("watch without 0 and 4", items(&w, w.head), []int{1, 2, 3})

	q.remove(es[1])
	if q.head != nil || q.tail != nil || q.popFront() != nil {
		t.Fatal("the emptied queue is not empty")
	}
	q.pushFront(es[4])
	if q.head != es[4] || q.tail != es[4] {
		t.Fatal("pushFront on an empty list did not set head and tail")
	}
}
