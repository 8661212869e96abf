package async

// link is an element's place in an intrusive doubly linked list.
type link[T any] struct{ prev, next *T }

// A linker finds the link a list threads its elements through, so that an
// element can be in lists of different kinds at once.
type linker[T any] interface{ link(*T) *link[T] }

// list is an intrusive doubly linked list: its elements carry their links,
// so that adding and removing allocate nothing and removal takes O(1).
type list[T any, L linker[T]] struct{ head, tail *T }

func (l *list[T, L]) at(x *T) *link[T] {
	var k L
	return k.link(x)
}

// next returns the element after x, or nil.
func (l *list[T, L]) next(x *T) *T { return l.at(x).next }

func (l *list[T, L]) pushBack(x *T) {
	k := l.at(x)
	k.prev, k.next = l.tail, nil
	if l.tail != nil {
		l.at(l.tail).next = x
	} else {
		l.head = x
	}
	l.tail = x
}

func (l *list[T, L]) pushFront(x *T) {
	k := l.at(x)
	k.prev, k.next = nil, l.head
	if l.head != nil {
		l.at(l.head).prev = x
	} else {
		l.tail = x
	}
	l.head = x
}

// popFront removes and returns the first element, or nil.
func (l *list[T, L]) popFront() *T {
	x := l.head
	if x != nil {
		l.remove(x)
	}
	return x
}

// remove takes x, which must be in l, out of it.
func (l *list[T, L]) remove(x *T) {
	k := l.at(x)
	if k.prev != nil {
		l.at(k.prev).next = k.next
	} else {
		l.head = k.next
	}
	if k.next != nil {
		l.at(k.next).prev = k.prev
	} else {
		l.tail = k.prev
	}
	k.prev, k.next = nil, nil
}

// The links of entries and hosts.
type (
	// inQueue links an entry into its host's FIFO or the running list;
	// it is in at most one of them.
	inQueue struct{}
	// inWatch links an entry into its watcher's list.
	inWatch struct{}
	// inRing links a host into the ready ring or the blocked list.
	inRing struct{}
)

func (inQueue) link(e *entry) *link[entry] { return &e.q }
func (inWatch) link(e *entry) *link[entry] { return &e.w }
func (inRing) link(h *host) *link[host]    { return &h.l }
