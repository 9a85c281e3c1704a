package compiler

import (
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/gantry-gitops/gantry/config"
)

// topLevelFields are the only regular fields allowed at the top level.
var topLevelFields = []string{"project", "environments", "clusters", "loadBalancers", "services", "repositories"}

// entityOrder is the order the refined kinds are handled in.
var entityOrder = []string{"clusters", "loadBalancers", "services"}

// checker checks an evaluated configuration and builds its effective
// value per environment:
//
//  1. the package is evaluated once, as written (plus the schema's
//     definitions), and read into Go (gnode);
//  2. for each environment, each top-level cluster, load balancer and
//     service is unified with the environment's refinement (merge) and
//     checked against the schema (effective), which fills the schema's
//     defaults;
//  3. the effective values are decoded into config types and the Go checks
//     run on them.
//
// Every problem becomes a diagnostic at the user's position.
type checker struct {
	mu    sync.Mutex // guards eff, broken and failed while environments are checked in parallel
	l     *loader
	root  cue.Value
	specs *specs
	tree  *gnode // the package's regular fields, as written

	envNames []string
	// top lists the names defined at the top level, per kind.
	top map[string]map[string]bool
	// disabled[env][service] is true when the service is left out there.
	disabled map[string]map[string]bool
	// eff[env] holds the effective clusters, loadBalancers and services
	// (and the environment's own fields) of each environment, for
	// positions; eff[""] is the top level.
	eff map[string]*gnode

	// broken marks entities (env, kind, name) whose effective value has
	// errors: the Go checks skip them, since their findings would only
	// repeat the error in other words.
	broken map[string]bool
	// failed marks values (env, logical path) in error; failedBelow marks
	// the structs and lists that contain one.
	failed      map[string]bool
	failedBelow map[string]bool

	// undefinedEnv marks environment entries that only refine (see
	// checkEnvDefinitions); misdirected marks entities (env, kind, name)
	// whose refinement in env was written under another name.
	undefinedEnv map[string]bool
	misdirected  map[string]bool

	// reports counts each environment's diagnostics and failure marks,
	// to tell whether computing an effective value reported anything (see
	// effective). It is filled before environments are checked in
	// parallel.
	reports map[string]*atomic.Int64

	repositories []*config.Repository
}

func newChecker(l *loader, root cue.Value) *checker {
	return &checker{
		l:            l,
		root:         root,
		top:          map[string]map[string]bool{},
		disabled:     map[string]map[string]bool{},
		eff:          map[string]*gnode{},
		broken:       map[string]bool{},
		failed:       map[string]bool{},
		failedBelow:  map[string]bool{},
		undefinedEnv: map[string]bool{},
		misdirected:  map[string]bool{},
		reports:      map[string]*atomic.Int64{"": {}},
	}
}

func cuePath(names ...string) cue.Path {
	s := make([]cue.Selector, len(names))
	for i, n := range names {
		s[i] = cue.Str(n)
	}
	return cue.MakePath(s...)
}

func (c *checker) topLevel(kind, name string) bool { return c.top[kind][name] }

func (c *checker) enabled(env, svc string) bool { return !c.disabled[env][svc] }

// names lists a struct node's field names in name order.
func (n *gnode) names() []string {
	if n == nil {
		return nil
	}
	out := make([]string, 0, len(n.fields))
	for _, f := range n.structFields() {
		out = append(out, f.name)
	}
	slices.Sort(out)
	return out
}

