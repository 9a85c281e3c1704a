// Package config holds the typed, effective configuration of one gantry
// project: what the user wrote in CUE, after the schema's defaults were
// applied and each environment's refinements were unified in.
//
// The compiler package produces these values from CUE (compiler.Load) and
// turns them into a resource graph (compiler.Compile). The types here carry
// no CUE and no positions: positions stay with the loader, which reports
// errors; everything downstream of a successful load works on plain Go.
package config
