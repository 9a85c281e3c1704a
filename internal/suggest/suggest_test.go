package suggest

import "testing"

func TestClosest(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []string
		want string
	}{
		{"prd", []string{"prod", "staging"}, "prod"},
		{"stagin", []string{"prod", "staging"}, "staging"},
		{"jsn", []string{"text", "json"}, "json"},
		{"Prod", []string{"prod"}, "prod"},
		{"prot", []string{"port"}, "port"},                            // a transposition is one edit
		{"intervall", []string{"intervalSeconds"}, "intervalSeconds"}, // a long shared prefix
		{"xml", []string{"text", "json", "markdown"}, ""},             // nothing close
		{"prod", []string{"prod"}, ""},                                // not a misspelling
	} {
		if got := Closest(c.name, c.in); got != c.want {
			t.Errorf("Closest(%q, %v) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}