// run validates, checks and decodes. The returned project is nil when there
// were errors.
func (c *checker) run() *config.Project {
	t := time.Now()
	c.specs = compileSpecs(c.root, c.l.schemaFile)
	slog.Debug("gantry: compiled schema", "took", time.Since(t))
	t = time.Now()
	rawErr := c.root.Validate()
	slog.Debug("gantry: validated", "took", time.Since(t))
	t = time.Now()
	c.tree = readRoot(c.root, c.l.index.shapes, c.l.listFields)
	c.l.index.shapes = nil // read; what the nodes keep of it is theirs
	slog.Debug("gantry: read configuration", "took", time.Since(t))
	t = time.Now()

	for _, kind := range []string{"clusters", "loadBalancers", "services", "repositories"} {
		c.top[kind] = map[string]bool{}
		for _, n := range c.tree.field(kind).names() {
			c.top[kind][n] = true
		}
	}
	envs := c.tree.field("environments")
	c.envNames = envs.names()
	for _, e := range c.envNames {
		c.reports[e] = &atomic.Int64{}
	}

	c.checkTopLevel()
	c.checkEnvDefinitions(envs)
	c.checkMapShapes(envs)
	c.checkNames()
	c.checkEnvEntries()

	cfg := c.specs.config
	top := &gnode{kind: cue.StructKind, concrete: true}
	c.eff[""] = top
	p := &config.Project{}
	if proj := c.effective(c.tree.field("project"), cfg.fields["project"].spec, "", []string{"project"}, true); proj != nil {
		p.Name = proj.str()
		top.fields = append(top.fields, gfield{"project", proj})
	}
	repos := c.effective(c.tree.field("repositories"), cfg.fields["repositories"].spec, "", rootPath("repositories"), true)
	if repos != nil && !repos.failed {
		top.fields = append(top.fields, gfield{"repositories", repos})
		for _, name := range repos.names() {
			if r := repos.field(name); r != nil && !r.failed {
				c.repositories = append(c.repositories, decodeRepository(name, r))
			}
		}
	}
	p.Environments = make([]*config.Environment, len(c.envNames))
	for _, e := range c.envNames {
		c.disabled[e] = map[string]bool{}
	}
	parallel(len(c.envNames), func(i int) {
		p.Environments[i] = c.environment(c.envNames[i], envs.field(c.envNames[i]))
	})
	c.checkDisabledEverywhere()
	if len(c.envNames) == 0 {
		c.warnAt(c.pos("", "project"), "", []string{"environments"}, "no environments: nothing is deployed anywhere")
		// Nothing is deployed, but the definitions are still checked.
		for _, kind := range entityOrder {
			for _, name := range c.tree.field(kind).names() {
				c.effective(c.tree.path(kind, name), c.entitySpec(kind), "", rootPath(kind, name), true)
			}
		}
	}
	slog.Debug("gantry: unified and decoded environments", "took", time.Since(t))

	t = time.Now()

	if rawErr != nil {
		c.l.skipErr = c.skipErr
		c.l.addCUEErrors(cueerrors.Errors(rawErr), "")
	}
	markSensitive(p, c.l.marks)
	if c.l.mayBeSensitive() {
		// Without @sensitive anywhere, no value is sensitive.
		c.l.secrets = propagateSensitive(p, c.l.marks, sensitiveValues(c.tree, c.l.marks))
		c.checkSensitiveUses(c.l.secrets)
	}
	c.checkProject(p)
	slog.Debug("gantry: checked", "took", time.Since(t))
	return p
}

// checkDisabledEverywhere checks the top-level definition of each service
// that no environment runs against the schema's types (not for
// concreteness: what it leaves to the environments is never needed). No
// environment checks it, yet a wrong type in it (cpu: "big") is an error
// in CUE, and would be one the day an environment enables it (found by
// the differential test).
func (c *checker) checkDisabledEverywhere() {
	if len(c.envNames) == 0 {
		return
	}
	var def cue.Value
	for _, n := range c.tree.field("services").names() {
		everywhere := true
		for _, e := range c.envNames {
			everywhere = everywhere && c.disabled[e][n]
		}
		t := c.tree.path("services", n)
		if !everywhere || t == nil || t.failed {
			continue
		}
		if !def.Exists() {
			def = c.root.LookupPath(cue.ParsePath("#Service"))
		}
		if err := t.value().Unify(def).Validate(); err != nil {
			c.l.addCUEErrorsAt(cueerrors.Errors(err), "", rootPath("services", n))
		}
	}
}

func (c *checker) entitySpec(kind string) *spec {
	switch kind {
	case "clusters":
		return c.specs.cluster
	case "loadBalancers":
		return c.specs.loadBalancer
	}
	return c.specs.service
}

