package graph

// MaskedValue is what a sensitive value prints as.
const MaskedValue = "(sensitive)"

// MaskSensitive returns a copy of v in which the value inside every
// Sensitive is replaced by MaskedValue, for output that people read (gantry
// compile, graph, plan output). The wrapper stays, so readers see that a
// value is there and that it is sensitive.
func MaskSensitive(v any) any {
	return walkValue(v, func(x any) (any, bool) {
		if _, ok := x.(Sensitive); ok {
			return Sensitive{Value: MaskedValue}, true
		}
		return nil, false
	})
}

// Masked returns a copy of g whose resources' properties have every
// sensitive value masked (see MaskSensitive). g is not changed.
func (g *Graph) Masked() *Graph {
	out := *g
	out.Resources = make([]*Resource, len(g.Resources))
	for i, r := range g.Resources {
		c := *r
		if r.Properties != nil {
			c.Properties = MaskSensitive(map[string]any(r.Properties)).(map[string]any)
		}
		out.Resources[i] = &c
	}
	return &out
}
