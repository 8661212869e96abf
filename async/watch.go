package async

import "context"

// A watcher drops the queued and waiting entries of a context when it is
// done. Entries whose contexts share a Done channel share a watcher, and
// with it one context.AfterFunc: a fan-out of many requests under one
// context registers one callback, not one per request.
type watcher struct {
	done    <-chan struct{}
	stop    func() bool // unregisters the callback
	entries list[entry, inWatch]
}

// watch registers e with the watcher of its context, making one if needed.
// A context that is never done needs none. p.mu must be held.
func (p *Pool) watch(e *entry) {
	done := e.ctx.Done()
	if done == nil {
		return
	}
	w := p.watchers[done]
	if w == nil {
		w = &watcher{done: done}
		// If the context is done already, the callback runs at once, in
		// its own goroutine, and waits for p.mu.
		w.stop = context.AfterFunc(e.ctx, func() { p.expire(w) })
		if p.watchers == nil {
			p.watchers = make(map[<-chan struct{}]*watcher)
		}
		p.watchers[done] = w
	}
	e.watch = w
	w.entries.pushBack(e)
}

// unwatch takes e off its watcher, and drops the watcher when it has no
// entries left. p.mu must be held.
func (p *Pool) unwatch(e *entry) {
	w := e.watch
	if w == nil {
		return
	}
	w.entries.remove(e)
	e.watch = nil
	if w.entries.head == nil {
		w.stop()
		delete(p.watchers, w.done)
	}
}

// expire runs when w's context is done: it drops w's queued and waiting
// entries, failing each with its context's error. Running entries stop by
// themselves, since their attempts run under the context.
func (p *Pool) expire(w *watcher) {
	p.mu.Lock()
	if p.watchers[w.done] == w {
		delete(p.watchers, w.done)
	}
	var dropped []*entry
	for e := w.entries.head; e != nil; {
		next := w.entries.next(e)
		e.watch, e.w = nil, link[entry]{}
		switch e.state {
		case queued:
			p.unlink(e)
			p.drop(e)
			dropped = append(dropped, e)
		case waiting:
			p.unqueueTimer(e)
			p.drop(e)
			dropped = append(dropped, e)
		}
		e = next
	}
	w.entries = list[entry, inWatch]{}
	p.mu.Unlock()
	if len(dropped) > 0 {
		p.signal()
	}
	for _, e := range dropped {
		err := e.ctx.Err()
		if err == nil {
			err = context.Canceled
		}
		e.task.fail(err)
	}
}
