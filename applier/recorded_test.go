package applier

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
)

// compiled is the desired graph of the world's configuration, compiled
// the way a plan against live compiles it.
func (w *world) compiled() *graph.Graph {
	w.t.Helper()
	p, diags, err := compiler.Load(w.dir)
	if err != nil || diags.HasErrors() {
		w.t.Fatalf("load: %v %v", err, diags)
	}
	g, err := compiler.Compile(p.Env("test"), p.Name, compiler.CompileOptions{PinnedPriorities: planner.Pinned(w.live())})
	if err != nil {
		w.t.Fatal(err)
	}
	return g
}

// saved writes p as a plan file and reads it back, as apply --plan does.
func saved(t *testing.T, p *planner.Plan) *planner.Plan {
	t.Helper()
	var buf bytes.Buffer
	if err := planner.Encode(&buf, p); err != nil {
		t.Fatal(err)
	}
	q, err := planner.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// resealed is what someone who edits a plan file on purpose writes: the
// edited plan, encoded again (a valid checksum), and read back.
func resealed(t *testing.T, p *planner.Plan, edit func(p *planner.Plan)) *planner.Plan {
	t.Helper()
	q := saved(t, p)
	edit(q)
	return saved(t, q)
}

// consistent recomputes the changes of an edited plan from its (edited)
// desired graph, so that the file holds together: only the
// configuration can tell.
func consistent(t *testing.T, w *world, p *planner.Plan) {
	t.Helper()
	fresh, err := planner.Diff(p.Desired, w.live(), p.Scope, planner.Options{Provider: p.Provider, Parameters: p.Parameters})
	if err != nil {
		t.Fatal(err)
	}
	p.Changes = fresh.Changes
}

func desiredProps(t *testing.T, p *planner.Plan, addr string) map[string]any {
	t.Helper()
	r := p.Desired.Get(addr)
	if r == nil {
		t.Fatalf("no desired %s", addr)
	}
	return r.Properties
}

func setImage(t *testing.T, p *planner.Plan, image string) {
	t.Helper()
	cds := desiredProps(t, p, "service/api/task-definition")["ContainerDefinitions"].([]any)
	cds[0].(map[string]any)["Image"] = image
}

func mismatch(t *testing.T, err error) *MismatchError {
	t.Helper()
	var me *MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("got %v, want a MismatchError", err)
	}
	return me
}

