package async

import (
	"container/heap"
	"context"
	"time"

	"github.com/requests3/requests/internal/attempt"
	"github.com/requests3/requests/limiter"
)

// entry is one piece of work in the pool: queued in its host's FIFO,
// waiting in the timer heap for a retry backoff, or running on a worker.
type entry struct {
	pool *Pool
	ctx  context.Context // the caller's
	// watch drops the entry if ctx is done while it is queued or waiting.
	watch *watcher
	w     link[entry] // in watch's list
	// call aborts the attempt under way: the session binds its own
	// cancel func to it, so an entry needs no context of its own.
	call  attempt.Call
	key   string
	host  *host
	task  task
	tries int // attempts made so far

	state     entryState
	q         link[entry] // in the host FIFO (queued) or the running list
	at        time.Time   // waiting: when the backoff ends
	index     int         // waiting: position in the timer heap
	permit    limiter.Permit
	fromQueue bool // holds a unit of queue room until dispatched
}

type entryState uint8

const (
	fresh   entryState = iota // not yet queued
	queued                    // in its host's FIFO
	waiting                   // in the timer heap, for a retry backoff
	running                   // handed to a worker
	settled                   // resolved; in no structure
)

// host is the queue of one key.
type host struct {
	key      string
	fifo     list[entry, inQueue]
	queued   int // in the FIFO or waiting for a backoff
	inflight int

	state hostState
	at    time.Time  // waitToken: when to try again
	due   time.Time  // ready after a timer: when the timer was due
	index int        // waitToken: position in the timer heap
	l     link[host] // in the ready ring or the blocked list
}

type hostState uint8

const (
	idle      hostState = iota // nothing to dispatch
	ready                      // in the ready ring: try it
	waitToken                  // in the timer heap: a token or a pause is due later
	blocked                    // in the blocked list: a concurrency slot is full
)

// sched is the pool's scheduling state, guarded by Pool.mu.
type sched struct {
	hosts    map[string]*host
	ready    list[host, inRing] // round-robin ring of hosts to try
	blocked  list[host, inRing] // hosts waiting for a concurrency slot, oldest first
	timers   timerHeap
	running  list[entry, inQueue]
	idle     int // workers free for work
	queued   int
	inflight int
	done     uint64
	failed   uint64
	retried  uint64
	watchers map[<-chan struct{}]*watcher // by the Done channel of the contexts of entries
	closing  bool                         // no new work
	aborting bool                         // cancel what is left
}

func (s *sched) init(workers int) {
	s.hosts = make(map[string]*host)
	s.idle = workers
}

// hostFor returns the host queue of key, creating it.
func (s *sched) hostFor(key string) *host {
	h := s.hosts[key]
	if h == nil {
		h = &host{key: key, index: -1}
		s.hosts[key] = h
	}
	return h
}

// push appends e to its host's FIFO and makes the host ready if it was idle.
func (s *sched) push(e *entry, front bool) {
	h := e.host
	e.state = queued
	if front {
		h.fifo.pushFront(e)
	} else {
		h.fifo.pushBack(e)
	}
	if h.state == idle {
		h.state = ready
		s.ready.pushBack(h)
	}
}

// unlink removes a queued e from its host's FIFO.
func (s *sched) unlink(e *entry) { e.host.fifo.remove(e) }

// forget drops h if it has no work left.
func (s *sched) forget(h *host) {
	if h.queued > 0 || h.inflight > 0 {
		return
	}
	switch h.state {
	case ready:
		s.ready.remove(h)
	case blocked:
		s.blocked.remove(h)
	case waitToken:
		heap.Remove(&s.timers, h.index)
	}
	h.state = idle
	delete(s.hosts, h.key)
}

// makeReady puts a blocked or idle host with queued work in the ready ring.
func (s *sched) makeReady(h *host) {
	if h.fifo.head == nil {
		return
	}
	switch h.state {
	case blocked:
		s.blocked.remove(h)
	case idle:
	default:
		return
	}
	h.state = ready
	s.ready.pushBack(h)
}

// timerHeap orders what waits for a time: hosts waiting for a token or a
// pause, and entries waiting for a retry backoff.
type timerHeap []timer

type timer struct {
	at time.Time
	h  *host  // or
	e  *entry // one of the two
}

func (t timerHeap) Len() int           { return len(t) }
func (t timerHeap) Less(i, j int) bool { return t[i].at.Before(t[j].at) }
func (t timerHeap) Swap(i, j int) {
	t[i], t[j] = t[j], t[i]
	t.setIndex(i)
	t.setIndex(j)
}
func (t timerHeap) setIndex(i int) {
	if t[i].h != nil {
		t[i].h.index = i
	} else {
		t[i].e.index = i
	}
}
func (t *timerHeap) Push(x any) {
	*t = append(*t, x.(timer))
	t.setIndex(len(*t) - 1)
}
func (t *timerHeap) Pop() any {
	old := *t
	x := old[len(old)-1]
	old[len(old)-1] = timer{}
	*t = old[:len(old)-1]
	if x.h != nil {
		x.h.index = -1
	} else {
		x.e.index = -1
	}
	return x
}
