package applier

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/planner"
)

// A saved plan whose AMI parameter has moved since is stale; one that
// still holds is not; a plan that resolved nothing reads nothing.
func TestCheckParameters(t *testing.T) {
	const name = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
	f := newFake()
	if err := CheckParameters(context.Background(), f, &planner.Plan{}); err != nil || len(f.calls) != 0 {
		t.Fatalf("no parameters: %v, calls %v", err, f.calls)
	}
	ok := &planner.Plan{Parameters: map[string]string{name: fakeParams[name]}}
	if err := CheckParameters(context.Background(), f, ok); err != nil {
		t.Fatalf("unchanged parameter: %v", err)
	}
	moved := &planner.Plan{Parameters: map[string]string{name: "ami-0123456789abcdef0"}}
	err := CheckParameters(context.Background(), f, moved)
	var se *StaleError
	if !errors.As(err, &se) || len(se.Problems) != 1 {
		t.Fatalf("moved parameter: %v", err)
	}
	want := "SSM parameter " + name + ": the plan resolved it to ami-0123456789abcdef0, it is now " + fakeParams[name]
	if se.Problems[0] != want {
		t.Errorf("problem = %q, want %q", se.Problems[0], want)
	}
	if !strings.HasPrefix(err.Error(), "the saved plan is stale; plan again") {
		t.Errorf("message: %v", err)
	}
}
