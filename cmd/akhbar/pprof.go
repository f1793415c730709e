package main

import (
	"net/http"
	"net/http/pprof"
)

// mountPprof serves Go's runtime profiles (CPU, heap, allocations,
// goroutines, traces) under /debug/pprof/ on the admin listener. It is off
// unless AKHBAR_PPROF is set: a profile exposes the program's internals and
// a CPU profile costs CPU while it runs, so an operator (or the load test)
// turns it on for a measurement, not for good.
func mountPprof(mux *http.ServeMux) {
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
}
