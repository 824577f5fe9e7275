//go:build !unix

package cpumeter

import "testing"

// Meter reports nothing where getrusage does not exist.
type Meter struct{}

// Start begins measuring (a no-op here).
func Start(b *testing.B) *Meter { return &Meter{} }

// Report adds nothing here.
func (m *Meter) Report(b *testing.B) {}
