// Package storetest is the conformance suite of store.Store: the same
// behavioural tests, run against every implementation (store/sqlite and
// store/postgres call [Run] from their own tests). It also offers small
// helpers other packages' tests use to set up data.
package storetest