// environment builds, checks and decodes one environment.
func (c *checker) environment(name string, en *gnode) *config.Environment {
	env := &gnode{kind: cue.StructKind, concrete: true}
	c.mu.Lock()
	c.eff[name] = env
	c.mu.Unlock()
	path := []string{"environments", name}

	// The environment's own fields, against #Environment (refinements are
	// checked as part of the effective values).
	own := &gnode{kind: cue.StructKind, concrete: true}
	if en != nil {
		own = en.shallowCopy()
		own.fields = slices.DeleteFunc(own.fields, func(f gfield) bool { return entityKinds[f.name] })
		own.index()
	}
	ownSpec := *c.specs.environment
	ownSpec.names = slices.DeleteFunc(slices.Clone(ownSpec.names), func(n string) bool { return entityKinds[n] })
	effOwn := c.effective(own, &ownSpec, name, path, true)
	if effOwn != nil {
		env.fields = append(env.fields, effOwn.fields...)
	}

	for _, kind := range entityOrder {
		top := c.tree.field(kind)
		refs := en.field(kind)
		var pattern *gnode
		if refs != nil {
			if pv, ok := refs.patternValue(); ok {
				pattern = readNode(pv)
			}
		}
		effKind := &gnode{kind: cue.StructKind, concrete: true}
		for _, n := range top.names() {
			t := top.field(n)
			v := refs.field(n)
			if v == nil {
				v = pattern
			}
			lpath := rootPath(kind, n)
			var merged *gnode
			if c.l.wholeMerge || c.l.index.dynamic || c.l.index.anyRefs() &&
				(c.l.index.refsUnder(lpath) || c.l.index.refsUnder(append([]string{"environments", name}, lpath...))) {
				merged = c.mergeWhole(t, v, name, lpath)
			} else {
				merged = c.merge(t, v, name, lpath)
			}
			if kind == "services" && merged != nil && !merged.failed {
				if en := merged.field("enabled"); en != nil && en.concrete && en.kind == cue.BoolKind && !en.bool() {
					c.disabled[name][n] = true // this environment's own map
					continue
				}
			}
			e := c.effective(merged, c.entitySpec(kind), name, lpath, true)
			if e == nil || e.failed || c.misdirected[brokenKey(name, kind, n)] {
				c.mu.Lock()
				c.broken[brokenKey(name, kind, n)] = true
				c.mu.Unlock()
			}
			if e != nil {
				effKind.fields = append(effKind.fields, gfield{n, e})
			}
		}
		effKind.index()
		env.fields = append(env.fields, gfield{kind, effKind})
	}
	env.index()
	return c.decodeEnvironment(name, env)
}

// skipErr drops validation errors inside services disabled in an
// environment, and inside environment-level entries that refine nothing
// or are no environment (reported once, by checkEnvEntries and
// checkEnvDefinitions).
func (c *checker) skipErr(path []string) bool {
	p := unquoteAll(path)
	if len(p) >= 2 && p[0] == "environments" && c.undefinedEnv[p[1]] {
		return true
	}
	if len(p) < 4 || p[0] != "environments" || !entityKinds[p[2]] {
		return false
	}
	if !c.topLevel(p[2], p[3]) {
		return true
	}
	return p[2] == "services" && !c.enabled(p[1], p[3])
}

// errorAt records an error for a logical path in an environment.
func (c *checker) errorAt(pos token.Pos, env string, path []string, msg string) {
	c.report(pos, env, path, msg, SeverityError)
}

func (c *checker) warnAt(pos token.Pos, env string, path []string, msg string) {
	c.report(pos, env, path, msg, SeverityWarning)
}

func (c *checker) report(pos token.Pos, env string, path []string, msg string, sev Severity) {
	c.countReport(env)
	if !pos.IsValid() {
		c.l.addAtFileStart(formatPath(path), env, msg, sev)
		return
	}
	c.l.add(pos, "", formatPath(path), env, msg, sev)
}

// pos returns the user position for a logical path in an environment
// (services.web.cpu in prod): where the user wrote the effective value,
// else the nearest ancestor the user wrote.
func (c *checker) pos(env string, path ...string) token.Pos {
	root := c.eff[env]
	if env != "" && len(path) > 0 && !entityKinds[path[0]] && path[0] != "environments" {
		root = c.eff[""]
	}
	n := root.path(path...)
	if n == nil && len(path) > 2 && path[0] == "environments" {
		n = c.eff[path[1]].path(path[2:]...)
	}
	return c.nodePos(n, env, path)
}

// keyPos returns the position of a map key the user wrote (for name
// checks): the label if the index knows it, else the value's position.
func (c *checker) keyPos(env string, path ...string) token.Pos {
	if pos, ok := c.l.index.first(path); ok {
		return pos
	}
	if env != "" && len(path) > 0 && entityKinds[path[0]] {
		if pos, ok := c.l.index.first(append([]string{"environments", env}, path...)); ok {
			return pos
		}
	}
	return c.pos(env, path...)
}

