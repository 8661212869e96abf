// Package snippets holds no code: its test keeps the Go code in README.md
// and docs/*.md true. Every ```go block there must appear, line for line
// (indentation aside), in an Example function of some _test.go file or in
// a program under examples/, which the build compiles and the tests run.
// A block fenced as ```go api lists signatures instead: each func line in
// it must be the signature of a func or method declared in the module.
package snippets