func wantProblems(t *testing.T, err error, want ...string) {
	t.Helper()
	me := mismatch(t, err)
	if got := strings.Join(me.Problems, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

const (
	image100 = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0"
	image110 = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:1.1.0"
	imageBad = "attacker.example.com/api:latest"
)

// An untouched saved plan passes every check: a first plan (creates
// only), and an image change (new revision, rolling deployment, an old
// revision deregistered).
func TestCheckChangesAcceptsUntouchedPlans(t *testing.T) {
	w := newWorld(t, quickKnobs())
	first := saved(t, w.plan())
	if err := CheckChanges(first, w.live()); err != nil {
		t.Errorf("first plan: %v", err)
	}
	if err := CheckDesired(first, w.compiled()); err != nil {
		t.Errorf("first plan: %v", err)
	}
	if res := w.apply(first, Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	w.setImage("api", "1.1.0")
	plan := saved(t, w.plan())
	before, _ := json.Marshal(plan)
	if err := CheckChanges(plan, w.live()); err != nil {
		t.Errorf("image plan: %v", err)
	}
	if after, _ := json.Marshal(plan); !bytes.Equal(before, after) {
		t.Errorf("CheckChanges changed the plan it checked (apply sends its desired graph)")
	}
	if err := CheckDesired(plan, w.compiled()); err != nil {
		t.Errorf("image plan: %v", err)
	}
}

// A saved plan edited (and resealed) so that applying it would do
// something else than its changes show, or that shows changes its graph
// does not make, is refused, naming what differs.
func TestCheckChangesRefusesTamperedPlans(t *testing.T) {
	w := newWorld(t, quickKnobs())
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	w.setImage("api", "1.1.0")
	plan := saved(t, w.plan())
	live := w.live()

	t.Run("image changed in the desired graph", func(t *testing.T) {
		q := resealed(t, plan, func(p *planner.Plan) { setImage(t, p, imageBad) })
		wantProblems(t, CheckChanges(q, live),
			`service/api/task-definition: ContainerDefinitions[api].Image: the plan shows "`+image100+`" → "`+image110+
				`"; recomputed from its desired graph and live state: "`+image100+`" → "`+imageBad+`"`)
	})
	t.Run("diff edited to hide the new image", func(t *testing.T) {
		q := resealed(t, plan, func(p *planner.Plan) {
			c := p.Change("service/api/task-definition")
			c.Diffs[0].After = image100 + " "
		})
		wantProblems(t, CheckChanges(q, live),
			`service/api/task-definition: ContainerDefinitions[api].Image: the plan shows "`+image100+`" → "`+image100+
				` "; recomputed from its desired graph and live state: "`+image100+`" → "`+image110+`"`)
	})
	t.Run("delete added", func(t *testing.T) {
		q := resealed(t, plan, func(p *planner.Plan) {
			c := p.Change("repository/api")
			c.Action, c.Impact, c.Reason, c.Cause = planner.Delete, planner.ImpactDelete, "no longer in the configuration", planner.CauseRemoved
		})
		wantProblems(t, CheckChanges(q, live),
			`repository/api: the plan has action "delete"; recomputed from its desired graph and live state: "noop"`)
	})
	t.Run("security group opened to the world", func(t *testing.T) {
		q := resealed(t, plan, func(p *planner.Plan) {
			props := desiredProps(t, p, "service/api/security-group")
			rules := props["SecurityGroupIngress"].([]any)
			props["SecurityGroupIngress"] = append(rules, map[string]any{
				"CidrIp": "0.0.0.0/0", "FromPort": 0.0, "ToPort": 65535.0, "IpProtocol": "tcp",
			})
		})
		wantProblems(t, CheckChanges(q, live),
			`service/api/security-group: the plan has action "noop"; recomputed from its desired graph and live state: "update"`,
			`service/api/security-group: SecurityGroupIngress: the plan shows no change; recomputed from its desired graph and live state: adds {"CidrIp":"0.0.0.0/0","FromPort":0,"IpProtocol":"tcp","ToPort":65535}`)
	})
	t.Run("a change left out", func(t *testing.T) {
		q := resealed(t, plan, func(p *planner.Plan) {
			var keep []*planner.Change
			for _, c := range p.Changes {
				if c.Address != "service/api/task-definition#1" {
					keep = append(keep, c)
				}
			}
			p.Changes = keep
		})
		wantProblems(t, CheckChanges(q, live),
			`service/api/task-definition#1: the plan has no change; recomputed from its desired graph and live state: delete`)
	})
	t.Run("stage moved", func(t *testing.T) {
		q := resealed(t, plan, func(p *planner.Plan) { p.Change("service/api").Stage = 1 })
		wantProblems(t, CheckChanges(q, live),
			`service/api: the plan has stage 1; recomputed from its desired graph and live state: 4`)
	})
	t.Run("a deletion shown as kept", func(t *testing.T) {
		q := resealed(t, plan, func(p *planner.Plan) {
			p.Retained = append(p.Retained, planner.Retained{Address: "service/api/task-definition#1", Type: "AWS::ECS::TaskDefinition", ID: "x"})
		})
		wantProblems(t, CheckChanges(q, live),
			`the plan has retained [{"address":"service/api/task-definition#1","id":"x","type":"AWS::ECS::TaskDefinition"}]; recomputed from its desired graph and live state: (none)`)
	})
	t.Run("desired graph that cannot be planned", func(t *testing.T) {
		q := resealed(t, plan, func(p *planner.Plan) {
			desiredProps(t, p, "service/api")["Cluster"] = graph.Ref{Address: "cluster/nowhere", Attribute: "Arn"}
		})
		me := mismatch(t, CheckChanges(q, live))
		if !strings.Contains(me.What, "cannot be planned") || !strings.Contains(me.Problems[0], "cluster/nowhere") {
			t.Errorf("got %v", me)
		}
	})
}

// A plan file edited so that it holds together (its changes recomputed
// from its edited graph) passes CheckChanges; applied from its
// configuration, CheckDesired refuses it.
func TestCheckDesiredRefusesConsistentEdits(t *testing.T) {
	w := newWorld(t, quickKnobs())
	w.write("secret.cue", `services: api: env: API_TOKEN: "hunter2-original" @sensitive()`+"\n")
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	w.setImage("api", "1.1.0")
	plan := saved(t, w.plan())
	live := w.live()
	g := w.compiled()

	t.Run("image", func(t *testing.T) {
		q := resealed(t, plan, func(p *planner.Plan) {
			setImage(t, p, imageBad)
			consistent(t, w, p)
		})
		if err := CheckChanges(q, live); err != nil {
			t.Fatalf("a consistent edit: %v", err)
		}
		wantProblems(t, CheckDesired(q, g),
			`service/api/task-definition: ContainerDefinitions[0].Image: the plan has "`+imageBad+`", the configuration "`+image110+`"`)
	})
	t.Run("delete", func(t *testing.T) {
		q := resealed(t, plan, func(p *planner.Plan) {
			var keep []*graph.Resource
			for _, r := range p.Desired.Resources {
				if r.Address != "repository/api" {
					keep = append(keep, r)
				}
			}
			p.Desired.Resources = keep
			consistent(t, w, p)
		})
		if err := CheckChanges(q, live); err != nil {
			t.Fatalf("a consistent edit: %v", err)
		}
		if c := q.Change("repository/api"); c == nil || c.Action != planner.Delete {
			t.Fatalf("the edited plan does not delete the repository: %+v", c)
		}
		wantProblems(t, CheckDesired(q, g), `repository/api: in the configuration, not in the plan`)
	})
	t.Run("sensitive value, never shown", func(t *testing.T) {
		q := resealed(t, plan, func(p *planner.Plan) {
			cd := desiredProps(t, p, "service/api/task-definition")["ContainerDefinitions"].([]any)[0].(map[string]any)
			for _, e := range cd["Environment"].([]any) {
				if e := e.(map[string]any); e["Name"] == "API_TOKEN" {
					e["Value"] = "hunter2-edited" // unwrapped from $sensitive, too
				}
			}
			consistent(t, w, p)
		})
		err := CheckDesired(q, g)
		wantProblems(t, err, `service/api/task-definition: ContainerDefinitions[0].Environment[0].Value differs (sensitive)`)
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the message shows a sensitive value: %v", err)
		}
	})
}