// checkTopLevel reports unknown top-level fields: the top level is closed
// like the schema's definitions.
func (c *checker) checkTopLevel() {
	for _, f := range c.tree.fields {
		name := f.name
		if slices.Contains(topLevelFields, name) {
			continue
		}
		msg := fmt.Sprintf("unknown top-level field %q (want one of %s; use _%s or #%s for your own helpers)",
			name, strings.Join(topLevelFields, ", "), name, name)
		if s := suggest(name, topLevelFields); s != "" {
			msg = fmt.Sprintf("unknown top-level field %q; did you mean %q?", name, s)
		}
		pos, ok := c.l.index.first([]string{name})
		if !ok {
			// No file declares the field at the top level: an embedding
			// or a comprehension there made it, and that is the mistake
			// to point at, besides where the field's value comes from.
			pos = c.nodePos(f.node, "", []string{name})
			if from := topLevelMakers(c.l.index.files); len(from) > 0 {
				msg += " (added at the top level by " + c.l.posString(from[0])
				for _, p := range from[1:] {
					msg += ", " + c.l.posString(p)
				}
				msg += ")"
			}
		}
		c.errorAt(pos, "", []string{name}, msg)
	}
}

// topLevelMakers are the positions of the file-level embeddings and
// comprehensions: the declarations that can add top-level fields no file
// names.
func topLevelMakers(files []*ast.File) []token.Pos {
	var out []token.Pos
	for _, f := range files {
		for _, d := range f.Decls {
			switch d.(type) {
			case *ast.EmbedDecl, *ast.Comprehension:
				out = append(out, d.Pos())
			}
		}
	}
	return out
}

// mapSchemaErrors reports the errors of a top-level map, or of an
// environment's refinement of one, against its schema definition, at the
// positions CUE gives; it says whether there were any.
func (c *checker) mapSchemaErrors(n *gnode, path []string) bool {
	def := "#Config." + path[len(path)-1]
	if len(path) == 3 {
		def = "#Environment." + path[2]
	}
	err := n.value().Unify(c.root.LookupPath(cue.ParsePath(def))).Validate()
	if err == nil {
		return false
	}
	c.l.addCUEErrorsAt(cueerrors.Errors(err), "", path)
	return true
}

// checkMapShapes reports the maps of the top level (environments,
// clusters, load balancers, services) and of each environment's
// refinements that are not structs (services: "web"): nothing would read
// them, so nothing would be created (found by FuzzDifferential; CUE's
// #Config rejects them).
func (c *checker) checkMapShapes(envs *gnode) {
	check := func(n *gnode, env string, path []string) {
		switch {
		case n == nil:
		case n.failed && n.incomplete:
			// An expression CUE cannot evaluate yet (services: x * y):
			// its entries would never be read, so nothing would be
			// created, and what is written beside it never checked
			// (found by FuzzDifferential). What the schema says of what
			// is written, if anything, else that it is not concrete.
			if !c.mapSchemaErrors(n, path) {
				c.notConcrete(n, env, path)
			}
		case !n.failed && n.kind != cue.StructKind:
			c.wrongShape(n, nil, env, path, "a struct")
		}
	}
	for _, kind := range append([]string{"environments"}, entityOrder...) {
		check(c.tree.field(kind), "", []string{kind})
	}
	for _, e := range c.envNames {
		for _, kind := range entityOrder {
			check(envs.path(e, kind), "", []string{"environments", e, kind})
		}
	}
}

// checkEnvEntries reports environment-level entries that refine a name
// with no top-level definition.
func (c *checker) checkEnvEntries() {
	envs := c.tree.field("environments")
	for _, e := range c.envNames {
		for _, kind := range entityOrder {
			refs := envs.path(e, kind)
			for _, n := range refs.names() {
				if c.topLevel(kind, n) {
					continue
				}
				if meant, ok := c.nameInError(kind, n); ok {
					// Reported as an invalid name at the definition.
					c.misdirected[brokenKey(e, kind, meant)] = true
					continue
				}
				path := []string{"environments", e, kind, n}
				msg := fmt.Sprintf("%s %q is not defined at the top level (%s.%s): an environment can only refine what exists",
					kindNoun(kind), n, kind, n)
				if s := suggest(n, sortedKeys(c.top[kind])); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
					c.misdirected[brokenKey(e, kind, s)] = true
				}
				pos, ok := c.l.index.first(path)
				if !ok {
					pos = c.nodePos(refs.field(n), e, path)
				}
				c.errorAt(pos, e, path, msg)
			}
		}
	}
}

