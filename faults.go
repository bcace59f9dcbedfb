package streamfake

import "math/rand/v2"

// faultSet holds the fault rules. (Fault injection is being built: see issue 4.)
type faultSet struct {
	rng *rand.Rand
}

// FaultRecord says which fault rule acted on a request and what it did.
type FaultRecord struct {
	RuleID string
	Action string
}

func (r FaultRecord) String() string { return r.RuleID + " " + r.Action }
