// Package future provides [Future], the eventual result of a computation,
// and blocking helpers that wait on many futures at once.
//
// A future is written once by its producer and read by any number of
// consumers. It is cheap: it holds no goroutine and no timer, a resolved
// future is plain memory, and waiting on any number of futures starts no
// goroutine. The async pool returns one per request; this package knows
// nothing of HTTP.
//
// # Making futures
//
//   - [New] returns a pending future and its resolve func, for producers
//     that do the work themselves.
//   - [NewWithCancel] does the same and lets consumers stop the work
//     through [Future.Cancel].
//   - [Go] runs a func in a goroutine owned by the future.
//   - [Ready] wraps a result that is already known.
//   - [Then] derives a future from another, running a func on its value.
//
// Every future resolves exactly once: later resolutions are ignored.
//
// # Reading a future
//
// [Future.Await] waits for the result under a context; [Future.Done] gives
// a channel for select statements; [Future.Peek] looks without waiting;
// [Future.Cancel] asks the producer to stop. The outcome is a value and an
// error, or a [Result] where one value is needed.
//
// # Waiting on many futures
//
// The combinators block, take a context first, and start no goroutine, in
// the manner of errgroup's Wait:
//
//   - [All]: every value, or the first error, which cancels the rest.
//   - [AllSettled]: every [Result], successes and failures alike.
//   - [Any]: the first success, which cancels the rest; [ErrAllFailed] with
//     every cause if none succeeds.
//   - [First]: the first result of either kind, which cancels the rest.
//   - [AsCompleted]: an iterator over results in the order they arrive.
//
// To get a future for a combinator's answer, run it under [Go].
//
// # Cancellation
//
// A context passed to a wait bounds the wait only: when it ends, the call
// returns ctx.Err() and the futures carry on. [Future.Cancel] stops the
// work, and the producer then resolves the future, normally with
// [context.Canceled].
package future