// noSuch says that a name refers to no top-level entry of a kind, with
// the closest name, or else the names there are.
func (c *checker) noSuch(kind, name string) string {
	msg := fmt.Sprintf("%s %q does not exist", kindNoun(kind), name)
	names := sortedKeys(c.top[kind])
	if sug := suggest(name, names); sug != "" {
		msg += fmt.Sprintf("; did you mean %q?", sug)
	} else if len(names) > 0 {
		msg += " (" + kindPlural(kind) + ": " + strings.Join(names, ", ") + ")"
	}
	return msg
}

func kindNoun(kind string) string {
	switch kind {
	case "services":
		return "service"
	case "clusters":
		return "cluster"
	case "loadBalancers":
		return "load balancer"
	case "repositories":
		return "repository"
	case "environments":
		return "environment"
	}
	return kind
}

func brokenKey(env, kind, name string) string { return env + "\x00" + kind + "\x00" + name }

// isBroken reports whether an entity's effective value has errors.
func (c *checker) isBroken(env, kind, name string) bool { return c.broken[brokenKey(env, kind, name)] }

// parallel calls f(0) .. f(n-1) on up to GOMAXPROCS goroutines. cue.Value
// methods may be called concurrently; the checker's shared state is
// guarded by its mutexes.
func parallel(n int, f func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// readRoot reads the package's regular fields, the entries of each
// top-level map (services, environments, ...) in parallel, with the fields
// of their structs known from the syntax where sh knows them. With
// listFields (LoadOptions) it lists every struct's fields with Fields.
func readRoot(root cue.Value, sh *shapes, listFields bool) *gnode {
	rs := sh.rootShapes()
	if listFields {
		rs = nil
	}
	n := &gnode{v: keep(root), kind: cue.StructKind, concrete: true}
	kinds, vals, ok := fieldValues(root, rs)
	if !ok {
		return readNodeAs(root, true, nil)
	}
	// A job reads one entry of a top-level map: from the syntax (v unset)
	// or from its CUE value.
	type job struct {
		parent *gnode
		i      int
		v      cue.Value
		ss     shapeSet
	}
	var jobs []job
	for k, kind := range kinds {
		v := vals[k]
		if v.Kind() != cue.StructKind {
			n.fields = append(n.fields, gfield{kind, readNodeAs(v, true, nil)})
			continue
		}
		child := &gnode{v: keep(v), kind: cue.StructKind, concrete: true, pat: &patternCache{}}
		kss := rs.child(kind)
		if names, known := kss.fields(); known {
			slices.Sort(names)
			child.fields = make([]gfield, len(names))
			for i, name := range names {
				child.fields[i].name = name
				jobs = append(jobs, job{child, i, cue.Value{}, kss.child(name)})
			}
		} else if names, vals, ok := fieldValues(v, nil); ok {
			child.fields = make([]gfield, len(names))
			for i, name := range names {
				child.fields[i].name = name
				jobs = append(jobs, job{child, i, vals[i], nil})
			}
		}
		n.fields = append(n.fields, gfield{kind, child})
	}
	parallel(len(jobs), func(i int) {
		j := jobs[i]
		var e *gnode
		if !j.v.Exists() {
			if e = syntaxNode(j.ss, j.parent, j.i, true); e == nil {
				j.v = j.parent.v.LookupPath(cue.MakePath(cue.Str(j.parent.fields[j.i].name)))
			}
		}
		if e == nil {
			e = readNodeAs(j.v, true, j.ss)
		}
		j.parent.fields[j.i].node = e
	})
	for _, f := range n.fields {
		f.node.index()
	}
	n.index()
	return n
}

// fieldValues lists the regular fields of struct v and their values, in
// name order: looked up by the names the shapes know, else listed with
// Fields.
func fieldValues(v cue.Value, ss shapeSet) ([]string, []cue.Value, bool) {
	if ns, known := ss.fields(); known {
		if names, vals, ok := lookupFields(v, ns); ok {
			return names, vals, true
		}
	}
	it, err := v.Fields()
	if err != nil {
		return nil, nil, false
	}
	var names []string
	var vals []cue.Value
	for it.Next() {
		names = append(names, it.Selector().Unquoted())
		vals = append(vals, it.Value())
	}
	return names, vals, true
}
